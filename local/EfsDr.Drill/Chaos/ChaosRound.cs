using System.Globalization;
using System.Text.Json;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Core.Reprotect;
using EfsDr.Core.Workflows;
using EfsDr.Runs;

namespace EfsDr.Drill.Chaos;

/// <summary>What one round did, for the invariants and the figures.</summary>
/// <param name="Runs">Every run of the round (re-runs included), in the order they ended.</param>
/// <param name="Refused">The runs expected to be refused, or refused because another ran at once.</param>
/// <param name="LossWindows">Data-loss windows reported by the round's promotions.</param>
/// <param name="ResumedAfterCrash">Re-runs after a crash that completed.</param>
/// <param name="ReRunAfterFault">Re-runs after a run the other faults broke that completed.</param>
/// <param name="Failed">Runs that failed even when re-run without faults.</param>
/// <param name="OperatorFences">Ex-primaries fenced afterwards, as the operator would.</param>
/// <param name="Problems">What the round itself found wrong (e.g. two starts for the same target made two executions).</param>
/// <param name="CrashHit">True when an injected crash stopped a step (a crash armed after a step the run never reached
/// is not counted as injected).</param>
public sealed record RoundOutcome(
    IReadOnlyList<RunRecord> Runs,
    IReadOnlyList<RefusedRun> Refused,
    IReadOnlyList<LossWindow> LossWindows,
    int ResumedAfterCrash,
    int ReRunAfterFault,
    int Failed,
    int OperatorFences,
    IReadOnlyList<InvariantResult> Problems,
    bool CrashHit);

/// <summary>
/// Runs one chaos round in the world: the operation, under its faults; then, with the faults cleared, the re-run of a
/// request a crash or another fault broke (as an operator or EXPRESSCLUSTER would repeat it), and the operator's fence of an
/// ex-primary a region outage left unfenced.
/// </summary>
public sealed class ChaosRound(DrillWorld world, Action<string> output)
{
    /// <summary>The invariant-like check of two starts for the same target (the seam's five are the invariants' own).</summary>
    public const string SameTargetJoined = "same-target-joined";

    private readonly List<RunRecord> _runs = [];

    /// <summary>Runs <paramref name="operation"/> from <paramref name="state"/> under <paramref name="faults"/>.</summary>
    public async Task<RoundOutcome> RunAsync(int round, ChaosOperation operation, FaultPlan faults, DrState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(faults);
        ArgumentNullException.ThrowIfNull(state);
        _runs.Clear();
        if (operation.Unplanned && faults.RegionDown is null && state.ActiveServer is { } active)
        {
            // EXPRESSCLUSTER gave up on the active node: its group is stopped there before EfsDr is asked to move it.
            await world.DeactivateAsync(active, cancellationToken).ConfigureAwait(false);
        }

        var before = WorldFingerprint.Capture(world);
        var problems = new List<InvariantResult>();
        var first = await UnderFaultsAsync(round, operation, faults, problems, cancellationToken).ConfigureAwait(false);
        var after = WorldFingerprint.Capture(world);
        var refused = Refused(operation, first, before, after);
        var (resumed, reRun, failed) = await ReRunIfBrokenAsync(round, operation, faults, first, cancellationToken).ConfigureAwait(false);
        var fences = await FenceUnfencedAsync(round, cancellationToken).ConfigureAwait(false);
        var crashHit = _runs.Any(r => r.History.Any(e => e.Error == "SimulatedCrashException"));
        return new RoundOutcome([.. _runs], refused, [.. _runs.SelectMany(LossWindowOf)], resumed, reRun, failed, fences, problems, crashHit);
    }

    /// <summary>The data-loss window a run reports: only a run that entered the promotion (a refused one reports none),
    /// and not a planned move (its window is proven 0). The plan is the summary's, or, for a run that stopped before its
    /// summary (a crash), the one its Plan step left in the history.</summary>
    public static IEnumerable<LossWindow> LossWindowOf(RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var promoted = run.History.Any(e => e.Type == "TaskStateEntered" && e.StateName == FailoverWorkflow.PromoteReplica.StateName);
        var plan = run.Summary?.Plan ?? run.FailoverPlan;
        if (!promoted || plan is not { Action: PlanAction.Promote, Planned: false, LastReplicatedTimestamp: { } last } || run.Summary is { DataLossWindowSeconds: 0 } || plan.PlannedAt <= last)
        {
            yield break;
        }

        yield return new LossWindow(plan.RunId.Length > 0 ? plan.RunId : run.Execution.Name, last, plan.PlannedAt);
    }

