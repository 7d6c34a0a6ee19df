using System.Globalization;
using EfsDr.Core.Failover;
using EfsDr.Core.Workflows;

namespace EfsDr.Runs;

/// <summary>A physical step of a failover, as the world (AWS, or the local cloud's emulators) carried it out.</summary>
public enum PhysicalStep
{
    /// <summary>The replication's deletion, from the request until the replica is writable.</summary>
    Promotion,

    /// <summary>The node command's run on the node.</summary>
    NodeCommand,

    /// <summary>The DNS change, from submission until INSYNC.</summary>
    DnsPropagation,
}

/// <summary>When a physical step started and finished, on the clock the execution history uses.</summary>
public sealed record PhysicalSpan(PhysicalStep Step, DateTimeOffset Started, DateTimeOffset Finished);

/// <summary>One wait loop: how long the physical step took and how late the workflow moved on after it finished
/// (<c>null</c> when the workflow never left the loop's check, e.g. a failed run). Simulated seconds.</summary>
public sealed record LoopFigures(double PhysicalSeconds, double? DetectionSeconds);

/// <summary>
/// A run's figures as production would count them, in simulated seconds (the execution's timestamps × the factor given):
/// RTO, the physical durations of promotion, node command and DNS propagation, the detection latency of each loop, the
/// overhead (RTO − physical), and what it cost: billed state transitions, Lambda invocations and compute-seconds held.
/// </summary>
public sealed record RunFigures
{
    /// <summary>The run's label.</summary>
    public required string Label { get; init; }

    /// <summary>The target server (a reprotect: the replica's region).</summary>
    public required string Target { get; init; }

    /// <summary>failover, planned failover or reprotect.</summary>
    public required string Kind { get; init; }

    /// <summary>The execution's status (SUCCEEDED, FAILED …).</summary>
    public required string Status { get; init; }

    /// <summary>Start to stop of the execution.</summary>
    public required double RtoSeconds { get; init; }

    /// <summary>now − LastReplicatedTimestamp at planning (0 when proven); null when nothing was promoted or no summary.</summary>
    public double? DataLossWindowSeconds { get; init; }

    /// <summary>The promotion loop, or null when there was no promotion.</summary>
    public LoopFigures? Promotion { get; init; }

    /// <summary>The node command loop, or null.</summary>
    public LoopFigures? Node { get; init; }

    /// <summary>The DNS loop, or null.</summary>
    public LoopFigures? Dns { get; init; }

    /// <summary>The physical time on the critical path: promotion + node command + DNS propagation (+ a planned move's sync wait).</summary>
    public required double PhysicalSeconds { get; init; }

    /// <summary>RTO − physical: what the orchestration itself added (detection latency included).</summary>
    public required double OverheadSeconds { get; init; }

    /// <summary>Billed state transitions: StateEntered events, as Step Functions bills each transition.</summary>
    public required int Transitions { get; init; }

    /// <summary>Lambda invocations: LambdaFunctionScheduled events (retries included).</summary>
    public required int LambdaInvocations { get; init; }

    /// <summary>Compute held: the sum of each invocation's LambdaFunctionStarted → Succeeded/Failed/TimedOut.</summary>
    public required double ComputeSeconds { get; init; }

    /// <summary>The loops: the step that starts the physical work, the check that watches it, and what it is.</summary>
    private static readonly (WorkflowStep Starts, WorkflowStep Check, PhysicalStep Physical)[] Loops =
    [
        (FailoverWorkflow.PromoteReplica, FailoverWorkflow.CheckPromotion, PhysicalStep.Promotion),
        (FailoverWorkflow.ActivateNode, FailoverWorkflow.CheckNodeCommand, PhysicalStep.NodeCommand),
        (FailoverWorkflow.SwitchDns, FailoverWorkflow.CheckDns, PhysicalStep.DnsPropagation),
    ];

