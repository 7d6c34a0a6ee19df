using EfsDr.Core.Locking;

namespace EfsDr.Core.Reprotect;

/// <summary>The reprotect's AcquireRunLock and ReleaseRunLock: the same run lock as the failover's (keyed by the protected
/// Name), owned by the reprotect's execution, taken in both regions with the primary's region as the run's own.</summary>
public sealed class ReprotectLockSteps(RunLockService locks)
{
    /// <summary>Takes the lock in both regions (the primary's must answer); refuses with <see cref="Exceptions.RunInProgressException"/>
    /// while a failover or another reprotect of the same file system runs.</summary>
    public Task<RunLock> AcquireAsync(ReprotectState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var plan = state.Plan;
        return locks.AcquireAsync(plan.FileSystemName, Regions(plan), plan.PrimaryRegion, new RunLockOwner(plan.ExecutionArn, plan.RunId, "reprotect"), cancellationToken);
    }

    /// <summary>Marks this run's lock released in both regions (best effort).</summary>
    public Task<RunLockRelease> ReleaseAsync(ReprotectState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var plan = state.Plan;
        return locks.ReleaseAsync(plan.FileSystemName, Regions(plan), plan.ExecutionArn, cancellationToken);
    }

    /// <summary>After a failure: releases the lock when the run got as far as a plan (best effort; says what it did).</summary>
    public async Task<string> CleanUpAsync(ReprotectState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (string.IsNullOrEmpty(state.Plan.ExecutionArn) || string.IsNullOrEmpty(state.Plan.FileSystemName) || state.Plan.DryRun)
        {
            return "no run lock was held";
        }

        try
        {
            return RunLockSteps.Describe(await ReleaseAsync(state, cancellationToken).ConfigureAwait(false));
        }
        catch (Exceptions.EfsDrException ex)
        {
            return $"run lock not released ({ex.GetType().Name}); it is taken over once this execution is closed";
        }
    }

    private static List<string> Regions(ReprotectPlan plan) =>
        [.. new[] { plan.PrimaryRegion, plan.ReplicaRegion }.Where(r => !string.IsNullOrEmpty(r)).Distinct(StringComparer.Ordinal)];
}
