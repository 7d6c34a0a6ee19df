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

    /// <summary>AWS could not be reached (connection failures or throttling/5xx beyond the retries).</summary>
    public const int AwsUnreachable = 5;

    /// <summary>A health finding is critical (efsdr health).</summary>
    public const int CriticalFinding = 6;

    /// <summary>efsdr config diff: a region's stored configuration or stack parameters differ from the file.</summary>
    public const int Drift = 7;

    /// <summary>Interrupted (Ctrl-C): waiting stopped, the execution was not touched.</summary>
    public const int Interrupted = 130;
}
