using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml;
using EfsDr.LocalCloud.Hosting;
using EfsDr.LocalCloud.Nodes;

namespace EfsDr.LocalCloud.Ssm;

/// <summary>What a test or the drill can see of a command invocation.</summary>
public sealed record CommandSnapshot(string CommandId, string InstanceId, string DocumentName, IReadOnlyDictionary<string, IReadOnlyList<string>> Parameters, string Status, int ResponseCode, string StandardOutput, string StandardError);

/// <summary>
/// SSM (JSON 1.1): SendCommand running EfsDr's node script on simulated nodes, GetCommandInvocation,
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
/// (node/efsdr-node.sh, the body of template.yaml's NodeDocument) and checks the parameters against NodeDocument's
/// (<see cref="NodeDocument"/>): an unknown parameter, a missing required one or a value outside allowedPattern /
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
public sealed partial class SsmEmulator : IServiceEmulator, IAsyncDisposable
{
    /// <summary>The account id in ARNs.</summary>
    public const string AccountId = "000000000000";

    private const int MaxStdout = 24_000;
    private const int MaxStderr = 8_000;
    private const int DefaultTimeoutSeconds = 3600;
    private static readonly string[] StoppedStates = ["stopped", "stopping"];
    private static readonly string[] GoneStates = ["terminated", "shutting-down"];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, NodeSandbox> _nodes = new(StringComparer.Ordinal);
    private readonly List<NodeSandbox> _nodeOrder = [];
    private readonly Dictionary<string, DateTimeOffset> _lastPing = new(StringComparer.Ordinal);
    private readonly List<Invocation> _invocations = [];
    private readonly Dictionary<string, Invocation> _byCommandId = new(StringComparer.Ordinal);
    private readonly List<Task> _runners = [];
    private readonly Dictionary<(string Region, string Name), StoredParameter> _parameters = [];
    private readonly CancellationTokenSource _stopping = new();
    private int _disposed;

    /// <summary>Creates the emulator; file systems come from <see cref="LocalCloudContext.Efs"/> and instance states
    /// from <see cref="LocalCloudContext.Ec2"/> unless <see cref="FileSystemResolver"/> / <see cref="InstanceStateResolver"/>
    /// are replaced.</summary>
    public SsmEmulator(LocalCloudContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Context = context;
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
    public TimeSpan ExecutionTimeout { get; set; } = NodeDocument.ExecutionTimeout;

    /// <summary>The simulated nodes.</summary>
    public IReadOnlyList<SimulatedNode> Nodes
    {
        get
        {
            lock (_gate)
            {
                return _nodeOrder.Select(n => n.Node).ToList();
            }
        }
    }

    /// <summary>Every command invocation so far (full output, not truncated).</summary>
    public IReadOnlyList<CommandSnapshot> Commands
    {
        get
        {
            lock (_gate)
            {
                return _invocations.Select(i => new CommandSnapshot(i.CommandId, i.InstanceId, i.DocumentName, i.Parameters, i.Status, i.ResponseCode, i.Stdout, i.Stderr)).ToList();
            }
        }
    }

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
        lock (_gate)
        {
            Store(region, name, value, "String");
        }
    }

    /// <summary>Creates a simulated node (sandbox, shims, loopback address) managed by SSM, Online. Its application unit is
    /// <c>minio</c>.</summary>
    public SimulatedNode AddNode(string name, string instanceId, string region, string address) =>
        AddNode(name, instanceId, region, address, NodeSandbox.DefaultApplicationUnit);

    /// <summary>Creates a simulated node whose application (s3rver) is started by <paramref name="applicationUnit"/>.</summary>
    /// <param name="name">The server name; also the sandbox folder <c>ROOT/nodes/NAME</c>.</param>
    /// <param name="instanceId">Its EC2 instance id.</param>
    /// <param name="region">Its region (DescribeInstanceInformation and SendCommand of that region see it).</param>
    /// <param name="address">Its loopback address, 127.x.y.z; the application listens there on port 9000.</param>
    /// <param name="applicationUnit">The systemd unit name of the application.</param>
    public SimulatedNode AddNode(string name, string instanceId, string region, string address, string applicationUnit)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        if (!SafeName().IsMatch(name))
        {
            throw new ArgumentException($"A node name is letters, digits, '.', '_' and '-': {name}", nameof(name));
        }

