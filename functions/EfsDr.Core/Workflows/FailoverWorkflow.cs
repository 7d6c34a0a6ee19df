using System.Globalization;
using EfsDr.Core.Failover;

namespace EfsDr.Core.Workflows;

/// <summary>
/// The one description of the failover workflow (statemachine/failover.asl.json): each Task, wait loop and Choice in the
/// order a run meets them, with the Lambda handler that runs it, where its result lands and how people see it. The handler
/// registration, the template's substitutions, the run summary, the CLI's progress and report, and the ASL tests read it;
/// a test fails when the ASL and this description disagree.
/// </summary>
public static class FailoverWorkflow
{
    /// <summary>Validate the input and make the plan.</summary>
    public static WorkflowStep<FailoverState> PlanFailover { get; } = new("PlanFailover", "Plan", StepKind.Task, WorkflowPhase.Plan)
    {
        Handler = "plan",
        ResultField = "plan",
        SummaryName = "Plan",
        Window = s => new(s.Plan.PlannedAt, s.Ttl?.At ?? s.Promotion?.StartedAt ?? s.Node?.StartedAt),
        Progress = s => Text($"{EfsDrJson.WireName(s.Plan.Action)} {s.Plan.FileSystemId}, data-loss window {s.Plan.DataLossWindowSeconds} s"),
    };

    /// <summary>Is this a dry run? (<c>$.plan.dryRun</c>).</summary>
    public static WorkflowStep<FailoverState> IsDryRun { get; } = new("Is this a dry run?", "Dry run?", StepKind.Choice, WorkflowPhase.Plan);

    /// <summary>Take the run lock in every region that answers.</summary>
    public static WorkflowStep<FailoverState> AcquireRunLock { get; } = new("AcquireRunLock", "Acquire run lock", StepKind.Task, WorkflowPhase.RunLock)
    {
        Handler = "acquire-run-lock",
        ResultField = "lock",
    };

    /// <summary>Lower the record's TTL (the function swallows its own failures).</summary>
    public static WorkflowStep<FailoverState> LowerDnsTtl { get; } = new("LowerDnsTtl", "Lower TTL", StepKind.Task, WorkflowPhase.Ttl)
    {
        Handler = "lower-dns-ttl",
        ResultField = "ttl",
        SummaryName = "LowerDnsTtl",
        Window = s => new(s.Ttl?.At, s.Ttl?.At),
        Progress = s => s.Ttl?.Lowered == true ? "TTL lowered" : s.Ttl?.Note,
    };

    /// <summary>Is this a planned move? (<c>$.plan.planned</c>).</summary>
    public static WorkflowStep<FailoverState> IsPlannedMove { get; } = new("Is this a planned move?", "Planned move?", StepKind.Choice, WorkflowPhase.Sync);

    /// <summary>A planned move: stop the application on every node of the source region (must succeed).</summary>
    public static WorkflowStep<FailoverState> DeactivateSource { get; } = new("DeactivateSource", "Deactivate source", StepKind.Task, WorkflowPhase.Sync)
    {
        Handler = "deactivate-source",
        ResultField = "sync",
        SummaryName = "DeactivateSource",
        Window = s => new(s.Sync?.StartedAt, s.Sync?.SourceStoppedAt),
        Progress = s => s.Sync?.Text(),
    };

    /// <summary>Wait, then check, until every source node stopped and the replica's last sync is after that moment.</summary>
    public static WorkflowStep<FailoverState> CheckSync { get; } = new("CheckSync", "Check sync", StepKind.WaitLoop, WorkflowPhase.Sync)
    {
        Handler = "check-sync",
        ResultField = "sync",
        WaitState = "WaitForSync",
        SummaryName = "CheckSync",
        Window = s => new(s.Sync?.SourceStoppedAt, s.Sync?.CompletedAt),
        Progress = s => s.Sync?.Text(),
    };

    /// <summary>Is the replica in sync? (<c>$.sync.done</c>).</summary>
    public static WorkflowStep<FailoverState> IsReplicaInSync { get; } = new("Is the replica in sync?", "Replica in sync?", StepKind.Choice, WorkflowPhase.Sync);

    /// <summary>Is the old primary in another region? (<c>$.plan.fenceExPrimary</c>).</summary>
    public static WorkflowStep<FailoverState> IsOldPrimaryElsewhere { get; } = new("Is the old primary in another region?", "Old primary elsewhere?", StepKind.Choice, WorkflowPhase.Deactivation);

