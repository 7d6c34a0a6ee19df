using EfsDr.Core.Model;

namespace EfsDr.Core.Health.Checks;

/// <summary>The replication's figures for the report.</summary>
/// <param name="Status">ENABLED…, NONE when there is none, null when it could not be read.</param>
/// <param name="LagSeconds">now − LastReplicatedTimestamp, when known.</param>
/// <param name="Healthy">ENABLED, within the RPO, and both sides verified.</param>
public sealed record ReplicationAssessment(string? Status, double? LagSeconds, bool Healthy)
{
    /// <summary>The figures of <paramref name="snapshot"/>.</summary>
    public static ReplicationAssessment Of(HealthSnapshot snapshot)
    {
        var topology = snapshot.Topology;
        var (config, destination) = (topology.Configuration, topology.Destination);
        if (config is null || destination is null)
        {
            return new ReplicationAssessment(HasNoReplication(snapshot) ? "NONE" : null, null, false);
        }

        var lag = LagOf(snapshot, destination);
        var healthy = destination.Status == ReplicationStatus.Enabled && lag is { } l && l <= snapshot.Configuration.RpoSeconds && !topology.IsUnverified(config);
        return new ReplicationAssessment(HealthText.Upper(destination.Status), lag, healthy);
    }

    /// <summary>now − the destination's LastReplicatedTimestamp (never negative), when it has synced.</summary>
    public static double? LagOf(HealthSnapshot snapshot, ReplicationDestination destination) =>
        destination.LastReplicatedTimestamp is { } last ? Math.Max(0, (snapshot.Now - last).TotalSeconds) : null;

    /// <summary>True when what was read shows no replication (not merely an unreadable region).</summary>
    internal static bool HasNoReplication(HealthSnapshot snapshot) =>
        snapshot.Topology.Destination is null && (snapshot.UnreadableRegions.Count == 0 || snapshot.Topology.Primary is not null);
}

/// <summary>Replication: both sides hold the configuration, it is ENABLED, it has synced, and within the RPO.</summary>
public sealed class ReplicationHealthCheck : IHealthCheck
{
    /// <inheritdoc/>
    public IEnumerable<HealthFinding> Check(HealthSnapshot snapshot)
    {
        var findings = Pairings(snapshot).ToList();
        var topology = snapshot.Topology;
        if (topology.Configuration is not { } config || topology.Destination is not { } destination)
        {
            findings.AddRange(Missing(snapshot));
            return findings;
        }

        var assessment = ReplicationAssessment.Of(snapshot);
        findings.AddRange(Status(config, destination));
        findings.AddRange(Lag(snapshot, destination, assessment));
        if (assessment.Healthy)
        {
            findings.Add(new HealthFinding(HealthFindingIds.ReplicationOk, FindingSeverity.Info,
                $"Replication {config.SourceFileSystemId} ({config.SourceFileSystemRegion}) → {destination.FileSystemId} ({destination.Region}) is ENABLED, last synced {HealthText.Seconds(assessment.LagSeconds!.Value)} s ago (RPO {snapshot.Configuration.RpoSeconds} s).", string.Empty));
        }

        return findings;
    }

