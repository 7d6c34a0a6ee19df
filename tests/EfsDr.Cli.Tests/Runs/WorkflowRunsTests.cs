using System.Text.Json;
using System.Text.Json.Nodes;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;
using EfsDr.Core.Reprotect;
using EfsDr.Core.Workflows;
using EfsDr.Runs;

namespace EfsDr.Cli.Tests.Runs;

/// <summary>Run following and the report for both workflows, from hand-made histories (no cloud).</summary>
public sealed class WorkflowRunsTests
{
    private const string ReprotectMachine = "arn:aws:states:us-west-2:111122223333:stateMachine:efsdr-reprotect";
    private const string FailoverMachine = "arn:aws:states:us-east-1:111122223333:stateMachine:efsdr-failover";
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static readonly ReprotectPlan Plan = new()
    {
        RunId = "reprotect-7", PrimaryRegion = "us-west-2", PrimaryFileSystemId = "fs-primary", ReplicaRegion = "us-east-1",
        Action = ReprotectAction.IntoNewFileSystem, Epoch = 7,
    };

    private static HistoryEvent Event(long id, string type, double seconds, string? state = null, string? details = null) =>
        new(id, id - 1, type, Start.AddSeconds(seconds), state, null, null, details);

    private static string Exited(ReprotectState state) =>
        new JsonObject { ["name"] = "x", ["output"] = ReprotectJson.SerializeState(state) }.ToJsonString();

    /// <summary>A reprotect into a new file system: plan, ensure (creating), a 30 s creation wait, a 90 s first-sync wait.</summary>
    private static List<HistoryEvent> ReprotectHistory()
    {
        var ensured = new ReprotectState { Plan = Plan, ReplicaFileSystemId = "fs-new", ReplicaAvailable = false };
        var synced = ensured with
        {
            ReplicaAvailable = true,
            Sync = new SyncWaitState { Checks = 3, Status = "ENABLED", LastReplicatedTimestamp = Start.AddSeconds(62), Done = true },
        };
        return
        [
            Event(1, "ExecutionStarted", 0),
            Event(2, "TaskStateEntered", 0.1, "PlanReprotect"), Event(3, "LambdaFunctionScheduled", 0.1), Event(4, "TaskStateExited", 0.5, "PlanReprotect", Exited(new ReprotectState { Plan = Plan })),
            Event(5, "TaskStateEntered", 1, "EnsureReplica"), Event(6, "LambdaFunctionScheduled", 1), Event(7, "TaskStateExited", 2, "EnsureReplica", Exited(ensured)),
            Event(8, "WaitStateEntered", 2, "WaitForReplica"), Event(9, "WaitStateExited", 31, "WaitForReplica"),
            Event(10, "TaskStateEntered", 31, "CheckReplica"), Event(11, "LambdaFunctionScheduled", 31), Event(12, "TaskStateExited", 32, "CheckReplica", Exited(ensured with { ReplicaAvailable = true })),
            Event(13, "WaitStateEntered", 40, "WaitForSync"), Event(14, "WaitStateExited", 129, "WaitForSync"),
            Event(15, "TaskStateEntered", 129, "CheckSync"), Event(16, "LambdaFunctionScheduled", 129), Event(17, "TaskStateExited", 130, "CheckSync", Exited(synced)),
            Event(18, "ExecutionSucceeded", 140),
        ];
    }

    private static string ReprotectOutput() => JsonSerializer.Serialize(
        new ReprotectSummary { RunId = "reprotect-7", Action = ReprotectAction.IntoNewFileSystem, Primary = "fs-primary (us-west-2)", Replica = "fs-new (us-east-1)", LastReplicatedTimestamp = Start.AddSeconds(62) },
        ReprotectStateJsonContext.Default.ReprotectSummary);

    private static RunRecord ReprotectRun(ExecutionStatus status = ExecutionStatus.Succeeded)
    {
        var execution = new Execution(ReprotectMachine.Replace("stateMachine", "execution", StringComparison.Ordinal) + ":reprotect-7", ReprotectMachine, "reprotect-7", status, Start, Start.AddSeconds(140), "{}", status == ExecutionStatus.Succeeded ? ReprotectOutput() : null, null, null);
        return new RunRecord("reprotect", "us-east-1", execution, ReprotectHistory(), null);
    }

