using System.Globalization;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;

namespace EfsDr.Core.Reprotect;

/// <summary>
/// The reprotect's steps after the plan. Each reads what is there before it changes anything, so a run that stopped after any
/// step, run again (a new plan, the same steps), completes with nothing lost or duplicated.
/// </summary>
public sealed class ReprotectService(IFileSystems fileSystems, IReplications replications, TimeProvider time)
{
    /// <summary>Consecutive answers without the orphaned configuration that make it gone (as Terraform's deletion waiter).</summary>
    public const int NotFoundConfirmations = 2;

    /// <summary>Starts deleting the orphaned configuration LOCAL_CONFIGURATION_ONLY left in the ex-primary's region
    /// (ReplicationNotFound counts as requested); <see cref="CheckOrphanDeletionAsync"/> then waits until it is gone.
    /// Without an orphan the wait is done at once.</summary>
    public async Task<ReprotectState> CleanUpOrphanAsync(ReprotectState state, CancellationToken cancellationToken)
    {
        var plan = Require(state);
        if (plan.OrphanedConfigurationSourceId is not { } source)
        {
            return state with { OrphanCleanup = "no orphaned configuration", OrphanDeletion = new OrphanDeletionState { Status = "NONE", Done = true } };
        }

        var wait = new OrphanDeletionState { StartedAt = time.GetUtcNow() };
        try
        {
            await replications.DeleteReplicationAsync(plan.ReplicaRegion, source, DeletionMode.LocalConfigurationOnly, cancellationToken).ConfigureAwait(false);
            return state with { OrphanCleanup = $"deleting the orphaned configuration of {source} in {plan.ReplicaRegion} (LOCAL_CONFIGURATION_ONLY)", OrphanDeletion = wait };
        }
        catch (NoReplicationException)
        {
            return state with { OrphanCleanup = $"the orphaned configuration of {source} was already gone", OrphanDeletion = wait with { Status = "GONE" } };
        }
    }

    /// <summary>One check of the orphaned configuration's deletion: done after <see cref="NotFoundConfirmations"/> consecutive
    /// answers without it (EFS deletes asynchronously, DELETING for minutes; the replica cannot be prepared until it is gone).</summary>
    /// <exception cref="OrphanDeletionTimeoutException">The deletion budget is spent and the configuration is still there.</exception>
    public async Task<ReprotectState> CheckOrphanDeletionAsync(ReprotectState state, CancellationToken cancellationToken)
    {
        var plan = Require(state);
        var now = time.GetUtcNow();
        var wait = (state.OrphanDeletion ?? new OrphanDeletionState { StartedAt = now }) with { Checks = (state.OrphanDeletion?.Checks ?? 0) + 1 };
        if (plan.OrphanedConfigurationSourceId is not { } source)
        {
            return state with { OrphanDeletion = wait with { Status = "NONE", Done = true } };
        }

        var all = await replications.DescribeReplicationsAsync(plan.ReplicaRegion, source, cancellationToken).ConfigureAwait(false);
        var orphan = all.FirstOrDefault(r => string.Equals(r.SourceFileSystemId, source, StringComparison.Ordinal));
        wait = orphan is null
            ? wait with { NotFoundCount = wait.NotFoundCount + 1, Status = "GONE" }
            : wait with { NotFoundCount = 0, Status = orphan.Destination.Status.ToString().ToUpperInvariant() };
        wait = wait with { Done = wait.NotFoundCount >= NotFoundConfirmations };
        if (!wait.Done && (now - wait.StartedAt).TotalSeconds > plan.OrphanDeletionBudgetSeconds)
        {
            throw new OrphanDeletionTimeoutException(
                $"The orphaned replication configuration of {source} in {plan.ReplicaRegion} was still {wait.Status} {(now - wait.StartedAt).TotalMinutes:0.#} min after the delete request (budget {plan.OrphanDeletionBudgetSeconds / 60.0:0.#} min, {wait.Checks} checks). Run efsdr reprotect again to keep waiting.");
        }

        return state with { OrphanDeletion = wait };
    }

    /// <summary>Renames the unfenced ex-primary to its -diverged- Name and tags it kept. It is never deleted.</summary>
    public async Task<ReprotectState> KeepDivergedAsync(ReprotectState state, CancellationToken cancellationToken)
    {
        var plan = Require(state);
        if (plan.KeptFileSystemId is not { } kept || plan.DivergedName is not { } name)
        {
            return state with { Kept = "nothing to keep" };
        }

        var fs = await fileSystems.DescribeAsync(plan.ReplicaRegion, kept, cancellationToken).ConfigureAwait(false);
        var what = $"{kept} kept as '{name}' in {plan.ReplicaRegion} (writes made on it after the failover are there; EfsDr never deletes it)";
        if (string.Equals(fs.Name, name, StringComparison.Ordinal))
        {
            return state with { Kept = what };
        }

        await fileSystems.TagAsync(plan.ReplicaRegion, kept, new Dictionary<string, string>
        {
            ["Name"] = name,
            [EfsDrTags.Role] = ReprotectTags.Diverged,
            [ReprotectTags.KeptBy] = plan.RunId,
        }, cancellationToken).ConfigureAwait(false);
        return state with { Kept = what };
    }

