using System.Text.Json.Serialization;
using EfsDr.Core.Configuration;
using EfsDr.Core.Locking;

namespace EfsDr.Core.Failover;

/// <summary>The execution input of the failover workflow.</summary>
public sealed record FailoverRequest
{
    /// <summary>The server to make active (required).</summary>
    public string? TargetServer { get; set; }

    /// <summary>Plan only; change nothing.</summary>
    public bool DryRun { get; set; }

    /// <summary>The source region is down: delete only the local side of the replication.</summary>
    public bool SourceRegionUnavailable { get; set; }

    /// <summary>Why the failover is run (kept in tags and logs).</summary>
    public string? Reason { get; set; }

    /// <summary>The operator accepts that a region which cannot be read may hold a copy with a higher epoch, whose writes
    /// this run would abandon. Without it such a run is refused (unless the target is a replica, which is the DR path).</summary>
    public bool AcceptUnverifiedEpochs { get; set; }

    /// <summary>A planned move with zero data loss: the source region must answer and replication must be ENABLED; the
    /// source's node is stopped and the run waits until the replica has every write made before that moment.</summary>
    public bool Planned { get; set; }
}

/// <summary>What the failover does with the file system.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PlanAction>))]
public enum PlanAction
{
    /// <summary>The file system is already writable here (the replication source, or promoted earlier by EfsDr).</summary>
    [JsonStringEnumMemberName("none")]
    None,

    /// <summary>The file system is a replica: delete the replication to make it writable.</summary>
    [JsonStringEnumMemberName("promote")]
    Promote,
}

/// <summary>Where the replication of the target stands, as Plan and the promotion saw it (lowercase on the wire).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReplicaStatus>))]
public enum ReplicaStatus
{
    /// <summary>The delete was requested; nothing read since.</summary>
    [JsonStringEnumMemberName("requested")]
    Requested,

    /// <summary>EFS answered a status EfsDr does not know.</summary>
    [JsonStringEnumMemberName("unknown")]
    Unknown,

    /// <summary>The replication is ENABLED.</summary>
    [JsonStringEnumMemberName("enabled")]
    Enabled,

    /// <summary>The replication is ENABLING (first sync).</summary>
    [JsonStringEnumMemberName("enabling")]
    Enabling,

    /// <summary>The replication is DELETING: a delete is under way.</summary>
    [JsonStringEnumMemberName("deleting")]
    Deleting,

    /// <summary>The replication is in ERROR.</summary>
    [JsonStringEnumMemberName("error")]
    Error,

    /// <summary>The replication is PAUSED.</summary>
    [JsonStringEnumMemberName("paused")]
    Paused,

    /// <summary>The replication is PAUSING.</summary>
    [JsonStringEnumMemberName("pausing")]
    Pausing,

    /// <summary>The replication is gone (no replication any more); the file system may not be writable yet.</summary>
    [JsonStringEnumMemberName("gone")]
    Gone,

    /// <summary>The replication is gone and the file system is writable and tagged.</summary>
    [JsonStringEnumMemberName("writable")]
    Writable,
}

/// <summary>Where the node command stands (CheckNodeCommand; kebab-case on the wire).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NodeCommandStatus>))]
public enum NodeCommandStatus
{
    /// <summary>Sent; nothing read since.</summary>
    [JsonStringEnumMemberName("sent")]
    Sent,

    /// <summary>The node agent does not show the command yet (normal right after sending): pending.</summary>
    [JsonStringEnumMemberName("not-yet-visible")]
    NotYetVisible,

    /// <summary>The node agent answered a status EfsDr does not know.</summary>
    [JsonStringEnumMemberName("unknown")]
    Unknown,

    /// <summary>Pending on the node.</summary>
    [JsonStringEnumMemberName("pending")]
    Pending,

    /// <summary>Running on the node.</summary>
    [JsonStringEnumMemberName("in-progress")]
    InProgress,

    /// <summary>Delayed by the agent.</summary>
    [JsonStringEnumMemberName("delayed")]
    Delayed,

    /// <summary>Being cancelled.</summary>
    [JsonStringEnumMemberName("cancelling")]
    Cancelling,

