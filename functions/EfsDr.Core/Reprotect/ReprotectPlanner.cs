using System.Globalization;
using EfsDr.Core.Configuration;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;

namespace EfsDr.Core.Reprotect;

/// <summary>
/// Plan of a reprotect: finds the current primary (writable, highest epoch) and the other region's copy, and decides how
/// the other region gets its replica. It changes nothing. Never destroys diverged data: an ex-primary that was not fenced
/// at failover time may hold writes made after it, so it is renamed <c>-diverged-</c> and kept, unless the operator
/// chose <see cref="ReprotectRequest.OverwriteDiverged"/>.
/// </summary>
public sealed class ReprotectPlanner(ClusterConfiguration configuration, IFileSystems fileSystems, IReplications replications, TimeProvider time)
{
    /// <summary>The default bound of the wait for ENABLED and the first completed sync (a first sync copies everything).</summary>
    public const int DefaultSyncBudgetSeconds = 86400;

    /// <summary>The default bound of the wait for the orphaned configuration's deletion (budgets.promotionSeconds' default).</summary>
    public const int DefaultOrphanDeletionBudgetSeconds = BudgetSettings.DefaultPromotionSeconds;

    /// <summary>The Name an unfenced ex-primary is kept under when the primary has <paramref name="epoch"/>.</summary>
    public static string DivergedNameOf(string name, long epoch) => $"{name}-diverged-{epoch.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The creation token of the new replica: one per primary and epoch, at most 64 characters.</summary>
    public static string CreationTokenOf(string primaryFileSystemId, long epoch)
    {
        var token = $"efsdr-{primaryFileSystemId}-e{epoch.ToString(CultureInfo.InvariantCulture)}";
        return token.Length <= FileSystemToCreate.MaxTokenLength ? token : token[^FileSystemToCreate.MaxTokenLength..];
    }

