using EfsDr.Core.Model;

namespace EfsDr.Core.Health.Checks;

/// <summary>Protection and lifecycle, per role: the primary ENABLED, the replica REPLICATING, both available.</summary>
public sealed class ProtectionHealthCheck : IHealthCheck
{
    /// <inheritdoc/>
    public IEnumerable<HealthFinding> Check(HealthSnapshot snapshot) => [.. Primary(snapshot.Topology), .. Replica(snapshot.Topology)];

    private static IEnumerable<HealthFinding> Primary(HealthTopology topology)
    {
        if (topology.Primary is not { } primary)
        {
            yield break;
        }

        if (primary.Protection != OverwriteProtection.Enabled)
        {
            yield return new HealthFinding(HealthFindingIds.ProtectionSource, FindingSeverity.Critical,
                $"The primary {primary.FileSystemId} in {primary.Region} has protection {HealthText.Upper(primary.Protection)}, not ENABLED.",
                $"Set its replication overwrite protection to ENABLED (PUT …/file-systems/{primary.FileSystemId}/protection).");
        }

        foreach (var finding in Available(primary))
        {
            yield return finding;
        }
    }

    private static IEnumerable<HealthFinding> Replica(HealthTopology topology)
    {
        if (topology.Replica is not { } replica)
        {
            yield break;
        }

        if (replica.Protection != OverwriteProtection.Replicating && topology.Destination?.Status != ReplicationStatus.Deleting)
        {
            yield return new HealthFinding(HealthFindingIds.ProtectionReplica, FindingSeverity.Critical,
                $"The replica {replica.FileSystemId} in {replica.Region} has protection {HealthText.Upper(replica.Protection)}, not REPLICATING.",
                "Look at the replication: a replica that is not REPLICATING may be written to and diverge.");
        }

        foreach (var finding in Available(replica))
        {
            yield return finding;
        }
    }

    private static IEnumerable<HealthFinding> Available(FileSystem fs)
    {
        if (!fs.IsAvailable)
        {
            yield return new HealthFinding(HealthFindingIds.FileSystemUnavailable, FindingSeverity.Critical,
                $"{fs.FileSystemId} in {fs.Region} is '{fs.LifeCycleState}', not available.",
                "Look at the file system in the EFS console.");
        }
    }
}
