using EfsDr.LocalCloud.Hosting;
using EfsDr.LocalCloud.Nodes;

namespace EfsDr.LocalCloud.Ssm;

/// <summary>What a test or the drill can see of a command invocation.</summary>
public sealed record CommandSnapshot(string CommandId, string InstanceId, string DocumentName, IReadOnlyDictionary<string, IReadOnlyList<string>> Parameters, string Status, int ResponseCode, string StandardOutput, string StandardError);

/// <summary>SSM (JSON 1.1): SendCommand running EfsDr's node script on simulated nodes, GetCommandInvocation,
/// DescribeInstanceInformation, GetParameter/PutParameter. STUB: to be implemented.</summary>
public sealed class SsmEmulator(LocalCloudContext context) : IServiceEmulator
{
    /// <inheritdoc />
    public string SigningName => "ssm";

    internal LocalCloudContext Context { get; } = context;

    /// <inheritdoc />
    public Task<AwsAnswer> HandleAsync(AwsCall call, CancellationToken cancellationToken) =>
        Task.FromResult(AwsAnswer.JsonError(501, "NotImplemented", "SSM emulator not implemented yet"));

    /// <inheritdoc />
    public AwsAnswer Throttled() => AwsAnswer.JsonError(400, "ThrottlingException", "Rate exceeded");

    /// <inheritdoc />
    public AwsAnswer ServerError() => AwsAnswer.JsonError(500, "InternalServerError", "Injected server error");

    /// <summary>Stores a parameter.</summary>
    public void PutParameter(string region, string name, string value) => throw new NotImplementedException();

    /// <summary>Creates a simulated node (sandbox, shims, loopback address) managed by SSM, Online.</summary>
    public SimulatedNode AddNode(string name, string instanceId, string region, string address) => throw new NotImplementedException();

    /// <summary>The simulated nodes.</summary>
    public IReadOnlyList<SimulatedNode> Nodes => throw new NotImplementedException();

    /// <summary>Every command invocation so far.</summary>
    public IReadOnlyList<CommandSnapshot> Commands => throw new NotImplementedException();
}
