namespace EfsDr.Core.Workflows;

/// <summary>How a step appears in the state machine.</summary>
public enum StepKind
{
    /// <summary>A Task whose failure fails the run (its Catch leads to the failure path).</summary>
    Task,

    /// <summary>A Task whose failure never fails the run (every Catch continues at its Next state).</summary>
    BestEffortTask,

    /// <summary>A Wait state followed by a checking Task, repeated until a Choice sees the step done.</summary>
    WaitLoop,

    /// <summary>A Choice state (a question about the state; no Lambda).</summary>
    Choice,
}

/// <summary>The part of a run a step belongs to: a bar of the timeline, an entry of the run summary.</summary>
public enum WorkflowPhase
{
    /// <summary>Plan the failover.</summary>
    Plan,

    /// <summary>Take the run lock.</summary>
    RunLock,

    /// <summary>Lower the DNS TTL.</summary>
    Ttl,

    /// <summary>Stop the ex-primary's nodes.</summary>
    Deactivation,

    /// <summary>A planned move: stop the source and wait until the replica has caught up.</summary>
    Sync,

    /// <summary>Make the replica writable.</summary>
    Promotion,

    /// <summary>Make the ex-primary read-only.</summary>
    Fencing,

    /// <summary>Mount and start the application on the target.</summary>
    Node,

    /// <summary>Point the record at the target.</summary>
    Dns,

    /// <summary>Release the run lock.</summary>
    Release,

    /// <summary>Build the run summary.</summary>
    Summary,

    /// <summary>Clean up after a failure.</summary>
    CleanUp,

    /// <summary>A reprotect: clean up the orphaned configuration, keep a diverged copy, get the replica ready.</summary>
    Replica,

    /// <summary>A reprotect: create the replication, tag the replica, wait for the first completed sync.</summary>
    Replication,
}

/// <summary>When a step ran, as the run summary reports it.</summary>
public readonly record struct StepWindow(DateTimeOffset? Start, DateTimeOffset? End);

/// <summary>One step of a workflow, as the ASL has it and as people see it.</summary>
/// <param name="StateName">The ASL state name (for a wait loop, its checking Task).</param>
/// <param name="Label">What people read (a Task's label starts with the verb of its state name).</param>
/// <param name="Kind">How the step appears in the state machine.</param>
/// <param name="Phase">The part of the run it belongs to.</param>
public record WorkflowStep(string StateName, string Label, StepKind Kind, WorkflowPhase Phase)
{
    /// <summary>The Lambda handler that runs it (the template's <c>Handler</c>, the runtime's <c>_HANDLER</c>); null for a Choice.</summary>
    public string? Handler { get; init; }

    /// <summary>The state field its result lands in (the Task's ResultPath without <c>$.</c>); null for a Choice.</summary>
    public string? ResultField { get; init; }

    /// <summary>For a wait loop: the Wait state before the checking Task.</summary>
    public string? WaitState { get; init; }

    /// <summary>The name of its entry in the run summary, when it has one (with <see cref="Window"/>).</summary>
    public string? SummaryName { get; init; }

    /// <summary>When it ran, for the run summary (a <c>Func&lt;TState, StepWindow&gt;</c> of its workflow's state, typed on
    /// <see cref="WorkflowStep{TState}"/>); null when it is not an entry of the summary.</summary>
    public Delegate? Window { get; init; }

    /// <summary>One line for people once the Task has run (a <c>Func&lt;TState, string?&gt;</c> of its workflow's state, typed
    /// on <see cref="WorkflowStep{TState}"/>), or null.</summary>
    public Delegate? Progress { get; init; }

    /// <summary>The <c>--wait</c> progress line for <paramref name="state"/> (the state the Task left), or null when the step
    /// has none or the state is not its workflow's.</summary>
    public virtual string? ProgressOf(object? state) => null;

    /// <summary>True when a Lambda runs it (every kind but a Choice).</summary>
    public bool RunsLambda => Handler is not null;

    /// <summary>The DefinitionSubstitutions name of its function: promote-replica → PromoteReplicaFunctionArn.</summary>
    public string? SubstitutionName => Handler is null ? null : string.Concat(Handler.Split('-').Select(p => char.ToUpperInvariant(p[0]) + p[1..])) + "FunctionArn";

    /// <summary>The Task's Resource in the ASL: <c>${PromoteReplicaFunctionArn}</c>.</summary>
    public string? Resource => SubstitutionName is null ? null : "${" + SubstitutionName + "}";

    /// <summary>The Task's ResultPath in the ASL: <c>$.promotion</c>.</summary>
    public string? ResultPath => ResultField is null ? null : "$." + ResultField;

    /// <summary>Every ASL state of the step (the Wait state first for a wait loop).</summary>
    public IReadOnlyList<string> StateNames => WaitState is null ? [StateName] : [WaitState, StateName];
}

/// <summary>A step of the workflow whose state between steps is <typeparamref name="TState"/>: its summary window and its
/// progress line read that state.</summary>
/// <typeparam name="TState">The workflow's state (FailoverState, ReprotectState).</typeparam>
/// <param name="StateName">The ASL state name (for a wait loop, its checking Task).</param>
/// <param name="Label">What people read (a Task's label starts with the verb of its state name).</param>
/// <param name="Kind">How the step appears in the state machine.</param>
/// <param name="Phase">The part of the run it belongs to.</param>
public sealed record WorkflowStep<TState>(string StateName, string Label, StepKind Kind, WorkflowPhase Phase) : WorkflowStep(StateName, Label, Kind, Phase)
    where TState : class
{
    /// <summary>When it ran, for the run summary; null when it is not an entry of the summary.</summary>
    public new Func<TState, StepWindow>? Window
    {
        get => (Func<TState, StepWindow>?)base.Window;
        init => base.Window = value;
    }

    /// <summary>One line for people once the Task has run (the <c>--wait</c> progress), or null.</summary>
    public new Func<TState, string?>? Progress
    {
        get => (Func<TState, string?>?)base.Progress;
        init => base.Progress = value;
    }

    /// <inheritdoc/>
    public override string? ProgressOf(object? state)
    {
        if (state is not TState typed || Progress is not { } progress)
        {
            return null;
        }

        try
        {
            return progress(typed);
        }
        catch (NullReferenceException)
        {
            // The state was read off the wire (a crashed step's, a hand-started execution's): a part the line reads may be
            // missing. Then there is no line; following the run must never stop for one.
            return null;
        }
    }
}
