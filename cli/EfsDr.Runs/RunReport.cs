using System.Globalization;
using System.Security;
using System.Text;
using EfsDr.Core.Failover;
using EfsDr.Core.Reprotect;
using EfsDr.Core.Workflows;

namespace EfsDr.Runs;

/// <summary>One phase of a run on the timeline: a Task and the Wait/Check loop that belongs to it.</summary>
public sealed record TimelineBar(string Phase, double StartSeconds, double EndSeconds);

/// <summary>The run report of <c>efsdr report</c> and the drill's report (local/EfsDr.Drill): per-run figures as markdown and
/// an SVG timeline of the steps.</summary>
public static class RunReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The steps whose time is spent waiting on AWS (promotion, node command, DNS INSYNC): the table's columns.</summary>
    private static readonly WorkflowStep[] Waited = [FailoverWorkflow.PromoteReplica, FailoverWorkflow.ActivateNode, FailoverWorkflow.SwitchDns];

    private static readonly Dictionary<WorkflowPhase, string> Colors = new()
    {
        [WorkflowPhase.Plan] = "#4e79a7", [WorkflowPhase.RunLock] = "#bab0ac", [WorkflowPhase.Ttl] = "#9c755f", [WorkflowPhase.Deactivation] = "#b07aa1", [WorkflowPhase.Sync] = "#76b7b2",
        [WorkflowPhase.Promotion] = "#e15759", [WorkflowPhase.Fencing] = "#ff9da7", [WorkflowPhase.Node] = "#59a14f", [WorkflowPhase.Dns] = "#f28e2b",
        [WorkflowPhase.Release] = "#bab0ac", [WorkflowPhase.Summary] = "#76b7b2", [WorkflowPhase.CleanUp] = "#edc948",
        [WorkflowPhase.Replica] = "#af7aa1", [WorkflowPhase.Replication] = "#17becf",
    };

    /// <summary>The phases of a run (its workflow's <see cref="WorkflowDescription.Phases"/>) from its history: first entry
    /// to last exit of the phase's states, relative to the start.</summary>
    public static IReadOnlyList<TimelineBar> Timeline(RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var workflow = run.Description;
        var bars = new List<TimelineBar>();
        foreach (var phase in workflow.Phases)
        {
            if (Span(run, workflow.States(phase)) is { } span)
            {
                bars.Add(new TimelineBar(workflow.Label(phase), span.Start, span.End));
            }
        }

        return bars;
    }

    /// <summary>The seconds a run spent in the states of <paramref name="step"/> (for a wait loop: its Wait and checking
    /// Task) by the execution's own timestamps (in the local world, wall time of a clock scaled by its time scale), first
    /// entry to last exit; 0 when it never ran.</summary>
    public static double LoopSeconds(RunRecord run, WorkflowStep step)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(step);
        return Span(run, step.StateNames) is { } span ? span.End - span.Start : 0;
    }

    /// <summary>The sync wait of a run, by its history: a planned failover's wait for the replica to catch up with the stopped
    /// source (CheckSync), or a reprotect's wait for ENABLED and the first completed sync; 0 when there was none.</summary>
    public static double SyncWaitSeconds(RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return LoopSeconds(run, run.Workflow == WorkflowKind.Reprotect ? ReprotectWorkflow.CheckSync : FailoverWorkflow.CheckSync);
    }

    private static (double Start, double End)? Span(RunRecord run, IReadOnlyList<string> states)
    {
        var start = run.Execution.StartDate;
        var events = run.History.Where(e => e.StateName is { } s && states.Contains(s) && (e.Type.EndsWith("StateEntered", StringComparison.Ordinal) || e.Type.EndsWith("StateExited", StringComparison.Ordinal))).ToList();
        return events.Count == 0 ? null : ((events.Min(e => e.Timestamp) - start).TotalSeconds, (events.Max(e => e.Timestamp) - start).TotalSeconds);
    }

    /// <summary>The seconds a described step took according to the run summary, or 0.</summary>
    public static double StepSeconds(RunSummary? summary, WorkflowStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return summary?.Steps.FirstOrDefault(x => x.Step == step.SummaryName)?.Seconds ?? 0;
    }

    /// <summary>Total time minus the time spent waiting on AWS: for a failover promotion, node command, DNS INSYNC and (a
    /// planned one) the sync wait; for a reprotect the orphaned configuration's deletion, the new file system's creation and
    /// the first-sync wait.</summary>
    public static double OverheadSeconds(RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var waited = run.Workflow == WorkflowKind.Reprotect
            ? LoopSeconds(run, ReprotectWorkflow.CheckOrphanDeletion) + LoopSeconds(run, ReprotectWorkflow.CheckReplica)
            : Waited.Sum(step => StepSeconds(run.Summary, step));
        return Math.Max(0, run.Duration.TotalSeconds - waited - SyncWaitSeconds(run));
    }

    /// <summary>The per-run table (one row per run of either workflow), failures and the timeline reference, as markdown
    /// (also <c>efsdr report</c>).</summary>
    public static string Markdown(IReadOnlyList<RunRecord> runs, string heading, string timelineFile = "drill-timeline.svg")
    {
        ArgumentNullException.ThrowIfNull(runs);
        var md = new StringBuilder();
        md.AppendLine().AppendLine(Invariant, $"## {heading}").AppendLine();
        md.AppendLine("| Run | Target | Status | RTO (s) | Data-loss window (s) | Promotion (s) | Node (s) | DNS (s) | Overhead (s) | Transitions | Lambda invocations | Workflow | Sync wait (s) |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in runs)
        {
            md.AppendLine(Row(r));
        }

        md.AppendLine().AppendLine("RTO is the execution's start to stop (for a reprotect: its duration; nothing is down meanwhile). The data-loss window is now − LastReplicatedTimestamp at planning (0 when nothing is promoted). " +
            "The sync wait is, for a planned failover, the wait for the replica to catch up with the stopped source, and for a reprotect the wait for ENABLED and the first completed sync, by the execution's own timestamps. " +
            "Overhead is the RTO minus the time spent waiting on AWS (promotion, the node command, DNS propagation, the sync wait; for a reprotect the orphaned configuration's deletion, the new file system's creation and the first-sync wait): the orchestration's own cost.").AppendLine();
        foreach (var r in runs.Where(r => !r.Succeeded))
        {
            md.AppendLine(Invariant, $"- **{Cell(r.Label)}** failed: `{r.Execution.Error}` — {Cell(RunRecord.Unwrap(r.Execution.Cause))}");
        }

        foreach (var r in runs)
        {
            if (ReprotectLine(r.Reprotect) is { } reprotect)
            {
                md.AppendLine(Invariant, $"- **{Cell(r.Label)}** reprotect: {Cell(reprotect)}");
            }

            if (ExPrimaryLine(r.Summary) is { } line)
            {
                md.AppendLine(Invariant, $"- **{Cell(r.Label)}** ex-primary: {Cell(line)}");
            }

            foreach (var region in r.Summary?.UnreadableRegions ?? [])
            {
                md.AppendLine(Invariant, $"- **{Cell(r.Label)}** region not read: {Cell(region)}");
            }
        }

        md.AppendLine().AppendLine("## Timeline").AppendLine().AppendLine(Invariant, $"![timeline]({timelineFile})").AppendLine();
        return md.ToString();
    }

    /// <summary>One row of the table: a failover's figures, or a reprotect's with "–" where a failover figure has no meaning.</summary>
    private static string Row(RunRecord r)
    {
        var status = r.Execution.Status.ToString().ToUpperInvariant();
        var sync = SyncWaitSeconds(r).ToString("0.00", Invariant);
        if (r.Workflow == WorkflowKind.Reprotect)
        {
            return string.Create(Invariant, $"| {Cell(r.Label)} | {r.TargetServer} | {status} | {r.Duration.TotalSeconds:0.00} | – | – | – | – | {OverheadSeconds(r):0.00} | {r.Transitions} | {r.LambdaInvocations} | reprotect | {sync} |");
        }

        var window = r.Summary?.DataLossWindowSeconds is { } w ? w.ToString("0.0", Invariant) + (r.Summary.DataLossProven ? " (proven)" : string.Empty) : "–";
        var waited = string.Join(" | ", Waited.Select(step => StepSeconds(r.Summary, step).ToString("0.00", Invariant)));
        var kind = r.Summary?.Plan.Planned == true ? "planned failover" : "failover";
        return string.Create(Invariant, $"| {Cell(r.Label)} | {r.TargetServer} | {status} | {r.Duration.TotalSeconds:0.00} | {window} | {waited} | {OverheadSeconds(r):0.00} | {r.Transitions} | {r.LambdaInvocations} | {kind} | {sync} |");
    }

    /// <summary>A reprotect's outcome for people: "IntoExPrimary: primary …, replica …, kept …, last replicated …"; null
    /// without a summary.</summary>
    public static string? ReprotectLine(ReprotectSummary? summary) =>
        summary is null
            ? null
            : string.Create(Invariant, $"{ReprotectJson.WireName(summary.Action)}: primary {summary.Primary}, replica {summary.Replica}, kept {summary.Kept ?? "nothing"}, last replicated {summary.LastReplicatedTimestamp?.ToString("O", Invariant) ?? "–"}");

    /// <summary>The data-loss window for people: "0 s (proven: last sync after the source stopped)" for a planned move
    /// that proved it, otherwise the planned window with the last replication time.</summary>
    public static string DataLossText(RunSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        if (summary.DataLossProven)
        {
            return "0 s (proven: last sync after the source stopped)";
        }

        var last = summary.Plan.LastReplicatedTimestamp?.ToString("O", Invariant) ?? "–";
        var planned = summary.Plan.Planned ? "; planned: the sync after the source stops proves it 0" : string.Empty;
        return $"{Durations.ForPeople(summary.DataLossWindowSeconds ?? summary.Plan.DataLossWindowSeconds)} (last replicated {last}{planned})";
    }

    /// <summary>The ex-primary's fencing state of a run summary ("fs-… (us-east-1) fenced: …" or "… NOT fenced: …"), or null
    /// when the run left no ex-primary in another region.</summary>
    public static string? ExPrimaryLine(RunSummary? summary) =>
        summary?.ExPrimary is { } ex ? $"{ex.FileSystemId} ({ex.Region}) {(ex.Fenced ? "fenced" : "NOT FENCED")}: {StripVerdict(ex.Detail)}" : null;

    /// <summary>The detail without its own leading "NOT fenced:", which the line already says.</summary>
    private static string StripVerdict(string detail) =>
        detail.StartsWith("NOT fenced: ", StringComparison.Ordinal) ? detail["NOT fenced: ".Length..] : detail;

    /// <summary>Axis steps, in seconds, from which the SVG picks the smallest giving at most eight ticks.</summary>
    private static readonly double[] TickSteps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

    /// <summary>An SVG on an opaque background with one row group per run and one bar per phase, on a shared axis in
    /// minutes:seconds from each execution's start (the history's timestamps × <paramref name="simulatedPerSecond"/>: 1 on
    /// AWS, the time scale for a local cloud whose timestamps are real). Each run has its RTO marked, and its data-loss
    /// window drawn before its start.</summary>
    public static string Svg(IReadOnlyList<RunRecord> runs, double simulatedPerSecond = 1)
    {
        ArgumentNullException.ThrowIfNull(runs);
        const int left = 190, width = 620, row = 18, gap = 14;
        var k = simulatedPerSecond;
        var longest = Math.Max(1, runs.Select(r => r.Duration.TotalSeconds * k).DefaultIfEmpty(1).Max());
        var loss = runs.Select(r => DataLoss(r) * k).DefaultIfEmpty(0).Max();
        var step = TickSteps.FirstOrDefault(t => (longest + loss) / t <= 8, TickSteps[^1]);
        var from = -Math.Ceiling(loss / step) * step;
        var scale = width / (longest - from);
        double X(double seconds) => left + ((seconds - from) * scale);

        var rows = runs.Sum(r => Timeline(r).Count + 1);
        var height = 40 + (rows * row) + (runs.Count * gap) + 30;
        var svg = new StringBuilder();
        svg.AppendLine(Invariant, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 80}" height="{height}" font-family="sans-serif" font-size="11">""");
        svg.AppendLine(Invariant, $"""<rect class="background" x="0" y="0" width="{left + width + 80}" height="{height}" fill="#ffffff"/>""");
        svg.AppendLine(Invariant, $"""<text x="10" y="18" font-size="13" font-weight="bold">EfsDr run timeline (minutes:seconds from each execution's start{(k == 1 ? string.Empty : ", simulated")})</text>""");
        var axis = 36 + (rows * row) + (runs.Count * gap);
        for (var t = from; t <= longest + 1e-9; t += step)
        {
            svg.AppendLine(Invariant, $"""<line class="tick" x1="{X(t):0.0}" y1="30" x2="{X(t):0.0}" y2="{axis}" stroke="{(t == 0 ? "#999" : "#e6e6e6")}"/>""");
            svg.AppendLine(Invariant, $"""<text class="tick" x="{X(t):0.0}" y="{axis + 14}" text-anchor="middle" fill="#555">{TickLabel(t)}</text>""");
        }

        svg.AppendLine(Invariant, $"""<line x1="{X(from):0.0}" y1="{axis}" x2="{X(longest):0.0}" y2="{axis}" stroke="#999"/>""");
        var y = 36;
        foreach (var run in runs)
        {
            var bars = Timeline(run);
            var rto = run.Duration.TotalSeconds * k;
            svg.AppendLine(Invariant, $"""<text x="10" y="{y + 12}" font-weight="bold">{SecurityElement.Escape(run.Label)} → {run.TargetServer} (RTO {RunFigures.MinutesSeconds(rto)}, {run.Execution.Status.ToString().ToUpperInvariant()})</text>""");
            if (run.Summary?.DataLossWindowSeconds is { } window && run.Workflow == WorkflowKind.Failover)
            {
                var w = window * k;
                svg.AppendLine(Invariant, $"""<rect class="data-loss" x="{X(-w):0.0}" y="{y + 2}" width="{Math.Max(2, w * scale):0.0}" height="{row - 5}" fill="#d62728" fill-opacity="0.35"><title>data-loss window {RunFigures.MinutesSeconds(w)}</title></rect>""");
            }

            svg.AppendLine(Invariant, $"""<line class="rto" x1="{X(rto):0.0}" y1="{y}" x2="{X(rto):0.0}" y2="{y + ((bars.Count + 1) * row)}" stroke="#d62728" stroke-dasharray="4 2"><title>RTO {RunFigures.MinutesSeconds(rto)}</title></line>""");
            y += row;
            foreach (var bar in bars)
            {
                var x = X(bar.StartSeconds * k);
                var w = Math.Max(2, (bar.EndSeconds - bar.StartSeconds) * k * scale);
                var span = RunFigures.MinutesSeconds((bar.EndSeconds - bar.StartSeconds) * k);
                svg.AppendLine(Invariant, $"""<text x="20" y="{y + 12}">{SecurityElement.Escape(bar.Phase)}</text>""");
                svg.AppendLine(Invariant, $"""<rect class="phase" x="{x:0.0}" y="{y + 2}" width="{w:0.0}" height="{row - 5}" fill="{PhaseColor(bar.Phase)}"><title>{SecurityElement.Escape(bar.Phase)}: {RunFigures.MinutesSeconds(bar.StartSeconds * k)}–{RunFigures.MinutesSeconds(bar.EndSeconds * k)}</title></rect>""");
                svg.AppendLine(Invariant, $"""<text x="{x + w + 4:0.0}" y="{y + 12}" fill="#555">{span}</text>""");
                y += row;
            }

            y += gap;
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    /// <summary>A tick's label: <c>-1:00</c>, <c>0:00</c>, <c>12:30</c>, <c>0:02</c>.</summary>
    private static string TickLabel(double seconds)
    {
        var whole = (long)Math.Round(Math.Abs(seconds), MidpointRounding.AwayFromZero);
        return string.Create(Invariant, $"{(seconds < 0 ? "-" : string.Empty)}{whole / 60}:{whole % 60:00}");
    }

    private static double DataLoss(RunRecord run) =>
        run.Workflow == WorkflowKind.Failover ? Math.Max(0, run.Summary?.DataLossWindowSeconds ?? 0) : 0;

    /// <summary>The color of a phase's label (the first workflow that has it decides).</summary>
    private static string PhaseColor(string label)
    {
        var phase = WorkflowDescription.All.SelectMany(w => w.Phases.Where(p => w.Label(p) == label)).Select(p => (WorkflowPhase?)p).FirstOrDefault();
        return phase is { } known && Colors.TryGetValue(known, out var color) ? color : "#bab0ac";
    }

    /// <summary>The per-run figures in simulated time (<see cref="RunFigures"/>) as a markdown table with its legend.</summary>
    public static string FiguresMarkdown(IReadOnlyList<RunFigures> figures, string heading)
    {
        ArgumentNullException.ThrowIfNull(figures);
        var md = new StringBuilder();
        md.AppendLine(Invariant, $"## {heading}").AppendLine();
        md.AppendLine("| Run | Workflow | Status | RTO | Data-loss window | Promotion | Node | DNS | Physical | Overhead | Transitions | Lambda invocations | Compute held |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var f in figures)
        {
            md.AppendLine(Invariant, $"| {Cell(f.Label)} | {f.Kind} | {f.Status} | {RunFigures.MinutesSeconds(f.RtoSeconds)} | {RunFigures.MinutesSeconds(f.DataLossWindowSeconds)} | {LoopCell(f.Promotion)} | {LoopCell(f.Node)} | {LoopCell(f.Dns)} | {RunFigures.MinutesSeconds(f.PhysicalSeconds)} | {RunFigures.MinutesSeconds(f.OverheadSeconds)} | {f.Transitions} | {f.LambdaInvocations} | {RunFigures.MinutesSeconds(f.ComputeSeconds)} |");
        }

        md.AppendLine().AppendLine("Minutes:seconds. Promotion, Node and DNS: how long the physical step took (the replication's deletion until the replica was writable, the node command's run on the node, the DNS change until INSYNC) " +
            "and, after +, the detection latency: from its finish until the workflow left its check. Physical is their sum (with a planned move's sync wait); Overhead = RTO − Physical, the orchestration's own time, detection included. " +
            "Transitions are the StateEntered events (what Step Functions bills), Lambda invocations the LambdaFunctionScheduled events, Compute held the sum of the invocations' durations.").AppendLine();
        return md.ToString();
    }

    private static string LoopCell(LoopFigures? loop) =>
        loop is null ? "–" : $"{RunFigures.MinutesSeconds(loop.PhysicalSeconds)} + {RunFigures.MinutesSeconds(loop.DetectionSeconds)}";

    /// <summary>A markdown table cell: pipes escaped, on one line.</summary>
    public static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
