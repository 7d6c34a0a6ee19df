using EfsDr.Core.Failover;
using EfsDr.Core.Model;

namespace EfsDr.Core.Health;

/// <summary>How one configuration that a source lists was found on its destination's side.</summary>
/// <param name="Configuration">The configuration, as the source's region lists it.</param>
/// <param name="Missing">Why the destination's region holds no side of it (empty when it does; null when that could not be read).</param>
public sealed record PairedConfiguration(ReplicationConfiguration Configuration, string? Missing)
{
    /// <summary>The destination's region could not be read: replication is not verified.</summary>
    public bool Unverified => Missing is null;

    /// <summary>The destination's region holds no side of it: it replicates nothing.</summary>
    public bool Orphaned => Missing is { Length: > 0 };
}

/// <summary>
/// The roles told apart from a <see cref="HealthSnapshot"/>: which configurations both regions hold, the primary, the
/// replica and the DR region. A pure function of what was read.
/// </summary>
public sealed record HealthTopology
{
    /// <summary>Every file system with the Name.</summary>
    public IReadOnlyList<FileSystem> All { get; init; } = [];

    /// <summary>Each configuration a source lists (deletions under way left out), paired with its destination's side.</summary>
    public IReadOnlyList<PairedConfiguration> Pairings { get; init; } = [];