    /// <summary>The figures of <paramref name="run"/>, with <paramref name="physical"/> the world's physical spans (any run's:
    /// those of this run are found by the history) and <paramref name="simulatedPerSecond"/> simulated seconds per second of
    /// the history's timestamps (1 when they are simulated or real AWS).</summary>
    public static RunFigures Of(RunRecord run, IReadOnlyList<PhysicalSpan> physical, double simulatedPerSecond = 1)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(physical);
        var k = simulatedPerSecond;
        var reprotect = run.Workflow == WorkflowKind.Reprotect;
        var loops = reprotect ? new LoopFigures?[Loops.Length] : [.. Loops.Select(l => Loop(run, physical, l.Starts, l.Check, l.Physical, k))];
        var rto = run.Duration.TotalSeconds * k;
        double physicalSeconds, overhead;
        if (reprotect || loops.All(l => l is null))
        {
            // No physical record (efsdr report on AWS, or a reprotect): the loops' time stands for the physical time.
            overhead = RunReport.OverheadSeconds(run) * k;
            physicalSeconds = rto - overhead;
        }
        else
        {
            physicalSeconds = loops.Sum(l => l?.PhysicalSeconds ?? 0) + (RunReport.SyncWaitSeconds(run) * k);
            overhead = rto - physicalSeconds;
        }

        return new RunFigures
        {
            Label = run.Label,
            Target = run.TargetServer,
            Kind = reprotect ? "reprotect" : run.Summary?.Plan.Planned == true ? "planned failover" : "failover",
            Status = run.Execution.Status.ToString().ToUpperInvariant(),
            RtoSeconds = rto,
            DataLossWindowSeconds = reprotect ? null : run.Summary?.DataLossWindowSeconds * k,
            Promotion = loops[0],
            Node = loops[1],
            Dns = loops[2],
            PhysicalSeconds = physicalSeconds,
            OverheadSeconds = overhead,
            Transitions = run.Transitions,
            LambdaInvocations = run.History.Count(e => e.Type == "LambdaFunctionScheduled"),
            ComputeSeconds = ComputeHeld(run) * k,
        };
    }

    /// <summary>One loop's figures: the span of its kind that started nearest the last entry of the starting Task (the DNS
    /// change of LowerDnsTtl and a deactivation's node command start long before), and its finish → the last exit of the check.</summary>
    private static LoopFigures? Loop(RunRecord run, IReadOnlyList<PhysicalSpan> physical, WorkflowStep starts, WorkflowStep check, PhysicalStep kind, double k)
    {
        var entered = run.History.LastOrDefault(e => e.Type == "TaskStateEntered" && e.StateName == starts.StateName);
        if (entered is null)
        {
            return null;
        }

        var stop = run.Execution.StopDate ?? DateTimeOffset.MaxValue;
        var span = physical
            .Where(p => p.Step == kind && p.Started >= run.Execution.StartDate && p.Started <= stop)
            .MinBy(p => Math.Abs((p.Started - entered.Timestamp).Ticks));
        if (span is null)
        {
            return null;
        }

        var left = run.History.LastOrDefault(e => e.Type == "TaskStateExited" && e.StateName == check.StateName);
        return new LoopFigures((span.Finished - span.Started).TotalSeconds * k, left is null ? null : (left.Timestamp - span.Finished).TotalSeconds * k);
    }

    /// <summary>Seconds of Lambda compute held: each LambdaFunctionStarted to the next Succeeded/Failed/TimedOut (the Task
    /// states run one at a time).</summary>
    private static double ComputeHeld(RunRecord run)
    {
        var total = 0.0;
        DateTimeOffset? started = null;
        foreach (var e in run.History)
        {
            if (e.Type == "LambdaFunctionStarted")
            {
                started = e.Timestamp;
            }
            else if (started is { } from && e.Type is "LambdaFunctionSucceeded" or "LambdaFunctionFailed" or "LambdaFunctionTimedOut")
            {
                total += (e.Timestamp - from).TotalSeconds;
                started = null;
            }
        }

        return total;
    }

    /// <summary>Minutes and seconds for people: <c>12:31</c>; under a minute with tenths, <c>0:04.2</c>; negative with a
    /// minus; "–" when absent.</summary>
    public static string MinutesSeconds(double? seconds)
    {
        if (seconds is not { } s || !double.IsFinite(s))
        {
            return "–";
        }

        var sign = s < 0 ? "-" : string.Empty;
        var a = Math.Abs(s);
        if (Math.Round(a, 1) < 60)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{sign}0:{Math.Round(a, 1):00.0}");
        }

        var whole = (long)Math.Round(a, MidpointRounding.AwayFromZero);
        return string.Create(CultureInfo.InvariantCulture, $"{sign}{whole / 60}:{whole % 60:00}");
    }
}