        if (!IPAddress.TryParse(address, out var ip) || !IPAddress.IsLoopback(ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            throw new ArgumentException($"A node's address is an IPv4 loopback address (127.x.y.z): {address}", nameof(address));
        }

        if (!UnitName().IsMatch(applicationUnit))
        {
            throw new ArgumentException($"A unit name matches the document's Unit pattern {UnitName()}: {applicationUnit}", nameof(applicationUnit));
        }

        var directory = Path.Combine(Context.Root, "nodes", name);
        var node = new SimulatedNode(name, instanceId, region, address, directory, Path.Combine(directory, "mnt", "efs"));
        if (!SandboxPath().IsMatch(node.MountPoint))
        {
            throw new InvalidOperationException($"The node's mount point {node.MountPoint} would fail the node script's MountPoint check (letters, digits, '._/-', at most 255 characters); use a RootDirectory without other characters.");
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            if (_nodes.ContainsKey(instanceId) || _nodeOrder.Any(n => n.Node.Name == name || n.Node.Address == address))
            {
                throw new InvalidOperationException($"A node with instance id {instanceId}, name {name} or address {address} exists already.");
            }

            var sandbox = new NodeSandbox(node, Context.RepositoryRoot, (r, id) => FileSystemResolver(r, id), applicationUnit);
            _nodes[instanceId] = sandbox;
            _nodeOrder.Add(sandbox);
            _lastPing[instanceId] = Context.Clock.Now;
        }

        return node;
    }

    /// <summary>The sandbox of a node (shim calls, mounts, application pid), for tests and the drill.</summary>
    internal NodeSandbox Sandbox(string instanceId)
    {
        lock (_gate)
        {
            return _nodes.TryGetValue(instanceId, out var sandbox) ? sandbox : throw new KeyNotFoundException($"No simulated node {instanceId}");
        }
    }

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
            "SendCommand" => OnSendCommand(call.Region, body),
            "GetCommandInvocation" => OnGetCommandInvocation(call.Region, body),
            "DescribeInstanceInformation" => OnDescribeInstanceInformation(call.Region, body),
            "DescribeDocument" => OnDescribeDocument(body),
            "GetParameter" => OnGetParameter(call.Region, body),
            "PutParameter" => OnPutParameter(call.Region, body),
            "GetParametersByPath" => OnGetParametersByPath(call.Region, body),
            "DeleteParameter" => OnDeleteParameter(call.Region, body),
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

        await _stopping.CancelAsync().ConfigureAwait(false);
        Task[] runners;
        NodeSandbox[] nodes;
        lock (_gate)
        {
            runners = [.. _runners];
            nodes = [.. _nodeOrder];
        }

        try
        {
            await Task.WhenAll(runners).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // a script that does not die is left behind; its node's application is still stopped below
        }

