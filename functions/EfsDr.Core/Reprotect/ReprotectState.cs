using EfsDr.Core.Locking;

namespace EfsDr.Core.Reprotect;

/// <summary>The state passed between the reprotect's steps: the plan, then what each step did.</summary>
public sealed record ReprotectState
{
    /// <summary>The plan (made first, before any change).</summary>
    public ReprotectPlan Plan { get; init; } = new();

    /// <summary>The run lock this run holds (same key per file system as the failover's).</summary>
    public RunLock? Lock { get; init; }

    /// <summary>Where the run lock was released at the end.</summary>
    public RunLockRelease? LockRelease { get; init; }

    /// <summary>After a failure: what the clean-up did (the lock released or not).</summary>
    public string? CleanUp { get; init; }

    /// <summary>What the orphaned-configuration cleanup did.</summary>
    public string? OrphanCleanup { get; init; }

    /// <summary>The wait until the orphaned configuration is gone (done at once when the plan had none).</summary>
    public OrphanDeletionState? OrphanDeletion { get; init; }

    /// <summary>What keeping the diverged ex-primary did.</summary>
    public string? Kept { get; init; }

    /// <summary>The replica: the ex-primary, or the new file system once created.</summary>
    public string? ReplicaFileSystemId { get; init; }

    /// <summary>True once the replica is available (a new file system starts in creating).</summary>
    public bool ReplicaAvailable { get; init; }

    /// <summary>What preparing the destination (protection DISABLED) did.</summary>
    public string? Protection { get; init; }

    /// <summary>What creating the replication did.</summary>
    public string? Replication { get; init; }

    /// <summary>The mount targets the replica has in the configured subnets, as subnet → mount target id.</summary>
    public IReadOnlyDictionary<string, string> MountTargets { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The wait for ENABLED and the first completed sync.</summary>
    public SyncWaitState? Sync { get; init; }
}

/// <summary>Progress of the wait for the new replication (no compute held between checks).</summary>
public sealed record SyncWaitState
{
    /// <summary>When the wait began: the budget counts from here.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Checks made.</summary>
    public int Checks { get; init; }

    /// <summary>The replication status last read (ENABLING, ENABLED …).</summary>
    public string Status { get; init; } = "UNKNOWN";

    /// <summary>The destination's LastReplicatedTimestamp last read.</summary>
    public DateTimeOffset? LastReplicatedTimestamp { get; init; }

    /// <summary>True once the replication is ENABLED and a sync completed after the plan was made.</summary>
    public bool Done { get; init; }
}

/// <summary>Progress of the wait for the orphaned configuration's deletion (no compute held between checks).</summary>
public sealed record OrphanDeletionState
{
    /// <summary>When the deletion was requested: the budget counts from here.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Checks made.</summary>
    public int Checks { get; init; }

    /// <summary>Consecutive checks that found no configuration (two make it gone, as Terraform waits).</summary>
    public int NotFoundCount { get; init; }

    /// <summary>The configuration's status last read (DELETING …), or GONE.</summary>
    public string Status { get; init; } = "DELETING";

    /// <summary>True once the configuration is gone (or there was none).</summary>
    public bool Done { get; init; }
}

/// <summary>What a reprotect did, for the operator.</summary>
public sealed record ReprotectSummary
{
    /// <summary>The run.</summary>
    public string RunId { get; init; } = string.Empty;

    /// <summary>What the plan chose.</summary>
    public ReprotectAction Action { get; init; }

    /// <summary>Why.</summary>
    public string Decision { get; init; } = string.Empty;

    /// <summary>The primary and its region.</summary>
    public string Primary { get; init; } = string.Empty;

    /// <summary>The replica and its region.</summary>
    public string Replica { get; init; } = string.Empty;

    /// <summary>The diverged copy EfsDr kept (id and Name), or null when nothing was kept.</summary>
    public string? Kept { get; init; }

    /// <summary>Every first sync after the plan: every change made on the primary before this time is on the replica.</summary>
    public DateTimeOffset? LastReplicatedTimestamp { get; init; }

    /// <summary>One line per step that changed something or found it done.</summary>
    public IReadOnlyList<string> Steps { get; init; } = [];
}