    /// <summary>A planned failover: a 20 s sync wait, then promotion, node and DNS per the summary.</summary>
    private static RunRecord PlannedFailoverRun()
    {
        var history = new List<HistoryEvent>
        {
            Event(1, "ExecutionStarted", 0),
            Event(2, "TaskStateEntered", 0.1, "PlanFailover"), Event(3, "TaskStateExited", 0.5, "PlanFailover"),
            Event(4, "TaskStateEntered", 1, "DeactivateSource"), Event(5, "TaskStateExited", 2, "DeactivateSource"),
            Event(6, "WaitStateEntered", 2, "WaitForSync"), Event(7, "WaitStateExited", 21, "WaitForSync"),
            Event(8, "TaskStateEntered", 21, "CheckSync"), Event(9, "TaskStateExited", 22, "CheckSync"),
            Event(10, "ExecutionSucceeded", 60),
        };
        var summary = new RunSummary
        {
            Plan = new FailoverPlan { Planned = true },
            Steps = [new("PromoteReplica", Start, null, 10), new("ActivateNode", Start, null, 5), new("SwitchDns", Start, null, 5)],
            DataLossWindowSeconds = 0,
            DataLossProven = true,
        };
        var execution = new Execution("arn:aws:states:us-east-1:111122223333:execution:efsdr-failover:f", FailoverMachine, "f", ExecutionStatus.Succeeded, Start, Start.AddSeconds(60), "{}", "{}", null, null);
        return new RunRecord("planned to server1", "server1", execution, history, summary);
    }

