using EfsDr.LocalCloud.Hosting;

namespace EfsDr.LocalCloud.Ec2;

/// <summary>What a test or the drill can see of an instance.</summary>
public sealed record InstanceSnapshot(string Region, string InstanceId, string AvailabilityZone, string PrivateIp, string SubnetId, string State);

/// <summary>EC2 (query protocol, XML answers): DescribeInstances. STUB: to be implemented.</summary>
public sealed class Ec2Emulator(LocalCloudContext context) : IServiceEmulator
{
    /// <inheritdoc />
    public string SigningName => "ec2";

    internal LocalCloudContext Context { get; } = context;

    /// <inheritdoc />
    public Task<AwsAnswer> HandleAsync(AwsCall call, CancellationToken cancellationToken) =>
        Task.FromResult(AwsAnswer.Ec2Error(501, "NotImplemented", "EC2 emulator not implemented yet"));

    /// <inheritdoc />
    public AwsAnswer Throttled() => AwsAnswer.Ec2Error(503, "RequestLimitExceeded", "Request limit exceeded.");

    /// <inheritdoc />
    public AwsAnswer ServerError() => AwsAnswer.Ec2Error(500, "InternalError", "Injected server error");

    /// <summary>Adds a running instance.</summary>
    public void AddInstance(string region, string instanceId, string availabilityZone, string privateIp, string subnetId) => throw new NotImplementedException();

    /// <summary>Sets an instance's state (running, stopped …).</summary>
    public void SetInstanceState(string instanceId, string state) => throw new NotImplementedException();

    /// <summary>An instance, or null.</summary>
    public InstanceSnapshot? Instance(string instanceId) => throw new NotImplementedException();
}