    /// <summary>Makes the plan for <paramref name="request"/>; <paramref name="runId"/> is the execution name.</summary>
    /// <exception cref="EpochsUnverifiedException">A region could not be read.</exception>
    /// <exception cref="PrimaryUnknownException">No copy is provably the current primary.</exception>
    /// <exception cref="StaleFileSystemException">A copy that is not writable carries a higher epoch than the primary.</exception>
    /// <exception cref="ReplicationConflictException">The other region's copy takes part in another replication.</exception>
    /// <exception cref="InvalidConfigurationException">A new file system is needed and the replica region has no mount targets configured.</exception>
    public async Task<ReprotectPlan> PlanAsync(ReprotectRequest request, string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = configuration.FileSystem.Name;
        var copies = await ReadCopiesAsync(name, cancellationToken).ConfigureAwait(false);
        var primary = FindPrimary(copies);
        var epoch = EfsDrTags.EpochOf(primary.Tags);
        var replicaRegion = configuration.Regions.FirstOrDefault(r => !string.Equals(r, primary.Region, StringComparison.Ordinal))
            ?? throw new PrimaryUnknownException($"Reprotect needs servers in two regions; the configuration has only {primary.Region}.");
        var plan = new ReprotectPlan
        {
            RunId = runId,
            PlannedAt = time.GetUtcNow(),
            DryRun = request.DryRun,
            FileSystemName = name,
            PrimaryRegion = primary.Region,
            PrimaryFileSystemId = primary.FileSystemId,
            Epoch = epoch,
            ReplicaRegion = replicaRegion,
            Encrypted = primary.Encrypted,
            PollSeconds = configuration.Poll.PromotionSeconds,
            OrphanDeletionBudgetSeconds = configuration.Budgets.PromotionSeconds,
        };

        var exPrimary = Single(copies.Where(c => c.Region == replicaRegion), name, replicaRegion);
        var existing = await OutgoingAsync(primary, replicaRegion, cancellationToken).ConfigureAwait(false);
        return existing is not null
            ? await PlanExistingAsync(plan, existing, exPrimary, cancellationToken).ConfigureAwait(false)
            : await PlanNewAsync(plan, request, primary, exPrimary, cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<FileSystem>> ReadCopiesAsync(string name, CancellationToken cancellationToken)
    {
        var copies = new List<FileSystem>();
        foreach (var region in configuration.Regions)
        {
            try
            {
                copies.AddRange(await fileSystems.FindByNameAsync(region, name, cancellationToken).ConfigureAwait(false));
            }
            catch (CloudCallFailedException ex) when (ex is RegionUnreachableException or CloudBusyException)
            {
                throw new EpochsUnverifiedException(
                    $"EFS in {region} could not be read ({ex.Code}), so the copy there and its epoch are unknown. Reprotect needs both regions: retry when {region} answers. Nothing was changed.");
            }
        }

        return copies;
    }

    /// <summary>The writable copy with the highest epoch, provided no copy anywhere has a higher one and none ties with it.</summary>
    private static FileSystem FindPrimary(List<FileSystem> copies)
    {
        var writable = copies.Where(c => c.Protection == OverwriteProtection.Enabled && c.IsAvailable).OrderByDescending(c => EfsDrTags.EpochOf(c.Tags)).ToList();
        if (writable.Count == 0)
        {
            throw new PrimaryUnknownException(
                $"No writable copy named '{string.Join(", ", copies.Select(c => c.Name).Distinct())}' was found ({Describe(copies)}): there is no primary to replicate from. Fail over first (efsdr failover).");
        }

        var primary = writable[0];
        var epoch = EfsDrTags.EpochOf(primary.Tags);
        if (writable.Skip(1).FirstOrDefault(c => EfsDrTags.EpochOf(c.Tags) == epoch) is { } tie)
        {
            throw new PrimaryUnknownException(
                $"{primary.FileSystemId} ({primary.Region}) and {tie.FileSystemId} ({tie.Region}) are both writable with epoch {epoch}: which one is the primary cannot be decided. Nothing was changed.");
        }

        if (copies.FirstOrDefault(c => EfsDrTags.EpochOf(c.Tags) > epoch) is { } newer)
        {
            throw new StaleFileSystemException(
                $"{newer.FileSystemId} in {newer.Region} carries epoch {EfsDrTags.EpochOf(newer.Tags)}, higher than the writable {primary.FileSystemId} (epoch {epoch}), but is not writable (protection {newer.Protection.ToString().ToUpperInvariant()}): a promotion may be under way. Let it finish (efsdr failover) before reprotecting. Nothing was changed.");
        }

        return primary;
    }

    private static FileSystem? Single(IEnumerable<FileSystem> found, string name, string region)
    {
        var list = found.ToList();
        return list.Count <= 1 ? list.FirstOrDefault() : throw new AmbiguousFileSystemNameException(name, region, list.Select(c => c.FileSystemId));
    }

    /// <summary>The primary's replication configuration, if it has one; refuses one that points elsewhere or has failed.</summary>
    private async Task<ReplicationConfiguration?> OutgoingAsync(FileSystem primary, string replicaRegion, CancellationToken cancellationToken)
    {
        var all = await replications.DescribeReplicationsAsync(primary.Region, primary.FileSystemId, cancellationToken).ConfigureAwait(false);
        var outgoing = all.FirstOrDefault(r => string.Equals(r.SourceFileSystemId, primary.FileSystemId, StringComparison.Ordinal));
        if (outgoing is null)
        {
            return null;
        }

        var destination = outgoing.Destination;
        if (!string.Equals(destination.Region, replicaRegion, StringComparison.Ordinal))
        {
            throw new ReplicationConflictException($"{primary.FileSystemId} already replicates to {destination.FileSystemId} in {destination.Region}, not to {replicaRegion}; EFS allows one destination. Nothing was changed.");
        }

        if (destination.Status is ReplicationStatus.Error or ReplicationStatus.Deleting)
        {
            throw new ReplicationConflictException(
                $"{primary.FileSystemId} replicates to {destination.FileSystemId} but the replication is {destination.Status.ToString().ToUpperInvariant()} ({destination.StatusMessage ?? "no status message"}); delete it in the console and run efsdr reprotect again. Nothing was changed.");
        }

        return outgoing;
    }

    /// <summary>The primary already replicates to the other region (an earlier run, or the original setup): finish or confirm.</summary>
    private async Task<ReprotectPlan> PlanExistingAsync(ReprotectPlan plan, ReplicationConfiguration outgoing, FileSystem? named, CancellationToken cancellationToken)
    {
        var destination = outgoing.Destination;
        var isNamed = named is not null && string.Equals(named.FileSystemId, destination.FileSystemId, StringComparison.Ordinal);
        if (named is not null && !isNamed)
        {
            throw new ReplicationConflictException(
                $"{plan.PrimaryFileSystemId} replicates to {destination.FileSystemId}, but {named.FileSystemId} in {plan.ReplicaRegion} carries the Name '{plan.FileSystemName}': giving the replica the Name would make two. Nothing was changed.");
        }

        plan = plan with { ReplicaFileSystemId = destination.FileSystemId, ReplicationExists = true };
        var status = $"status {destination.Status.ToString().ToUpperInvariant()}";
        var token = CreationTokenOf(plan.PrimaryFileSystemId, plan.Epoch);
        var replica = isNamed ? named! : await fileSystems.DescribeAsync(plan.ReplicaRegion, destination.FileSystemId, cancellationToken).ConfigureAwait(false);
        var created = string.Equals(replica.CreationToken, token, StringComparison.Ordinal);

        // A file system a reprotect created has only the mount targets the run made: a run that stopped before
        // CreateMountTargets left it without some, and a failover to that region would find none. Not done until it has them.
        var missing = created ? await MissingMountTargetsAsync(plan.ReplicaRegion, replica.FileSystemId, cancellationToken).ConfigureAwait(false) : [];
        if (isNamed && destination.LastReplicatedTimestamp is not null && IsTaggedReplica(named!, plan.Epoch) && missing.Count == 0)
        {
            return plan with
            {
                Action = ReprotectAction.AlreadyProtected,
                Decision = $"{plan.PrimaryFileSystemId} ({plan.PrimaryRegion}, epoch {plan.Epoch}) already replicates to {destination.FileSystemId} in {plan.ReplicaRegion} ({status}, last sync {destination.LastReplicatedTimestamp:O}): nothing to do",
            };
        }

        var mountTargets = missing.Count == 0 ? string.Empty : $", its mount targets (none yet in {string.Join(", ", missing)})";
        var decision = $"{plan.PrimaryFileSystemId} already replicates to {destination.FileSystemId} in {plan.ReplicaRegion} ({status}): an earlier run created it; finish its tags{mountTargets} and wait for the first completed sync";
        if (!created)
        {
            return plan with { Action = ReprotectAction.IntoExPrimary, ExPrimaryFileSystemId = replica.FileSystemId, Decision = decision };
        }

        var divergedName = DivergedNameOf(plan.FileSystemName, plan.Epoch);
        var kept = Single(await fileSystems.FindByNameAsync(plan.ReplicaRegion, divergedName, cancellationToken).ConfigureAwait(false), divergedName, plan.ReplicaRegion);
        return plan with
        {
            Action = ReprotectAction.IntoNewFileSystem,
            ExPrimaryFileSystemId = kept?.FileSystemId,
            KeptFileSystemId = kept?.FileSystemId,
            DivergedName = kept is null ? null : divergedName,
            CreationToken = token,
            MountTargets = configuration.MountTargetsIn(plan.ReplicaRegion),
            Decision = decision,
        };
    }

    /// <summary>The configured subnets of <paramref name="region"/> in which <paramref name="fileSystemId"/> has no mount target.</summary>
    private async Task<List<string>> MissingMountTargetsAsync(string region, string fileSystemId, CancellationToken cancellationToken)
    {
        var existing = await fileSystems.DescribeMountTargetsAsync(region, fileSystemId, cancellationToken).ConfigureAwait(false);
        return [.. configuration.MountTargetsIn(region).Select(m => m.SubnetId).Where(subnet => !existing.Any(m => string.Equals(m.SubnetId, subnet, StringComparison.Ordinal)))];
    }

    private static bool IsTaggedReplica(FileSystem fs, long epoch) =>
        fs.Tags.TryGetValue(EfsDrTags.Role, out var role) && role == ReprotectTags.Replica && EfsDrTags.EpochOf(fs.Tags) == epoch;

    /// <summary>No replication from the primary yet: into the fenced ex-primary, or into a new file system.</summary>
    private async Task<ReprotectPlan> PlanNewAsync(ReprotectPlan plan, ReprotectRequest request, FileSystem primary, FileSystem? exPrimary, CancellationToken cancellationToken)
    {
        var divergedName = DivergedNameOf(plan.FileSystemName, plan.Epoch);
        var kept = exPrimary is null
            ? Single(await fileSystems.FindByNameAsync(plan.ReplicaRegion, divergedName, cancellationToken).ConfigureAwait(false), divergedName, plan.ReplicaRegion)
            : null;
        var ex = exPrimary ?? kept;
        var orphan = ex is null ? null : await OrphanOfAsync(ex, plan, cancellationToken).ConfigureAwait(false);
        plan = plan with { ExPrimaryFileSystemId = ex?.FileSystemId, OrphanedConfigurationSourceId = orphan };

        if (exPrimary is not null && IsFencedAtFailover(exPrimary, primary))
        {
            return plan with
            {
                Action = ReprotectAction.IntoExPrimary,
                ExPrimaryFenced = true,
                ReplicaFileSystemId = exPrimary.FileSystemId,
                Decision = $"{exPrimary.FileSystemId} in {plan.ReplicaRegion} was fenced at failover time (fenced-epoch {exPrimary.Tags[EfsDrTags.FencedEpoch]}, by {exPrimary.Tags[EfsDrTags.FencedBy]}, the run that promoted {plan.PrimaryFileSystemId}) and is read-only: it took no writes since, so it becomes the replica and EFS copies only the differences{OrphanText(orphan)}",
            };
        }

        if (exPrimary is not null && request.OverwriteDiverged)
        {
            return plan with
            {
                Action = ReprotectAction.IntoExPrimary,
                ReplicaFileSystemId = exPrimary.FileSystemId,
                Overwrites = $"everything on {exPrimary.FileSystemId} that {plan.PrimaryFileSystemId} lacks: writes made on it after the failover to epoch {plan.Epoch} are overwritten or removed (EFS keeps no copy)",
                Decision = $"{exPrimary.FileSystemId} in {plan.ReplicaRegion} was NOT fenced at failover time ({FenceState(exPrimary, primary)}), and --overwrite-diverged was given: it becomes the replica anyway{OrphanText(orphan)}",
                Warnings = ["--overwrite-diverged: writes made on the ex-primary after the failover are lost"],
            };
        }

        var targets = configuration.MountTargetsIn(plan.ReplicaRegion);
        if (targets.Count == 0)
        {
            throw new InvalidConfigurationException([new FieldError("mountTargets", $"has no entry for {plan.ReplicaRegion}: reprotect must create a new file system there and needs a subnet and security groups per availability zone of its nodes")]);
        }

        if (ex is not null && !Patterns.FileSystemName().IsMatch(divergedName))
        {
            throw new InvalidConfigurationException([new FieldError("fileSystem.name", $"is too long to keep the unfenced ex-primary {ex.FileSystemId} as '{ClusterConfigurationValidator.Shorten(divergedName)}' (an EFS Name tag holds 256 characters); shorten the Name, or, once its data is saved elsewhere, run with overwriteDiverged")]);
        }

        var why = ex is null
            ? $"no copy named '{plan.FileSystemName}' is left in {plan.ReplicaRegion}"
            : kept is not null
                ? $"the ex-primary {kept.FileSystemId} was already kept as '{divergedName}' by an earlier run"
                : $"{ex.FileSystemId} in {plan.ReplicaRegion} was NOT fenced at failover time ({FenceState(ex, primary)}), so it may hold writes made after the failover: it is renamed '{divergedName}' and kept (never deleted by EfsDr)";
        return plan with
        {
            Action = ReprotectAction.IntoNewFileSystem,
            DivergedName = ex is null ? null : divergedName,
            KeptFileSystemId = ex?.FileSystemId,
            CreationToken = CreationTokenOf(plan.PrimaryFileSystemId, plan.Epoch),
            MountTargets = targets,
            Decision = $"{why}; a new file system in {plan.ReplicaRegion} becomes the replica (mount targets in {targets.Count} subnet(s)){OrphanText(orphan)}",
        };
    }

    /// <summary>The ex-primary's own (orphaned) replication configuration, listed in its region; refuses a copy that is a replica of something.</summary>
    private async Task<string?> OrphanOfAsync(FileSystem ex, ReprotectPlan plan, CancellationToken cancellationToken)
    {
        var all = await replications.DescribeReplicationsAsync(ex.Region, ex.FileSystemId, cancellationToken).ConfigureAwait(false);
        if (all.FirstOrDefault(r => r.Destinations.Any(d => d.FileSystemId == ex.FileSystemId)) is { } incoming)
        {
            throw new ReplicationConflictException(
                $"{ex.FileSystemId} in {ex.Region} is a replica of {incoming.SourceFileSystemId} ({incoming.SourceFileSystemRegion}), not of the primary {plan.PrimaryFileSystemId}: reprotecting would break that replication. Nothing was changed.");
        }

        return all.FirstOrDefault(r => r.SourceFileSystemId == ex.FileSystemId)?.SourceFileSystemId;
    }

    /// <summary>
    /// Fenced at failover time: read-only now and tagged fenced by the very run that promoted <paramref name="primary"/>
    /// (efsdr:fenced-by equals the primary's efsdr:run, efsdr:fenced-epoch its epoch). That run deactivated the ex-primary's
    /// nodes before the promotion and fenced it before the new primary's node was activated, so the copy took no writes
    /// since. A copy fenced later (<c>efsdr fence</c> after an outage) may hold writes made while it was still writable
    /// (a zombie node during the outage): it does not count.
    /// </summary>
    public static bool IsFencedAtFailover(FileSystem exPrimary, FileSystem primary)
    {
        ArgumentNullException.ThrowIfNull(exPrimary);
        ArgumentNullException.ThrowIfNull(primary);
        return exPrimary.Protection == OverwriteProtection.Disabled
            && EfsDrTags.IsFenced(exPrimary.Tags)
            && exPrimary.Tags.TryGetValue(EfsDrTags.FencedEpoch, out var fencedEpoch)
            && string.Equals(fencedEpoch, EfsDrTags.EpochOf(primary.Tags).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            && exPrimary.Tags.TryGetValue(EfsDrTags.FencedBy, out var fencedBy)
            && primary.Tags.TryGetValue(EfsDrTags.Run, out var promotedBy)
            && string.Equals(fencedBy, promotedBy, StringComparison.Ordinal);
    }

    private static string FenceState(FileSystem fs, FileSystem primary)
    {
        var protection = fs.Protection.ToString().ToUpperInvariant();
        if (!EfsDrTags.IsFenced(fs.Tags))
        {
            return $"no fenced tags, protection {protection}";
        }

        if (fs.Protection != OverwriteProtection.Disabled)
        {
            return $"tagged fenced, but protection is {protection}, so writes were possible";
        }

        return $"fenced by {fs.Tags.GetValueOrDefault(EfsDrTags.FencedBy, "?")} at {fs.Tags.GetValueOrDefault(EfsDrTags.FencedAt, "?")} for epoch {fs.Tags.GetValueOrDefault(EfsDrTags.FencedEpoch, "?")}, "
            + $"not by {primary.Tags.GetValueOrDefault(EfsDrTags.Run, "an unknown run")}, the run that promoted {primary.FileSystemId} to epoch {EfsDrTags.EpochOf(primary.Tags).ToString(CultureInfo.InvariantCulture)}: "
            + "it was writable until that later fence and may hold writes made after the failover";
    }

    private static string OrphanText(string? orphan) =>
        orphan is null ? string.Empty : $"; its orphaned replication configuration (source {orphan}, left by LOCAL_CONFIGURATION_ONLY) is deleted first";

    private static string Describe(List<FileSystem> copies) => copies.Count == 0
        ? "no copies"
        : string.Join("; ", copies.Select(c => $"{c.FileSystemId} in {c.Region}: protection {c.Protection.ToString().ToUpperInvariant()}, epoch {EfsDrTags.EpochOf(c.Tags)}"));
}

/// <summary>The tag values a reprotect adds to <see cref="EfsDrTags"/>.</summary>
public static class ReprotectTags
{
    /// <summary>Role value of the replica a reprotect set up (read-only; a replication destination).</summary>
    public const string Replica = "replica";

    /// <summary>Role value of an unfenced ex-primary kept under its -diverged- Name.</summary>
    public const string Diverged = "diverged";

    /// <summary>The primary the replica replicates from.</summary>
    public const string ReplicaOf = "efsdr:replica-of";

    /// <summary>The run that kept a diverged copy.</summary>
    public const string KeptBy = "efsdr:kept-by";
}
