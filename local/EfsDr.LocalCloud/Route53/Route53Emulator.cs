using EfsDr.LocalCloud.Hosting;

namespace EfsDr.LocalCloud.Route53;

/// <summary>What a test or the drill can see of a record.</summary>
public sealed record RecordSnapshot(string Name, string Type, long? Ttl, IReadOnlyList<string> Values);

/// <summary>Route 53 (REST-XML 2013-04-01; global, signed for us-east-1). STUB: to be implemented.</summary>
public sealed class Route53Emulator(LocalCloudContext context) : IServiceEmulator
{
    /// <inheritdoc />
    public string SigningName => "route53";

    internal LocalCloudContext Context { get; } = context;

    /// <inheritdoc />
    public Task<AwsAnswer> HandleAsync(AwsCall call, CancellationToken cancellationToken) =>
        Task.FromResult(AwsAnswer.Route53Error(501, "NotImplemented", "Route 53 emulator not implemented yet"));

    /// <inheritdoc />
    public AwsAnswer Throttled() => AwsAnswer.Route53Error(400, "Throttling", "Rate exceeded");

    /// <inheritdoc />
    public AwsAnswer ServerError() => AwsAnswer.Route53Error(500, "ServiceUnavailable", "Injected server error");

    /// <summary>Creates a hosted zone; returns its id (without /hostedzone/).</summary>
    public string CreateHostedZone(string name) => throw new NotImplementedException();

    /// <summary>Sets a record directly (INSYNC at once).</summary>
    public void UpsertRecord(string hostedZoneId, string name, string type, long ttl, IReadOnlyList<string> values) => throw new NotImplementedException();

    /// <summary>The record with exactly this name (trailing dot optional) and type, or null.</summary>
    public RecordSnapshot? Record(string hostedZoneId, string name, string type) => throw new NotImplementedException();
}
