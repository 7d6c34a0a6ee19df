using EfsDr.Core.Model;

namespace EfsDr.Core.Workflows;

/// <summary>Which workflow a run belongs to.</summary>
public enum WorkflowKind
{
    /// <summary>statemachine/failover.asl.json (<see cref="FailoverWorkflow"/>).</summary>
    Failover,

    /// <summary>statemachine/reprotect.asl.json (<see cref="ReprotectWorkflow"/>).</summary>
    Reprotect,
}

/// <summary>
/// One workflow as the CLI reads it: its steps (in the order a run meets them), its phases and labels, and how to read the
/// state a Task left so its step can say what it did. <see cref="FailoverWorkflow.Description"/> and
/// <see cref="ReprotectWorkflow.Description"/> are the two; <see cref="Of"/> tells which one an execution ran.
/// </summary>
/// <param name="kind">Which workflow.</param>
/// <param name="defaultStateMachineName">The template's default state machine name.</param>
/// <param name="steps">Every step, in the order a run meets them.</param>
/// <param name="parseState">Reads the state a Task left (its output); null when it is not one.</param>
/// <param name="phaseLabels">Labels for phases whose first Lambda step does not name them well.</param>
public sealed class WorkflowDescription(WorkflowKind kind, string defaultStateMachineName, IReadOnlyList<WorkflowStep> steps, Func<string?, object?> parseState, IReadOnlyDictionary<WorkflowPhase, string>? phaseLabels = null)
{
    /// <summary>Which workflow.</summary>
    public WorkflowKind Kind { get; } = kind;

    /// <summary>The template's default state machine name (efsdr-failover, efsdr-reprotect).</summary>
    public string DefaultStateMachineName { get; } = defaultStateMachineName;

    /// <summary>Every step, in the order a run meets them.</summary>
    public IReadOnlyList<WorkflowStep> Steps { get; } = steps;

    /// <summary>The first state a run enters (its plan step).</summary>
    public string FirstState => Steps[0].StateName;

    /// <summary>The phases in the order a run meets them.</summary>
    public IReadOnlyList<WorkflowPhase> Phases => [.. Steps.Select(s => s.Phase).Distinct()];

    /// <summary>Both workflows.</summary>
    public static IReadOnlyList<WorkflowDescription> All => [FailoverWorkflow.Description, ReprotectWorkflow.Description];

    /// <summary>The step an ASL state belongs to (a wait loop owns its Wait state), or null.</summary>
    public WorkflowStep? Find(string? stateName) =>
        stateName is null ? null : Steps.FirstOrDefault(s => s.StateNames.Contains(stateName, StringComparer.Ordinal));

    /// <summary>The label of a phase for people: its own label, else the label of its first Lambda step.</summary>
    public string Label(WorkflowPhase phase) =>
        phaseLabels?.GetValueOrDefault(phase) ?? Steps.First(s => s.Phase == phase && s.RunsLambda).Label;

    /// <summary>The ASL states of a phase that run or wait (Choices excluded): its span on a timeline.</summary>
    public IReadOnlyList<string> States(WorkflowPhase phase) =>
        [.. Steps.Where(s => s.Phase == phase && s.Kind != StepKind.Choice).SelectMany(s => s.StateNames)];

    /// <summary>The progress line of the step <paramref name="stateName"/> for the state it left (<paramref name="output"/>),
    /// or null when the step has none or the output is not this workflow's state.</summary>
    public string? ProgressLine(string stateName, string? output) =>
        Find(stateName) is { Progress: not null } step && parseState(output) is { } state ? step.ProgressOf(state) : null;

    /// <summary>The workflow an execution ran: the one whose first state the history enters first; without a history, the
    /// one whose default state machine name the ARN (state machine or execution) carries; the failover otherwise.</summary>
    public static WorkflowDescription Of(string? arn, IEnumerable<HistoryEvent>? history = null)
    {
        var first = history?.FirstOrDefault(e => e.StateName is not null && e.Type.EndsWith("StateEntered", StringComparison.Ordinal))?.StateName;
        return All.FirstOrDefault(d => string.Equals(d.FirstState, first, StringComparison.Ordinal))
            ?? All.FirstOrDefault(d => MachineName(arn) is { } name && name.Contains(d.Kind.ToString(), StringComparison.OrdinalIgnoreCase))
            ?? FailoverWorkflow.Description;
    }

    /// <summary>The state machine's name in a state machine ARN (<c>…:stateMachine:NAME</c>) or an execution ARN
    /// (<c>…:execution:NAME:RUN</c>); null otherwise.</summary>
    public static string? MachineName(string? arn)
    {
        var parts = arn?.Split(':') ?? [];
        return parts.Length > 6 && parts[5] is "stateMachine" or "execution" ? parts[6] : null;
    }
}
