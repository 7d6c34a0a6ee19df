using System.Text.Json;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;
using EfsDr.Core.Reprotect;
using EfsDr.Core.Workflows;

namespace EfsDr.Runs;

/// <summary>One finished execution: its description, full history and (when a failover succeeded) the run summary.</summary>
/// <param name="Label">The run's name for people.</param>
/// <param name="TargetServer">The failover's target server; for a reprotect, what it protects (the replica's region).</param>
/// <param name="Execution">The execution, with its output.</param>
/// <param name="History">Its whole history, oldest first.</param>
/// <param name="Summary">A succeeded failover's run summary (null for a reprotect).</param>
public sealed record RunRecord(string Label, string TargetServer, Execution Execution, IReadOnlyList<HistoryEvent> History, RunSummary? Summary)
{
    /// <summary>Which workflow ran (read from the history's first state, else the state machine's name).</summary>
    public WorkflowKind Workflow { get; init; } = WorkflowDescription.Of(Execution.StateMachineArn, History).Kind;

    /// <summary>The workflow's description (steps, phases, progress lines).</summary>
    public WorkflowDescription Description => Workflow == WorkflowKind.Reprotect ? ReprotectWorkflow.Description : FailoverWorkflow.Description;

    /// <summary>A succeeded reprotect's summary (its execution output), or null.</summary>
    public ReprotectSummary? Reprotect => Workflow == WorkflowKind.Reprotect && Succeeded ? ParseReprotectSummary(Execution.Output) : null;

    /// <summary>A reprotect's plan, as its Plan step left it in the history (a dry run's output is only the summary, the
    /// plan has the overwrites and warnings); null for a failover or before the plan was made.</summary>
    public ReprotectPlan? ReprotectPlan => Workflow == WorkflowKind.Reprotect ? PlanOf(History) : null;

    /// <summary>A failover's plan, as its Plan step left it in the history (a run that stopped before its summary still has
    /// it); null for a reprotect or before the plan was made.</summary>
    public FailoverPlan? FailoverPlan => Workflow == WorkflowKind.Failover ? FailoverPlanOf(History) : null;

    private static FailoverPlan? FailoverPlanOf(IReadOnlyList<HistoryEvent> history)
    {
        var exited = history.LastOrDefault(e => e.Type == "TaskStateExited" && e.StateName == FailoverWorkflow.PlanFailover.StateName);
        return FailoverDriver.OutputOf(exited?.Details) is { } output ? EfsDrJson.ParseState(output)?.Plan : null;
    }

    private static ReprotectPlan? PlanOf(IReadOnlyList<HistoryEvent> history)
    {
        var exited = history.LastOrDefault(e => e.Type == "TaskStateExited" && e.StateName == ReprotectWorkflow.PlanReprotect.StateName);
        return FailoverDriver.OutputOf(exited?.Details) is { } output ? ReprotectJson.ParseState(output)?.Plan : null;
    }

