using EfsDr.Core.Configuration;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;

namespace EfsDr.Runs;

/// <summary>The current primary: the writable copy carrying the Name with the highest epoch, and its region.</summary>
/// <param name="Region">Its region (where the reprotect runs).</param>
/// <param name="FileSystemId">Its id.</param>
/// <param name="Epoch">Its <c>efsdr:epoch</c>.</param>
public sealed record PrimaryCopy(string Region, string FileSystemId, long Epoch);

/// <summary>No copy is provably the primary: nothing was started. <see cref="Unreachable"/> when a region could not be read
/// (a higher epoch there cannot be ruled out).</summary>
public sealed class PrimaryNotProvenException(string message, bool unreachable) : Exception(message)
{
    /// <summary>True when a region did not answer (the refusal is about AWS, exit 5); false when what was read proves no primary.</summary>
    public bool Unreachable { get; } = unreachable;
}

/// <summary>
/// Finds the primary the way <c>efsdr status</c>, the health snapshot and the planners do: every region's copies with the
/// Name, the writable (protection ENABLED, available) one with the highest epoch. Epochs decide, so a region that cannot
/// be read, two writable copies with the same epoch, or a copy anywhere with a higher epoch that is not writable (a
/// promotion under way) is a refusal: a reprotect started in the wrong region would replicate the wrong way.
/// </summary>
public static class PrimaryLocator
{
    /// <summary>The primary of <paramref name="configuration"/>'s Name.</summary>
    /// <exception cref="PrimaryNotProvenException">No copy is provably the primary.</exception>
    public static async Task<PrimaryCopy> FindAsync(IFileSystems fileSystems, ClusterConfiguration configuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fileSystems);
        ArgumentNullException.ThrowIfNull(configuration);
        var name = configuration.FileSystem.Name;
        var copies = new List<FileSystem>();
        foreach (var region in configuration.Regions)
        {
            try
            {
                copies.AddRange(await fileSystems.FindByNameAsync(region, name, cancellationToken).ConfigureAwait(false));
            }
            catch (CloudCallFailedException ex) when (ex is RegionUnreachableException or CloudBusyException)
            {
                throw new PrimaryNotProvenException(
                    $"EFS in {region} could not be read ({ex.Code}): a copy there with a higher epoch cannot be ruled out, so the primary is not known. Retry when {region} answers; nothing was started", unreachable: true);
            }
        }

        return Choose(copies, name);
    }

    /// <summary>The primary among <paramref name="copies"/> (pure; see <see cref="FindAsync"/>).</summary>
    /// <exception cref="PrimaryNotProvenException">No copy is provably the primary.</exception>
    public static PrimaryCopy Choose(IReadOnlyList<FileSystem> copies, string name)
    {
        ArgumentNullException.ThrowIfNull(copies);
        var writable = copies.Where(c => c.Protection == OverwriteProtection.Enabled && c.IsAvailable).OrderByDescending(c => EfsDrTags.EpochOf(c.Tags)).ToList();
        if (writable.Count == 0)
        {
            throw new PrimaryNotProvenException($"no writable copy named '{name}' was found ({copies.Count} cop{(copies.Count == 1 ? "y" : "ies")} read): there is no primary to replicate from. Fail over first (efsdr failover); nothing was started", unreachable: false);
        }

        var top = writable[0];
        var epoch = EfsDrTags.EpochOf(top.Tags);
        if (writable.Skip(1).FirstOrDefault(c => EfsDrTags.EpochOf(c.Tags) == epoch) is { } tie)
        {
            throw new PrimaryNotProvenException($"{top.FileSystemId} ({top.Region}) and {tie.FileSystemId} ({tie.Region}) are both writable with epoch {epoch}: the primary cannot be decided (efsdr fence); nothing was started", unreachable: false);
        }

        if (copies.FirstOrDefault(c => EfsDrTags.EpochOf(c.Tags) > epoch) is { } newer)
        {
            throw new PrimaryNotProvenException($"{newer.FileSystemId} ({newer.Region}) carries epoch {EfsDrTags.EpochOf(newer.Tags)}, higher than the writable {top.FileSystemId} (epoch {epoch}), and is not writable: a promotion may be under way; let it finish (efsdr failover) before reprotecting; nothing was started", unreachable: false);
        }

        return new PrimaryCopy(top.Region, top.FileSystemId, epoch);
    }
}
