using System.Globalization;
using EfsDr.Core.Reprotect;

namespace EfsDr.Core.Workflows;

/// <summary>
/// The one description of the reprotect workflow (statemachine/reprotect.asl.json): each Task, wait loop and Choice in the
/// order a run meets them, with the Lambda handler that runs it and where its result lands. The steps that carry the whole
/// <see cref="Reprotect.ReprotectState"/> on have no result field (their Task has no ResultPath: the state they return is
/// the state). The handler registration, the template's substitutions and the ASL tests read it.
/// </summary>
public static class ReprotectWorkflow
{
    /// <summary>Validate the input and make the plan (changes nothing).</summary>
    public static WorkflowStep<ReprotectState> PlanReprotect { get; } = new("PlanReprotect", "Plan", StepKind.Task, WorkflowPhase.Plan)
    {
        Handler = "plan-reprotect",
        ResultField = "plan",
        Progress = s => Text($"{ReprotectJson.WireName(s.Plan.Action)} {s.Plan.PrimaryFileSystemId} ({s.Plan.PrimaryRegion}) → {s.Plan.ReplicaFileSystemId ?? "a new file system"} ({s.Plan.ReplicaRegion})"),
    };

    /// <summary>Is this a dry run? (<c>$.plan.dryRun</c>).</summary>
    public static WorkflowStep<ReprotectState> IsDryRun { get; } = new("Is this a dry run?", "Dry run?", StepKind.Choice, WorkflowPhase.Plan);

    /// <summary>Is the replica already protected? (<c>$.plan.action</c> == AlreadyProtected).</summary>
    public static WorkflowStep<ReprotectState> IsAlreadyProtected { get; } = new("Is the replica already protected?", "Already protected?", StepKind.Choice, WorkflowPhase.Plan);

    /// <summary>Take the run lock (the failover's lock: one run per file system).</summary>
    public static WorkflowStep<ReprotectState> AcquireRunLock { get; } = new("AcquireRunLock", "Acquire run lock", StepKind.Task, WorkflowPhase.RunLock)
    {
        Handler = "acquire-reprotect-lock",
        ResultField = "lock",
    };

    /// <summary>Start deleting the orphaned configuration LOCAL_CONFIGURATION_ONLY left (ReplicationNotFound counts as requested).</summary>
    public static WorkflowStep<ReprotectState> CleanUpOrphanedConfiguration { get; } = new("CleanUpOrphanedConfiguration", "Clean up orphaned configuration", StepKind.Task, WorkflowPhase.Replica)
    {
        Handler = "clean-up-orphaned-configuration",
        Progress = s => s.OrphanCleanup,
    };

    /// <summary>Is the orphaned configuration gone? (<c>$.orphanDeletion.done</c>; true at once when the plan had none).</summary>
    public static WorkflowStep<ReprotectState> IsOrphanGone { get; } = new("Is the orphaned configuration gone?", "Orphan gone?", StepKind.Choice, WorkflowPhase.Replica);

    /// <summary>Wait, then check, until the orphaned configuration is gone (two consecutive not-found), within the deletion budget.</summary>
    public static WorkflowStep<ReprotectState> CheckOrphanDeletion { get; } = new("CheckOrphanDeletion", "Check orphan deletion", StepKind.WaitLoop, WorkflowPhase.Replica)
    {
        Handler = "check-orphan-deletion",
        WaitState = "WaitForOrphanDeletion",
        Progress = s => s.OrphanDeletion is { } w ? OrphanDeletionText(w) : null,
    };

    /// <summary>Rename an unfenced ex-primary -diverged- and keep it.</summary>
    public static WorkflowStep<ReprotectState> KeepDivergedCopy { get; } = new("KeepDivergedCopy", "Keep diverged copy", StepKind.Task, WorkflowPhase.Replica)
    {
        Handler = "keep-diverged-copy",
        Progress = s => s.Kept,
    };

