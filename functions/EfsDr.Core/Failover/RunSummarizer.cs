using EfsDr.Core.Workflows;

namespace EfsDr.Core.Failover;

/// <summary>SummarizeRun: the execution's output, with each step's start and end and the recovery time.</summary>
public static class RunSummarizer
{
    /// <summary>Builds the summary of a finished run.</summary>
    public static RunSummary Summarize(FailoverState state, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        var plan = state.Plan;
        var steps = Steps(state);
        var end = state.Dns?.CompletedAt ?? state.Node?.CompletedAt ?? now;
        return new RunSummary
        {
            RunId = plan.RunId,
            Plan = plan,
            Steps = steps,
            RecoveryTimeSeconds = Math.Round((end - plan.PlannedAt).TotalSeconds, 3),
            DataLossWindowSeconds = state.Sync?.Done == true ? 0 : plan.DataLossWindowSeconds,
            DataLossProven = state.Sync?.Done == true,
            ActiveServer = plan.TargetServer,
            FileSystemId = plan.FileSystemId,
            ExPrimary = ExPrimary(state),
            UnreadableRegions = plan.UnreadableRegions,
            RunLock = RunLockNotes(state),
        };
    }

    /// <summary>The summary's steps: each described step with a window that started, in the workflow's order.</summary>
    public static IReadOnlyList<StepTiming> Steps(FailoverState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var steps = new List<StepTiming>();
        foreach (var step in FailoverWorkflow.Steps.Where(s => s.Window is not null))
        {
            var (start, end) = step.Window!(state);
            if (start is { } s)
            {
                steps.Add(new StepTiming(step.SummaryName ?? step.StateName, s, end, end is { } e ? Math.Round((e - s).TotalSeconds, 3) : null));
            }
        }

        return steps;
    }

    /// <summary>The ex-primary's state: fenced, or plainly NOT fenced with what will fence it.</summary>
    public static ExPrimaryStatus? ExPrimary(FailoverState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var plan = state.Plan;
        if (!plan.FenceExPrimary || plan.DryRun || plan.SourceFileSystemId is null || plan.SourceRegion is null)
        {
            return null;
        }

        var fencing = state.Fencing;
        var nodes = (fencing?.Nodes is { Count: > 0 } checkedNodes ? checkedNodes : state.Deactivation?.Nodes ?? state.Sync?.Nodes ?? [])
            .Select(n => $"{n.Server}: {n.Status.ToString().ToLowerInvariant()} ({n.Detail})")
            .ToList();
        return new ExPrimaryStatus
        {
            FileSystemId = plan.SourceFileSystemId,
            Region = plan.SourceRegion,
            Fenced = fencing?.Fenced == true,
            Detail = fencing?.Detail is { Length: > 0 } detail ? detail : $"NOT fenced: the fencing step did not report; {ExPrimaryFencing.Remedy}",
            Nodes = nodes.Count > 0 ? nodes : state.Deactivation?.Note is { } note ? [note] : [],
        };
    }

    private static List<string> RunLockNotes(FailoverState state)
    {
        var notes = new List<string>();
        if (state.Lock is { } held)
        {
            notes.AddRange(held.Held.Select(h => $"held in {h.Region} (generation {h.Generation}{(h.TakenOverFrom is null ? string.Empty : ", taken over: " + h.TakeOverReason)})"));
            notes.AddRange(held.Skipped.Select(s => $"{s.Region}: {s.Reason}"));
        }

        if (state.LockRelease is { } release)
        {
            notes.Add(Locking.RunLockSteps.Describe(release));
        }

        return notes;
    }
}
