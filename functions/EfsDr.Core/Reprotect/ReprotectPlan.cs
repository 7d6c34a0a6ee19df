using System.Text.Json.Serialization;
using EfsDr.Core.Configuration;

namespace EfsDr.Core.Reprotect;

/// <summary>The reprotect execution input.</summary>
public sealed record ReprotectRequest
{
    /// <summary>Plan only: print what would be done and change nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>Replicate into an ex-primary that was not fenced at failover time anyway, overwriting whatever it holds
    /// that the primary lacks. Only after a dry run has shown what would be overwritten.</summary>
    public bool OverwriteDiverged { get; init; }

    /// <summary>Why the operator reprotects (kept in the plan).</summary>
    public string? Reason { get; init; }
}

/// <summary>How the other region gets its replica.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReprotectAction>))]
public enum ReprotectAction
{
    /// <summary>The primary already replicates to a synced replica carrying the Name: nothing to do.</summary>
    AlreadyProtected,

    /// <summary>Replicate into the existing ex-primary: EFS copies only the differences.</summary>
    IntoExPrimary,

    /// <summary>Replicate into a new file system; the ex-primary (if any) is renamed -diverged- and kept.</summary>
    IntoNewFileSystem,
}

/// <summary>What a reprotect will do, and why. Made before any change; the dry run prints it.</summary>
public sealed record ReprotectPlan
{
    /// <summary>The run (execution name).</summary>
    public string RunId { get; init; } = string.Empty;

    /// <summary>The execution's ARN: the owner of the run lock (set by the Plan step).</summary>
    public string ExecutionArn { get; init; } = string.Empty;

    /// <summary>When the plan was made: the first completed sync must come after it.</summary>
    public DateTimeOffset PlannedAt { get; init; }

    /// <summary>Plan only.</summary>
    public bool DryRun { get; init; }

    /// <summary>The protected Name.</summary>
    public string FileSystemName { get; init; } = string.Empty;

    /// <summary>The current primary's region (where replication is created).</summary>
    public string PrimaryRegion { get; init; } = string.Empty;

    /// <summary>The current primary: writable, highest epoch.</summary>
    public string PrimaryFileSystemId { get; init; } = string.Empty;

    /// <summary>The primary's epoch; the replica is tagged with it.</summary>
    public long Epoch { get; init; }

    /// <summary>The region that gets the replica.</summary>
    public string ReplicaRegion { get; init; } = string.Empty;

    /// <summary>What the run does.</summary>
    public ReprotectAction Action { get; init; }

    /// <summary>Why, in words.</summary>
    public string Decision { get; init; } = string.Empty;

    /// <summary>The ex-primary in the replica region (by Name, or already renamed -diverged- by an earlier run), if any.</summary>
    public string? ExPrimaryFileSystemId { get; init; }

    /// <summary>True when the ex-primary carries the fenced tags and is read-only: it took no writes after the failover.</summary>
    public bool ExPrimaryFenced { get; init; }

    /// <summary>The source id of the orphaned replication configuration LOCAL_CONFIGURATION_ONLY left in the replica region.</summary>
    public string? OrphanedConfigurationSourceId { get; init; }

    /// <summary>The replica, when known at plan time (the ex-primary, or a new file system created by an earlier run).</summary>
    public string? ReplicaFileSystemId { get; init; }

    /// <summary>True when the primary already replicates to <see cref="ReplicaFileSystemId"/> (an earlier run created it).</summary>
    public bool ReplicationExists { get; init; }

    /// <summary>The Name the unfenced ex-primary is given: <c>&lt;name&gt;-diverged-&lt;epoch&gt;</c>.</summary>
    public string? DivergedName { get; init; }

    /// <summary>The file system kept under <see cref="DivergedName"/> (never deleted by EfsDr).</summary>
    public string? KeptFileSystemId { get; init; }

    /// <summary>The creation token of the new file system: the same for every run of this epoch, so a re-run never creates a second one.</summary>
    public string? CreationToken { get; init; }

    /// <summary>Create the new file system encrypted (like the primary).</summary>
    public bool Encrypted { get; init; }

    /// <summary>Where the new file system gets mount targets.</summary>
    public IReadOnlyList<MountTargetSettings> MountTargets { get; init; } = [];

    /// <summary>With --overwrite-diverged: what replicating into the unfenced ex-primary overwrites.</summary>
    public string? Overwrites { get; init; }

    /// <summary>Seconds between checks of the replication.</summary>
    public int PollSeconds { get; init; } = 30;

    /// <summary>The most the wait for ENABLED and the first completed sync may take, in seconds.</summary>
    public int SyncBudgetSeconds { get; init; } = ReprotectPlanner.DefaultSyncBudgetSeconds;

    /// <summary>The most the wait for the orphaned configuration's deletion may take, in seconds (the configuration's
    /// budgets.promotionSeconds: the same EFS deletion a failover's promotion waits for).</summary>
    public int OrphanDeletionBudgetSeconds { get; init; } = ReprotectPlanner.DefaultOrphanDeletionBudgetSeconds;

    /// <summary>Things the operator should know.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
