using EfsDr.Core.Failover;

namespace EfsDr.Core.Locking;

/// <summary>AcquireRunLock and ReleaseRunLock: the run lock of the plan's file system, owned by the plan's execution.
/// A region the run already knows to be down is not tried (it is reported as skipped).</summary>
public sealed class RunLockSteps(RunLockService locks)
{
    /// <summary>Takes the lock in every region that answers; refuses with <see cref="Exceptions.RunInProgressException"/>.</summary>
    public async Task<RunLock> AcquireAsync(FailoverState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var plan = state.Plan;
        var regions = Reachable(plan);
        var taken = await locks.AcquireAsync(plan.FileSystemName, regions, plan.TargetRegion, Owner(plan), cancellationToken).ConfigureAwait(false);
        var down = plan.Regions.Except(regions, StringComparer.Ordinal).Select(r => new SkippedRegion(r, $"not locked: {r} is known to be down"));
        return taken with { Skipped = [.. taken.Skipped, .. down] };
    }

    /// <summary>Marks this run's lock released in every region it may hold it (best effort).</summary>
    public Task<RunLockRelease> ReleaseAsync(FailoverState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var plan = state.Plan;
        return locks.ReleaseAsync(plan.FileSystemName, Reachable(plan), plan.ExecutionArn, cancellationToken);
    }

    /// <summary>One line for people: where the lock was released and where it could not be.</summary>
    public static string Describe(RunLockRelease release)
    {
        ArgumentNullException.ThrowIfNull(release);
        var parts = new List<string>();
        if (release.Released.Count > 0)
        {
            parts.Add("run lock released in " + string.Join(", ", release.Released.Select(r => r.Region)));
        }

        parts.AddRange(release.Failed.Select(f => $"run lock in {f.Region} {f.Reason} (it is taken over once this execution is closed)"));
        return parts.Count == 0 ? "no run lock was held" : string.Join("; ", parts);
    }

    private static RunLockOwner Owner(FailoverPlan plan) => new(plan.ExecutionArn, plan.RunId, plan.TargetServer)
    {
        DeclaredDownRegions = plan.SourceRegionDeclaredDown && plan.SourceRegion is { } source ? [source] : [],
    };

    private static List<string> Reachable(FailoverPlan plan) =>
        [.. plan.Regions.Where(r => !(plan.SourceRegionDown && string.Equals(r, plan.SourceRegion, StringComparison.Ordinal)))];
}