    /// <summary>The node reported success.</summary>
    [JsonStringEnumMemberName("success")]
    Success,
}

/// <summary>The statuses of the state from what the ports answer.</summary>
public static class StateStatuses
{
    /// <summary>The replica status of a replication status.</summary>
    public static ReplicaStatus From(Model.ReplicationStatus status) => status switch
    {
        Model.ReplicationStatus.Enabled => ReplicaStatus.Enabled,
        Model.ReplicationStatus.Enabling => ReplicaStatus.Enabling,
        Model.ReplicationStatus.Deleting => ReplicaStatus.Deleting,
        Model.ReplicationStatus.Error => ReplicaStatus.Error,
        Model.ReplicationStatus.Paused => ReplicaStatus.Paused,
        Model.ReplicationStatus.Pausing => ReplicaStatus.Pausing,
        _ => ReplicaStatus.Unknown,
    };

    /// <summary>The node command status of a (non-final) node progress.</summary>
    public static NodeCommandStatus From(Model.NodeProgressState state) => state switch
    {
        Model.NodeProgressState.NotYetVisible => NodeCommandStatus.NotYetVisible,
        Model.NodeProgressState.Pending => NodeCommandStatus.Pending,
        Model.NodeProgressState.Running => NodeCommandStatus.InProgress,
        Model.NodeProgressState.Delayed => NodeCommandStatus.Delayed,
        Model.NodeProgressState.Cancelling => NodeCommandStatus.Cancelling,
        Model.NodeProgressState.Succeeded => NodeCommandStatus.Success,
        _ => NodeCommandStatus.Unknown,
    };
}

/// <summary>What Plan decided; every later step works from it alone.</summary>
public sealed record FailoverPlan
{
    /// <summary>The execution's name, used as the run id.</summary>
    public string RunId { get; set; } = string.Empty;

    /// <summary>The execution's ARN (the owner of the run lock); empty outside Step Functions.</summary>
    public string ExecutionArn { get; set; } = string.Empty;

    /// <summary>When the plan was made.</summary>
    public DateTimeOffset PlannedAt { get; set; }

    /// <summary>The target server's name.</summary>
    public string TargetServer { get; set; } = string.Empty;

    /// <summary>The target server's region.</summary>
    public string TargetRegion { get; set; } = string.Empty;

    /// <summary>The target server's instance id.</summary>
    public string TargetInstanceId { get; set; } = string.Empty;

    /// <summary>The target server's private IP (the DNS record's new value).</summary>
    public string TargetIp { get; set; } = string.Empty;

    /// <summary>The target server's availability zone.</summary>
    public string TargetAvailabilityZone { get; set; } = string.Empty;

    /// <summary>The file system in the target region.</summary>
    public string FileSystemId { get; set; } = string.Empty;

    /// <summary>The protected file system's Name tag.</summary>
    public string FileSystemName { get; set; } = string.Empty;

    /// <summary>Every region of the cluster (where the run lock is taken).</summary>
    public IReadOnlyList<string> Regions { get; set; } = [];

    /// <summary>promote or none.</summary>
    public PlanAction Action { get; set; }

    /// <summary>Why this action (human-readable).</summary>
    public string Decision { get; set; } = string.Empty;

    /// <summary>For promote: the replication's source file system id (the DELETE path carries it).</summary>
    public string? SourceFileSystemId { get; set; }

    /// <summary>For promote: the source's region.</summary>
    public string? SourceRegion { get; set; }

    /// <summary>For promote: the replication status Plan saw (deleting means a delete is already under way), or gone
    /// when an interrupted promotion is being finished.</summary>
    public ReplicaStatus? ReplicationStatus { get; set; }

    /// <summary>For promote: delete both sides (false) or only the local one (true).</summary>
    public bool LocalConfigurationOnly { get; set; }

    /// <summary>True when the run leaves a writable ex-primary in another region (a cross-region promotion): its node is
    /// deactivated before the promotion and the file system fenced after it.</summary>
    public bool FenceExPrimary { get; set; }

    /// <summary>True when the input declared the source region unavailable (the operator's word, not only Plan's reading).</summary>
    public bool SourceRegionDeclaredDown { get; set; }

