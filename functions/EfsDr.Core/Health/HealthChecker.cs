using EfsDr.Core.Configuration;
using EfsDr.Core.Health.Checks;
using EfsDr.Core.Ports;

namespace EfsDr.Core.Health;

/// <summary>
/// The scheduled health check: reads the protected file system in every region of the cluster, its replication,
/// mount targets, nodes, EfsDr's SSM document and the DNS record once (<see cref="HealthSnapshotReader"/>), and
/// composes the findings of each area (<see cref="IHealthCheck"/>). It changes nothing, and a region it cannot read
/// becomes a finding, never an exception.
/// </summary>
public sealed class HealthChecker(
    ClusterConfiguration configuration,
    IFileSystems fileSystems,
    IReplications replications,
    INodeAgent nodes,
    IInstances instances,
    IDnsRecords dns,
    TimeProvider time,
    HealthCheckOptions? options = null)
{
    private readonly HealthSnapshotReader _reader = new(configuration, fileSystems, replications, nodes, instances, dns, time, options);

    /// <summary>The checks of every area, in the order their findings are listed within a severity.</summary>
    public static IReadOnlyList<IHealthCheck> Areas(HealthCheckOptions? options = null) =>
        [new NamesHealthCheck(), new ReplicationHealthCheck(), new ProtectionHealthCheck(), new TargetsHealthCheck(options), new DnsHealthCheck()];

    private readonly IReadOnlyList<IHealthCheck> _areas = Areas(options);

    /// <summary>Reads once and runs every check.</summary>
    public async Task<HealthReport> CheckAsync(CancellationToken cancellationToken) =>
        Compose(await _reader.ReadAsync(cancellationToken).ConfigureAwait(false), _areas);

    /// <summary>The report of <paramref name="areas"/> over <paramref name="snapshot"/>.</summary>
    public static HealthReport Compose(HealthSnapshot snapshot, IEnumerable<IHealthCheck> areas)
    {
        var findings = snapshot.ReadFindings.Concat(areas.SelectMany(a => a.Check(snapshot)));
        var ordered = findings.OrderByDescending(f => f.Severity).ToList();
        var topology = snapshot.Topology;
        var replication = ReplicationAssessment.Of(snapshot);
        return new HealthReport
        {
            CheckedAt = snapshot.Now,
            FileSystemName = snapshot.Configuration.FileSystem.Name,
            PrimaryFileSystemId = topology.PrimaryId,
            PrimaryRegion = topology.PrimaryRegion,
            ReplicaFileSystemId = topology.Destination?.FileSystemId,
            ReplicaRegion = topology.Destination?.Region,
            ReplicationStatus = replication.Status,
            ReplicationLagSeconds = replication.LagSeconds,
            RpoSeconds = snapshot.Configuration.RpoSeconds,
            ReplicationHealthy = replication.Healthy,
            DrReady = replication.Healthy && ordered.All(f => f.Severity != FindingSeverity.Critical),
            Findings = ordered,
        };
    }
}
