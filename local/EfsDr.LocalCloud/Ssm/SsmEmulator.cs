using System.Text.Json;
using EfsDr.LocalCloud.Hosting;
using EfsDr.LocalCloud.Nodes;
using static EfsDr.LocalCloud.Ssm.SsmJson;

namespace EfsDr.LocalCloud.Ssm;

/// <summary>What a test or the drill can see of a command invocation.</summary>
public sealed record CommandSnapshot(string CommandId, string InstanceId, string DocumentName, IReadOnlyDictionary<string, IReadOnlyList<string>> Parameters, string Status, int ResponseCode, string StandardOutput, string StandardError);

/// <summary>
/// SSM (JSON 1.1), a thin dispatcher over three services: Run Command (<see cref="SsmRunCommand"/>: SendCommand running
/// EfsDr's node script on simulated nodes, GetCommandInvocation), the instance fleet (<see cref="SsmFleet"/>:
/// DescribeInstanceInformation, DescribeDocument) and Parameter Store (<see cref="SsmParameterStore"/>). In short: SendCommand running EfsDr's node script on simulated nodes, GetCommandInvocation,
/// DescribeInstanceInformation, DescribeDocument, and Parameter Store: GetParameter, PutParameter,
/// GetParametersByPath and DeleteParameter.
/// </summary>
/// <remarks>
/// <para><b>Parameter Store</b> follows botocore's ssm/2014-11-06 model and the Parameter Store naming rules:
/// PutParameter creates, and with <c>Overwrite=false</c> (the default) answers ParameterAlreadyExists for an existing
/// name, atomically (one gate), so of two concurrent creates exactly one wins. Names hold only <c>a-zA-Z0-9_.-</c> and
/// <c>/</c>, a name with <c>/</c> must start with one, at most 15 levels, not prefixed with <c>aws</c> or <c>ssm</c>;
/// otherwise ValidationException (HierarchyLevelLimitExceededException for depth). GetParametersByPath lists the names
/// one level under Path (all levels with <c>Recursive</c>), sorted by name, MaxResults 1–10 (default 10), with an opaque
/// NextToken (InvalidNextToken when it is not one of ours) and the <c>Type</c> filter (Equals). DeleteParameter
/// answers ParameterNotFound for a name that does not exist. Values are stored as given: SecureString is not encrypted,
/// and WithDecryption changes nothing.</para>
/// <para><b>Documents.</b> Whatever DocumentName a SendCommand names, the local cloud runs EfsDr's node script
/// (node/efsdr-node.sh, the body of template.yaml's NodeDocument) and checks the parameters against NodeDocument's,
/// read from template.yaml (<see cref="NodeDocument"/>): an unknown parameter, a missing required one or a value outside allowedPattern /
/// allowedValues is InvalidParameters (HTTP 400) and nothing runs. Defaults are filled in as SSM does.</para>
/// <para><b>Invocation lifecycle</b> (durations simulated, scaled by the SimClock): InvocationDoesNotExist for
/// <see cref="InvocationVisibilityDelay"/> (Run Command is eventually consistent), Pending until the agent picks the
/// command up (<see cref="DeliveryDelay"/>, and only while the node is registered, online and its instance not
/// stopped), InProgress while the script runs, then Success (exit 0) or Failed (ResponseCode = exit code). A command
/// not picked up within its TimeoutSeconds (default 3600) ends TimedOut, "Delivery Timed Out", and never runs. The
/// script itself runs in real time and is killed after <see cref="ExecutionTimeout"/> (real; TimedOut, "Execution
/// Timed Out"). StandardOutputContent is empty until the end and holds the first 24,000 characters, StandardErrorContent
/// the first 8,000. An injected command failure (<see cref="FaultInjector.SetCommandFailure"/>) fails the invocation
/// with that stderr and ResponseCode 1 without running the script.</para>
/// <para><b>Paths.</b> The script runs in the node's sandbox with its shims first on PATH; the MountPoint parameter is
/// mapped into the sandbox as a chroot would (<c>/mnt/efs</c> → <see cref="SimulatedNode.MountPoint"/>), so the script's
/// output names sandbox paths. The other values are passed as given.</para>
/// </remarks>
public sealed class SsmEmulator : IServiceEmulator, IAsyncDisposable
{
    /// <summary>The account id in ARNs.</summary>
    public const string AccountId = "000000000000";