    /// <summary>Create the new file system (by creation token) or take the ex-primary.</summary>
    public static WorkflowStep<ReprotectState> EnsureReplica { get; } = new("EnsureReplica", "Ensure replica", StepKind.Task, WorkflowPhase.Replica)
    {
        Handler = "ensure-replica",
        Progress = s => ReplicaText(s),
    };

    /// <summary>Is the replica available? (<c>$.replicaAvailable</c>).</summary>
    public static WorkflowStep<ReprotectState> IsReplicaAvailable { get; } = new("Is the replica available?", "Replica available?", StepKind.Choice, WorkflowPhase.Replica);

    /// <summary>Wait, then check the new file system, until it is available.</summary>
    public static WorkflowStep<ReprotectState> CheckReplica { get; } = new("CheckReplica", "Check replica", StepKind.WaitLoop, WorkflowPhase.Replica)
    {
        Handler = "check-replica",
        WaitState = "WaitForReplica",
        Progress = s => s.ReplicaAvailable ? $"{s.ReplicaFileSystemId} available" : $"{s.ReplicaFileSystemId} creating",
    };

    /// <summary>Set the replica's protection DISABLED (read-only; it may become the destination).</summary>
    public static WorkflowStep<ReprotectState> DisableProtection { get; } = new("DisableProtection", "Disable protection", StepKind.Task, WorkflowPhase.Replication)
    {
        Handler = "disable-protection",
        Progress = s => s.Protection,
    };

    /// <summary>Create the replication from the primary into the replica.</summary>
    public static WorkflowStep<ReprotectState> CreateReplication { get; } = new("CreateReplication", "Create replication", StepKind.Task, WorkflowPhase.Replication)
    {
        Handler = "create-replication",
        Progress = s => s.Replication,
    };

    /// <summary>Tag the replica: role, epoch, and the Name (only now that it replicates).</summary>
    public static WorkflowStep<ReprotectState> TagReplica { get; } = new("TagReplica", "Tag replica", StepKind.Task, WorkflowPhase.Replication)
    {
        Handler = "tag-replica",
        Progress = s => Text($"{s.ReplicaFileSystemId} tagged replica, epoch {s.Plan.Epoch}"),
    };

    /// <summary>Does the replica need mount targets? (<c>$.plan.action</c> == IntoNewFileSystem).</summary>
    public static WorkflowStep<ReprotectState> NeedsMountTargets { get; } = new("Does the replica need mount targets?", "Mount targets needed?", StepKind.Choice, WorkflowPhase.Replication);

    /// <summary>Create a mount target in every configured subnet of the replica's region.</summary>
    public static WorkflowStep<ReprotectState> CreateMountTargets { get; } = new("CreateMountTargets", "Create mount targets", StepKind.Task, WorkflowPhase.Replication)
    {
        Handler = "create-mount-targets",
        Progress = s => Text($"{s.MountTargets.Count} mount target(s): {string.Join(", ", s.MountTargets.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => m.Key + " " + m.Value))}"),
    };

    /// <summary>Wait, then check, until the replication is ENABLED with a sync completed after the plan.</summary>
    public static WorkflowStep<ReprotectState> CheckSync { get; } = new("CheckSync", "Check sync", StepKind.WaitLoop, WorkflowPhase.Replication)
    {
        Handler = "check-reprotect-sync",
        WaitState = "WaitForSync",
        Progress = s => s.Sync is { } w ? SyncText(w) : null,
    };

    /// <summary>Is the replica in sync? (<c>$.sync.done</c>).</summary>
    public static WorkflowStep<ReprotectState> IsReplicaInSync { get; } = new("Is the replica in sync?", "Replica in sync?", StepKind.Choice, WorkflowPhase.Replication);

    /// <summary>Release the run lock (best effort).</summary>
    public static WorkflowStep<ReprotectState> ReleaseRunLock { get; } = new("ReleaseRunLock", "Release run lock", StepKind.BestEffortTask, WorkflowPhase.Release)
    {
        Handler = "release-reprotect-lock",
        ResultField = "lockRelease",
    };

