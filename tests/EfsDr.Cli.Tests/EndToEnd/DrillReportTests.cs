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
        Assert.Contains("## Runs (failovers, planned failbacks and reprotects)", text, StringComparison.Ordinal);
        Assert.Contains("| to server3 | server3 | SUCCEEDED | 12.00 | 42.0 | 9.60 | 1.00 | 0.40 | 1.00 | 4 | 3 | failover | 0.00 |", text, StringComparison.Ordinal);
        Assert.Contains($"| 4.3 reprotect us-west-2 → us-east-1 | us-east-1 | SUCCEEDED | 4.00 | – | – | – | – | {overhead.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)} | {reprotect.Transitions} | {reprotect.LambdaInvocations} | reprotect | 2.50 |", text, StringComparison.Ordinal);
        Assert.Equal(3, reprotect.Transitions);
        Assert.Contains($"| to server3 | failover | {Durations.ForPeople(TimeSpan.FromSeconds(9.6 * 60))} | {Durations.ForPeople(TimeSpan.Zero)} | {Durations.ForPeople(TimeSpan.FromSeconds(0.4 * 60))} |", text, StringComparison.Ordinal);
        Assert.Contains($"| 4.3 reprotect us-west-2 → us-east-1 | reprotect | – | {Durations.ForPeople(TimeSpan.FromSeconds(2.5 * 60))} | – |", text, StringComparison.Ordinal);
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
        Assert.Equal(2, svg.Descendants().Count(e => e.Name.LocalName == "rect"));
    }

    [Theory]
    [InlineData("""{"errorType":"X","errorMessage":"server3 is offline","stackTrace":[]}""", "server3 is offline")]
    [InlineData("plain cause", "plain cause")]
    [InlineData(null, "")]
    public void Unwrap_LambdaErrorDocument_GivesTheMessage(string? cause, string expected) =>
        Assert.Equal(expected, RunRecord.Unwrap(cause));
}