    /// <summary>Stop the application on the ex-primary's nodes (best effort).</summary>
    public static WorkflowStep<FailoverState> DeactivateOldPrimary { get; } = new("DeactivateOldPrimary", "Deactivate old primary", StepKind.BestEffortTask, WorkflowPhase.Deactivation)
    {
        Handler = "deactivate-old-primary",
        ResultField = "deactivation",
        SummaryName = "DeactivateOldPrimary",
        Window = s => new(s.Deactivation?.At, s.Deactivation?.At),
        Progress = s => s.Deactivation?.Note,
    };

    /// <summary>Does the replica need promotion? (<c>$.plan.action</c> == promote).</summary>
    public static WorkflowStep<FailoverState> NeedsPromotion { get; } = new("Does the replica need promotion?", "Promotion needed?", StepKind.Choice, WorkflowPhase.Promotion);

    /// <summary>Delete the replication.</summary>
    public static WorkflowStep<FailoverState> PromoteReplica { get; } = new("PromoteReplica", "Promote replica", StepKind.Task, WorkflowPhase.Promotion)
    {
        Handler = "promote-replica",
        ResultField = "promotion",
        SummaryName = "PromoteReplica",
        Window = s => new(s.Promotion?.StartedAt, s.Promotion?.CompletedAt),
        Progress = s => $"delete requested ({s.Promotion?.DeletionMode})",
    };

    /// <summary>Wait, then check the promotion, until the replica is writable.</summary>
    public static WorkflowStep<FailoverState> CheckPromotion { get; } = new("CheckPromotion", "Check promotion", StepKind.WaitLoop, WorkflowPhase.Promotion)
    {
        Handler = "check-promotion",
        ResultField = "promotion",
        WaitState = "WaitForPromotion",
        Progress = s => s.Promotion is { } p ? $"replication {p.StatusText()}" : null,
    };

    /// <summary>Is the replica writable? (<c>$.promotion.done</c>).</summary>
    public static WorkflowStep<FailoverState> IsReplicaWritable { get; } = new("Is the replica writable?", "Replica writable?", StepKind.Choice, WorkflowPhase.Promotion);

    /// <summary>Is there an ex-primary to fence? (<c>$.plan.fenceExPrimary</c>).</summary>
    public static WorkflowStep<FailoverState> IsThereAnExPrimary { get; } = new("Is there an ex-primary to fence?", "Ex-primary to fence?", StepKind.Choice, WorkflowPhase.Fencing);

    /// <summary>Make the ex-primary read-only and tag it fenced (best effort).</summary>
    public static WorkflowStep<FailoverState> FenceOldPrimary { get; } = new("FenceOldPrimary", "Fence old primary", StepKind.BestEffortTask, WorkflowPhase.Fencing)
    {
        Handler = "fence-old-primary",
        ResultField = "fencing",
        Progress = s => s.Fencing?.Detail,
    };

    /// <summary>Send the node document's activate command.</summary>
    public static WorkflowStep<FailoverState> ActivateNode { get; } = new("ActivateNode", "Activate node", StepKind.Task, WorkflowPhase.Node)
    {
        Handler = "activate-node",
        ResultField = "node",
        SummaryName = "ActivateNode",
        Window = s => new(s.Node?.StartedAt, s.Node?.CompletedAt),
    };

    /// <summary>Wait, then check the node command, until the node reports.</summary>
    public static WorkflowStep<FailoverState> CheckNodeCommand { get; } = new("CheckNodeCommand", "Check node command", StepKind.WaitLoop, WorkflowPhase.Node)
    {
        Handler = "check-node-command",
        ResultField = "node",
        WaitState = "WaitForNode",
        Progress = s => s.Node is { } n ? $"node {n.LastStatus}" : null,
    };

    /// <summary>Is the node active? (<c>$.node.done</c>).</summary>
    public static WorkflowStep<FailoverState> IsNodeActive { get; } = new("Is the node active?", "Node active?", StepKind.Choice, WorkflowPhase.Node);

    /// <summary>UPSERT the record.</summary>
    public static WorkflowStep<FailoverState> SwitchDns { get; } = new("SwitchDns", "Switch DNS", StepKind.Task, WorkflowPhase.Dns)
    {
        Handler = "switch-dns",
        ResultField = "dns",
        SummaryName = "SwitchDns",
        Window = s => new(s.Dns?.StartedAt, s.Dns?.CompletedAt),
        Progress = s => s.Dns?.Skipped == true ? "record already points there" : $"UPSERT {s.Dns?.ChangeId}",
    };

