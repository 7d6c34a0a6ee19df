namespace EfsDr.Cli.Commands;

/// <summary>efsdr's exit codes (documented in the README; the cluster scripts pass them through).</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>An unexpected error (a bug): the message says what.</summary>
    public const int Unexpected = 1;

    /// <summary>Usage error: bad arguments, invalid configuration or input.</summary>
    public const int Usage = 2;

    /// <summary>The run failed (FAILED, TIMED_OUT, ABORTED), or a drill check failed.</summary>
    public const int RunFailed = 3;

    /// <summary>Timed out while waiting; the execution goes on.</summary>
    public const int WaitTimeout = 4;

    /// <summary>AWS could not be reached (connection failures or throttling/5xx beyond the retries), refused a call (permissions,
    /// a missing resource), gave an answer efsdr cannot read, or no credentials were found.</summary>
    public const int AwsUnreachable = 5;

    /// <summary>A health finding is critical (efsdr health).</summary>
    public const int CriticalFinding = 6;

    /// <summary>efsdr config diff: a region's stored configuration or stack parameters differ from the file.</summary>
    public const int Drift = 7;

    /// <summary>Interrupted (Ctrl-C): waiting stopped, the execution was not touched.</summary>
    public const int Interrupted = 130;

    /// <summary>Every code and what it means, as the help and the README list them.</summary>
    public static IReadOnlyList<(int Code, string Meaning)> Meanings { get; } =
    [
        (Ok, "success"),
        (Unexpected, "unexpected error (a bug; --debug shows where)"),
        (Usage, "usage error: bad arguments, an unknown profile, invalid configuration or input"),
        (RunFailed, "the run failed, or was refused: another run of the file system is running (a failover to another server, or a run of the other workflow), or no copy is provably the primary"),
        (WaitTimeout, "--timeout passed while waiting; the execution goes on"),
        (AwsUnreachable, "AWS unreachable, busy or refusing (permissions), an answer efsdr cannot read, or no credentials; also a reprotect refused because a region could not be read (a higher epoch there cannot be ruled out)"),
        (CriticalFinding, "a critical health finding (efsdr health)"),
        (Drift, "efsdr config diff found a difference between the file and a region"),
        (Interrupted, "interrupted (Ctrl-C): waiting stopped, the execution was not touched"),
    ];
}
