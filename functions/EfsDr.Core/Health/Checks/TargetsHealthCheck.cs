using EfsDr.Core.Model;

namespace EfsDr.Core.Health.Checks;

/// <summary>What a failover targets: each server's instance runs, its SSM agent is Online, its file system has a mount target
/// in its AZ; EfsDr's SSM document exists in each region.</summary>
/// <param name="options">The document's name.</param>
public sealed class TargetsHealthCheck(HealthCheckOptions? options = null) : IHealthCheck
{
    private readonly HealthCheckOptions _options = options ?? new HealthCheckOptions();

    /// <inheritdoc/>
    public IEnumerable<HealthFinding> Check(HealthSnapshot snapshot) =>
        [.. snapshot.Servers.SelectMany(s => Server(s, IsDr(snapshot.Topology, s.Server.Region))), .. Documents(snapshot)];

    private static bool IsDr(HealthTopology topology, string region) =>
        topology.DrRegion is { } dr && !string.Equals(dr, topology.PrimaryRegion, StringComparison.Ordinal) && string.Equals(region, dr, StringComparison.Ordinal);

    private static IEnumerable<HealthFinding> Server(ServerReading reading, bool isDr)
    {
        var (server, instance) = (reading.Server, reading.Instance);
        var severity = isDr ? FindingSeverity.Critical : FindingSeverity.Warning;
        var role = isDr ? "the DR node " : string.Empty;
        if (reading.InstanceMissing)
        {
            yield return new HealthFinding(HealthFindingIds.InstanceNotRunning, severity, $"{role}{server.Name}'s instance {server.InstanceId} does not exist in {server.Region}.", "Correct the configuration's instanceId, or replace the node.");
        }

        if (instance is not null && !string.Equals(instance.State, "running", StringComparison.Ordinal))
        {
            yield return new HealthFinding(HealthFindingIds.InstanceNotRunning, severity, $"{role}{server.Name} ({server.InstanceId}) is '{instance.State}', not running.", $"Start {server.InstanceId}.");
        }

        if (reading.Ping is { } p && p != PingStatus.Online)
        {
            yield return new HealthFinding(HealthFindingIds.NodeOffline, severity, $"{role}{server.Name} ({server.InstanceId}) is {p} in SSM, not Online; EfsDr cannot activate it.", "Check that the instance runs, the SSM agent is up, and it reaches the SSM endpoints.");
        }

        if (reading is { FileSystem: { } fs, MountTargets: { } targets } && instance is not null
            && !targets.Any(t => t.IsAvailable && string.Equals(t.AvailabilityZoneName, instance.AvailabilityZone, StringComparison.Ordinal)))
        {
            yield return new HealthFinding(HealthFindingIds.MountTargetMissing, FindingSeverity.Critical,
                $"{fs.FileSystemId} has no available mount target in {instance.AvailabilityZone}, where {server.Name} runs (it has: {(targets.Count == 0 ? "none" : string.Join(", ", targets.Select(t => $"{t.AvailabilityZoneName}={t.LifeCycleState}")))}).",
                $"Create a mount target for {fs.FileSystemId} in {server.Name}'s subnet in {instance.AvailabilityZone} (replicas get none by themselves).");
        }
    }

    private IEnumerable<HealthFinding> Documents(HealthSnapshot snapshot)
    {
        foreach (var region in snapshot.Configuration.Regions.Where(r => snapshot.Documents.TryGetValue(r, out var exists) && !exists))
        {
            yield return new HealthFinding(HealthFindingIds.DocumentMissing, FindingSeverity.Critical,
                $"EfsDr's SSM document '{_options.NodeDocument}' does not exist in {region}; ActivateNode would fail there.",
                $"Deploy EfsDr's stack in {region} (template.yaml creates the document).");
        }
    }
}