        foreach (var node in nodes)
        {
            await node.StopApplicationAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private AwsAnswer OnSendCommand(string region, JsonElement body)
    {
        var documentName = Text(body, "DocumentName");
        if (string.IsNullOrEmpty(documentName))
        {
            return Error("ValidationException", "DocumentName is required.");
        }

        var instanceIds = body.TryGetProperty("InstanceIds", out var ids) && ids.ValueKind == JsonValueKind.Array
            ? ids.EnumerateArray().Select(i => i.GetString() ?? string.Empty).ToList()
            : [];
        if (instanceIds.Count != 1)
        {
            return Error("ValidationException", $"The local cloud sends a command to exactly one instance (InstanceIds), not {instanceIds.Count}; Targets are not supported.");
        }

        var instanceId = instanceIds[0];
        var timeoutSeconds = DefaultTimeoutSeconds;
        if (body.TryGetProperty("TimeoutSeconds", out var timeout) && timeout.ValueKind == JsonValueKind.Number)
        {
            timeoutSeconds = timeout.GetInt32();
            if (timeoutSeconds is < 30 or > 2_592_000)
            {
                return Error("ValidationException", $"TimeoutSeconds {timeoutSeconds} is outside 30–2592000.");
            }
        }

        var given = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (body.TryGetProperty("Parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object)
        {
            foreach (var parameter in parameters.EnumerateObject())
            {
                given[parameter.Name] = parameter.Value.ValueKind == JsonValueKind.Array
                    ? parameter.Value.EnumerateArray().Select(v => v.GetString() ?? string.Empty).ToList()
                    : [parameter.Value.ToString()];
            }
        }

        NodeSandbox? sandbox;
        lock (_gate)
        {
            _nodes.TryGetValue(instanceId, out sandbox);
        }

        if (sandbox is null || sandbox.Node.Region != region || GoneStates.Contains(InstanceStateResolver(instanceId), StringComparer.Ordinal))
        {
            return Error("InvalidInstanceId", $"Instances [[{instanceId}]] not in a valid state for account {AccountId}");
        }

        if (NodeDocument.Validate(given, out var effective) is { } problem)
        {
            return Error("InvalidParameters", problem);
        }

        var invocation = new Invocation
        {
            CommandId = Guid.NewGuid().ToString(),
            InstanceId = instanceId,
            Region = region,
            DocumentName = documentName,
            DocumentVersion = Text(body, "DocumentVersion") ?? "1",
            Comment = Text(body, "Comment") ?? string.Empty,
            Parameters = given,
            RequestedAt = Context.Clock.Now,
            TimeoutSeconds = timeoutSeconds,
        };
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            _invocations.Add(invocation);
            _byCommandId[invocation.CommandId] = invocation;
            _runners.RemoveAll(r => r.IsCompleted);
            _runners.Add(Task.Run(() => RunAsync(invocation, sandbox, effective, _stopping.Token)));
        }

        var command = new JsonObject
        {
            ["CommandId"] = invocation.CommandId,
            ["DocumentName"] = documentName,
            ["DocumentVersion"] = invocation.DocumentVersion,
            ["Comment"] = invocation.Comment,
            ["ExpiresAfter"] = Epoch(invocation.RequestedAt.AddSeconds(timeoutSeconds)),
            ["Parameters"] = new JsonObject(given.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)new JsonArray(p.Value.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray())))),
            ["InstanceIds"] = new JsonArray(JsonValue.Create(instanceId)),
            ["Targets"] = new JsonArray(),
            ["RequestedDateTime"] = Epoch(invocation.RequestedAt),
            ["Status"] = "Pending",
            ["StatusDetails"] = "Pending",
            ["OutputS3Region"] = region,
            ["OutputS3BucketName"] = string.Empty,
            ["OutputS3KeyPrefix"] = string.Empty,
            ["MaxConcurrency"] = "50",
            ["MaxErrors"] = "0",
            ["TargetCount"] = 1,
            ["CompletedCount"] = 0,
            ["ErrorCount"] = 0,
            ["DeliveryTimedOutCount"] = 0,
            ["ServiceRole"] = string.Empty,
            ["CloudWatchOutputConfig"] = new JsonObject { ["CloudWatchLogGroupName"] = string.Empty, ["CloudWatchOutputEnabled"] = false },
            ["TimeoutSeconds"] = timeoutSeconds,
        };
        return Ok(new JsonObject { ["Command"] = command });
    }

    private async Task RunAsync(Invocation invocation, NodeSandbox sandbox, IReadOnlyDictionary<string, string> effective, CancellationToken cancellationToken)
    {
        var clock = Context.Clock;
        try
        {
            await Task.Delay(clock.Real(DeliveryDelay), clock.Time, cancellationToken).ConfigureAwait(false);
            var deadline = invocation.RequestedAt + clock.Real(TimeSpan.FromSeconds(invocation.TimeoutSeconds));
            while (!Deliverable(invocation.InstanceId))
            {
                var remaining = deadline - clock.Now;
                if (remaining <= TimeSpan.Zero)
                {
                    Finish(invocation, "TimedOut", "Delivery Timed Out", -1, string.Empty, string.Empty);
                    return;
                }

                await Task.Delay(remaining < TimeSpan.FromMilliseconds(50) ? remaining : TimeSpan.FromMilliseconds(50), clock.Time, cancellationToken).ConfigureAwait(false);
            }

            lock (_gate)
            {
                invocation.Status = invocation.StatusDetails = "InProgress";
                invocation.StartedAt = clock.Now;
            }

            if (Context.Faults.CommandFailure(invocation.InstanceId) is { } failure)
            {
                Finish(invocation, "Failed", "Failed", 1, string.Empty, failure);
                return;
            }

            sandbox.RefreshFileSystems([(effective["Region"], effective["FileSystemId"])]);
            var ssm = effective.ToDictionary(p => p.Key, p => p.Key == "MountPoint" ? sandbox.MapPath(p.Value) : p.Value, StringComparer.Ordinal);
            var result = await sandbox.RunScriptAsync(ssm, ExecutionTimeout, cancellationToken).ConfigureAwait(false);
            if (result.TimedOut)
            {
                Finish(invocation, "TimedOut", "Execution Timed Out", -1, result.StandardOutput, result.StandardError);
            }
            else
            {
                var success = result.ExitCode == 0;
                Finish(invocation, success ? "Success" : "Failed", success ? "Success" : "Failed", result.ExitCode, result.StandardOutput, result.StandardError);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Finish(invocation, "Cancelled", "Cancelled", -1, string.Empty, "local cloud: disposed while the command was pending or running");
        }
#pragma warning disable CA1031 // the invocation reports whatever went wrong, as an agent would
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Finish(invocation, "Failed", "Failed", 1, string.Empty, $"local cloud: the node could not run the command: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private bool Deliverable(string instanceId)
    {
        bool registered;
        lock (_gate)
        {
            registered = _nodes.ContainsKey(instanceId);
        }

        var state = InstanceStateResolver(instanceId);
        return registered && !Context.Faults.IsNodeOffline(instanceId)
            && !StoppedStates.Contains(state, StringComparer.Ordinal) && !GoneStates.Contains(state, StringComparer.Ordinal);
    }

    private void Finish(Invocation invocation, string status, string details, int responseCode, string stdout, string stderr)
    {
        lock (_gate)
        {
            invocation.Status = status;
            invocation.StatusDetails = details;
            invocation.ResponseCode = responseCode;
            invocation.Stdout = stdout;
            invocation.Stderr = stderr;
            invocation.StartedAt ??= Context.Clock.Now;
            invocation.EndedAt = Context.Clock.Now;
        }
    }

    private AwsAnswer OnGetCommandInvocation(string region, JsonElement body)
    {
        var commandId = Text(body, "CommandId");
        var instanceId = Text(body, "InstanceId");
        if (string.IsNullOrEmpty(commandId) || string.IsNullOrEmpty(instanceId))
        {
            return Error("ValidationException", "CommandId and InstanceId are required.");
        }

        if (!Guid.TryParse(commandId, out _))
        {
            return Error("InvalidCommandId", $"{commandId} is not a command id.");
        }

        var plugin = Text(body, "PluginName");
        if (plugin is not null && plugin != NodeDocument.StepName && plugin != "aws:runShellScript")
        {
            return Error("InvalidPluginName", $"The document has no step {plugin}.");
        }

        JsonObject answer;
        lock (_gate)
        {
            if (!_byCommandId.TryGetValue(commandId, out var invocation) || invocation.InstanceId != instanceId || invocation.Region != region
                || !Context.Clock.Elapsed(invocation.RequestedAt, InvocationVisibilityDelay))
            {
                return Error("InvocationDoesNotExist", "An invocation with this CommandId and InstanceId does not exist (yet).");
            }

            var terminal = invocation.EndedAt is not null;
            answer = new JsonObject
            {
                ["CommandId"] = invocation.CommandId,
                ["InstanceId"] = invocation.InstanceId,
                ["Comment"] = invocation.Comment,
                ["DocumentName"] = invocation.DocumentName,
                ["DocumentVersion"] = invocation.DocumentVersion,
                ["PluginName"] = plugin ?? NodeDocument.StepName,
                ["ResponseCode"] = terminal ? invocation.ResponseCode : -1,
                ["ExecutionStartDateTime"] = invocation.StartedAt is { } started ? Iso(started) : string.Empty,
                ["ExecutionElapsedTime"] = invocation.StartedAt is { } from ? XmlConvert.ToString((invocation.EndedAt ?? Context.Clock.Now) - from) : string.Empty,
                ["ExecutionEndDateTime"] = invocation.EndedAt is { } ended ? Iso(ended) : string.Empty,
                ["Status"] = invocation.Status,
                ["StatusDetails"] = invocation.StatusDetails,
                ["StandardOutputContent"] = terminal ? Truncate(invocation.Stdout, MaxStdout) : string.Empty,
                ["StandardOutputUrl"] = string.Empty,
                ["StandardErrorContent"] = terminal ? Truncate(invocation.Stderr, MaxStderr) : string.Empty,
                ["StandardErrorUrl"] = string.Empty,
                ["CloudWatchOutputConfig"] = new JsonObject { ["CloudWatchLogGroupName"] = string.Empty, ["CloudWatchOutputEnabled"] = false },
            };
        }

        return Ok(answer);
    }

    private AwsAnswer OnDescribeInstanceInformation(string region, JsonElement body)
    {
        var filters = new List<(string Key, HashSet<string> Values)>();
        foreach (var (list, keyName, valuesName) in new[] { ("Filters", "Key", "Values"), ("InstanceInformationFilterList", "key", "valueSet") })
        {
            if (!body.TryGetProperty(list, out var filterList) || filterList.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var entry in filterList.EnumerateArray())
            {
                var key = Text(entry, keyName) ?? string.Empty;
                if (key is not ("InstanceIds" or "PingStatus"))
                {
                    return Error("InvalidFilterKey", $"The local cloud filters instance information by InstanceIds and PingStatus, not '{key}'.");
                }

                var values = entry.TryGetProperty(valuesName, out var v) && v.ValueKind == JsonValueKind.Array
                    ? v.EnumerateArray().Select(x => x.GetString() ?? string.Empty).ToHashSet(StringComparer.Ordinal)
                    : [];
                if (values.Count == 0)
                {
                    return Error("InvalidInstanceInformationFilterValue", $"The filter {key} needs at least one value.");
                }

                filters.Add((key == "InstanceIds" ? "InstanceIds" : "PingStatus", values));
            }
        }

        List<SimulatedNode> nodes;
        lock (_gate)
        {
            nodes = _nodeOrder.Select(n => n.Node).Where(n => n.Region == region).ToList();
        }

        var entries = new JsonArray();
        foreach (var node in nodes)
        {
            var state = InstanceStateResolver(node.InstanceId);
            if (StoppedStates.Contains(state, StringComparer.Ordinal) || GoneStates.Contains(state, StringComparer.Ordinal))
            {
                continue; // stopped and terminated instances are not listed
            }

            var online = !Context.Faults.IsNodeOffline(node.InstanceId);
            var ping = online ? "Online" : "ConnectionLost";
            DateTimeOffset lastPing;
            lock (_gate)
            {
                if (online)
                {
                    _lastPing[node.InstanceId] = Context.Clock.Now;
                }

                lastPing = _lastPing[node.InstanceId];
            }

            if (filters.Any(f => !f.Values.Contains(f.Key == "InstanceIds" ? node.InstanceId : ping)))
            {
                continue;
            }

            entries.Add(new JsonObject
            {
                ["InstanceId"] = node.InstanceId,
                ["PingStatus"] = ping,
                ["LastPingDateTime"] = Epoch(lastPing),
                ["AgentVersion"] = "3.3.2746.0",
                ["IsLatestVersion"] = true,
                ["PlatformType"] = "Linux",
                ["PlatformName"] = "Amazon Linux",
                ["PlatformVersion"] = "2023",
                ["ResourceType"] = "EC2Instance",
                ["IPAddress"] = node.Address,
                ["ComputerName"] = node.Name,
                ["SourceId"] = node.InstanceId,
                ["SourceType"] = "AWS::EC2::Instance",
            });
        }

        return Ok(new JsonObject { ["InstanceInformationList"] = entries });
    }

    private AwsAnswer OnGetParameter(string region, JsonElement body)
    {
        var name = ParameterName(Text(body, "Name"), region);
        if (string.IsNullOrEmpty(name))
        {
            return Error("ValidationException", "Name is required.");
        }

        StoredParameter? parameter;
        lock (_gate)
        {
            _parameters.TryGetValue((region, name), out parameter);
        }

        return parameter is null
            ? Error("ParameterNotFound", $"Parameter {name} not found.")
            : Ok(new JsonObject
            {
                ["Parameter"] = new JsonObject
                {
                    ["Name"] = name,
                    ["Type"] = parameter.Type,
                    ["Value"] = parameter.Value,
                    ["Version"] = parameter.Version,
                    ["LastModifiedDate"] = Epoch(parameter.LastModified),
                    ["ARN"] = Arn(region, name),
                    ["DataType"] = "text",
                },
            });
    }

    private AwsAnswer OnPutParameter(string region, JsonElement body)
    {
        var name = Text(body, "Name");
        var value = Text(body, "Value");
        var type = Text(body, "Type");
        var tier = Text(body, "Tier") ?? "Standard";
        var overwrite = body.TryGetProperty("Overwrite", out var o) && o.ValueKind == JsonValueKind.True;
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(value))
        {
            return Error("ValidationException", "Name and Value are required.");
        }

        if (InvalidName(name) is { } invalid)
        {
            return invalid;
        }

        if (type is not (null or "String" or "StringList" or "SecureString"))
        {
            return Error("UnsupportedParameterType", $"Type {type} is not String, StringList or SecureString.");
        }

        var limit = tier == "Advanced" ? 8192 : 4096;
        if (value.Length > limit)
        {
            return Error("ValidationException", $"{tier} tier parameters support a maximum parameter value of {limit} characters; this value has {value.Length}.");
        }

        lock (_gate)
        {
            var exists = _parameters.TryGetValue((region, name), out var current);
            if (exists && !overwrite)
            {
                return Error("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.");
            }

            var stored = Store(region, name, value, type ?? current?.Type ?? "String");
            return Ok(new JsonObject { ["Version"] = stored.Version, ["Tier"] = tier });
        }
    }

    private AwsAnswer OnGetParametersByPath(string region, JsonElement body)
    {
        var path = Text(body, "Path");
        if (string.IsNullOrEmpty(path))
        {
            return Error("ValidationException", "1 validation error detected: Value null at 'path' failed to satisfy constraint: Member must not be null");
        }

        // Reading is allowed under /aws (AWS's public parameters), so the prefix rule does not apply to a path.
        if (!path.StartsWith('/') || InvalidName(path.Length > 1 ? path.TrimEnd('/') : "/x", reading: true) is not null)
        {
            return Error("ValidationException", "The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash \"/\". It can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol \"/\".");
        }

        var recursive = body.TryGetProperty("Recursive", out var r) && r.ValueKind == JsonValueKind.True;
        var maxResults = 10;
        if (body.TryGetProperty("MaxResults", out var m) && m.ValueKind == JsonValueKind.Number)
        {
            maxResults = m.GetInt32();
            if (maxResults is < 1 or > 10)
            {
                return Error("ValidationException", $"1 validation error detected: Value '{maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value {(maxResults < 1 ? "greater than or equal to 1" : "less than or equal to 10")}");
            }
        }

        HashSet<string>? types = null;
        if (body.TryGetProperty("ParameterFilters", out var filters) && filters.ValueKind == JsonValueKind.Array)
        {
            foreach (var filter in filters.EnumerateArray())
            {
                var key = Text(filter, "Key");
                if (key != "Type")
                {
                    return Error("InvalidFilterKey", $"The local cloud filters GetParametersByPath by Type only, not '{key}'.");
                }

                if (Text(filter, "Option") is { } option && option != "Equals")
                {
                    return Error("InvalidFilterOption", $"The filter option '{option}' is not valid for Type. Valid option: Equals.");
                }

                var values = filter.TryGetProperty("Values", out var v) && v.ValueKind == JsonValueKind.Array
                    ? v.EnumerateArray().Select(x => x.GetString() ?? string.Empty).ToList()
                    : [];
                if (values.Count == 0 || values.Any(x => x is not ("String" or "StringList" or "SecureString")))
                {
                    return Error("InvalidFilterValue", "The Type filter needs one or more of String, StringList and SecureString.");
                }

                types = [.. values];
            }
        }

        string? after = null;
        if (Text(body, "NextToken") is { Length: > 0 } token)
        {
            after = FromNextToken(token);
            if (after is null)
            {
                return Error("InvalidNextToken", "The specified token isn't valid.");
            }
        }

        var prefix = path.Length > 1 ? path.TrimEnd('/') + "/" : "/";
        List<(string Name, StoredParameter Parameter)> page;
        bool more;
        lock (_gate)
        {
            var matches = _parameters
                .Where(p => p.Key.Region == region && p.Key.Name.StartsWith(prefix, StringComparison.Ordinal) && p.Key.Name.Length > prefix.Length)
                .Where(p => recursive || !p.Key.Name.AsSpan(prefix.Length).Contains('/'))
                .Where(p => types is null || types.Contains(p.Value.Type))
                .Where(p => after is null || string.CompareOrdinal(p.Key.Name, after) > 0)
                .OrderBy(p => p.Key.Name, StringComparer.Ordinal)
                .Select(p => (p.Key.Name, p.Value))
                .Take(maxResults + 1)
                .ToList();
            more = matches.Count > maxResults;
            page = matches.Take(maxResults).ToList();
        }

        var answer = new JsonObject
        {
            ["Parameters"] = new JsonArray([.. page.Select(p => (JsonNode)new JsonObject
            {
                ["Name"] = p.Name,
                ["Type"] = p.Parameter.Type,
                ["Value"] = p.Parameter.Value,
                ["Version"] = p.Parameter.Version,
                ["LastModifiedDate"] = Epoch(p.Parameter.LastModified),
                ["ARN"] = Arn(region, p.Name),
                ["DataType"] = "text",
            })]),
        };
        if (more)
        {
            answer["NextToken"] = ToNextToken(page[^1].Name);
        }

        return Ok(answer);
    }

    private AwsAnswer OnDeleteParameter(string region, JsonElement body)
    {
        var name = Text(body, "Name");
        if (string.IsNullOrEmpty(name))
        {
            return Error("ValidationException", "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null");
        }

        lock (_gate)
        {
            return _parameters.Remove((region, name))
                ? Ok(new JsonObject())
                : Error("ParameterNotFound", $"Parameter {name} not found.");
        }
    }

    /// <summary>The ValidationException for a name Parameter Store refuses, or null for a valid one; names to read may
    /// start with <c>aws</c>/<c>ssm</c>.</summary>
    private static AwsAnswer? InvalidName(string name, bool reading = false)
    {
        if (name.Contains('/', StringComparison.Ordinal) && !name.StartsWith('/'))
        {
            return Error("ValidationException", "Parameter name must be a fully qualified name.");
        }

        var bare = name.TrimStart('/');
        if (!ParameterNameCharacters().IsMatch(name) || bare.Length == 0 || name.EndsWith('/') || name.Contains("//", StringComparison.Ordinal)
            || (!reading && (bare.StartsWith("aws", StringComparison.OrdinalIgnoreCase) || bare.StartsWith("ssm", StringComparison.OrdinalIgnoreCase))))
        {
            return Error("ValidationException", "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_");
        }

        if (name.Count(c => c == '/') > 15)
        {
            return Error("HierarchyLevelLimitExceededException", "A hierarchy can have a maximum of 15 levels.");
        }

        return name.Length > 1011 - Arn("us-east-1", string.Empty).Length
            ? Error("ValidationException", "1 validation error detected: the parameter name is too long; a name may have at most 1011 characters including the ARN before it.")
            : null;
    }

    private static string ToNextToken(string lastName) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("efsdr-local:" + lastName));

    private static string? FromNextToken(string token)
    {
        var bytes = new byte[token.Length];
        if (!Convert.TryFromBase64String(token, bytes, out var written))
        {
            return null;
        }

        var text = System.Text.Encoding.UTF8.GetString(bytes, 0, written);
        return text.StartsWith("efsdr-local:", StringComparison.Ordinal) ? text["efsdr-local:".Length..] : null;
    }

    private StoredParameter Store(string region, string name, string value, string type)
    {
        var version = _parameters.TryGetValue((region, name), out var current) ? current.Version + 1 : 1;
        var stored = new StoredParameter(value, type, version, Context.Clock.Now);
        _parameters[(region, name)] = stored;
        return stored;
    }

    /// <summary>A name from a name or an ARN (arn:aws:ssm:REGION:ACCOUNT:parameter/NAME).</summary>
    private string? ParameterName(string? nameOrArn, string region)
    {
        if (nameOrArn is null || !nameOrArn.StartsWith("arn:", StringComparison.Ordinal))
        {
            return nameOrArn;
        }

        var marker = nameOrArn.IndexOf(":parameter/", StringComparison.Ordinal);
        if (marker < 0)
        {
            return nameOrArn;
        }

        var bare = nameOrArn[(marker + ":parameter/".Length)..];
        lock (_gate)
        {
            return _parameters.ContainsKey((region, "/" + bare)) ? "/" + bare : bare;
        }
    }

    private static string Arn(string region, string name) =>
        $"arn:aws:ssm:{region}:{AccountId}:parameter{(name.StartsWith('/') ? name : "/" + name)}";

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static double Epoch(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    /// <summary>The Command documents DescribeDocument knows, in every region (template.yaml's NodeDocument by default).</summary>
    public ISet<string> DocumentNames { get; } = new HashSet<string>(StringComparer.Ordinal) { "EfsDr-Node" };

    private AwsAnswer OnDescribeDocument(JsonElement body)
    {
        var name = Text(body, "Name");
        if (string.IsNullOrEmpty(name))
        {
            return Error("ValidationException", "Name is required.");
        }

        bool known;
        lock (_gate)
        {
            known = DocumentNames.Contains(name);
        }

        return known
            ? Ok(new JsonObject { ["Document"] = new JsonObject { ["Name"] = name, ["DocumentType"] = "Command", ["SchemaVersion"] = "2.2", ["Status"] = "Active", ["DocumentVersion"] = "1", ["LatestVersion"] = "1", ["DefaultVersion"] = "1" } })
            : Error("InvalidDocument", "The specified document does not exist.");
    }

    private static AwsAnswer Ok(JsonObject answer) => AwsAnswer.Json(answer.ToJsonString(), 200, "application/x-amz-json-1.1");

    private static AwsAnswer Error(string code, string message) => AwsAnswer.JsonError(400, code, message);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex SafeName();

    [GeneratedRegex("^[A-Za-z0-9_.\\-/]+$")]
    private static partial Regex ParameterNameCharacters();

    [GeneratedRegex("^[A-Za-z0-9@._-]{1,64}$")]
    private static partial Regex UnitName();

    [GeneratedRegex("^/[A-Za-z0-9._/-]{1,254}$")]
    private static partial Regex SandboxPath();

    private sealed record StoredParameter(string Value, string Type, long Version, DateTimeOffset LastModified);

    /// <summary>One command on one instance; mutable, guarded by the emulator's gate.</summary>
    private sealed class Invocation
    {
        public required string CommandId { get; init; }

        public required string InstanceId { get; init; }

        public required string Region { get; init; }

        public required string DocumentName { get; init; }

        public required string DocumentVersion { get; init; }

        public required string Comment { get; init; }

        public required IReadOnlyDictionary<string, IReadOnlyList<string>> Parameters { get; init; }

        public required DateTimeOffset RequestedAt { get; init; }

        public required int TimeoutSeconds { get; init; }

        public string Status { get; set; } = "Pending";

        public string StatusDetails { get; set; } = "Pending";

        public int ResponseCode { get; set; } = -1;

        public string Stdout { get; set; } = string.Empty;

        public string Stderr { get; set; } = string.Empty;

        public DateTimeOffset? StartedAt { get; set; }

        public DateTimeOffset? EndedAt { get; set; }
    }
}
