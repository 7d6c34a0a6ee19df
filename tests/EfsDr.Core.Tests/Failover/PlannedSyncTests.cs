using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Testing.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Core.Tests.Failover;

/// <summary>DeactivateSource and CheckSync (a planned failover) on in-memory fakes and a fake clock.</summary>
public sealed class PlannedSyncTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);
    private readonly InMemoryCloud _cloud = SeedCluster.Cloud(Now.AddSeconds(-40));

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private PlannedSync Sync() =>
        new(new FencingService(SeedCluster.Configuration(), _cloud, _cloud, "efsdr-node", _time), _cloud, _time);

    private async Task<FailoverState> PlannedStateAsync()
    {
        var plan = await new FailoverPlanner(SeedCluster.Configuration(), _cloud, _cloud, _cloud, _cloud, _time)
            .PlanAsync(new FailoverRequest { TargetServer = "server3", Planned = true }, "run-p", Token);
        return new FailoverState { Plan = plan };
    }

    private static NodeProgress Succeeded() => new(NodeProgressState.Succeeded, "Success", "Success", 0, "efsdr-node: deactivated", string.Empty);

    private void ReplicaSyncedAt(DateTimeOffset at)
    {
        _cloud.Replications.Clear();
        _cloud.Replicate("us-east-1", SeedCluster.PrimaryId, "us-west-2", SeedCluster.ReplicaId, ReplicationStatus.Enabled, at);
    }

    /// <summary>DeactivateSource, then every deactivate command succeeds, then one check at <paramref name="checkAt"/> (sees the stop).</summary>
    private async Task<FailoverState> StoppedAsync(TimeSpan checkAt)
    {
        var state = await PlannedStateAsync();
        state = state with { Sync = await Sync().DeactivateSourceAsync(state, Token) };
        foreach (var node in state.Sync!.Nodes)
        {
            _cloud.Invocations[node.CommandId!] = new Queue<Func<NodeProgress>>([Succeeded]);
        }

        _time.Advance(checkAt);
        return state with { Sync = await Sync().CheckAsync(state, Token) };
    }

    [Fact]
    public async Task DeactivateSourceAsync_Planned_SendsDeactivateToEverySourceNode()
    {
        var state = await PlannedStateAsync();

        var sync = await Sync().DeactivateSourceAsync(state, Token);

        Assert.Equal(2, sync.Nodes.Count);
        Assert.All(_cloud.Sent, c => Assert.Equal(("us-east-1", "deactivate"), (c.Region, c.Action)));
        Assert.Null(sync.SourceStoppedAt);
        Assert.False(sync.Done);
    }

    [Fact]
    public async Task DeactivateSourceAsync_SourceNodeOffline_FailsTheRunNamingIt()
    {
        var state = await PlannedStateAsync();
        _cloud.Ping[SeedCluster.Configuration().Server("server2")!.InstanceId] = PingStatus.ConnectionLost;

        var ex = await Assert.ThrowsAsync<SourceDeactivationFailedException>(() => Sync().DeactivateSourceAsync(state, Token));

        Assert.Contains("server2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("still the primary", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_DeactivateFailed_FailsTheRun()
    {
        var state = await PlannedStateAsync();
        state = state with { Sync = await Sync().DeactivateSourceAsync(state, Token) };
        _cloud.Invocations[state.Sync!.Nodes[0].CommandId!] = new Queue<Func<NodeProgress>>([() => new NodeProgress(NodeProgressState.Failed, "Failed", "Failed", 31, string.Empty, "umount busy")]);

        await Assert.ThrowsAsync<SourceDeactivationFailedException>(() => Sync().CheckAsync(state, Token));
    }

    [Fact]
    public async Task CheckAsync_NodesStillStopping_NotDoneAndNoStopMoment()
    {
        var state = await PlannedStateAsync();
        state = state with { Sync = await Sync().DeactivateSourceAsync(state, Token) };

        var sync = await Sync().CheckAsync(state, Token);

        Assert.False(sync.Done);
        Assert.Null(sync.SourceStoppedAt);
        Assert.StartsWith("stopping the source", sync.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_SyncBeforeTheStop_NotDoneWithTheRemainingLag()
    {
        var state = await StoppedAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(Now.AddSeconds(30), state.Sync!.SourceStoppedAt);
        Assert.False(state.Sync.Done);
        Assert.Equal(70, state.Sync.LagSeconds);
        Assert.Equal("waiting for the replica: 70 s behind the source's stop", state.Sync.Text());
    }

    [Fact]
    public async Task CheckAsync_SyncAfterTheStop_DoneAndTheSummaryProvesNoLoss()
    {
        var state = await StoppedAsync(TimeSpan.FromSeconds(30));
        ReplicaSyncedAt(Now.AddSeconds(31));
        _time.Advance(TimeSpan.FromSeconds(30));

        var sync = await Sync().CheckAsync(state, Token);

        Assert.True(sync.Done);
        Assert.Equal(0, sync.LagSeconds);
        Assert.Equal(Now.AddSeconds(60), sync.CompletedAt);
        var summary = RunSummarizer.Summarize(state with { Sync = sync }, _time.GetUtcNow());
        Assert.True(summary.DataLossProven);
        Assert.Equal(0, summary.DataLossWindowSeconds);
    }

    [Fact]
    public async Task CheckAsync_SyncExactlyAtTheStop_IsNotEnough()
    {
        var state = await StoppedAsync(TimeSpan.FromSeconds(30));
        ReplicaSyncedAt(state.Sync!.SourceStoppedAt!.Value);

        Assert.False((await Sync().CheckAsync(state, Token)).Done);
    }

    [Fact]
    public async Task CheckAsync_PastTheSyncBudget_ThrowsSyncTimeoutWithTheLag()
    {
        var state = await StoppedAsync(TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(state.Plan.Budgets.SyncSeconds));

        var ex = await Assert.ThrowsAsync<SyncTimeoutException>(() => Sync().CheckAsync(state, Token));

        Assert.Contains("behind the source's stop", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was promoted", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_ReplicationGone_FailsBeforeAnyPromotion()
    {
        var state = await StoppedAsync(TimeSpan.FromSeconds(30));
        _cloud.Replications.Clear();

        await Assert.ThrowsAsync<ReplicationFailedException>(() => Sync().CheckAsync(state, Token));
        Assert.Empty(_cloud.Deletes);
    }

    [Fact]
    public async Task Summarize_UnplannedPromotion_IsNotProven()
    {
        var plan = await new FailoverPlanner(SeedCluster.Configuration(), _cloud, _cloud, _cloud, _cloud, _time)
            .PlanAsync(new FailoverRequest { TargetServer = "server3" }, "run-u", Token);

        var summary = RunSummarizer.Summarize(new FailoverState { Plan = plan }, Now);

        Assert.False(summary.DataLossProven);
        Assert.Equal(40, summary.DataLossWindowSeconds);
    }
}
