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

    /// <summary>The TimeoutSeconds of every Task state; longer than <see cref="FunctionSeconds"/>.</summary>
    public const int TaskSeconds = 90;
}
