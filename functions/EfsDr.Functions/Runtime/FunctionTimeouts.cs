namespace EfsDr.Functions.Runtime;

/// <summary>
/// The one statement of how long a function and a workflow Task may run; <c>template.yaml</c> (Globals Timeout) and every
/// Task's <c>TimeoutSeconds</c> in <c>statemachine/failover.asl.json</c> must say the same (a test reads both).
/// <para>
/// The rule, by construction: an AWS call never outlives the function. The adapters' own worst case (5 attempts of 20 s
/// plus backoff) is longer than <see cref="FunctionSeconds"/>, so every invocation runs under a call deadline
/// (<see cref="LambdaRuntime.CallDeadlineFor"/>: 54 s into 60 s) that cuts it short with a typed
/// <c>RegionUnreachableException</c> or <c>CloudBusyException</c>, which the workflow retries or catches; and the Task
/// waits longer (<see cref="TaskSeconds"/>) than the function may run, so the function's own answer, not the Task's
/// timeout, is what the workflow sees.
/// </para>
/// </summary>
public static class FunctionTimeouts
{
    /// <summary>The Lambda timeout of every function (template.yaml Globals: Function: Timeout).</summary>
    public const int FunctionSeconds = 60;

    /// <summary>The TimeoutSeconds of every Task state but the wait loops' checks; longer than <see cref="FunctionSeconds"/>.</summary>
    public const int TaskSeconds = 90;

    /// <summary>The Lambda timeout of the wait loops' check functions (<see cref="CheckHandlers"/>), which may hold their
    /// invocation to watch (Core's PollSchedule): at most 120 s per invocation; their calls end at 108 s.</summary>
    public const int CheckFunctionSeconds = 120;

    /// <summary>The TimeoutSeconds of the Tasks that run <see cref="CheckHandlers"/>; longer than <see cref="CheckFunctionSeconds"/>.</summary>
    public const int CheckTaskSeconds = 150;

    /// <summary>The handlers whose functions have <see cref="CheckFunctionSeconds"/>: the failover's wait-loop checks.</summary>
    public static IReadOnlyList<string> CheckHandlers { get; } = ["check-promotion", "check-node-command", "check-dns"];

    /// <summary>The Lambda timeout of the function of <paramref name="handler"/>.</summary>
    public static int FunctionSecondsOf(string handler) => CheckHandlers.Contains(handler, StringComparer.Ordinal) ? CheckFunctionSeconds : FunctionSeconds;

    /// <summary>The Task TimeoutSeconds of a Task that runs <paramref name="handler"/>.</summary>
    public static int TaskSecondsOf(string handler) => CheckHandlers.Contains(handler, StringComparer.Ordinal) ? CheckTaskSeconds : TaskSeconds;
}
