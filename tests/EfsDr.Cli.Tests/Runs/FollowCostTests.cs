using System.Globalization;
using System.Text.Json.Nodes;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;
using EfsDr.Runs;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Cli.Tests.Runs;

/// <summary>What following a run costs: the history is read incrementally on a backing-off schedule of the injected clock,
/// the end is learnt from the history, and the execution is described once (no cloud: a scripted execution whose events
/// appear on a <see cref="FakeTimeProvider"/>).</summary>
public sealed class FollowCostTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 8, 0, 0, TimeSpan.Zero);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A failover: plan, promote, then one promotion check every 30 s for <paramref name="promotion"/>, then the node, then the end.</summary>
    private static ScriptedExecution Failover(FakeTimeProvider time, TimeSpan promotion)
    {
        var run = new ScriptedExecution(time);
        run.At(0, "ExecutionStarted");
        run.At(0.1, "TaskStateEntered", "PlanFailover").At(0.5, "TaskStateExited", "PlanFailover");
        run.At(1, "TaskStateEntered", "PromoteReplica").At(2, "TaskStateExited", "PromoteReplica");
        var t = 2.0;
        for (; t < 2 + promotion.TotalSeconds; t += 30)
        {
            run.At(t, "WaitStateEntered", "WaitForPromotion").At(t + 30, "WaitStateExited", "WaitForPromotion");
            run.At(t + 30, "TaskStateEntered", "CheckPromotion").At(t + 30.5, "TaskStateExited", "CheckPromotion");
            run.At(t + 30.5, "ChoiceStateEntered", "Is the replica writable?").At(t + 30.5, "ChoiceStateExited", "Is the replica writable?");
        }

        run.At(t + 1, "TaskStateEntered", "ActivateNode").At(t + 4, "TaskStateExited", "ActivateNode");
        run.At(t + 5, "ExecutionSucceeded");
        return run;
    }

    /// <summary>Follows <paramref name="run"/>, moving the fake clock a tenth of a second at a time until the follower returns.</summary>
    private static async Task<RunRecord> FollowAsync(FakeTimeProvider time, ScriptedExecution run, List<string> lines, TimeSpan? timeout = null, FailoverDriver? driver = null)
    {
        var following = (driver ?? new FailoverDriver(run, time)).FollowAsync(ScriptedExecution.Arn, "f", "server3", lines.Add, timeout ?? TimeSpan.FromHours(2), Token);
        for (var steps = 0; !following.IsCompleted && steps < 200_000; steps++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.True(following.IsCompleted, "the follower did not return");
        return await following;
    }

    [Fact]
    public async Task FollowAsync_RunningExecution_ReadsTheWholeHistoryOnceThenOnlyTheNewestPages()
    {
        var time = new FakeTimeProvider(Start);
        var run = Failover(time, TimeSpan.FromMinutes(3));

        var record = await FollowAsync(time, run, []);

        Assert.Equal(1, run.ForwardCalls);
        Assert.True(run.ReverseCalls > 10);
        Assert.All(run.Reverse, r => Assert.Equal(1, r.Page));
        Assert.True(run.EventsSentAgain <= run.ReverseCalls * HistoryReader.MinPageSize, $"{run.EventsSentAgain} events sent again");
        Assert.Equal(run.Script.Select(e => e.Id), record.History.Select(e => e.Id));
    }

    [Fact]
    public async Task ReadNewAsync_MoreNewEventsThanAPage_PagesBackUntilAHeldEventAndGrowsThePage()
    {
        var time = new FakeTimeProvider(Start);
        var run = new ScriptedExecution(time);
        run.At(0, "ExecutionStarted");
        for (var i = 0; i < 120; i++)
        {
            run.At(1, "PassStateEntered", "Step" + i.ToString(CultureInfo.InvariantCulture));
        }

        var reader = new HistoryReader(run, ScriptedExecution.Arn);
        await reader.ReadNewAsync(Token);
        time.Advance(TimeSpan.FromSeconds(1));

        var fresh = await reader.ReadNewAsync(Token);

        Assert.Equal(Enumerable.Range(2, 120).Select(i => (long)i), fresh.Select(e => e.Id));
        Assert.Equal([1, 2, 3], run.Reverse.Select(r => r.Page));
        Assert.Equal(290, reader.PageSize);
        Assert.Empty(await reader.ReadNewAsync(Token));
        Assert.Equal(121, reader.Events.Count);
        Assert.Equal(290, run.Reverse[^1].MaxResults);
        Assert.Equal(HistoryReader.MinPageSize, reader.PageSize);
    }

    [Fact]
    public async Task FollowAsync_RunningExecution_DescribesOnlyOnceAtTheEnd()
    {
        var time = new FakeTimeProvider(Start);
        var run = Failover(time, TimeSpan.FromMinutes(5));

        var record = await FollowAsync(time, run, []);

        Assert.Equal(ExecutionStatus.Succeeded, record.Execution.Status);
        var described = Assert.Single(run.Described);
        Assert.True(described >= run.EndsAt, $"described at {described:HH:mm:ss.f}, before the end at {run.EndsAt:HH:mm:ss.f}");
    }

    [Fact]
    public async Task FollowAsync_LongQuietWait_BacksOffToTheMaxAndBackToOneSecondOnNewEvents()
    {
        var time = new FakeTimeProvider(Start);
        var run = new ScriptedExecution(time);
        run.At(0, "ExecutionStarted").At(0, "WaitStateEntered", "WaitForPromotion").At(300, "WaitStateExited", "WaitForPromotion").At(305, "ExecutionSucceeded");

        await FollowAsync(time, run, []);

        var gaps = run.Reads.Zip(run.Reads.Skip(1), (a, b) => (b - a).TotalSeconds).ToList();
        // The clock moves in tenths of a second: each read happens up to 0.1 s after it is due.
        Assert.All(new[] { 1, 1.5, 2.25, 3.375, 5.0625, 7.59375, 10, 10 }.Zip(gaps), p => Assert.InRange(p.Second, p.First - 0.1, p.First + 0.1));
        var firstAfterExit = run.Reads.FindIndex(r => r >= Start.AddSeconds(300));
        Assert.InRange(gaps[firstAfterExit], 0.9, 1.1);
        Assert.InRange(gaps.Max(), 10, 10.1);
    }

    [Fact]
    public async Task FollowAsync_FifteenMinutePromotion_CostsAtMostOneCallASecondAndAFewHundredInAll()
    {
        var time = new FakeTimeProvider(Start);
        var run = Failover(time, TimeSpan.FromMinutes(15));

        await FollowAsync(time, run, []);

        var seconds = (run.EndsAt - Start).TotalSeconds;
        Assert.True(run.Calls <= seconds / 3, $"{run.Calls} calls in {seconds} s");
        Assert.InRange(run.Calls, 1, 300);
    }

    [Fact]
    public async Task FollowAsync_LongPromotion_PrintsTheSameStepHeartbeatAndFinalLines()
    {
        var time = new FakeTimeProvider(Start);
        var run = Failover(time, TimeSpan.FromMinutes(1.5));
        var lines = new List<string>();

        await FollowAsync(time, run, lines);

        Assert.Equal(
        [
            "  08:00:00.500 PlanFailover (0.4 s)",
            "  08:00:02.000 PromoteReplica (1.0 s)",
            "  … WaitForPromotion, 32 s elapsed, promotion 31 s in, typically 12 min 0 s: about 11 min 29 s left",
            "  08:00:32.500 CheckPromotion (0.5 s)",
            "  … WaitForPromotion, 1 min 3 s elapsed, promotion 1 min 2 s in, typically 12 min 0 s: about 10 min 58 s left",
            "  … WaitForPromotion, 1 min 33 s elapsed, promotion 1 min 32 s in, typically 12 min 0 s: about 10 min 28 s left",
            "    (× 3)",
            "  08:01:36.000 ActivateNode (3.0 s)",
            "  SUCCEEDED in 1 min 37 s",
        ],
        lines);
    }

    [Fact]
    public async Task FollowAsync_PromotionWithAnExpectation_HeartbeatSaysTheRunsExpectationNotTheTypicalOne()
    {
        // PromoteReplica's output carries this file system's expectation (its promotion history): 2 minutes, not 12.
        var time = new FakeTimeProvider(Start);
        var run = new ScriptedExecution(time);
        var output = new JsonObject { ["promotion"] = new JsonObject { ["expectedSeconds"] = 120, ["expectedFrom"] = "history (3 promotions)" } };
        var details = new JsonObject { ["name"] = "PromoteReplica", ["output"] = output.ToJsonString() };
        run.At(0, "ExecutionStarted").At(1, "TaskStateEntered", "PromoteReplica").At(2, "TaskStateExited", "PromoteReplica", details.ToJsonString())
            .At(2, "WaitStateEntered", "WaitForPromotion").At(200, "WaitStateExited", "WaitForPromotion").At(201, "ExecutionSucceeded");
        var lines = new List<string>();

        await FollowAsync(time, run, lines);

        Assert.Contains("  … WaitForPromotion, 32 s elapsed, promotion 31 s in, expected 2 min 0 s (history (3 promotions)): about 1 min 29 s left", lines);
        Assert.DoesNotContain(lines, l => l.Contains("typically", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FollowAsync_NeverEnds_TimesOutOnTheInjectedClockAfterOneDescribe()
    {
        var time = new FakeTimeProvider(Start);
        var run = new ScriptedExecution(time);
        run.At(0, "ExecutionStarted").At(0, "WaitStateEntered", "WaitForPromotion");
        var lines = new List<string>();

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => FollowAsync(time, run, lines, TimeSpan.FromMinutes(2)));

        Assert.Contains("still running after 2 min 0 s", ex.Message, StringComparison.Ordinal);
        Assert.Equal(Start.AddMinutes(2), time.GetUtcNow());
        Assert.Single(run.Described);
        Assert.Equal(
        [
            "  … WaitForPromotion, 30 s elapsed, promotion 30 s in, typically 12 min 0 s: about 11 min 30 s left",
            "  … WaitForPromotion, 1 min 0 s elapsed, promotion 1 min 0 s in, typically 12 min 0 s: about 11 min 0 s left",
            "  … WaitForPromotion, 1 min 30 s elapsed, promotion 1 min 30 s in, typically 12 min 0 s: about 10 min 30 s left",
            "  … WaitForPromotion, 2 min 0 s elapsed, promotion 2 min 0 s in, typically 12 min 0 s: about 10 min 0 s left",
        ],
        lines);
    }

    /// <summary>One execution whose events appear on the fake clock; records every call.</summary>
    private sealed class ScriptedExecution(FakeTimeProvider time) : IExecutions
    {
        public const string Arn = "arn:aws:states:us-east-1:111122223333:execution:efsdr-failover:f";

        private readonly HashSet<long> _sent = [];

        public List<HistoryEvent> Script { get; } = [];

        public int ForwardCalls { get; private set; }

        /// <summary>Each reverse call: its page number in its listing and its maxResults.</summary>
        public List<(int Page, int MaxResults)> Reverse { get; } = [];

        public int ReverseCalls => Reverse.Count;

        /// <summary>When each history read (a listing's first page) happened.</summary>
        public List<DateTimeOffset> Reads { get; } = [];

        public List<DateTimeOffset> Described { get; } = [];

        public int EventsSentAgain { get; private set; }

        public int Calls => ForwardCalls + ReverseCalls + Described.Count;

        public DateTimeOffset EndsAt => Script[^1].Timestamp;

        public ScriptedExecution At(double seconds, string type, string? state = null, string? details = null)
        {
            Script.Add(new HistoryEvent(Script.Count + 1, Script.Count, type, Start.AddSeconds(seconds), state, null, null, details));
            return this;
        }

        private List<HistoryEvent> Visible() => [.. Script.Where(e => e.Timestamp <= time.GetUtcNow())];

        public Task<Page<HistoryEvent>> GetHistoryPageAsync(string executionArn, string? nextToken, CancellationToken cancellationToken)
        {
            ForwardCalls++;
            if (nextToken is null)
            {
                Reads.Add(time.GetUtcNow());
            }

            return Task.FromResult(Serve(Visible(), 100, nextToken));
        }

        public Task<Page<HistoryEvent>> GetLatestHistoryPageAsync(string executionArn, int maxResults, string? nextToken, CancellationToken cancellationToken)
        {
            var offset = nextToken is null ? 0 : int.Parse(nextToken, CultureInfo.InvariantCulture);
            Reverse.Add((offset / maxResults + 1, maxResults));
            if (nextToken is null)
            {
                Reads.Add(time.GetUtcNow());
            }

            var visible = Visible();
            visible.Reverse();
            return Task.FromResult(Serve(visible, maxResults, nextToken));
        }

        private Page<HistoryEvent> Serve(List<HistoryEvent> events, int size, string? nextToken)
        {
            var offset = nextToken is null ? 0 : int.Parse(nextToken, CultureInfo.InvariantCulture);
            var items = events.Skip(offset).Take(size).ToList();
            EventsSentAgain += items.Count(e => !_sent.Add(e.Id));
            var next = offset + size;
            return new Page<HistoryEvent>(items, next < events.Count ? next.ToString(CultureInfo.InvariantCulture) : null);
        }

        public Task<Execution> DescribeAsync(string executionArn, CancellationToken cancellationToken)
        {
            Described.Add(time.GetUtcNow());
            var ended = HistoryReader.IsEnd(Script[^1]) && time.GetUtcNow() >= EndsAt;
            return Task.FromResult(new Execution(Arn, "arn:aws:states:us-east-1:111122223333:stateMachine:efsdr-failover", "f", ended ? ExecutionStatus.Succeeded : ExecutionStatus.Running, Start, ended ? EndsAt : null, "{}", null, null, null));
        }

        public Task<StartedExecution> StartAsync(string stateMachineArn, string name, string input, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<string?> FindStateMachineAsync(string region, string name, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Page<Execution>> ListAsync(string stateMachineArn, ExecutionStatus? status, string? nextToken, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