    /// <summary>Creates the new replica (by the plan's creation token, so never twice), or takes the ex-primary; then checks it is available.</summary>
    public async Task<ReprotectState> EnsureReplicaAsync(ReprotectState state, CancellationToken cancellationToken)
    {
        var plan = Require(state);
        var id = state.ReplicaFileSystemId ?? plan.ReplicaFileSystemId;
        FileSystem fs;
        if (id is null)
        {
            var token = plan.CreationToken ?? throw new InvalidOperationException($"The plan for {plan.RunId} has neither a replica nor a creation token.");
            fs = await fileSystems.CreateFileSystemAsync(plan.ReplicaRegion, new FileSystemToCreate(token, plan.Encrypted, new Dictionary<string, string>
            {
                [EfsDrTags.Run] = plan.RunId,
                [ReprotectTags.ReplicaOf] = plan.PrimaryFileSystemId,
            }), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            fs = await fileSystems.DescribeAsync(plan.ReplicaRegion, id, cancellationToken).ConfigureAwait(false);
        }

        return state with { ReplicaFileSystemId = fs.FileSystemId, ReplicaAvailable = fs.IsAvailable };
    }

    /// <summary>Sets the replica's protection DISABLED (read-only, may become a destination) unless it already is, or already replicates.</summary>
    public async Task<ReprotectState> DisableProtectionAsync(ReprotectState state, CancellationToken cancellationToken)
    {
        var plan = Require(state);
        var id = Replica(state);
        var fs = await fileSystems.DescribeAsync(plan.ReplicaRegion, id, cancellationToken).ConfigureAwait(false);
        if (fs.Protection is OverwriteProtection.Disabled or OverwriteProtection.Replicating)
        {
            return state with { Protection = $"{id} already {fs.Protection.ToString().ToUpperInvariant()}" };
        }

        var reported = await fileSystems.UpdateProtectionAsync(plan.ReplicaRegion, id, OverwriteProtection.Disabled, cancellationToken).ConfigureAwait(false);
        return reported is OverwriteProtection.Disabled
            ? state with { Protection = $"{id} set DISABLED (read-only; it may become the destination)" }
            : throw new ReplicationConflictException($"EFS reports protection {reported.ToString().ToUpperInvariant()} on {id} after setting DISABLED; it cannot become the destination.");
    }

    /// <summary>Creates the replication from the primary into the replica, unless the primary already replicates to it.</summary>
    public async Task<ReprotectState> CreateReplicationAsync(ReprotectState state, CancellationToken cancellationToken)
    {
        var plan = Require(state);
        var id = Replica(state);
        if (await OutgoingAsync(plan, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return string.Equals(existing.Destination.FileSystemId, id, StringComparison.Ordinal)
                ? state with { Replication = $"{plan.PrimaryFileSystemId} already replicates to {id}" }
                : throw new ReplicationConflictException($"{plan.PrimaryFileSystemId} replicates to {existing.Destination.FileSystemId}, not to {id}; EFS allows one destination.");
        }

        await replications.CreateReplicationAsync(plan.PrimaryRegion, plan.PrimaryFileSystemId, new ReplicationTarget(plan.ReplicaRegion, id), cancellationToken).ConfigureAwait(false);
        return state with { Replication = $"replication {plan.PrimaryFileSystemId} ({plan.PrimaryRegion}) → {id} ({plan.ReplicaRegion}) created" };
    }

    /// <summary>Tags the replica: role replica, the primary's epoch, and (a new file system, only now that it replicates) the Name.</summary>
    public async Task<ReprotectState> TagReplicaAsync(ReprotectState state, CancellationToken cancellationToken)
    {
        var plan = Require(state);
        var tags = new Dictionary<string, string>
        {
            [EfsDrTags.Role] = ReprotectTags.Replica,
            [EfsDrTags.Epoch] = plan.Epoch.ToString(CultureInfo.InvariantCulture),
            [ReprotectTags.ReplicaOf] = plan.PrimaryFileSystemId,
            [EfsDrTags.Run] = plan.RunId,
            ["Name"] = plan.FileSystemName,
        };
        await fileSystems.TagAsync(plan.ReplicaRegion, Replica(state), tags, cancellationToken).ConfigureAwait(false);
        return state;
    }

    /// <summary>Creates a mount target in every configured subnet of the replica's region that has none yet.</summary>
    public async Task<ReprotectState> CreateMountTargetsAsync(ReprotectState state, CancellationToken cancellationToken)
    {
        var plan = Require(state);
        var id = Replica(state);
        var existing = await fileSystems.DescribeMountTargetsAsync(plan.ReplicaRegion, id, cancellationToken).ConfigureAwait(false);
        var targets = existing.ToDictionary(m => m.SubnetId, m => m.MountTargetId, StringComparer.Ordinal);
        foreach (var wanted in plan.MountTargets.Where(m => !targets.ContainsKey(m.SubnetId)))
        {
            var created = await fileSystems.CreateMountTargetAsync(plan.ReplicaRegion, new MountTargetRequest(id, wanted.SubnetId, wanted.SecurityGroups), cancellationToken).ConfigureAwait(false);
            targets[wanted.SubnetId] = created.MountTargetId;
        }

        return state with { MountTargets = targets };
    }

    /// <summary>One check of the new replication: done once it is ENABLED and a sync completed after the plan was made.</summary>
    /// <exception cref="ReplicationFailedException">The replication is in ERROR or PAUSED, or gone.</exception>
    /// <exception cref="ReprotectTimeoutException">The sync budget is spent.</exception>
    public async Task<ReprotectState> CheckSyncAsync(ReprotectState state, CancellationToken cancellationToken)
    {
        var plan = Require(state);
        var now = time.GetUtcNow();
        var wait = (state.Sync ?? new SyncWaitState { StartedAt = now }) with { Checks = (state.Sync?.Checks ?? 0) + 1 };
        var destination = (await OutgoingAsync(plan, cancellationToken).ConfigureAwait(false))?.Destination
            ?? throw new ReplicationFailedException($"The replication of {plan.PrimaryFileSystemId} to {Replica(state)} is gone; run efsdr reprotect again.");
        if (destination.Status is ReplicationStatus.Error or ReplicationStatus.Paused or ReplicationStatus.Deleting)
        {
            throw new ReplicationFailedException(
                $"Replication of {plan.PrimaryFileSystemId} to {destination.FileSystemId} is {destination.Status.ToString().ToUpperInvariant()}: {destination.StatusMessage ?? "no status message"}");
        }

        var synced = destination.Status == ReplicationStatus.Enabled && destination.LastReplicatedTimestamp > plan.PlannedAt;
        wait = wait with { Status = destination.Status.ToString().ToUpperInvariant(), LastReplicatedTimestamp = destination.LastReplicatedTimestamp, Done = synced };
        if (!synced && (now - wait.StartedAt).TotalSeconds > plan.SyncBudgetSeconds)
        {
            throw new ReprotectTimeoutException(
                $"The replication to {destination.FileSystemId} was not ENABLED with a sync after {plan.PlannedAt:O} within {plan.SyncBudgetSeconds / 60.0:0.#} min (status {wait.Status}, last sync {wait.LastReplicatedTimestamp?.ToString("O", CultureInfo.InvariantCulture) ?? "never"}). Run efsdr reprotect again to keep waiting.");
        }

        return state with { Sync = wait };
    }

    /// <summary>The run's summary: what was done, which copy replicates to which, and what was kept.</summary>
    public static ReprotectSummary Summarize(ReprotectState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var plan = state.Plan;
        return new ReprotectSummary
        {
            RunId = plan.RunId,
            Action = plan.Action,
            Decision = plan.Decision,
            Primary = $"{plan.PrimaryFileSystemId} ({plan.PrimaryRegion}, epoch {plan.Epoch})",
            Replica = $"{state.ReplicaFileSystemId ?? plan.ReplicaFileSystemId ?? "none"} ({plan.ReplicaRegion})",
            Kept = plan.KeptFileSystemId is null ? null : $"{plan.KeptFileSystemId} as '{plan.DivergedName}' in {plan.ReplicaRegion}",
            LastReplicatedTimestamp = state.Sync?.LastReplicatedTimestamp,
            Steps = [.. new[] { state.OrphanCleanup, state.Kept, state.Protection, state.Replication }.OfType<string>()],
        };
    }

    private async Task<ReplicationConfiguration?> OutgoingAsync(ReprotectPlan plan, CancellationToken cancellationToken)
    {
        var all = await replications.DescribeReplicationsAsync(plan.PrimaryRegion, plan.PrimaryFileSystemId, cancellationToken).ConfigureAwait(false);
        return all.FirstOrDefault(r => string.Equals(r.SourceFileSystemId, plan.PrimaryFileSystemId, StringComparison.Ordinal));
    }

    private static string Replica(ReprotectState state) =>
        state.ReplicaFileSystemId ?? state.Plan.ReplicaFileSystemId ?? throw new InvalidOperationException($"No replica yet in run {state.Plan.RunId}: EnsureReplica comes first.");

    private static ReprotectPlan Require(ReprotectState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var plan = state.Plan;
        return plan.DryRun || plan.Action == ReprotectAction.AlreadyProtected
            ? throw new InvalidOperationException($"The plan for {plan.RunId} changes nothing (action {plan.Action}, dry run {plan.DryRun}).")
            : plan;
    }
}
