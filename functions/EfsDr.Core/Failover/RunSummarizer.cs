namespace EfsDr.Core.Failover;

/// <summary>SummarizeRun: the execution's output, with each step's start and end and the recovery time.</summary>
public static class RunSummarizer
{
    /// <summary>Builds the summary of a finished run.</summary>
    public static RunSummary Summarize(FailoverState state, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        var steps = new List<StepTiming>();
        void Add(string step, DateTimeOffset? start, DateTimeOffset? end)
        {
            if (start is { } s)
            {
                steps.Add(new StepTiming(step, s, end, end is { } e ? Math.Round((e - s).TotalSeconds, 3) : null));
            }
        }

        var plan = state.Plan;
        Add("Plan", plan.PlannedAt, state.Ttl?.At ?? state.Promotion?.StartedAt ?? state.Node?.StartedAt);
        Add("LowerDnsTtl", state.Ttl?.At, state.Ttl?.At);
        Add("PromoteReplica", state.Promotion?.StartedAt, state.Promotion?.CompletedAt);
        Add("ActivateNode", state.Node?.StartedAt, state.Node?.CompletedAt);
        Add("SwitchDns", state.Dns?.StartedAt, state.Dns?.CompletedAt);
        var end = state.Dns?.CompletedAt ?? state.Node?.CompletedAt ?? now;
        return new RunSummary
        {
            RunId = plan.RunId,
            Plan = plan,
            Steps = steps,
            RecoveryTimeSeconds = Math.Round((end - plan.PlannedAt).TotalSeconds, 3),
            DataLossWindowSeconds = plan.DataLossWindowSeconds,
            ActiveServer = plan.TargetServer,
            FileSystemId = plan.FileSystemId,
        };
    }
}