    private static IEnumerable<HealthFinding> Pairings(HealthSnapshot snapshot)
    {
        foreach (var p in snapshot.Topology.Pairings.Where(p => p.Unverified || p.Orphaned))
        {
            var c = p.Configuration;
            var d = c.Destinations[0];
            // Unverified is a warning, not critical: what made the region unreadable is already a critical finding of its
            // own (region-unreachable or check-failed), and DR is not ready. It says why replication is not counted as
            // healthy although the source reports it ENABLED: only one side of it could be seen.
            yield return p.Unverified
                ? new HealthFinding(HealthFindingIds.ReplicationUnverified, FindingSeverity.Warning,
                    $"Replication {c.SourceFileSystemId} ({c.SourceFileSystemRegion}) → {d.FileSystemId} ({d.Region}) is {HealthText.Upper(d.Status)} as {c.SourceFileSystemRegion} sees it, but {d.Region} could not be read: whether {d.FileSystemId} still holds its side (not promoted, still REPLICATING) is not verified, so replication is not counted as healthy.",
                    $"Check {d.Region}'s service health and the network path; the check repeats on its schedule. If {d.FileSystemId} was promoted meanwhile, the configuration in {c.SourceFileSystemRegion} is orphaned: reprotect.")
                : new HealthFinding(HealthFindingIds.ReplicationOrphaned, FindingSeverity.Critical,
                    $"{c.SourceFileSystemRegion} still lists the replication {c.SourceFileSystemId} → {d.FileSystemId} ({d.Region}) as {HealthText.Upper(d.Status)}, but in {d.Region} {d.FileSystemId} {p.Missing}: the configuration is orphaned (left by a promotion with LOCAL_CONFIGURATION_ONLY while {c.SourceFileSystemRegion} was down) and replicates nothing.",
                    $"Reprotect: it removes the orphaned configuration in {c.SourceFileSystemRegion} (LOCAL_CONFIGURATION_ONLY from that region) and replicates the current primary back into {c.SourceFileSystemRegion}. Until then a failover back into {c.SourceFileSystemRegion} is refused.");
        }
    }

    private static IEnumerable<HealthFinding> Missing(HealthSnapshot snapshot)
    {
        if (ReplicationAssessment.HasNoReplication(snapshot))
        {
            var topology = snapshot.Topology;
            var region = topology.PrimaryRegion;
            yield return new HealthFinding(HealthFindingIds.ReplicationMissing, FindingSeverity.Critical,
                $"{topology.PrimaryId ?? "The file system"} ('{snapshot.Configuration.FileSystem.Name}'){(region is null ? string.Empty : " in " + region)} takes part in no replication: there is no DR copy.",
                "Create a replication to the DR region (to the old primary with protection DISABLED, for a failback).");
        }
    }

    private static IEnumerable<HealthFinding> Status(ReplicationConfiguration config, ReplicationDestination destination)
    {
        var status = HealthText.Upper(destination.Status);
        switch (destination.Status)
        {
            case ReplicationStatus.Enabled:
                yield break;
            case ReplicationStatus.Enabling:
            case ReplicationStatus.Deleting:
                yield return new HealthFinding(HealthFindingIds.ReplicationStatus, FindingSeverity.Warning,
                    $"Replication {config.SourceFileSystemId} → {destination.FileSystemId} ({destination.Region}) is {status}.",
                    destination.Status == ReplicationStatus.Enabling ? "Wait for the initial sync to finish." : "A deletion is under way (a failover?); re-protect once it is done.");
                yield break;
            default:
                yield return new HealthFinding(HealthFindingIds.ReplicationStatus, FindingSeverity.Critical,
                    $"Replication {config.SourceFileSystemId} → {destination.FileSystemId} ({destination.Region}) is {status}: {destination.StatusMessage ?? "no status message"}.",
                    destination.Status == ReplicationStatus.Error
                        ? "Delete the replication and restore the failed file system from backup into a new one, then replicate again."
                        : "Fix the cause in the status message (region opt-in, permissions, KMS key); replication resumes by itself.");
                yield break;
        }
    }

    private static IEnumerable<HealthFinding> Lag(HealthSnapshot snapshot, ReplicationDestination destination, ReplicationAssessment assessment)
    {
        var rpo = snapshot.Configuration.RpoSeconds;
        if (destination.LastReplicatedTimestamp is not { } last)
        {
            yield return new HealthFinding(HealthFindingIds.ReplicationNeverSynced, destination.Status == ReplicationStatus.Enabling ? FindingSeverity.Warning : FindingSeverity.Critical,
                $"The replica {destination.FileSystemId} has never completed a sync; a failover to it is refused.",
                "Wait for the initial sync; if it does not finish, look at the status message.");
        }
        else if (assessment.LagSeconds is { } lag && lag > rpo)
        {
            yield return new HealthFinding(HealthFindingIds.ReplicationLag, FindingSeverity.Critical,
                $"The replica {destination.FileSystemId} was last synced {HealthText.Seconds(lag)} s ago ({last:O}), above the RPO of {rpo} s.",
                "Look at the replication's status and the source's write load; a failover now loses the changes since the last sync.");
        }
    }
}