    private readonly SsmFleet _fleet;
    private readonly SsmRunCommand _runCommand;
    private readonly SsmParameterStore _parameters;
    private int _disposed;

    /// <summary>Creates the emulator; file systems come from <see cref="LocalCloudContext.Efs"/> and instance states
    /// from <see cref="LocalCloudContext.Ec2"/> unless <see cref="FileSystemResolver"/> / <see cref="InstanceStateResolver"/>
    /// are replaced.</summary>
    public SsmEmulator(LocalCloudContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Context = context;
        _fleet = new SsmFleet(context, this);
        _runCommand = new SsmRunCommand(this, _fleet);
        _parameters = new SsmParameterStore(context);
        Document = NodeDocument.Load(Path.Combine(context.RepositoryRoot, "template.yaml"));
        ExecutionTimeout = Document.ExecutionTimeout;
        FileSystemResolver = (region, fileSystemId) =>
            context.Efs.FileSystems(region).FirstOrDefault(f => string.Equals(f.FileSystemId, fileSystemId, StringComparison.Ordinal)) is { } fs
                ? new NodeFileSystem(fs.DataDirectory, fs.Writable)
                : null;
        InstanceStateResolver = instanceId =>
        {
            try
            {
                return context.Ec2.Instance(instanceId)?.State;
            }
            catch (NotImplementedException)
            {
                return null; // the EC2 emulator is still a stub: every node counts as running
            }
        };
    }

    /// <inheritdoc />
    public string SigningName => "ssm";

    internal LocalCloudContext Context { get; }

    /// <summary>The file system of (region, file system id) a node's mount binds, or null when there is none. Defaults
    /// to the EFS emulator's file systems; tests may replace it. Asked before every command.</summary>
    public Func<string, string, NodeFileSystem?> FileSystemResolver { get; set; }

    /// <summary>The EC2 state of an instance (running, stopped …), or null when EC2 does not know it (the node counts as
    /// running). Stopped/stopping nodes are absent from DescribeInstanceInformation and get no command; terminated ones
    /// are InvalidInstanceId. Defaults to the EC2 emulator; tests may replace it.</summary>
    public Func<string, string?> InstanceStateResolver { get; set; }

    /// <summary>How long (simulated) GetCommandInvocation answers InvocationDoesNotExist after SendCommand.</summary>
    public TimeSpan InvocationVisibilityDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long (simulated) an online node's agent takes to pick a command up.</summary>
    public TimeSpan DeliveryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long (REAL time) the script may run before it is killed: the document's timeoutSeconds.</summary>
    public TimeSpan ExecutionTimeout { get; set; }

    /// <summary>EfsDr's node document as the repository's template.yaml defines it; SendCommand enforces its parameters.</summary>
    public NodeDocument Document { get; }

    /// <summary>The simulated nodes.</summary>
    public IReadOnlyList<SimulatedNode> Nodes => _fleet.Sandboxes.Select(n => n.Node).ToList();

    /// <summary>Every command invocation so far (full output, not truncated).</summary>
    public IReadOnlyList<CommandSnapshot> Commands => _runCommand.Commands;

    /// <summary>The Command documents DescribeDocument knows, in every region (template.yaml's NodeDocument by default).</summary>
    public ISet<string> DocumentNames => _fleet.DocumentNames;

