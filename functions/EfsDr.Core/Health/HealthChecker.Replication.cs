using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;

namespace EfsDr.Core.Health;

/// <summary>The replication side of the check: which configurations both regions hold, and which only the source still lists.</summary>
public sealed partial class HealthChecker
{
    /// <summary>A file system with the Name, and the configurations its own region lists for it (null: they could not be read).</summary>
    private sealed record ReplicationSide(FileSystem FileSystem, IReadOnlyList<ReplicationConfiguration>? Configurations);

    /// <summary>The configurations (source id, destination id) whose destination region holds no side of them (orphaned), and those
    /// whose destination region could not be read (unverified).</summary>
    private sealed record SidePairing(IReadOnlySet<(string Source, string Destination)> Orphaned, IReadOnlySet<(string Source, string Destination)> Unverified);

    private static (string Source, string Destination) KeyOf(ReplicationConfiguration c) => (c.SourceFileSystemId, FirstDestination(c)?.FileSystemId ?? string.Empty);

    private async Task<IReadOnlyList<ReplicationConfiguration>> DescribeOrNoneAsync(string region, string fileSystemId, CancellationToken cancellationToken)
    {
        try
        {
            return await replications.DescribeReplicationsAsync(region, fileSystemId, cancellationToken).ConfigureAwait(false);
        }
        catch (ReplicationNotFoundException)
        {
            return [];
        }
    }

    /// <summary>The distinct configurations, orphans left out, and every file system that takes part in one (or whose part is unknown).</summary>
    private static (List<ReplicationConfiguration> Configs, HashSet<string> Replicated) Collect(List<ReplicationSide> sides, IReadOnlySet<(string Source, string Destination)> orphaned)
    {
        var configs = new List<ReplicationConfiguration>();
        var replicated = new HashSet<string>(StringComparer.Ordinal);
        foreach (var side in sides)
        {
            if (side.Configurations is null)
            {
                // Unknown: do not count it as standalone.
                replicated.Add(side.FileSystem.FileSystemId);
                continue;
            }

            foreach (var r in side.Configurations.Where(r => !orphaned.Contains(KeyOf(r))))
            {
                replicated.Add(r.SourceFileSystemId);
                replicated.UnionWith(r.Destinations.Select(d => d.FileSystemId));
                if (!configs.Any(c => KeyOf(c) == KeyOf(r)))
                {
                    configs.Add(r);
                }
            }
        }

        return (configs, replicated);
    }

