using EfsDr.Core.Deadlines;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Testing.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Core.Tests.Failover;

/// <summary>Issue 11: the waits the loops compute, the budget's last confirmation and the promotion history.</summary>
public sealed class PollScheduleTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);
    private readonly InMemoryCloud _cloud = SeedCluster.Cloud(Now.AddMinutes(-5));

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private Task Advance(TimeSpan delay, CancellationToken cancellationToken)
    {
        _time.Advance(delay);
        return Task.CompletedTask;
    }

    private PromotionService Promotion() => new(_cloud, _cloud, _time, _cloud, Advance);

    private async Task<FailoverState> PromotingAsync()
    {
        var plan = await new FailoverPlanner(SeedCluster.Configuration(), _cloud, _cloud, _cloud, _cloud, _time)
            .PlanAsync(new FailoverRequest { TargetServer = "server3" }, "run-11", Token);
        var state = new FailoverState { Plan = plan };
        return state with { Promotion = await Promotion().PromoteAsync(state, Token) };
    }

    [Fact]
    public void BudgetSettings_Default_CoversASixtyMinutePromotion() =>
        Assert.True(new EfsDr.Core.Configuration.BudgetSettings().PromotionSeconds >= 3600 + PollSchedule.WatchMaxSeconds);

    [Theory]
    [InlineData(0, 900, 180)]
    [InlineData(180, 900, 180)]
    [InlineData(800, 900, 55)]
    [InlineData(850, 900, 5)]
    [InlineData(860, 900, 108)]
    [InlineData(2000, 900, 250)]
    [InlineData(4000, 900, 200)]
    public void PromotionWait_ByElapsedAndExpected_SparseThenDenseNeverPastTheBudget(double elapsed, int expected, int wait)
    {
        var watched = elapsed >= expected - PollSchedule.WatchLeadSeconds;

        Assert.Equal(wait, PollSchedule.PromotionWait(elapsed, expected, watched, 4200, pendingConfirmation: false));
    }

    [Theory]
    [InlineData(3500, 3450, true, 60)]
    [InlineData(4000, 3450, true, 60)]
    [InlineData(4400, 3450, true, 300)]
    [InlineData(3500, 3450, false, 300)]
    [InlineData(1000, 900, true, 60)]
    [InlineData(880, 600, true, 60)]
    [InlineData(960, 600, true, 120)]
    public void PromotionWait_PastAnExpectedEndFromHistory_EveryMinuteWhileNearThatEnd(double elapsed, int expected, bool fromHistory, int wait) =>
        Assert.Equal(wait, PollSchedule.PromotionWait(elapsed, expected, watchTaken: true, 4200, pendingConfirmation: false, fromHistory));

    [Fact]
    public void PromotionWait_PendingConfirmation_ChecksAgainInTwoSecondsEvenPastTheBudget() =>
        Assert.Equal(2, PollSchedule.PromotionWait(4300, 900, true, 4200, pendingConfirmation: true));

    [Theory]
    [InlineData(0, 10, 3)]
    [InlineData(13, 10, 7)]
    [InlineData(40, 10, 10)]
    [InlineData(40, 2, 2)]
    public void LoopWait_FromThreeSecondsUpToThePoll(double elapsed, int poll, int wait) =>
        Assert.Equal(wait, PollSchedule.LoopWait(elapsed, poll));

    [Fact]
    public async Task CheckAsync_FirstNotFoundJustPastTheBudget_IsConfirmedNotFailed()
    {
        var state = await PromotingAsync();
        _time.Advance(TimeSpan.FromSeconds(state.Plan.Budgets.PromotionSeconds + 1));
        _cloud.CompleteDeletion(SeedCluster.PrimaryId);

        // No call deadline: a check outside Lambda never holds, so the confirmation is the next invocation's.
        var first = await Promotion().CheckAsync(state, Token);
        _time.Advance(TimeSpan.FromSeconds(first.NextWaitSeconds));
        var second = await Promotion().CheckAsync(state with { Promotion = first }, Token);

        Assert.False(first.Done);
        Assert.Equal(1, first.NotFoundCount);
        Assert.Equal(2, first.NextWaitSeconds);
        Assert.True(second.Done);
    }

    [Fact]
    public async Task CheckAsync_FoundAtTheBudget_TimesOut()
    {
        var state = await PromotingAsync();
        _time.Advance(TimeSpan.FromSeconds(state.Plan.Budgets.PromotionSeconds));

        await Assert.ThrowsAsync<PromotionTimeoutException>(() => Promotion().CheckAsync(state, Token));
    }

    [Fact]
    public async Task CheckAsync_InsideALambdaNearTheExpectedEnd_WatchesAndConfirmsInOneInvocation()
    {
        var state = await PromotingAsync();
        _time.Advance(TimeSpan.FromSeconds(PollSchedule.DefaultExpectedPromotionSeconds - PollSchedule.WatchLeadSeconds));
        var end = _time.GetUtcNow().AddSeconds(30);
        var efs = new TimedReplications(_cloud, _time, end);

        PromotionState progress;
        using (CallDeadline.Until(_time.GetUtcNow().AddSeconds(108)))
        {
            progress = await new PromotionService(_cloud, efs, _time, _cloud, Advance).CheckAsync(state, Token);
        }

        Assert.True(progress.Done);
        Assert.True(progress.Watched);
        Assert.InRange((_time.GetUtcNow() - end).TotalSeconds, 0, 4);
        Assert.InRange(progress.HeldSeconds, 30, 34);
    }

    [Fact]
    public async Task CheckAsync_SparseChecksAroundTheEnd_RecordsTheMiddleOfTheIntervalNotTheConfirmation()
    {
        var state = await PromotingAsync();
        _time.Advance(TimeSpan.FromSeconds(180));
        var seen = await Promotion().CheckAsync(state, Token);
        _time.Advance(TimeSpan.FromSeconds(180));
        _cloud.CompleteDeletion(SeedCluster.PrimaryId);
        var gone = await Promotion().CheckAsync(state with { Promotion = seen }, Token);
        _time.Advance(TimeSpan.FromSeconds(gone.NextWaitSeconds));

        var done = await Promotion().CheckAsync(state with { Promotion = gone }, Token);
        var next = await new PromotionHistory(_cloud, _time).ExpectAsync("DRTest-EFS1", "us-west-2", Token);

        // EFS finished between the check at 180 s (DELETING) and the one at 360 s (gone), confirmed 2 s later.
        Assert.True(done.Done);
        Assert.Equal(270, next.ExpectedSeconds);
    }

    [Fact]
    public async Task PromoteAsync_WithHistory_ExpectsTheLastPromotion()
    {
        await new PromotionHistory(_cloud, _time).RecordAsync("DRTest-EFS1", "us-west-2", 700, Token);
        await new PromotionHistory(_cloud, _time).RecordAsync("DRTest-EFS1", "us-west-2", 840, Token);

        var state = await PromotingAsync();

        Assert.Equal(840, state.Promotion!.ExpectedSeconds);
        Assert.Equal("history (2 promotions)", state.Promotion.ExpectedFrom);
        Assert.Equal(180, state.Promotion.NextWaitSeconds);
        Assert.StartsWith("/efsdr/promotion-history/DRTest-EFS1-", PromotionHistory.NameOf("DRTest-EFS1", "us-west-2"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PromoteAsync_HistoryUnreadable_UsesTheDefaultAndNotesWhy()
    {
        _cloud.ParameterValues[PromotionHistory.NameOf("DRTest-EFS1", "us-west-2")] = "not json";

        var state = await PromotingAsync();

        Assert.Equal(PollSchedule.DefaultExpectedPromotionSeconds, state.Promotion!.ExpectedSeconds);
        Assert.Equal("default", state.Promotion.ExpectedFrom);
        Assert.Contains("not read", state.Promotion.HistoryNote, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecordAsync_ManyPromotions_KeepsTheLastTen()
    {
        var history = new PromotionHistory(_cloud, _time);
        for (var i = 1; i <= 12; i++)
        {
            Assert.Null(await history.RecordAsync("DRTest-EFS1", "us-west-2", i * 60, Token));
        }

        var expectation = await history.ExpectAsync("DRTest-EFS1", "us-west-2", Token);

        Assert.Equal(720, expectation.ExpectedSeconds);
        Assert.Equal("history (10 promotions)", expectation.Source);
    }

    [Fact]
    public async Task ActivateAsync_FirstCheck_AfterThreeSeconds()
    {
        var plan = await new FailoverPlanner(SeedCluster.Configuration(), _cloud, _cloud, _cloud, _cloud, _time)
            .PlanAsync(new FailoverRequest { TargetServer = "server3" }, "run-11", Token);

        var node = await new NodeActivationService(_cloud, "efsdr-node", _time, Advance).ActivateAsync(new FailoverState { Plan = plan }, Token);

        Assert.Equal(PollSchedule.FirstLoopWaitSeconds, node.NextWaitSeconds);
    }

    [Fact]
    public async Task CheckAsync_NodeStillRunningInsideALambda_HoldsAtMostTenSecondsThenBacksOff()
    {
        var plan = await new FailoverPlanner(SeedCluster.Configuration(), _cloud, _cloud, _cloud, _cloud, _time)
            .PlanAsync(new FailoverRequest { TargetServer = "server3" }, "run-11", Token);
        var nodes = new NodeActivationService(_cloud, "efsdr-node", _time, Advance);
        var state = new FailoverState { Plan = plan };
        state = state with { Node = await nodes.ActivateAsync(state, Token) };
        _time.Advance(TimeSpan.FromSeconds(3));

        NodeState progress;
        using (CallDeadline.Until(_time.GetUtcNow().AddSeconds(108)))
        {
            progress = await nodes.CheckAsync(state, Token);
        }

        Assert.False(progress.Done);
        Assert.InRange(progress.HeldSeconds, 8, PollSchedule.LoopHoldPerCheckSeconds);
        Assert.Equal(PollSchedule.LoopWait((_time.GetUtcNow() - state.Node.StartedAt).TotalSeconds, plan.Waits.NodeSeconds), progress.NextWaitSeconds);
        Assert.True(progress.Checks > 1);
    }
}