    /// <summary>True when the run already knows the ex-primary's region is down (the input said so, or Plan could not read
    /// it): fencing is not attempted there and the summary says the ex-primary is not fenced.</summary>
    public bool SourceRegionDown { get; set; }

    /// <summary>When the replica last caught up, when known.</summary>
    public DateTimeOffset? LastReplicatedTimestamp { get; set; }

    /// <summary>Writes since this many seconds before the plan may be lost (0 when nothing is promoted; null when unknown).</summary>
    public double? DataLossWindowSeconds { get; set; }

    /// <summary>True for a planned move: the source's node is stopped first and the promotion waits until the replica
    /// has caught up with that moment, so the data-loss window is proven to be 0.</summary>
    public bool Planned { get; set; }

    /// <summary>The epoch the file system gets when this run promotes it.</summary>
    public long NextEpoch { get; set; }

    /// <summary>True when the run changes nothing.</summary>
    public bool DryRun { get; set; }

    /// <summary>The operator's reason.</summary>
    public string? Reason { get; set; }

    /// <summary>Pre-flight results, each "name: result".</summary>
    public IReadOnlyList<string> Preflight { get; set; } = [];

    /// <summary>Notes that did not stop the plan.</summary>
    public IReadOnlyList<string> Warnings { get; set; } = [];

    /// <summary>Regions Plan could not read ("us-east-1: why"); epochs there were not compared.</summary>
    public IReadOnlyList<string> UnreadableRegions { get; set; } = [];

    /// <summary>What this run may abandon because the operator accepted unverified epochs (empty otherwise).</summary>
    public IReadOnlyList<string> AcceptedRisks { get; set; } = [];

    /// <summary>The mount point.</summary>
    public string MountPoint { get; set; } = string.Empty;

    /// <summary>How to mount.</summary>
    public MountMethod MountMethod { get; set; }

    /// <summary>The application's unit.</summary>
    public string Unit { get; set; } = string.Empty;

    /// <summary>The application's health URL.</summary>
    public string HealthUrl { get; set; } = string.Empty;

    /// <summary>The DNS record.</summary>
    public DnsSettings Dns { get; set; } = new();

    /// <summary>Seconds each Wait state waits (the ASL reads them with SecondsPath).</summary>
    public PollSettings Waits { get; set; } = new();

    /// <summary>The time budgets.</summary>
    public BudgetSettings Budgets { get; set; } = new();
}

/// <summary>Progress of the promotion (PromoteReplica, then CheckPromotion).</summary>
public sealed record PromotionState
{
    /// <summary>When the delete was requested.</summary>
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>The deletion mode used: ALL_CONFIGURATIONS or LOCAL_CONFIGURATION_ONLY.</summary>
    public string DeletionMode { get; set; } = "ALL_CONFIGURATIONS";

    /// <summary>Why the local-only mode was used, when it was.</summary>
    public string? FallbackReason { get; set; }

    /// <summary>Consecutive answers without the replication seen.</summary>
    public int NotFoundCount { get; set; }

    /// <summary>Checks made so far.</summary>
    public int Checks { get; set; }

    /// <summary>The last replication status seen (deleting …), gone, or writable once done.</summary>
    public ReplicaStatus LastStatus { get; set; } = ReplicaStatus.Requested;

    /// <summary>The file system's replication overwrite protection once the replication is gone but it is not writable yet
    /// (REPLICATING …); null otherwise.</summary>
    public string? Protection { get; set; }

    /// <summary>The last status for people: EFS's own statuses as EFS writes them (DELETING), EfsDr's in lowercase (gone),
    /// with the protection when known.</summary>
    public string StatusText()
    {
        var wire = EfsDrJson.WireName(LastStatus);
        var text = LastStatus is ReplicaStatus.Requested or ReplicaStatus.Gone or ReplicaStatus.Writable ? wire : wire.ToUpperInvariant();
        return Protection is null ? text : $"{text}, protection {Protection}";
    }

    /// <summary>True once the replica is writable and tagged.</summary>
    public bool Done { get; set; }

    /// <summary>When it became writable.</summary>
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>The last answer that still showed the replication: EFS finished after it.</summary>
    public DateTimeOffset? LastSeenAt { get; set; }