    private async Task<IReadOnlyList<RunRecord>> UnderFaultsAsync(int round, ChaosOperation operation, FaultPlan faults, List<InvariantResult> problems, CancellationToken cancellationToken)
    {
        Apply(faults, operation);
        try
        {
            return await ExecuteAsync(round, operation, problems, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Every fault ends with the run: the re-runs, the fence and the invariants see a healthy cloud.
            world.Cloud.Faults.Clear();
        }
    }

    /// <summary>Sets the plan's faults; a temporary one ends when the run first invokes the step it lasts until (before that
    /// step runs), or with the run.</summary>
    private void Apply(FaultPlan faults, ChaosOperation operation)
    {
        var cloud = world.Cloud.Faults;
        if (faults.HasServiceFaults)
        {
            cloud.Set("*", "*", new LocalCloud.Hosting.ServiceFaults { ThrottleRate = faults.ThrottleRate, ServerErrorRate = faults.ServerErrorRate, Latency = faults.Latency });
        }

        cloud.CrashAfterFunction = faults.CrashAfter;
        if (operation.Kind == ChaosOperationKind.FailoverToOfflineNode)
        {
            cloud.SetNodeOffline(world.Topology.Server(operation.Target).InstanceId, offline: true);
        }

        if (faults.OfflineNode is { } node)
        {
            var instance = world.Topology.Server(node).InstanceId;
            cloud.SetNodeOffline(instance, offline: true);
            if (faults.OfflineUntil is { } step)
            {
                cloud.EndWhenInvoked(step, () => cloud.SetNodeOffline(instance, offline: false));
            }
        }

        if (faults.RegionDown is { } region)
        {
            cloud.BlackHoleRegion(region);
            if (faults.RegionDownUntil is { } step)
            {
                cloud.EndWhenInvoked(step, () => cloud.RestoreRegion(region));
            }
        }
    }

    private async Task<IReadOnlyList<RunRecord>> ExecuteAsync(int round, ChaosOperation operation, List<InvariantResult> problems, CancellationToken cancellationToken)
    {
        var label = string.Create(CultureInfo.InvariantCulture, $"round {round} {operation}");
        switch (operation.Kind)
        {
            case ChaosOperationKind.TwoRunsSameTarget:
                var (run, starts) = await world.FailoverStartedTwiceAsync(label, operation.Target, _runs, cancellationToken).ConfigureAwait(false);
                var distinct = starts.Distinct(StringComparer.Ordinal).Count();
                if (distinct != 1)
                {
                    problems.Add(new InvariantResult(SameTargetJoined, false, $"two starts for {operation.Target} made {distinct} executions: {string.Join(", ", starts)}"));
                }

                return [run];
            case ChaosOperationKind.TwoRunsDifferentTargets:
                var both = await TwoRunsAsync(label, operation, cancellationToken).ConfigureAwait(false);
                _runs.AddRange(both);
                return both;
            default:
                var single = await RunOnceAsync(label, operation, cancellationToken).ConfigureAwait(false);
                return [single];
        }
    }

    /// <summary>Two failovers to different servers, the second started while the first runs, once the first has passed its
    /// run lock (taken it, or been refused before it): the second must then be refused by the lock. Ordered so that the
    /// same seed makes the same run win in every replay; the race of two lock acquisitions at the same instant is the
    /// run lock's own test (<c>RunLockLocalCloudTests.AcquireAsync_TwoRunsAtOnceThroughTheRealAdapters_…</c>).</summary>
    private async Task<IReadOnlyList<RunRecord>> TwoRunsAsync(string label, ChaosOperation operation, CancellationToken cancellationToken)
    {
        const string reason = "chaos: two runs at once";
        var first = await world.StartFailoverAsync(operation.Target, reason, cancellationToken).ConfigureAwait(false);
        await world.UntilPastAsync(first, FailoverWorkflow.AcquireRunLock.StateName, cancellationToken).ConfigureAwait(false);
        var second = await world.StartFailoverAsync(operation.SecondTarget!, reason, cancellationToken).ConfigureAwait(false);
        return await Task.WhenAll(
            world.FollowAsync(first, label + " (1)", operation.Target, cancellationToken),
            world.FollowAsync(second, label + " (2)", operation.SecondTarget!, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The request of a single-run operation (also its re-run: the same request again).</summary>
    private Task<RunRecord> RunOnceAsync(string label, ChaosOperation operation, CancellationToken cancellationToken) => operation.Kind switch
    {
        ChaosOperationKind.Reprotect or ChaosOperationKind.ReprotectWhenProtected =>
            world.ReprotectAsync(label, operation.Target, "chaos: " + operation.Name, _runs, cancellationToken),
        ChaosOperationKind.PlannedFailover =>
            world.FailoverAsync(label, operation.Target, null, _runs, cancellationToken, DrillWorld.Input(operation.Target, "chaos: planned failover", planned: true)),
        _ => world.FailoverAsync(label, operation.Target, "chaos: " + operation.Name, _runs, cancellationToken),
    };

    private static List<RefusedRun> Refused(ChaosOperation operation, IReadOnlyList<RunRecord> runs, WorldFingerprint before, WorldFingerprint after)
    {
        if (operation.ExpectRefused)
        {
            return [.. runs.Select(r => new RefusedRun(r.Execution.ExecutionArn, r.Succeeded ? $"(not refused: {r.Execution.Status})" : r.Execution.Error ?? "failed", before, after, RanAlone: true))];
        }

        // Two runs at once for different targets: the one that did not succeed was refused by the other's run lock.
        return operation.Kind == ChaosOperationKind.TwoRunsDifferentTargets && runs.Count(r => r.Succeeded) == 1
            ? [.. runs.Where(r => !r.Succeeded).Select(r => new RefusedRun(r.Execution.ExecutionArn, r.Execution.Error ?? "failed", before, after, RanAlone: false))]
            : [];
    }

    /// <summary>With the faults cleared: re-runs a valid request that did not succeed, once (the same request again, as an
    /// operator or the cluster would repeat it). A crash that stopped the run counts as resumed when the re-run completes.</summary>
    private async Task<(int Resumed, int ReRun, int Failed)> ReRunIfBrokenAsync(int round, ChaosOperation operation, FaultPlan faults, IReadOnlyList<RunRecord> first, CancellationToken cancellationToken)
    {
        if (operation.ExpectRefused || first.Any(r => r.Succeeded))
        {
            return (0, 0, 0);
        }

        var crashed = faults.CrashAfter is not null && first.Any(r => r.Execution.Error == "SimulatedCrashException");
        var again = ReRunOf(operation, first);
        output($"  re-run of the same request ({(crashed ? "after the crash" : "after " + string.Join(", ", first.Select(r => r.Execution.Error)))})");
        var rerun = await RunOnceAsync(string.Create(CultureInfo.InvariantCulture, $"round {round} re-run {again}"), again, cancellationToken).ConfigureAwait(false);
        if (!rerun.Succeeded && again.Kind == ChaosOperationKind.PlannedFailover && rerun.Execution.Error?.StartsWith("PlannedFailover", StringComparison.Ordinal) == true)
        {
            // The planned move stopped after its promotion: the target is no longer a replica, and the refusal says that
            // "an unplanned failover (without --planned) is still possible". The operator follows it.
            output("  the planned re-run was refused (the target is promoted already): an unplanned failover to the same server, as the refusal advises");
            var unplanned = again with { Kind = ChaosOperationKind.InRegionFailover };
            rerun = await RunOnceAsync(string.Create(CultureInfo.InvariantCulture, $"round {round} re-run unplanned {again.Target}"), unplanned, cancellationToken).ConfigureAwait(false);
        }

        return rerun.Succeeded ? (crashed ? 1 : 0, crashed ? 0 : 1, 0) : (0, 0, 1);
    }

    /// <summary>The request an operator repeats after a round whose runs all failed: the same one; after two runs at once,
    /// the failover of the run that took the run lock (it may have changed the world: promoted, fenced, moved the
    /// application), else of the first target. Repeating the other target instead would ask for a move the world no longer
    /// allows (a failover back into a fenced region) and be refused, rightly.</summary>
    public static ChaosOperation ReRunOf(ChaosOperation operation, IReadOnlyList<RunRecord> runs)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(runs);
        if (operation.Kind is not (ChaosOperationKind.TwoRunsSameTarget or ChaosOperationKind.TwoRunsDifferentTargets))
        {
            return operation;
        }

        var locked = runs.FirstOrDefault(r => r.History.Any(e => e.StateName == FailoverWorkflow.LowerDnsTtl.StateName && e.Type.EndsWith("StateEntered", StringComparison.Ordinal)));
        return operation with { Kind = ChaosOperationKind.InRegionFailover, Target = locked?.TargetServer ?? operation.Target, SecondTarget = null };
    }

    /// <summary>Fences an ex-primary left writable (its region was down during the promotion), as the operator does with
    /// <c>efsdr fence</c> once the region answers: its nodes deactivated, the copy read-only and tagged.</summary>
    private async Task<int> FenceUnfencedAsync(int round, CancellationToken cancellationToken)
    {
        var fencing = new FencingService(world.Topology.Configuration, world.Adapters.FileSystems, world.Adapters.NodeAgent, LocalTopology.NodeDocument, TimeProvider.System);
        var survey = await fencing.FindUnfencedAsync(cancellationToken).ConfigureAwait(false);
        var fenced = 0;
        foreach (var target in survey.Unfenced)
        {
            var runId = string.Create(CultureInfo.InvariantCulture, $"chaos-fence-{round}");
            var nodes = await fencing.DeactivateAsync(target.Region, target.FileSystemId, runId, cancellationToken).ConfigureAwait(false);
            var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
            while (nodes.Any(n => n.Status == NodeDeactivationStatus.Pending) && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
                nodes = await fencing.CheckDeactivationAsync(nodes, cancellationToken).ConfigureAwait(false);
            }

            var result = await fencing.FenceAsync(target.Region, target.FileSystemId, survey.Primary!.Epoch, runId, cancellationToken).ConfigureAwait(false);
            output($"  operator fence of {target.FileSystemId} ({target.Region}): {result.Detail}");
            fenced += result.Fenced ? 1 : 0;
        }

        return fenced;
    }
}
