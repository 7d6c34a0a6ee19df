using EfsDr.Core.Deadlines;

namespace EfsDr.Core.Failover;

/// <summary>
/// DeactivateOldPrimary and FenceOldPrimary: after a cross-region promotion the ex-primary must stop taking writes (its
/// nodes deactivated before the promotion) and become read-only (fenced after it). Both are best effort and bounded: they
/// never fail the failover. When the ex-primary's region is known to be down they do not try, and say plainly that the
/// ex-primary is NOT fenced and what will fence it.
/// </summary>
public sealed class ExPrimaryFencing(FencingService fencing, TimeProvider time)
{
    /// <summary>The most either step spends on the ex-primary's region (a region that is down leaves calls unanswered).</summary>
    public static readonly TimeSpan RegionBudget = TimeSpan.FromSeconds(20);

    /// <summary>What fences an ex-primary that could not be fenced during the run.</summary>
    public const string Remedy = "run `efsdr fence` once that region answers (the health check raises it as stale-primary until then)";

    /// <summary>Sends deactivate to every node of the ex-primary's region, unless that region is known to be down.</summary>
    public async Task<DeactivationState> DeactivateAsync(FailoverState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var plan = state.Plan;
        var now = time.GetUtcNow();
        if (!plan.FenceExPrimary || plan.SourceFileSystemId is null || plan.SourceRegion is null)
        {
            return new DeactivationState { At = now, Note = "no ex-primary in another region" };
        }

        if (plan.SourceRegionDown)
        {
            return new DeactivationState { At = now, Note = $"not sent: {plan.SourceRegion} is known to be down; the ex-primary's nodes were NOT deactivated" };
        }

        using (CallDeadline.Within(time, RegionBudget))
        {
            var nodes = await fencing.DeactivateAsync(plan.SourceRegion, plan.SourceFileSystemId, plan.RunId, cancellationToken).ConfigureAwait(false);
            return new DeactivationState { At = now, Nodes = nodes, Note = string.Join("; ", nodes.Select(n => $"{n.Server}: {n.Detail}")) };
        }
    }

    /// <summary>Fences the ex-primary (protection DISABLED, tagged with the new epoch) and reads back the deactivate commands.</summary>
    public async Task<FencingResult> FenceAsync(FailoverState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var plan = state.Plan;
        if (!plan.FenceExPrimary || plan.SourceFileSystemId is null || plan.SourceRegion is null)
        {
            return new FencingResult { Detail = "no ex-primary in another region" };
        }

        var result = new FencingResult { FileSystemId = plan.SourceFileSystemId, Region = plan.SourceRegion };
        if (plan.SourceRegionDown)
        {
            return result with { RegionUnreachable = true, Detail = $"NOT fenced: {plan.SourceRegion} is down, so {plan.SourceFileSystemId} there is still writable; {Remedy}" };
        }

        using (CallDeadline.Within(time, RegionBudget))
        {
            var fenced = await fencing.FenceAsync(plan.SourceRegion, plan.SourceFileSystemId, plan.NextEpoch, plan.RunId, cancellationToken).ConfigureAwait(false);
            var nodes = state.Deactivation?.Nodes is { Count: > 0 } sent
                ? await fencing.CheckDeactivationAsync(sent, cancellationToken).ConfigureAwait(false)
                : [];
            return fenced with
            {
                Nodes = nodes,
                Detail = fenced.Fenced ? fenced.Detail : $"NOT fenced: {fenced.Detail}; {Remedy}",
            };
        }
    }
}