    [Fact]
    public async Task FollowAsync_ReprotectHistory_PrintsEachStepWithTheReprotectsDetail()
    {
        var run = ReprotectRun();
        var lines = new List<string>();

        var record = await new FailoverDriver(new OneExecution(run.Execution, run.History)).FollowAsync(run.Execution.ExecutionArn, "reprotect", "us-east-1", lines.Add, TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        Assert.Contains(lines, l => l.EndsWith("EnsureReplica — new fs-new in us-east-1 (creating) (1.0 s)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith("CheckSync — ENABLED, last sync 12:01:02 (3 checks) (1.0 s)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("PlanReprotect — IntoNewFileSystem fs-primary (us-west-2) → a new file system (us-east-1)", StringComparison.Ordinal));
        Assert.Equal(WorkflowKind.Reprotect, record.Workflow);
        Assert.Null(record.Summary);
        Assert.Equal("fs-new (us-east-1)", record.Reprotect!.Replica);
    }

    [Fact]
    public async Task FollowAsync_FailoverHistory_PrintsTheFailoversDetail()
    {
        var state = new FailoverState { Plan = new FailoverPlan { Action = PlanAction.Promote, FileSystemId = "fs-replica", DataLossWindowSeconds = 4 } };
        var details = new JsonObject { ["output"] = JsonSerializer.Serialize(state, StateJsonContext.Default.FailoverState) }.ToJsonString();
        var history = new List<HistoryEvent> { Event(1, "ExecutionStarted", 0), Event(2, "TaskStateEntered", 0, "PlanFailover"), Event(3, "TaskStateExited", 1, "PlanFailover", details), Event(4, "ExecutionFailed", 2) };
        var execution = new Execution("arn:aws:states:us-east-1:111122223333:execution:custom-name:f", FailoverMachine, "f", ExecutionStatus.Failed, Start, Start.AddSeconds(2), "{}", null, "X", "y");
        var lines = new List<string>();

        var record = await new FailoverDriver(new OneExecution(execution, history)).FollowAsync(execution.ExecutionArn, "f", "server3", lines.Add, TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        Assert.Contains(lines, l => l.Contains("PlanFailover — promote fs-replica, data-loss window 4 s", StringComparison.Ordinal));
        Assert.Equal(WorkflowKind.Failover, record.Workflow);
    }

    [Theory]
    [InlineData("PlanReprotect", "arn:aws:states:us-west-2:1:execution:custom:r", WorkflowKind.Reprotect)]
    [InlineData("PlanFailover", "arn:aws:states:us-west-2:1:execution:efsdr-reprotect:r", WorkflowKind.Failover)]
    [InlineData(null, "arn:aws:states:us-west-2:1:execution:efsdr-reprotect:r", WorkflowKind.Reprotect)]
    [InlineData(null, "arn:aws:states:us-west-2:1:stateMachine:my-reprotect", WorkflowKind.Reprotect)]
    [InlineData(null, "arn:aws:states:us-west-2:1:stateMachine:efsdr-failover", WorkflowKind.Failover)]
    [InlineData(null, "not-an-arn", WorkflowKind.Failover)]
    public void Of_HistoryFirstStateOrMachineName_GivesTheWorkflow(string? firstState, string arn, WorkflowKind expected)
    {
        List<HistoryEvent> history = firstState is null ? [Event(1, "ExecutionStarted", 0)] : [Event(1, "ExecutionStarted", 0), Event(2, "TaskStateEntered", 0, firstState)];

        Assert.Equal(expected, WorkflowDescription.Of(arn, history).Kind);
    }

    [Fact]
    public void Reprotect_FailedRun_IsNull() =>
        Assert.Null(ReprotectRun(ExecutionStatus.Failed).Reprotect);

    [Fact]
    public void ProgressLine_AFailoverStateForAReprotectStep_IsNull() =>
        Assert.Null(ReprotectWorkflow.Description.ProgressLine("CheckSync", JsonSerializer.Serialize(new FailoverState(), StateJsonContext.Default.FailoverState)));

    [Fact]
    public void SyncWaitSeconds_Reprotect_IsTheFirstSyncLoopByTheExecutionsTimestamps() =>
        Assert.Equal(90, RunReport.SyncWaitSeconds(ReprotectRun()), 3);

    [Fact]
    public void OverheadSeconds_Reprotect_LeavesOutCreationAndFirstSyncWaits() =>
        Assert.Equal(140 - 30 - 90, RunReport.OverheadSeconds(ReprotectRun()), 3);

    [Fact]
    public void OverheadSeconds_ReprotectWaitingForTheOrphansDeletion_LeavesOutThatWaitToo()
    {
        var plain = ReprotectRun();
        var history = new List<HistoryEvent>(plain.History)
        {
            Event(101, "WaitStateEntered", 1, "WaitForOrphanDeletion"), Event(102, "WaitStateExited", 11, "WaitForOrphanDeletion"),
            Event(103, "TaskStateEntered", 11, "CheckOrphanDeletion"), Event(104, "TaskStateExited", 13, "CheckOrphanDeletion"),
        };
        var run = plain with { History = history };

        Assert.Equal(140 - 30 - 90 - 12, RunReport.OverheadSeconds(run), 3);
    }

    [Fact]
    public void OverheadSeconds_PlannedFailover_LeavesOutTheSyncWait() =>
        Assert.Equal(60 - 10 - 5 - 5 - 20, RunReport.OverheadSeconds(PlannedFailoverRun()), 3);

    [Fact]
    public void Timeline_Reprotect_HasTheReprotectsPhases() =>
        Assert.Equal(["Plan", "Prepare replica", "Replicate"], RunReport.Timeline(ReprotectRun()).Select(b => b.Phase));

    [Fact]
    public void Markdown_BothWorkflows_OneRowEachWithTheSyncWaitAndTheReprotectLine()
    {
        var md = RunReport.Markdown([PlannedFailoverRun(), ReprotectRun()], "Round trip");

        Assert.Contains("| planned to server1 | server1 | SUCCEEDED | 60.00 | 0.0 (proven) | 10.00 | 5.00 | 5.00 | 20.00 | 4 | 3 | planned failover | 20.00 |", md, StringComparison.Ordinal);
        Assert.Contains("| reprotect | us-east-1 | SUCCEEDED | 140.00 | – | – | – | – | 20.00 | 6 | 4 | reprotect | 90.00 |", md, StringComparison.Ordinal);
        Assert.Contains("- **reprotect** reprotect: IntoNewFileSystem: primary fs-primary (us-west-2), replica fs-new (us-east-1), kept nothing", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Svg_Reprotect_DrawsOneBarPerPhase()
    {
        var svg = System.Xml.Linq.XDocument.Parse(RunReport.Svg([ReprotectRun()]));

        Assert.Equal(3, svg.Descendants().Count(e => e.Name.LocalName == "rect" && (string?)e.Attribute("class") == "phase"));
    }

    /// <summary>One finished execution and its history (one page).</summary>
    private sealed class OneExecution(Execution execution, IReadOnlyList<HistoryEvent> history) : IExecutions
    {
        public Task<StartedExecution> StartAsync(string stateMachineArn, string name, string input, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Execution> DescribeAsync(string executionArn, CancellationToken cancellationToken) => Task.FromResult(execution);

        public Task<Page<HistoryEvent>> GetHistoryPageAsync(string executionArn, string? nextToken, CancellationToken cancellationToken) =>
            Task.FromResult(new Page<HistoryEvent>(history, null));

        // A finished execution's history ends with its end: the first read is the only one.
        public Task<Page<HistoryEvent>> GetLatestHistoryPageAsync(string executionArn, int maxResults, string? nextToken, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<string?> FindStateMachineAsync(string region, string name, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Page<Execution>> ListAsync(string stateMachineArn, ExecutionStatus? status, string? nextToken, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