    /// <summary>Wait, then check the DNS change, until it is INSYNC.</summary>
    public static WorkflowStep<FailoverState> CheckDns { get; } = new("CheckDns", "Check DNS", StepKind.WaitLoop, WorkflowPhase.Dns)
    {
        Handler = "check-dns",
        ResultField = "dns",
        WaitState = "WaitForDns",
        Progress = s => s.Dns?.Done == true ? "INSYNC" : "PENDING",
    };

    /// <summary>Is the record in sync? (<c>$.dns.done</c>).</summary>
    public static WorkflowStep<FailoverState> IsRecordInSync { get; } = new("Is the record in sync?", "Record in sync?", StepKind.Choice, WorkflowPhase.Dns);

    /// <summary>Release the run lock (best effort).</summary>
    public static WorkflowStep<FailoverState> ReleaseRunLock { get; } = new("ReleaseRunLock", "Release run lock", StepKind.BestEffortTask, WorkflowPhase.Release)
    {
        Handler = "release-run-lock",
        ResultField = "lockRelease",
    };

    /// <summary>Build the run summary (the execution's output).</summary>
    public static WorkflowStep<FailoverState> SummarizeRun { get; } = new("SummarizeRun", "Summarize", StepKind.Task, WorkflowPhase.Summary)
    {
        Handler = "summarize-run",
        ResultField = "summary",
    };

    /// <summary>Restore the TTL and release the lock after a failure (best effort; the run fails next either way).</summary>
    public static WorkflowStep<FailoverState> CleanUpFailedRun { get; } = new("CleanUpFailedRun", "Clean up failed run", StepKind.BestEffortTask, WorkflowPhase.CleanUp)
    {
        Handler = "clean-up-failed-run",
        ResultField = "failure",
    };

    /// <summary>Every step, in the order a run meets them.</summary>
    public static IReadOnlyList<WorkflowStep<FailoverState>> Steps { get; } =
    [
        PlanFailover, IsDryRun, AcquireRunLock, LowerDnsTtl, IsPlannedMove, DeactivateSource, CheckSync, IsReplicaInSync, IsOldPrimaryElsewhere, DeactivateOldPrimary, NeedsPromotion, PromoteReplica,
        CheckPromotion, IsReplicaWritable, IsThereAnExPrimary, FenceOldPrimary, ActivateNode, CheckNodeCommand, IsNodeActive, SwitchDns,
        CheckDns, IsRecordInSync, ReleaseRunLock, SummarizeRun, CleanUpFailedRun,
    ];

    /// <summary>The steps a Lambda runs (Tasks, best-effort Tasks and the checking Tasks of wait loops).</summary>
    public static IReadOnlyList<WorkflowStep<FailoverState>> Tasks { get; } = [.. Steps.Where(s => s.RunsLambda)];

    /// <summary>The handler names of the workflow's functions, one per Task.</summary>
    public static IReadOnlyList<string> Handlers { get; } = [.. Tasks.Select(s => s.Handler!)];

    /// <summary>The phases in the order a run meets them.</summary>
    public static IReadOnlyList<WorkflowPhase> Phases { get; } = [.. Steps.Select(s => s.Phase).Distinct()];

    /// <summary>The description the CLI's run following and report read (steps, phases, progress lines).</summary>
    public static WorkflowDescription Description { get; } = new(WorkflowKind.Failover, "efsdr-failover", Steps, EfsDrJson.ParseState);

    /// <summary>The step an ASL state belongs to (a wait loop owns its Wait state), or null (Pass, Succeed, Fail states).</summary>
    public static WorkflowStep? Find(string? stateName) =>
        stateName is null ? null : Steps.FirstOrDefault(s => s.StateNames.Contains(stateName, StringComparer.Ordinal));

    /// <summary>The label of a phase for people: the label of its first Lambda step.</summary>
    public static string Label(WorkflowPhase phase) => Steps.First(s => s.Phase == phase && s.RunsLambda).Label;

    /// <summary>The ASL states of a phase that run or wait (Choices excluded): its span on a timeline.</summary>
    public static IReadOnlyList<string> States(WorkflowPhase phase) =>
        [.. Steps.Where(s => s.Phase == phase && s.Kind != StepKind.Choice).SelectMany(s => s.StateNames)];

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