    /// <summary>The first answer of the current run of answers without the replication: EFS finished before it.</summary>
    public DateTimeOffset? GoneAt { get; set; }

    /// <summary>The promotion this run expects, in seconds from the delete request (see <see cref="PollSchedule"/>).</summary>
    public int ExpectedSeconds { get; set; }

    /// <summary>Where <see cref="ExpectedSeconds"/> comes from: "history (n promotions)" or "default".</summary>
    public string? ExpectedFrom { get; set; }

    /// <summary>Seconds WaitForPromotion waits before the next check (its SecondsPath).</summary>
    public int NextWaitSeconds { get; set; }

    /// <summary>True once a check watched (held its invocation, checking every 2 s) near the expected end, or could no
    /// longer do so.</summary>
    public bool Watched { get; set; }

    /// <summary>Compute the promotion's checks have held so far, in seconds (the sum of their invocations' durations).</summary>
    public double HeldSeconds { get; set; }

    /// <summary>The promotion history could not be read or written (never fails the run); null otherwise.</summary>
    public string? HistoryNote { get; set; }
}

/// <summary>Progress of the node command (ActivateNode, then CheckNodeCommand).</summary>
public sealed record NodeState
{
    /// <summary>The SSM command id.</summary>
    public string CommandId { get; set; } = string.Empty;

    /// <summary>When it was sent.</summary>
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>The last status seen.</summary>
    public NodeCommandStatus LastStatus { get; set; } = NodeCommandStatus.Sent;

    /// <summary>Checks made so far.</summary>
    public int Checks { get; set; }

    /// <summary>True once the node reported success.</summary>
    public bool Done { get; set; }

    /// <summary>When the node reported success.</summary>
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>The end of the node's output.</summary>
    public string? OutputTail { get; set; }

    /// <summary>Seconds WaitForNode waits before the next check (its SecondsPath).</summary>
    public int NextWaitSeconds { get; set; }

    /// <summary>Compute the node checks have held so far, in seconds.</summary>
    public double HeldSeconds { get; set; }
}

/// <summary>Progress of the DNS switch (SwitchDns, then CheckDns).</summary>
public sealed record DnsState
{
    /// <summary>The Route 53 change id, or null when the record already pointed at the target.</summary>
    public string? ChangeId { get; set; }

    /// <summary>When the switch started.</summary>
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>The value before the switch, when known.</summary>
    public string? PreviousValue { get; set; }

    /// <summary>True when nothing needed changing.</summary>
    public bool Skipped { get; set; }

    /// <summary>Checks made so far.</summary>
    public int Checks { get; set; }

    /// <summary>True once INSYNC (or skipped).</summary>
    public bool Done { get; set; }

    /// <summary>When it was INSYNC.</summary>
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Seconds WaitForDns waits before the next check (its SecondsPath).</summary>
    public int NextWaitSeconds { get; set; }

    /// <summary>Compute the DNS checks have held so far, in seconds.</summary>
    public double HeldSeconds { get; set; }
}

/// <summary>What LowerDnsTtl did (best effort; never fails the run).</summary>
public sealed record TtlState
{
    /// <summary>True when the TTL was lowered.</summary>
    public bool Lowered { get; set; }

    /// <summary>Why nothing was changed, or the error that was swallowed.</summary>
    public string? Note { get; set; }

    /// <summary>When it ran.</summary>
    public DateTimeOffset At { get; set; }
}

/// <summary>The input of each step after Plan: the plan and the steps' progress so far.</summary>
public sealed record FailoverState
{
    /// <summary>The plan.</summary>
    public FailoverPlan Plan { get; set; } = new();

    /// <summary>The promotion, once started.</summary>
    public PromotionState? Promotion { get; set; }

    /// <summary>The node command, once sent.</summary>
    public NodeState? Node { get; set; }

    /// <summary>The DNS switch, once started.</summary>
    public DnsState? Dns { get; set; }

    /// <summary>The TTL step, once run.</summary>
    public TtlState? Ttl { get; set; }

    /// <summary>The run lock, once taken.</summary>
    public RunLock? Lock { get; set; }

