using System.Globalization;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;
using EfsDr.Drill;
using EfsDr.Runs;

namespace EfsDr.Cli.Tests.EndToEnd;

/// <summary>What a follower (<c>efsdr failover --wait</c>, the EXPRESSCLUSTER start script) costs in Step Functions calls
/// through a whole cross-region failover on the local cloud: real ASL engine, handlers and wire clients.</summary>
[Trait("Category", "EndToEnd")]
public sealed class FollowerCostEndToEndTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FollowAsync_WholeCrossRegionFailover_CostsAtMostOneCallASecondAndATenthOfTheOldLoop()
    {
        // The default 12-minute promotion: long quiet waits, where the follower must back off. The follower runs on the
        // cloud's simulated clock, as a production follower runs in production time: calls per simulated second are what
        // production would spend.
        await using var world = await LocalWorld.StartAsync(LocalWorld.Options with { ReplicationDeletion = TimeSpan.FromMinutes(12) }, Token);
        var topology = world.World.Topology;
        await world.World.DeactivateAsync("server1", Token);
        var started = await world.Adapters.Executions.StartAsync(topology.StateMachineFor("server3"), "follow-cost", DrillWorld.Input("server3"), Token);
        var counting = new CountingExecutions(world.Adapters.Executions);
        var clock = world.Cloud.Context.Clock;
        var lines = new List<string>();

        var from = clock.GetUtcNow();
        var run = await new FailoverDriver(counting, clock).FollowAsync(started.ExecutionArn, "to server3", "server3", lines.Add, world.World.RunTimeout, Token);
        var to = clock.GetUtcNow();
        var seconds = (to - from).TotalSeconds;
        var executionSeconds = run.Duration.TotalSeconds;

        Assert.True(run.Succeeded, $"{run.Reason}\n{string.Join('\n', lines)}\n{world.Transcript()}");
        Assert.Contains(run.History, e => e.StateName == "PromoteReplica");
        Assert.True(executionSeconds >= 12 * 60, $"the execution took {executionSeconds:0} simulated s");
        var calls = counting.Total;
        // The old loop read every page (100 events each) and described the execution every 100 ms: at least 2 calls a tenth
        // of a second; replayed on this run's history (simulated timestamps), its count.
        var oldFloor = 2 * 10 * seconds;
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"follower: {calls} calls ({counting}) in {seconds:0.0} simulated s, the execution {executionSeconds:0.0} s, for {run.History.Count} events; the old loop: at least {oldFloor:0}, replayed {OldLoopCalls(run.History, from, to)}"));
        // At most one call a second on average over the execution: one poll a second while steps change, backing off
        // during the promotion's long waits; the fixed calls (the first read, the describe at the end) included.
        Assert.True(calls <= executionSeconds, $"{calls} calls in {executionSeconds:0.0} simulated s ({counting})");
        Assert.True(counting.Count("GetExecutionHistory newest") <= seconds + 1, $"{counting} in {seconds:0.0} s");
        Assert.True(calls * 10 <= oldFloor, $"{calls} calls, the old loop at least {oldFloor:0}");
        Assert.True(calls >= 3, $"{calls} calls");
        Assert.Equal(1, counting.Count("DescribeExecution"));
        Assert.Equal(1, counting.Count("GetExecutionHistory"));
        Assert.Equal(run.History.Select(e => e.Id), Enumerable.Range(1, run.History.Count).Select(i => (long)i));
    }

    /// <summary>What the old follower (every page and a DescribeExecution every 100 ms) would have called over this history.</summary>
    private static int OldLoopCalls(IReadOnlyList<HistoryEvent> history, DateTimeOffset from, DateTimeOffset to)
    {
        var calls = 0;
        for (var at = from; at <= to; at += TimeSpan.FromMilliseconds(100))
        {
            calls += Math.Max(1, (history.Count(e => e.Timestamp <= at) + 99) / 100) + 1;
        }

        return calls;
    }

    /// <summary>Counts the Step Functions calls made through it, by operation.</summary>
    private sealed class CountingExecutions(IExecutions inner) : IExecutions
    {
        private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

        public int Total
        {
            get
            {
                lock (_counts)
                {
                    return _counts.Values.Sum();
                }
            }
        }

        public int Count(string operation)
        {
            lock (_counts)
            {
                return _counts.GetValueOrDefault(operation);
            }
        }

        public override string ToString()
        {
            lock (_counts)
            {
                return string.Join(", ", _counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));
            }
        }

        private T Counted<T>(string operation, T call)
        {
            lock (_counts)
            {
                _counts[operation] = _counts.GetValueOrDefault(operation) + 1;
            }

            return call;
        }

        public Task<StartedExecution> StartAsync(string stateMachineArn, string name, string input, CancellationToken cancellationToken) =>
            Counted("StartExecution", inner.StartAsync(stateMachineArn, name, input, cancellationToken));

        public Task<Execution> DescribeAsync(string executionArn, CancellationToken cancellationToken) =>
            Counted("DescribeExecution", inner.DescribeAsync(executionArn, cancellationToken));

        public Task<Page<HistoryEvent>> GetHistoryPageAsync(string executionArn, string? nextToken, CancellationToken cancellationToken) =>
            Counted("GetExecutionHistory", inner.GetHistoryPageAsync(executionArn, nextToken, cancellationToken));

        public Task<Page<HistoryEvent>> GetLatestHistoryPageAsync(string executionArn, int maxResults, string? nextToken, CancellationToken cancellationToken) =>
            Counted(nextToken is null ? "GetExecutionHistory newest" : "GetExecutionHistory older", inner.GetLatestHistoryPageAsync(executionArn, maxResults, nextToken, cancellationToken));

        public Task<string?> FindStateMachineAsync(string region, string name, CancellationToken cancellationToken) =>
            Counted("ListStateMachines", inner.FindStateMachineAsync(region, name, cancellationToken));

        public Task<Page<Execution>> ListAsync(string stateMachineArn, ExecutionStatus? status, string? nextToken, CancellationToken cancellationToken) =>
            Counted("ListExecutions", inner.ListAsync(stateMachineArn, status, nextToken, cancellationToken));
    }
}