    /// <summary>The ids of every file system that takes part in a live configuration (or whose part is unknown).</summary>
    public IReadOnlySet<string> Replicated { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The configuration of the primary (orphans left out).</summary>
    public ReplicationConfiguration? Configuration { get; init; }

    /// <summary>Its first destination.</summary>
    public ReplicationDestination? Destination { get; init; }

    /// <summary>The writable source.</summary>
    public FileSystem? Primary { get; init; }

    /// <summary>The destination, when it carries the Name.</summary>
    public FileSystem? Replica { get; init; }

    /// <summary>The primary's region.</summary>
    public string? PrimaryRegion => Primary?.Region ?? Configuration?.SourceFileSystemRegion;

    /// <summary>The primary's id.</summary>
    public string? PrimaryId => Primary?.FileSystemId ?? Configuration?.SourceFileSystemId;

    /// <summary>The DR region: the replica's, when it differs from the primary's.</summary>
    public string? DrRegion => Replica?.Region ?? Destination?.Region;

    /// <summary>True when <paramref name="c"/> is paired but its destination's side could not be read.</summary>
    public bool IsUnverified(ReplicationConfiguration c) => Pairings.Any(p => p.Unverified && KeyOf(p.Configuration) == KeyOf(c));

    /// <summary>The (source id, destination id) key of a configuration.</summary>
    public static (string Source, string Destination) KeyOf(ReplicationConfiguration c) => (c.SourceFileSystemId, FirstDestination(c)?.FileSystemId ?? string.Empty);

    /// <summary>The first destination of a configuration.</summary>
    public static ReplicationDestination? FirstDestination(ReplicationConfiguration c) => c.Destinations.Count > 0 ? c.Destinations[0] : null;

    /// <summary>The configurations that a source lists for itself, once each, deletions under way included.</summary>
    public static IReadOnlyList<ReplicationConfiguration> ListedBySource(IEnumerable<ReplicationSide> sides) => sides
        .SelectMany(s => (s.Configurations ?? []).Where(c => c.SourceFileSystemId == s.FileSystem.FileSystemId && c.Destinations.Count > 0))
        .DistinctBy(KeyOf)
        .ToList();

    /// <summary>The side of <paramref name="d"/> among the named file systems, if it is one.</summary>
    public static ReplicationSide? SideOf(IEnumerable<ReplicationSide> sides, ReplicationDestination d) =>
        sides.FirstOrDefault(s => s.FileSystem.FileSystemId == d.FileSystemId && string.Equals(s.FileSystem.Region, d.Region, StringComparison.Ordinal));

    /// <summary>Tells the roles apart.</summary>
    public static HealthTopology Of(HealthSnapshot snapshot)
    {
        var all = snapshot.ByRegion.Values.SelectMany(f => f).ToList();
        var pairings = Pair(snapshot);
        var orphaned = pairings.Where(p => p.Orphaned).Select(p => KeyOf(p.Configuration)).ToHashSet();
        var (configs, replicated) = Collect(snapshot.Sides, orphaned);
        var config = configs.FirstOrDefault(c => all.Any(f => f.FileSystemId == c.SourceFileSystemId)) ?? configs.FirstOrDefault();
        var primary = config is null
            ? PrimaryByEpoch(all.Where(f => !replicated.Contains(f.FileSystemId)).ToList())
            : all.FirstOrDefault(f => f.FileSystemId == config.SourceFileSystemId);
        var destination = config is null ? null : FirstDestination(config);
        return new HealthTopology
        {
            All = all,
            Pairings = pairings,
            Replicated = replicated,
            Configuration = config,
            Destination = destination,
            Primary = primary,
            Replica = destination is null ? null : all.FirstOrDefault(f => f.FileSystemId == destination.FileSystemId),
        };
    }

    private static FileSystem? PrimaryByEpoch(List<FileSystem> writable)
    {
        if (writable.Count == 1)
        {
            return writable[0];
        }

        var top = writable.OrderByDescending(f => EfsDrTags.EpochOf(f.Tags)).Take(2).ToList();
        return top.Count == 2 && EfsDrTags.EpochOf(top[0].Tags) > EfsDrTags.EpochOf(top[1].Tags) ? top[0] : null;
    }

    /// <summary>
    /// For each configuration that a source lists, looks at the destination's region. After a promotion with
    /// LOCAL_CONFIGURATION_ONLY (the source's region was down) the source still lists the configuration, with its last
    /// status, while the destination has left it and is writable: that configuration replicates nothing.
    /// </summary>
    private static List<PairedConfiguration> Pair(HealthSnapshot snapshot) => ListedBySource(snapshot.Sides)
        .Where(c => c.Destinations[0].Status != ReplicationStatus.Deleting)
        .Select(c => new PairedConfiguration(c, MissingDestinationSide(c, snapshot)))
        .ToList();

    /// <summary>Why the destination's region holds no side of <paramref name="c"/>; empty when it does; null when that could not be read.</summary>
    private static string? MissingDestinationSide(ReplicationConfiguration c, HealthSnapshot snapshot)
    {
        var d = c.Destinations[0];
        var side = SideOf(snapshot.Sides, d);
        if (side is null)
        {
            // The destination does not carry the Name (replica-untagged), or it is gone: it was looked up by id.
            if (!snapshot.Destinations.TryGetValue((d.Region, d.FileSystemId), out var lookup))
            {
                return null;
            }

            if (lookup.Side is null)
            {
                return "no longer exists";
            }

            side = lookup.Side;
        }

        if (side.Configurations is null)
        {
            // Its configurations could not be read; writable (or DISABLED) protection still shows that it is no destination.
            return side.FileSystem.Protection is OverwriteProtection.Enabled or OverwriteProtection.Disabled
                ? $"has protection {HealthText.Upper(side.FileSystem.Protection)}, not REPLICATING"
                : null;
        }

        if (side.Configurations.Any(r => KeyOf(r) == KeyOf(c)))
        {
            // Both sides hold it; a destination that is not REPLICATING is protection-replica's finding.
            return string.Empty;
        }

        return side.Configurations.Count == 0
            ? $"takes part in no replication and has protection {HealthText.Upper(side.FileSystem.Protection)}"
            : $"takes part only in {string.Join(", ", side.Configurations.Select(r => $"{r.SourceFileSystemId} → {FirstDestination(r)?.FileSystemId ?? "?"}"))}";
    }

    /// <summary>The distinct configurations, orphans left out, and every file system that takes part in one (or whose part is unknown).</summary>
    private static (List<ReplicationConfiguration> Configs, HashSet<string> Replicated) Collect(IReadOnlyList<ReplicationSide> sides, HashSet<(string Source, string Destination)> orphaned)
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
}