    /// <summary>The run lock's release at the end of a successful run.</summary>
    public RunLockRelease? LockRelease { get; set; }

    /// <summary>The deactivation of the ex-primary's nodes (cross-region promotion only).</summary>
    public DeactivationState? Deactivation { get; set; }

    /// <summary>The fencing of the ex-primary (cross-region promotion only).</summary>
    public FencingResult? Fencing { get; set; }

    /// <summary>A planned failover's stop of the source and wait for the replica (planned runs only).</summary>
    public SyncState? Sync { get; set; }

    /// <summary>The failure, as RecordFailure or ReportDnsFailure recorded it, then as CleanUpFailedRun completed it.</summary>
    public FailureReport? Failure { get; set; }
}

/// <summary>What DeactivateOldPrimary did.</summary>
public sealed record DeactivationState
{
    /// <summary>When it ran.</summary>
    public DateTimeOffset At { get; set; }

    /// <summary>Each node of the ex-primary's region.</summary>
    public IReadOnlyList<NodeDeactivation> Nodes { get; set; } = [];

    /// <summary>For people: what was sent, or why nothing was.</summary>
    public string? Note { get; set; }
}

/// <summary>A failed run's error, for the Fail state (PascalCase, as the Pass states write it).</summary>
public sealed record FailureReport
{
    /// <summary>The error name (the domain exception's class name).</summary>
    [JsonPropertyName("Error")]
    public string Error { get; set; } = string.Empty;

    /// <summary>The message, with what the clean-up did.</summary>
    [JsonPropertyName("Cause")]
    public string Cause { get; set; } = string.Empty;

    /// <summary>What the clean-up did (TTL, run lock).</summary>
    [JsonPropertyName("CleanUp")]
    public IReadOnlyList<string> CleanUp { get; set; } = [];
}

/// <summary>The ex-primary's state at the end of a run, for people and for the health check's remedy.</summary>
public sealed record ExPrimaryStatus
{
    /// <summary>The ex-primary file system.</summary>
    public string FileSystemId { get; set; } = string.Empty;

    /// <summary>Its region.</summary>
    public string Region { get; set; } = string.Empty;

    /// <summary>True when it is read-only and tagged fenced.</summary>
    public bool Fenced { get; set; }

    /// <summary>What happened, or what will fence it.</summary>
    public string Detail { get; set; } = string.Empty;

    /// <summary>Each node of its region and whether it was deactivated.</summary>
    public IReadOnlyList<string> Nodes { get; set; } = [];
}

/// <summary>One step of the run summary.</summary>
public sealed record StepTiming(string Step, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, double? Seconds);

/// <summary>The run summary, the execution's output.</summary>
public sealed record RunSummary
{
    /// <summary>The run id.</summary>
    public string RunId { get; set; } = string.Empty;

    /// <summary>The plan.</summary>
    public FailoverPlan Plan { get; set; } = new();

    /// <summary>Each step with its start and end.</summary>
    public IReadOnlyList<StepTiming> Steps { get; set; } = [];

    /// <summary>From the plan to the end of the last step.</summary>
    public double RecoveryTimeSeconds { get; set; }

    /// <summary>The data-loss window: as planned, or 0 when a planned move proved the sync.</summary>
    public double? DataLossWindowSeconds { get; set; }

    /// <summary>True when the window is 0 because it was proven: the replica's last sync came after the source stopped.</summary>
    public bool DataLossProven { get; set; }

    /// <summary>The active server now.</summary>
    public string ActiveServer { get; set; } = string.Empty;

    /// <summary>The file system now mounted.</summary>
    public string FileSystemId { get; set; } = string.Empty;

    /// <summary>The ex-primary left in another region by a cross-region promotion, and whether it is fenced; null otherwise.</summary>
    public ExPrimaryStatus? ExPrimary { get; set; }

    /// <summary>Regions Plan could not read (epochs there were not compared).</summary>
    public IReadOnlyList<string> UnreadableRegions { get; set; } = [];

    /// <summary>What the run lock did: where it was held, skipped and released.</summary>
    public IReadOnlyList<string> RunLock { get; set; } = [];
}