    /// <summary>
    /// For each configuration that a source lists, looks at the destination's region. After a promotion with
    /// LOCAL_CONFIGURATION_ONLY (the source's region was down) the source still lists the configuration, with its last
    /// status, while the destination has left it and is writable: that configuration replicates nothing.
    /// </summary>
    private async Task<SidePairing> PairSidesAsync(List<ReplicationSide> sides, IReadOnlySet<string> unreadable, List<HealthFinding> findings, CancellationToken cancellationToken)
    {
        var orphaned = new HashSet<(string, string)>();
        var unverified = new HashSet<(string, string)>();
        var listedBySource = sides
            .SelectMany(s => (s.Configurations ?? []).Where(c => c.SourceFileSystemId == s.FileSystem.FileSystemId && c.Destinations.Count > 0))
            .DistinctBy(KeyOf)
            .ToList();
        foreach (var c in listedBySource)
        {
            var d = c.Destinations[0];
            if (d.Status == ReplicationStatus.Deleting)
            {
                // A deletion under way: replication-status warns about it; its sides disappear one after the other.
                continue;
            }

            var missing = await MissingDestinationSideAsync(c, sides, unreadable, findings, cancellationToken).ConfigureAwait(false);
            if (missing is null)
            {
                // Warning, not critical: what made the region unreadable is already a critical finding of its own
                // (region-unreachable or check-failed), and DR is not ready. This one says why replication is not counted as
                // healthy although the source reports it ENABLED: only one side of it could be seen.
                unverified.Add(KeyOf(c));
                findings.Add(new HealthFinding(HealthFindingIds.ReplicationUnverified, FindingSeverity.Warning,
                    $"Replication {c.SourceFileSystemId} ({c.SourceFileSystemRegion}) → {d.FileSystemId} ({d.Region}) is {Upper(d.Status)} as {c.SourceFileSystemRegion} sees it, but {d.Region} could not be read: whether {d.FileSystemId} still holds its side (not promoted, still REPLICATING) is not verified, so replication is not counted as healthy.",
                    $"Check {d.Region}'s service health and the network path; the check repeats on its schedule. If {d.FileSystemId} was promoted meanwhile, the configuration in {c.SourceFileSystemRegion} is orphaned: reprotect."));
            }
            else if (missing.Length > 0)
            {
                orphaned.Add(KeyOf(c));
                findings.Add(new HealthFinding(HealthFindingIds.ReplicationOrphaned, FindingSeverity.Critical,
                    $"{c.SourceFileSystemRegion} still lists the replication {c.SourceFileSystemId} → {d.FileSystemId} ({d.Region}) as {Upper(d.Status)}, but in {d.Region} {d.FileSystemId} {missing}: the configuration is orphaned (left by a promotion with LOCAL_CONFIGURATION_ONLY while {c.SourceFileSystemRegion} was down) and replicates nothing.",
                    $"Reprotect: it removes the orphaned configuration in {c.SourceFileSystemRegion} (LOCAL_CONFIGURATION_ONLY from that region) and replicates the current primary back into {c.SourceFileSystemRegion}. Until then a failover back into {c.SourceFileSystemRegion} is refused."));
            }
        }

        return new SidePairing(orphaned, unverified);
    }

    /// <summary>Why the destination's region holds no side of <paramref name="c"/>; empty when it does; null when that could not be read.</summary>
    private async Task<string?> MissingDestinationSideAsync(ReplicationConfiguration c, List<ReplicationSide> sides, IReadOnlySet<string> unreadable, List<HealthFinding> findings, CancellationToken cancellationToken)
    {
        var d = c.Destinations[0];
        var side = sides.FirstOrDefault(s => s.FileSystem.FileSystemId == d.FileSystemId && string.Equals(s.FileSystem.Region, d.Region, StringComparison.Ordinal));
        if (side is null)
        {
            // The destination does not carry the Name (replica-untagged), or it is gone: look it up by id.
            if (unreadable.Contains(d.Region))
            {
                return null;
            }

            try
            {
                var found = await TryAsync(d.Region, $"describe {d.FileSystemId}", findings, () => fileSystems.DescribeAsync(d.Region, d.FileSystemId, cancellationToken)).ConfigureAwait(false);
                if (found is null)
                {
                    return null;
                }

                side = new ReplicationSide(found, await TryAsync(d.Region, $"describe replications of {d.FileSystemId}", findings, () => DescribeOrNoneAsync(d.Region, d.FileSystemId, cancellationToken)).ConfigureAwait(false));
            }
            catch (FileSystemNotFoundException)
            {
                return "no longer exists";
            }
        }

        if (side.Configurations is null)
        {
            // Its configurations could not be read; writable (or DISABLED) protection still shows that it is no destination.
            return side.FileSystem.Protection is OverwriteProtection.Enabled or OverwriteProtection.Disabled
                ? $"has protection {Upper(side.FileSystem.Protection)}, not REPLICATING"
                : null;
        }

        if (side.Configurations.Any(r => KeyOf(r) == KeyOf(c)))
        {
            // Both sides hold it; a destination that is not REPLICATING is protection-replica's finding.
            return string.Empty;
        }

        return side.Configurations.Count == 0
            ? $"takes part in no replication (ReplicationNotFound) and has protection {Upper(side.FileSystem.Protection)}"
            : $"takes part only in {string.Join(", ", side.Configurations.Select(r => $"{r.SourceFileSystemId} → {FirstDestination(r)?.FileSystemId ?? "?"}"))}";
    }
}
