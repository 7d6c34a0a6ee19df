namespace EfsDr.Functions.Handlers;

/// <summary>The handler strings of the functions (the template's <c>Handler</c>, the runtime's <c>_HANDLER</c>).</summary>
public static class FunctionNames
{
    /// <summary>Plan the failover.</summary>
    public const string Plan = "plan";

    /// <summary>Lower the record's TTL (best effort).</summary>
    public const string LowerDnsTtl = "lower-dns-ttl";

    /// <summary>Delete the replication.</summary>
    public const string PromoteReplica = "promote-replica";

    /// <summary>Check the promotion.</summary>
    public const string CheckPromotion = "check-promotion";

    /// <summary>Send the node command.</summary>
    public const string ActivateNode = "activate-node";

    /// <summary>Check the node command.</summary>
    public const string CheckNodeCommand = "check-node-command";

    /// <summary>UPSERT the record.</summary>
    public const string SwitchDns = "switch-dns";

    /// <summary>Check the DNS change.</summary>
    public const string CheckDns = "check-dns";

    /// <summary>Build the run summary.</summary>
    public const string SummarizeRun = "summarize-run";

    /// <summary>Take the run lock.</summary>
    public const string AcquireRunLock = "acquire-run-lock";

    /// <summary>Deactivate the ex-primary's nodes (best effort).</summary>
    public const string DeactivateOldPrimary = "deactivate-old-primary";

    /// <summary>Fence the ex-primary (best effort).</summary>
    public const string FenceOldPrimary = "fence-old-primary";

    /// <summary>Release the run lock.</summary>
    public const string ReleaseRunLock = "release-run-lock";

    /// <summary>Restore the TTL and release the lock after a failure.</summary>
    public const string CleanUpFailedRun = "clean-up-failed-run";

    /// <summary>The scheduled health check (not part of the failover workflow).</summary>
    public const string HealthCheck = "health-check";

    /// <summary>The failover workflow's functions (each is a Task of the failover ASL).</summary>
    public static IReadOnlyList<string> Failover { get; } = [Plan, AcquireRunLock, LowerDnsTtl, DeactivateOldPrimary, PromoteReplica, CheckPromotion, FenceOldPrimary, ActivateNode, CheckNodeCommand, SwitchDns, CheckDns, ReleaseRunLock, SummarizeRun, CleanUpFailedRun];

    /// <summary>Every name.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Failover, HealthCheck];
}
