using System.Globalization;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;

namespace EfsDr.Core.Health.Checks;

/// <summary>Names: exactly one file system with the Name per region, a primary told apart, no stale ex-primary.</summary>
public sealed class NamesHealthCheck : IHealthCheck
{
    /// <inheritdoc/>
    public IEnumerable<HealthFinding> Check(HealthSnapshot snapshot) =>
        [.. Duplicates(snapshot), .. Missing(snapshot), .. PrimaryUnknown(snapshot), .. StalePrimaries(snapshot)];

    private static IEnumerable<HealthFinding> Duplicates(HealthSnapshot snapshot)
    {
        var name = snapshot.Configuration.FileSystem.Name;
        foreach (var region in snapshot.Configuration.Regions.Where(r => snapshot.ByRegion.TryGetValue(r, out var f) && f.Count > 1))
        {
            var found = snapshot.ByRegion[region];
            yield return new HealthFinding(HealthFindingIds.NameDuplicate, FindingSeverity.Critical,
                $"{found.Count} file systems in {region} have the Name '{name}': {string.Join(", ", found.Select(f => $"{f.FileSystemId} ({HealthText.Upper(f.Protection)})"))}; a failover to {region} refuses to choose.",
                "Rename or delete every copy but the one EfsDr should use, so that exactly one has the Name.");
        }
    }

    private static IEnumerable<HealthFinding> Missing(HealthSnapshot snapshot)
    {
        var name = snapshot.Configuration.FileSystem.Name;
        var destination = snapshot.Topology.Destination;
        foreach (var region in snapshot.Configuration.Regions.Where(r => snapshot.ByRegion.TryGetValue(r, out var f) && f.Count == 0))
        {
            yield return destination is not null && string.Equals(destination.Region, region, StringComparison.Ordinal)
                ? new HealthFinding(HealthFindingIds.ReplicaUntagged, FindingSeverity.Critical,
                    $"The replica {destination.FileSystemId} in {region} does not carry the Name '{name}', so a failover to {region} cannot find it.",
                    $"Tag {destination.FileSystemId} in {region} with Name={name}.")
                : new HealthFinding(HealthFindingIds.NameMissing, FindingSeverity.Critical,
                    $"No file system in {region} has the Name '{name}'; the servers there have nothing to fail over to.",
                    $"Replicate the primary to {region} and tag the replica Name={name}.");
        }
    }

    private static IEnumerable<HealthFinding> PrimaryUnknown(HealthSnapshot snapshot)
    {
        var topology = snapshot.Topology;
        if (topology.Primary is null && topology.Configuration is null && topology.All.Count > 0 && snapshot.UnreadableRegions.Count == 0)
        {
            yield return new HealthFinding(HealthFindingIds.PrimaryUnknown, FindingSeverity.Critical,
                $"Several writable file systems named '{snapshot.Configuration.FileSystem.Name}' and none is a replication source or has the highest {EfsDrTags.Epoch}: {string.Join(", ", topology.All.Select(f => $"{f.FileSystemId} ({f.Region})"))}.",
                "Decide which copy holds the current data, tag it efsdr:role=primary with the highest epoch, and re-protect from it.");
        }
    }

    /// <summary>Split brain: a second writable, unreplicated file system with the Name.</summary>
    private static IEnumerable<HealthFinding> StalePrimaries(HealthSnapshot snapshot)
    {
        var topology = snapshot.Topology;
        var primaryId = topology.PrimaryId;
        foreach (var stale in topology.All.Where(f => f.Protection == OverwriteProtection.Enabled && !topology.Replicated.Contains(f.FileSystemId) && f.FileSystemId != primaryId))
        {
            yield return new HealthFinding(HealthFindingIds.StalePrimary, FindingSeverity.Critical,
                $"{stale.FileSystemId} in {stale.Region} is writable, takes part in no live replication and has the Name '{snapshot.Configuration.FileSystem.Name}' (epoch {EfsDrTags.EpochOf(stale.Tags).ToString(CultureInfo.InvariantCulture)}), besides the primary {primaryId ?? "?"}: a stale ex-primary, a split-brain risk.",
                $"It is an unfenced ex-primary: run `efsdr fence` as soon as {stale.Region} answers (it did for this check), so that nothing mounts or writes it; then reprotect from {primaryId ?? "the primary"} (replicate it onto this copy), or delete it.");
        }
    }
}
