using System.Text.Json;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Core.Reprotect;
using EfsDr.Drill;
using EfsDr.Runs;

namespace EfsDr.Cli.Tests.EndToEnd;

/// <summary>The report's figures from a hand-made run (no cloud needed).</summary>
public sealed class DrillReportTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static HistoryEvent Event(long id, string type, double seconds, string? state = null) =>
        new(id, id - 1, type, Start.AddSeconds(seconds), state, null, null, null);

    private static RunRecord Run()
    {
        var history = new List<HistoryEvent>
        {
            Event(1, "ExecutionStarted", 0),
            Event(2, "TaskStateEntered", 0.1, "PlanFailover"), Event(3, "LambdaFunctionScheduled", 0.1), Event(4, "TaskStateExited", 0.5, "PlanFailover"),
            Event(5, "TaskStateEntered", 0.6, "PromoteReplica"), Event(6, "LambdaFunctionScheduled", 0.6), Event(7, "TaskStateExited", 0.7, "PromoteReplica"),
            Event(8, "WaitStateEntered", 0.7, "WaitForPromotion"), Event(9, "WaitStateExited", 10.0, "WaitForPromotion"),
            Event(10, "TaskStateEntered", 10.0, "CheckPromotion"), Event(11, "LambdaFunctionScheduled", 10.0), Event(12, "TaskStateExited", 10.2, "CheckPromotion"),
            Event(13, "ExecutionSucceeded", 12),
        };
        var summary = new RunSummary
        {
            Steps = [new("PromoteReplica", Start, null, 9.6), new("ActivateNode", Start, null, 1.0), new("SwitchDns", Start, null, 0.4)],
            DataLossWindowSeconds = 42,
        };
        var execution = new Execution("arn:e", "arn:m", "e", ExecutionStatus.Succeeded, Start, Start.AddSeconds(12), "{}", "{}", null, null);
        return new RunRecord("to server3", "server3", execution, history, summary);
    }

    private static RunRecord Reprotect()
    {
        var history = new List<HistoryEvent>
        {
            Event(1, "ExecutionStarted", 0),
            Event(2, "TaskStateEntered", 0.1, "PlanReprotect"), Event(3, "LambdaFunctionScheduled", 0.1), Event(4, "TaskStateExited", 0.3, "PlanReprotect"),
            Event(5, "WaitStateEntered", 1.0, "WaitForSync"), Event(6, "WaitStateExited", 3.0, "WaitForSync"),
            Event(7, "TaskStateEntered", 3.0, "CheckSync"), Event(8, "LambdaFunctionScheduled", 3.0), Event(9, "TaskStateExited", 3.5, "CheckSync"),
            Event(10, "ExecutionSucceeded", 4),
        };
        var summary = new ReprotectSummary { RunId = "r", Action = ReprotectAction.IntoNewFileSystem, Primary = "fs-w (us-west-2)", Replica = "fs-n (us-east-1)", Kept = "fs-e as DRTest-EFS1-diverged-1" };
        var output = JsonSerializer.Serialize(summary, ReprotectStateJsonContext.Default.ReprotectSummary);
        var execution = new Execution("arn:r", "arn:aws:states:us-west-2:000000000000:stateMachine:efsdr-reprotect", "r", ExecutionStatus.Succeeded, Start, Start.AddSeconds(4), "{}", output, null, null);
        return new RunRecord("4.3 reprotect us-west-2 → us-east-1", "us-east-1", execution, history, null);
    }

    [Fact]
    public void Write_FailoverAndReprotectRuns_OneLabelledRowEachWithTheReprotectsSyncWaitAndWhatItKept()
    {
        var directory = Path.Combine(Path.GetTempPath(), "efsdr-report-" + Guid.NewGuid().ToString("N")[..8]);
        var reprotect = Reprotect();

        var (report, _) = DrillReport.Write(directory, [new DrillCheck("4.3.1", "reprotect succeeds", true, "IntoNewFileSystem")], [Run(), reprotect], TimeSpan.FromSeconds(30), new Dictionary<string, int>());

        var text = File.ReadAllText(report);
        var overhead = 4 - (3.5 - 1.0);
        Assert.Contains("## Runs by the executions' own timestamps (failovers, planned failbacks and reprotects)", text, StringComparison.Ordinal);
        Assert.Contains("| to server3 | server3 | SUCCEEDED | 12.00 | 42.0 | 9.60 | 1.00 | 0.40 | 1.00 | 4 | 3 | failover | 0.00 |", text, StringComparison.Ordinal);
        Assert.Contains($"| 4.3 reprotect us-west-2 → us-east-1 | us-east-1 | SUCCEEDED | 4.00 | – | – | – | – | {overhead.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)} | {reprotect.Transitions} | {reprotect.LambdaInvocations} | reprotect | 2.50 |", text, StringComparison.Ordinal);
        Assert.Equal(3, reprotect.Transitions);

        // In simulated time (×60, no physical timeline: the loops stand for the physical time).
        Assert.Contains("| to server3 | failover | SUCCEEDED | 12:00 | 42:00 | – | – | – | 11:00 | 1:00 | 4 | 3 | 0:00.0 |", text, StringComparison.Ordinal);
        Assert.Contains("| 4.3 reprotect us-west-2 → us-east-1 | reprotect | SUCCEEDED | 4:00 | – | – | – | – | 2:30 | 1:30 | 3 | 2 | 0:00.0 |", text, StringComparison.Ordinal);
        Assert.Contains("**4.3 reprotect us-west-2 → us-east-1** reprotect: IntoNewFileSystem: primary fs-w (us-west-2), replica fs-n (us-east-1), kept fs-e as DRTest-EFS1-diverged-1", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Timeline_Phases_SpanTheirStatesFromTheExecutionStart()
    {
        var bars = RunReport.Timeline(Run());

        Assert.Equal(["Plan", "Promote replica"], bars.Select(b => b.Phase));
        Assert.Equal(0.6, bars[1].StartSeconds, 3);
        Assert.Equal(10.2, bars[1].EndSeconds, 3);
    }

    [Fact]
    public void OverheadSeconds_IsTotalMinusPromotionNodeAndDns() =>
        Assert.Equal(12 - 9.6 - 1.0 - 0.4, RunReport.OverheadSeconds(Run()), 3);

    [Fact]
    public void Counts_TransitionsAndLambdaInvocations()
    {
        var run = Run();

        Assert.Equal(4, run.Transitions);
        Assert.Equal(3, run.LambdaInvocations);
    }

    [Fact]
    public void Write_Report_HasChecksFiguresAndAValidSvg()
    {
        var directory = Path.Combine(Path.GetTempPath(), "efsdr-report-" + Guid.NewGuid().ToString("N")[..8]);

        var (report, timeline) = DrillReport.Write(directory, [new DrillCheck("4.2.5", "replication gone", true, "ReplicationNotFound")], [Run()], TimeSpan.FromSeconds(20), new Dictionary<string, int> { ["states"] = 5 });

        var text = File.ReadAllText(report);
        Assert.Contains("| to server3 | server3 | SUCCEEDED | 12.00 | 42.0 | 9.60 | 1.00 | 0.40 | 1.00 | 4 | 3 |", text, StringComparison.Ordinal);
        Assert.Contains("✔ 4.2.5", text, StringComparison.Ordinal);
        var svg = System.Xml.Linq.XDocument.Load(timeline);
        Assert.Equal("svg", svg.Root!.Name.LocalName);
        Assert.Equal(2, svg.Descendants().Count(e => e.Name.LocalName == "rect" && (string?)e.Attribute("class") == "phase"));
    }

    /// <summary>A cross-region failover whose promotion, node command and DNS change took known (timestamp) seconds:
    /// deletion 0.65–9.00, checked done at 10.2; node 10.6–10.9, checked at 11.2; DNS 11.3–11.5, checked at 11.8; stop at 12.</summary>
    private static (RunRecord Run, IReadOnlyList<PhysicalSpan> Physical) CrossRegion()
    {
        var history = new List<HistoryEvent>
        {
            Event(1, "ExecutionStarted", 0),
            Event(2, "TaskStateEntered", 0.6, "PromoteReplica"), Event(3, "LambdaFunctionScheduled", 0.6), Event(4, "LambdaFunctionStarted", 0.6), Event(5, "LambdaFunctionSucceeded", 0.7), Event(6, "TaskStateExited", 0.7, "PromoteReplica"),
            Event(7, "WaitStateEntered", 0.7, "WaitForPromotion"), Event(8, "WaitStateExited", 10.0, "WaitForPromotion"),
            Event(9, "TaskStateEntered", 10.0, "CheckPromotion"), Event(10, "LambdaFunctionScheduled", 10.0), Event(11, "LambdaFunctionStarted", 10.0), Event(12, "LambdaFunctionSucceeded", 10.2), Event(13, "TaskStateExited", 10.2, "CheckPromotion"),
            Event(14, "TaskStateEntered", 10.5, "ActivateNode"), Event(15, "LambdaFunctionScheduled", 10.5), Event(16, "LambdaFunctionStarted", 10.5), Event(17, "LambdaFunctionSucceeded", 10.6), Event(18, "TaskStateExited", 10.6, "ActivateNode"),
            Event(19, "TaskStateEntered", 11.0, "CheckNodeCommand"), Event(20, "LambdaFunctionScheduled", 11.0), Event(21, "LambdaFunctionStarted", 11.0), Event(22, "LambdaFunctionFailed", 11.1), Event(23, "LambdaFunctionScheduled", 11.1), Event(24, "LambdaFunctionStarted", 11.1), Event(25, "LambdaFunctionSucceeded", 11.2), Event(26, "TaskStateExited", 11.2, "CheckNodeCommand"),
            Event(27, "TaskStateEntered", 11.3, "SwitchDns"), Event(28, "LambdaFunctionScheduled", 11.3), Event(29, "LambdaFunctionStarted", 11.3), Event(30, "LambdaFunctionSucceeded", 11.4), Event(31, "TaskStateExited", 11.4, "SwitchDns"),
            Event(32, "TaskStateEntered", 11.7, "CheckDns"), Event(33, "LambdaFunctionScheduled", 11.7), Event(34, "LambdaFunctionStarted", 11.7), Event(35, "LambdaFunctionSucceeded", 11.8), Event(36, "TaskStateExited", 11.8, "CheckDns"),
            Event(37, "ExecutionSucceeded", 12),
        };
        var summary = new RunSummary
        {
            Steps = [new("PromoteReplica", Start, null, 9.6), new("ActivateNode", Start, null, 0.7), new("SwitchDns", Start, null, 0.5)],
            DataLossWindowSeconds = 0.7,
        };
        var execution = new Execution("arn:e", "arn:m", "e", ExecutionStatus.Succeeded, Start, Start.AddSeconds(12), "{}", "{}", null, null);
        PhysicalSpan Span(PhysicalStep step, double from, double to) => new(step, Start.AddSeconds(from), Start.AddSeconds(to));
        IReadOnlyList<PhysicalSpan> physical =
        [
            Span(PhysicalStep.DnsPropagation, -30, -29.9), // an earlier run's change: not this run's
            Span(PhysicalStep.DnsPropagation, 0.2, 0.4), // LowerDnsTtl's change: long before SwitchDns
            Span(PhysicalStep.Promotion, 0.65, 9.0),
            Span(PhysicalStep.NodeCommand, 10.6, 10.9),
            Span(PhysicalStep.DnsPropagation, 11.3, 11.5),
        ];
        return (new RunRecord("4.2 to server3", "server3", execution, history, summary), physical);
    }

    [Fact]
    public void RunFiguresOf_KnownPhysicalInstants_DetectionIsCheckExitMinusPhysicalFinish()
    {
        var (run, physical) = CrossRegion();

        var figures = RunFigures.Of(run, physical, simulatedPerSecond: 60);

        Assert.Equal((8.35 * 60, 1.2 * 60), (figures.Promotion!.PhysicalSeconds, figures.Promotion.DetectionSeconds!.Value), new RoundedPair());
        Assert.Equal((0.3 * 60, 0.3 * 60), (figures.Node!.PhysicalSeconds, figures.Node.DetectionSeconds!.Value), new RoundedPair());
        Assert.Equal((0.2 * 60, 0.3 * 60), (figures.Dns!.PhysicalSeconds, figures.Dns.DetectionSeconds!.Value), new RoundedPair());
        Assert.Equal(12 * 60, figures.RtoSeconds, 6);
    }

    [Fact]
    public void RunFiguresOf_PhysicalTimeline_OverheadIsRtoMinusPhysicalSoDetectionCountsAsOverhead()
    {
        var (run, physical) = CrossRegion();

        var figures = RunFigures.Of(run, physical);

        // The loops took 9.6 + 0.7 + 0.5 s (overhead 1.2 s by them); the physical steps only 8.35 + 0.3 + 0.2 s.
        Assert.Equal(8.85, figures.PhysicalSeconds, 6);
        Assert.Equal(12 - 8.85, figures.OverheadSeconds, 6);
        Assert.NotEqual(RunReport.OverheadSeconds(run), figures.OverheadSeconds, 3);
    }

    [Fact]
    public void RunFiguresOf_History_CountsBilledTransitionsScheduledInvocationsAndComputeHeld()
    {
        var (run, physical) = CrossRegion();

        var figures = RunFigures.Of(run, physical);

        Assert.Equal(7, figures.Transitions);
        Assert.Equal(7, figures.LambdaInvocations);
        Assert.Equal(0.1 + 0.2 + 0.1 + 0.1 + 0.1 + 0.1 + 0.1, figures.ComputeSeconds, 6);
    }

    [Fact]
    public void Write_WithMeasurement_WritesSimulatedFiguresAndTheirJson()
    {
        var directory = Path.Combine(Path.GetTempPath(), "efsdr-report-" + Guid.NewGuid().ToString("N")[..8]);
        var (run, physical) = CrossRegion();

        var (report, _) = DrillReport.Write(directory, [], [run], TimeSpan.FromSeconds(20), new Dictionary<string, int>(), 60, new DrillMeasurement(physical, 60, 900, 1));

        var text = File.ReadAllText(report);
        Assert.Contains("| 4.2 to server3 | failover | SUCCEEDED | 12:00 | 0:42.0 | 8:21 + 1:12 | 0:18.0 + 0:18.0 | 0:12.0 + 0:18.0 | 8:51 | 3:09 | 7 | 7 | 0:48.0 |", text, StringComparison.Ordinal);
        var json = DrillFigures.FromJson(File.ReadAllText(Path.Combine(directory, DrillReport.FiguresFile)))!;
        Assert.Equal((DrillFigures.CurrentSchema, 900.0, 60.0), (json.SchemaVersion, json.PromotionSeconds, json.SimulatedPerTimestampSecond));
        var figures = Assert.Single(json.Runs);
        Assert.Equal(72, figures.Promotion!.DetectionSeconds!.Value, 3);
        Assert.Contains("\"detectionSeconds\"", File.ReadAllText(Path.Combine(directory, DrillReport.FiguresFile)), StringComparison.Ordinal);
    }

    [Fact]
    public void Svg_SimulatedMinutes_OpaqueBackgroundMinuteTicksRtoAndDataLossMarkers()
    {
        var svg = System.Xml.Linq.XDocument.Parse(RunReport.Svg([Run()], simulatedPerSecond: 60));
        var root = svg.Root!;
        var all = root.Descendants().ToList();

        // An opaque background first, as large as the picture.
        var background = all.First(e => e.Name.LocalName == "rect");
        Assert.Equal(("#ffffff", root.Attribute("width")!.Value, root.Attribute("height")!.Value), (background.Attribute("fill")!.Value, background.Attribute("width")!.Value, background.Attribute("height")!.Value));

        // RTO 12:00 and a 42:00 data-loss window: 10-minute ticks from -50:00 to 10:00.
        var labels = all.Where(e => e.Name.LocalName == "text").Select(e => e.Value).ToList();
        Assert.Equal(["-50:00", "-40:00", "-30:00", "-20:00", "-10:00", "0:00", "10:00"], all.Where(e => e.Name.LocalName == "text" && (string?)e.Attribute("class") == "tick").Select(e => e.Value));
        Assert.Contains(all, e => e.Name.LocalName == "line" && (string?)e.Attribute("class") == "rto" && e.Value == "RTO 12:00");
        Assert.Contains(all, e => e.Name.LocalName == "rect" && (string?)e.Attribute("class") == "data-loss" && e.Value == "data-loss window 42:00");
        Assert.Contains(labels, l => l.Contains("(RTO 12:00, SUCCEEDED)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("121")]
    public async Task Drill_PromotionMinutesOutOfRange_OneLineNamingTheOptionAndExitUsage(string minutes)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await EfsDr.Drill.Program.BuildRoot(output, error).Parse(["--promotion-minutes", minutes]).InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(DrillCommand.ExitUsage, exit);
        Assert.Equal($"--promotion-minutes: must be 1–120 simulated minutes (got {minutes})", error.ToString().Trim());
        Assert.Empty(output.ToString());
    }

    [Theory]
    [InlineData(0.004, 60)]
    [InlineData(59.0, 1)]
    [InlineData(1.0, 60)]
    public void PerTimestampSecond_ClockSpeed_ScalesOnlyARealClock(double clockSecondsPerRealSecond, double expected) =>
        Assert.Equal(expected, DrillFigures.PerTimestampSecond(TimeSpan.FromSeconds(10 * clockSecondsPerRealSecond), TimeSpan.FromSeconds(10), 60));

    [Theory]
    [InlineData(4.24, "0:04.2")]
    [InlineData(59.96, "1:00")]
    [InlineData(751.0, "12:31")]
    [InlineData(-1.5, "-0:01.5")]
    [InlineData(null, "–")]
    public void MinutesSeconds_Values_ForPeople(double? seconds, string expected) =>
        Assert.Equal(expected, RunFigures.MinutesSeconds(seconds));

    /// <summary>Pairs of doubles equal to 4 decimals (timestamps are whole ticks).</summary>
    private sealed class RoundedPair : IEqualityComparer<(double, double)>
    {
        public bool Equals((double, double) x, (double, double) y) => Math.Abs(x.Item1 - y.Item1) < 1e-4 && Math.Abs(x.Item2 - y.Item2) < 1e-4;

        public int GetHashCode((double, double) obj) => 0;
    }

    [Theory]
    [InlineData("""{"errorType":"X","errorMessage":"server3 is offline","stackTrace":[]}""", "server3 is offline")]
    [InlineData("plain cause", "plain cause")]
    [InlineData(null, "")]
    public void Unwrap_LambdaErrorDocument_GivesTheMessage(string? cause, string expected) =>
        Assert.Equal(expected, RunRecord.Unwrap(cause));
}