    /// <summary>A reprotect's summary from an execution output; null when the text is empty or not one.</summary>
    public static ReprotectSummary? ParseReprotectSummary(string? output)
    {
        if (string.IsNullOrWhiteSpace(output))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(output, ReprotectStateJsonContext.Default.ReprotectSummary);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>True when the execution succeeded.</summary>
    public bool Succeeded => Execution.Status == ExecutionStatus.Succeeded;

    /// <summary>Wall time from start to stop.</summary>
    public TimeSpan Duration => (Execution.StopDate ?? Execution.StartDate) - Execution.StartDate;

    /// <summary>State transitions (states entered).</summary>
    public int Transitions => History.Count(e => e.Type.EndsWith("StateEntered", StringComparison.Ordinal));

    /// <summary>Why it failed, for people: the error name and the message (a Lambda error document's errorMessage unwrapped).</summary>
    public string Reason => Succeeded ? string.Empty : $"{Execution.Error}: {Unwrap(Execution.Cause)}";

    /// <summary>The errorMessage of a Lambda error document, or the text itself.</summary>
    public static string Unwrap(string? cause) => Core.Failover.FailedRunCleanup.Unwrap(cause);

    /// <summary>Lambda invocations (Task states run, retries included).</summary>
    public int LambdaInvocations => Math.Max(History.Count(e => e.Type == "LambdaFunctionScheduled"), History.Count(e => e.Type == "TaskStateEntered"));
}

/// <summary>Starts a failover execution and follows it until it ends, reporting each step as it happens. It reads the
/// history incrementally (<see cref="HistoryReader"/>: never the whole history again after the first read) on the
/// <see cref="Polls"/> schedule of <paramref name="time"/>, learns the end from the history itself and describes the
/// execution once, at the end: about one Step Functions call per second while steps change, one every
/// <see cref="FollowCadence.Max"/> during long waits.</summary>
/// <param name="executions">Step Functions.</param>
/// <param name="time">The clock the follower polls and times out on (the system clock by default; the drill can pass its
/// cloud's simulated clock).</param>
public sealed class FailoverDriver(IExecutions executions, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>When the history is read while waiting.</summary>
    public FollowCadence Polls { get; init; } = new();

    /// <summary>How often a "still waiting" line is printed while nothing else happens.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The promotion time EFS usually needs (the article measured 10–15 min), for the expected remaining time.</summary>
    public TimeSpan TypicalPromotion { get; init; } = TimeSpan.FromMinutes(12);

    /// <summary>Runs one execution to its end (or until <paramref name="timeout"/>), printing live progress.</summary>
    public async Task<RunRecord> RunAsync(string stateMachineArn, string name, string input, string label, string targetServer, Action<string> progress, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var started = await executions.StartAsync(stateMachineArn, name, input, cancellationToken).ConfigureAwait(false);
        progress($"  started {name}");
        return await FollowAsync(started.ExecutionArn, label, targetServer, progress, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Follows an execution (started here or joined) to its end, printing each finished step with its duration,
    /// and a periodic line with the current step, the elapsed time and, while promoting, the expected remaining time.</summary>
    /// <exception cref="TimeoutException">Still running after <paramref name="timeout"/>; the execution goes on.</exception>
    public async Task<RunRecord> FollowAsync(string executionArn, string label, string targetServer, Action<string> progress, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var history = new HistoryReader(executions, executionArn);
        var following = _time.GetUtcNow();
        var lines = new FollowLines(progress, following, HeartbeatInterval, TypicalPromotion);
        var deadline = following + timeout;
        TimeSpan? wait = null;
        while (true)
        {
            var fresh = await history.ReadNewAsync(cancellationToken).ConfigureAwait(false);
            lines.Workflow ??= history.Events.Any(e => e.StateName is not null) ? WorkflowDescription.Of(executionArn, history.Events) : null;
            foreach (var e in fresh)
            {
                lines.Show(e, _time.GetUtcNow());
            }

            var now = _time.GetUtcNow();
            if (history.Ended)
            {
                return await FinishAsync(executionArn, history, lines, label, targetServer, progress, cancellationToken).ConfigureAwait(false);
            }

            var started = history.Events.FirstOrDefault(e => e.Type == "ExecutionStarted")?.Timestamp ?? following;
            lines.HeartbeatIfDue(now, started);
            if (now >= deadline)
            {
                // The history has not said it ended: ask once (the old follower described every poll) before giving up.
                var execution = await executions.DescribeAsync(executionArn, cancellationToken).ConfigureAwait(false);
                return execution.Status != ExecutionStatus.Running
                    ? await FinishAsync(executionArn, history, lines, label, targetServer, progress, cancellationToken).ConfigureAwait(false)
                    : throw new TimeoutException($"{executionArn} still running after {Durations.ForPeople(timeout)}; it goes on");
            }

            wait = Polls.Next(wait, fresh.Count > 0);
            await SleepAsync(now + wait.Value < deadline ? now + wait.Value : deadline, lines, started, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until <paramref name="until"/>, printing the "still waiting" line whenever it falls due on the way.</summary>
    private async Task SleepAsync(DateTimeOffset until, FollowLines lines, DateTimeOffset started, CancellationToken cancellationToken)
    {
        while (_time.GetUtcNow() is var now && now < until)
        {
            lines.HeartbeatIfDue(now, started);
            var wake = lines.HeartbeatDue < until ? lines.HeartbeatDue : until;
            await Task.Delay(wake > now ? wake - now : TimeSpan.Zero, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The end: one DescribeExecution for the status and output, the last events, and the final line.</summary>
    private async Task<RunRecord> FinishAsync(string executionArn, HistoryReader history, FollowLines lines, string label, string targetServer, Action<string> progress, CancellationToken cancellationToken)
    {
        var execution = await executions.DescribeAsync(executionArn, cancellationToken).ConfigureAwait(false);
        if (!history.Ended)
        {
            // Described as ended before the history was read to its end event.
            foreach (var e in await history.ReadNewAsync(cancellationToken).ConfigureAwait(false))
            {
                lines.Show(e, _time.GetUtcNow());
            }
        }

        var workflow = lines.Workflow ??= WorkflowDescription.Of(executionArn, history.Events);
        lines.FlushRepeats();
        var summary = execution.Status == ExecutionStatus.Succeeded && workflow.Kind == WorkflowKind.Failover ? EfsDrJson.ParseSummary(execution.Output) : null;
        progress(execution.Status == ExecutionStatus.Succeeded
            ? $"  {execution.Status.ToString().ToUpperInvariant()} in {Durations.ForPeople((execution.StopDate ?? execution.StartDate) - execution.StartDate)}"
            : $"  {execution.Status.ToString().ToUpperInvariant()}: {execution.Error}: {RunRecord.Unwrap(execution.Cause)}");
        return new RunRecord(label, targetServer, execution, [.. history.Events], summary) { Workflow = workflow.Kind };
    }

    /// <summary>An execution's whole history, every page, oldest first (one read: what <c>efsdr report</c> shows).</summary>
    public static async Task<List<HistoryEvent>> HistoryAsync(IExecutions executions, string executionArn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(executions);
        return [.. await new HistoryReader(executions, executionArn).ReadNewAsync(cancellationToken).ConfigureAwait(false)];
    }

    /// <summary>One line for the events worth showing: tasks finishing (with the step's progress line from
    /// <paramref name="workflow"/>'s description, the failover's by default), and a step failing, named by
    /// <paramref name="state"/> (the state it failed in). The execution's own failure is left to the final line.</summary>
    internal static string? Describe(HistoryEvent e, string? state = null, WorkflowDescription? workflow = null)
    {
        switch (e.Type)
        {
            case "TaskStateExited" when e.StateName is { } exited:
                var detail = StatusDetail(workflow ?? FailoverWorkflow.Description, exited, e.Details);
                return $"  {e.Timestamp:HH:mm:ss.fff} {exited}{(detail is null ? string.Empty : " — " + detail)}";
            case "LambdaFunctionFailed" or "TaskFailed":
                return $"  {e.Timestamp:HH:mm:ss.fff} {state ?? "a step"} failed: {e.Error}: {Shorten(RunRecord.Unwrap(e.Cause))}";
            default:
                return null;
        }
    }

    internal static bool IsFailure(HistoryEvent e) => e.Type is "LambdaFunctionFailed" or "TaskFailed";

    /// <summary>True for the states that run or wait on the promotion (its Choices excluded).</summary>
    internal static bool IsPromoting(WorkflowDescription? workflow, string? state) =>
        (workflow ?? FailoverWorkflow.Description).Find(state) is { Phase: WorkflowPhase.Promotion, Kind: not StepKind.Choice };

    /// <summary>The described step's progress line, read from the state the Task left (its output).</summary>
    private static string? StatusDetail(WorkflowDescription workflow, string state, string? details)
    {
        if (details is null || workflow.Find(state)?.Progress is null)
        {
            return null;
        }

        return OutputOf(details) is { } output ? workflow.ProgressLine(state, output) : null;
    }

    /// <summary>The <c>output</c> of a state-exited event's details (the state the step left), or null.</summary>
    internal static string? OutputOf(string? details)
    {
        if (details is null)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(details);
            return doc.RootElement.TryGetProperty("output", out var output) && output.ValueKind == JsonValueKind.String ? output.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Shorten(string? text) => text is null ? string.Empty : text.Length <= 300 ? text : text[..300] + "…";
}