    /// <summary>True once the emulator is disposed.</summary>
    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <inheritdoc />
    public AwsAnswer Throttled() => AwsAnswer.JsonError(400, "ThrottlingException", "Rate exceeded");

    /// <inheritdoc />
    public AwsAnswer ServerError() => AwsAnswer.JsonError(500, "InternalServerError", "Injected server error");

    /// <summary>Stores a parameter (type String), overwriting any value.</summary>
    public void PutParameter(string region, string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        _parameters.Put(region, name, value);
    }

    /// <summary>Creates a simulated node (sandbox, shims, loopback address) managed by SSM, Online. Its application unit is
    /// <c>minio</c>.</summary>
    public SimulatedNode AddNode(string name, string instanceId, string region, string address) =>
        _fleet.AddNode(name, instanceId, region, address);

    /// <summary>Creates a simulated node whose application (s3rver) is started by <paramref name="applicationUnit"/>.</summary>
    /// <param name="name">The server name; also the sandbox folder <c>ROOT/nodes/NAME</c>.</param>
    /// <param name="instanceId">Its EC2 instance id.</param>
    /// <param name="region">Its region (DescribeInstanceInformation and SendCommand of that region see it).</param>
    /// <param name="address">Its loopback address, 127.x.y.z; the application listens there on port 9000.</param>
    /// <param name="applicationUnit">The systemd unit name of the application.</param>
    public SimulatedNode AddNode(string name, string instanceId, string region, string address, string applicationUnit) =>
        _fleet.AddNode(name, instanceId, region, address, applicationUnit);

    /// <summary>The sandbox of a node (shim calls, mounts, application pid), for tests and the drill.</summary>
    internal NodeSandbox Sandbox(string instanceId) => _fleet.Sandbox(instanceId);

    /// <summary>The pid of the node's running application (s3rver), or null when it does not run.</summary>
    public int? ApplicationPid(string instanceId) => Sandbox(instanceId).ApplicationPid;

    /// <summary>The node's mounts (target, source as given, options, region, file system id).</summary>
    public IReadOnlyList<NodeMount> Mounts(string instanceId) => Sandbox(instanceId).Mounts;

    /// <summary>Kills a node's application, as if it crashed (its mount stays).</summary>
    public Task StopApplicationAsync(string instanceId, CancellationToken cancellationToken = default) =>
        Sandbox(instanceId).StopApplicationAsync(cancellationToken);

    /// <inheritdoc />
    public Task<AwsAnswer> HandleAsync(AwsCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        JsonElement body;
        try
        {
            body = call.Json;
        }
        catch (JsonException ex)
        {
            return Task.FromResult(Error("SerializationException", $"The request body is not JSON: {ex.Message}"));
        }

        var answer = call.Target switch
        {
            "SendCommand" => _runCommand.OnSendCommand(call.Region, body),
            "GetCommandInvocation" => _runCommand.OnGetCommandInvocation(call.Region, body),
            "DescribeInstanceInformation" => _fleet.OnDescribeInstanceInformation(call.Region, body),
            "DescribeDocument" => _fleet.OnDescribeDocument(body),
            "GetParameter" => _parameters.OnGetParameter(call.Region, body),
            "PutParameter" => _parameters.OnPutParameter(call.Region, body),
            "GetParametersByPath" => _parameters.OnGetParametersByPath(call.Region, body),
            "DeleteParameter" => _parameters.OnDeleteParameter(call.Region, body),
            null => Error("MissingAction", "X-Amz-Target is missing"),
            var other => Error("UnknownOperationException", $"The local cloud's SSM does not implement {other}."),
        };
        return Task.FromResult(answer);
    }

    /// <summary>Cancels pending commands, kills running scripts and stops every node's application.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _runCommand.StopAsync().ConfigureAwait(false);
        foreach (var node in _fleet.Sandboxes)
        {
            await node.StopApplicationAsync().ConfigureAwait(false);
        }

        _runCommand.Dispose();
    }
}