    /// <summary>Build the reprotect summary (the execution's output).</summary>
    public static WorkflowStep<ReprotectState> SummarizeReprotect { get; } = new("SummarizeReprotect", "Summarize", StepKind.Task, WorkflowPhase.Summary)
    {
        Handler = "summarize-reprotect",
        ResultField = "summary",
    };

    /// <summary>Release the lock after a failure (best effort; the run fails next either way).</summary>
    public static WorkflowStep<ReprotectState> CleanUpFailedRun { get; } = new("CleanUpFailedRun", "Clean up failed run", StepKind.BestEffortTask, WorkflowPhase.CleanUp)
    {
        Handler = "clean-up-failed-reprotect",
        ResultField = "cleanUp",
    };

    /// <summary>Every step, in the order a run meets them.</summary>
    public static IReadOnlyList<WorkflowStep<ReprotectState>> Steps { get; } =
    [
        PlanReprotect, IsDryRun, IsAlreadyProtected, AcquireRunLock, CleanUpOrphanedConfiguration, IsOrphanGone, CheckOrphanDeletion, KeepDivergedCopy, EnsureReplica, IsReplicaAvailable, CheckReplica,
        DisableProtection, CreateReplication, TagReplica, NeedsMountTargets, CreateMountTargets, CheckSync, IsReplicaInSync, ReleaseRunLock, SummarizeReprotect, CleanUpFailedRun,
    ];

    /// <summary>The steps a Lambda runs.</summary>
    public static IReadOnlyList<WorkflowStep<ReprotectState>> Tasks { get; } = [.. Steps.Where(s => s.RunsLambda)];

    /// <summary>The handler names of the workflow's functions, one per Task.</summary>
    public static IReadOnlyList<string> Handlers { get; } = [.. Tasks.Select(s => s.Handler!)];

    /// <summary>The description the CLI's run following and report read (steps, phases, progress lines).</summary>
    public static WorkflowDescription Description { get; } = new(
        WorkflowKind.Reprotect,
        "efsdr-reprotect",
        Steps,
        ReprotectJson.ParseState,
        new Dictionary<WorkflowPhase, string> { [WorkflowPhase.Replica] = "Prepare replica", [WorkflowPhase.Replication] = "Replicate" });

    /// <summary>The step an ASL state belongs to (a wait loop owns its Wait state), or null (Pass, Succeed, Fail states).</summary>
    public static WorkflowStep? Find(string? stateName) =>
        stateName is null ? null : Steps.FirstOrDefault(s => s.StateNames.Contains(stateName, StringComparer.Ordinal));

    /// <summary>The replica for people: "new fs-… in us-east-1" or "ex-primary fs-… in us-east-1".</summary>
    public static string ReplicaText(ReprotectState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var what = state.Plan.Action == ReprotectAction.IntoNewFileSystem ? "new" : "ex-primary";
        var availability = state.ReplicaAvailable ? string.Empty : " (creating)";
        return Text($"{what} {state.ReplicaFileSystemId} in {state.Plan.ReplicaRegion}{availability}");
    }

    /// <summary>The first-sync wait for people: "ENABLED, last sync 12:01:02 (3 checks)".</summary>
    public static string SyncText(SyncWaitState wait)
    {
        ArgumentNullException.ThrowIfNull(wait);
        var last = wait.LastReplicatedTimestamp is { } t ? Text($"last sync {t.UtcDateTime:HH:mm:ss}") : "no sync yet";
        var checks = wait.Checks == 1 ? "1 check" : Text($"{wait.Checks} checks");
        return Text($"{wait.Status}, {last} ({checks})");
    }

    /// <summary>The orphan-deletion wait for people: "orphaned configuration DELETING (3 checks)" or "… gone (5 checks)".</summary>
    public static string OrphanDeletionText(OrphanDeletionState wait)
    {
        ArgumentNullException.ThrowIfNull(wait);
        var checks = wait.Checks == 1 ? "1 check" : Text($"{wait.Checks} checks");
        return wait.Done ? Text($"orphaned configuration gone ({checks})") : Text($"orphaned configuration {wait.Status} ({checks})");
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
