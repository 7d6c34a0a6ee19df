using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;
using EfsDr.Core.Locking;
using EfsDr.Core.Model;
using EfsDr.Testing.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Core.Tests.Failover;

/// <summary>The workflow's safety steps on in-memory fakes: the run lock from the plan, deactivating and fencing the
/// ex-primary, the clean-up of a failed run, and what the summary says about the ex-primary.</summary>
public sealed class SafetyStepsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private const string Arn = "arn:aws:states:us-west-2:111122223333:execution:efsdr-failover:run-7";
    private readonly FakeTimeProvider _time = new(Now);
    private readonly InMemoryCloud _cloud = SeedCluster.Cloud(Now.AddMinutes(-5));
    private readonly InMemoryExecutions _executions = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private async Task<FailoverState> PlannedAsync(string target = "server3", bool sourceDown = false)
    {
        var plan = await new FailoverPlanner(SeedCluster.Configuration(), _cloud, _cloud, _cloud, _cloud, _time)
            .PlanAsync(new FailoverRequest { TargetServer = target, SourceRegionUnavailable = sourceDown }, "run-7", Arn, Token);
        _executions.Add("us-west-2", "run-7", ExecutionStatus.Running, Now);
        return new FailoverState { Plan = plan };
    }

    private RunLockSteps Locks() => new(new RunLockService(_cloud, _executions, _time));

    private ExPrimaryFencing Fencing() => new(new FencingService(SeedCluster.Configuration(), _cloud, _cloud, "efsdr-node", _time), _time);

    [Fact]
    public async Task Plan_CrossRegionPromotion_AsksToFenceTheExPrimary()
    {
        var state = await PlannedAsync();

        Assert.True(state.Plan.FenceExPrimary);
        Assert.False(state.Plan.SourceRegionDown);
        Assert.Equal(Arn, state.Plan.ExecutionArn);
        Assert.Equal(["us-east-1", "us-west-2"], state.Plan.Regions);
    }

    [Fact]
    public async Task Plan_SameRegionFailover_FencesNothing()
    {
        var state = await PlannedAsync("server2");

        Assert.False(state.Plan.FenceExPrimary);
    }

    [Fact]
    public async Task AcquireAsync_SourceRegionKnownDown_LocksTheOtherRegionsAndReportsItSkipped()
    {
        var state = await PlannedAsync(sourceDown: true);

        var held = await Locks().AcquireAsync(state, Token);

        Assert.Equal(["us-west-2"], held.Held.Select(h => h.Region));
        Assert.Contains(held.Skipped, s => s.Region == "us-east-1" && s.Reason.Contains("known to be down", StringComparison.Ordinal));
        Assert.DoesNotContain(_cloud.ParameterWrites, w => w.Contains("us-east-1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AcquireAsync_AnotherRunHoldsTheLock_RefusesNamingIt()
    {
        var state = await PlannedAsync();
        var other = _executions.Add("us-east-1", "run-other", ExecutionStatus.Running, Now);
        var otherPlan = state.Plan with { ExecutionArn = other, RunId = "run-other", TargetServer = "server2", TargetRegion = "us-east-1" };
        await Locks().AcquireAsync(new FailoverState { Plan = otherPlan }, Token);

        var ex = await Assert.ThrowsAsync<RunInProgressException>(() => Locks().AcquireAsync(state, Token));

        Assert.Contains(other, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AcquireAsync_HolderInAnUnreachableSourceRegion_IsTakenOverOnlyWhenTheInputDeclaresThatRegionDown(bool declared)
    {
        // A failover to server2 was running in us-east-1 when the region went dark; its lock is in us-west-2 too.
        var state = await PlannedAsync(sourceDown: declared);
        var stuck = _executions.Add("us-east-1", "run-stuck", ExecutionStatus.Running, Now);
        await Locks().AcquireAsync(new FailoverState { Plan = state.Plan with { ExecutionArn = stuck, RunId = "run-stuck", TargetServer = "server2", TargetRegion = "us-east-1", SourceRegionDown = false, SourceRegionDeclaredDown = false } }, Token);
        _executions.UnreachableRegions.Add("us-east-1");
        _cloud.UnreachableRegions.Add("us-east-1");

        if (declared)
        {
            var held = await Locks().AcquireAsync(state, Token);
            var taken = Assert.Single(held.Held);
            Assert.Equal("us-west-2", taken.Region);
            Assert.Equal(stuck, taken.TakenOverFrom);
        }
        else
        {
            var ex = await Assert.ThrowsAsync<RunInProgressException>(() => Locks().AcquireAsync(state, Token));
            Assert.Contains(stuck, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task DeactivateAsync_SourceRegionAnswers_SendsDeactivateToEveryServerThere()
    {
        var state = await PlannedAsync();

        var deactivation = await Fencing().DeactivateAsync(state, Token);

        Assert.Equal(["server1", "server2"], deactivation.Nodes.Select(n => n.Server));
        Assert.All(_cloud.Sent, s => Assert.Equal(("us-east-1", "deactivate"), (s.Region, s.Action)));
        Assert.Equal(2, _cloud.Sent.Count);
    }

    [Fact]
    public async Task DeactivateAsync_SourceRegionKnownDown_SendsNothingAndSaysSo()
    {
        var state = await PlannedAsync(sourceDown: true);

        var deactivation = await Fencing().DeactivateAsync(state, Token);

        Assert.Empty(_cloud.Sent);
        Assert.Contains("NOT deactivated", deactivation.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FenceAsync_SourceRegionAnswers_LeavesTheExPrimaryReadOnlyAndTaggedWithTheNewEpoch()
    {
        var state = await PlannedAsync();
        _cloud.CompleteDeletion(SeedCluster.PrimaryId);

        var fencing = await Fencing().FenceAsync(state, Token);

        Assert.True(fencing.Fenced, fencing.Detail);
        var old = _cloud.FileSystemsById[SeedCluster.PrimaryId];
        Assert.Equal(OverwriteProtection.Disabled, old.Protection);
        Assert.Equal(EfsDrTags.Fenced, old.Tags[EfsDrTags.Role]);
        Assert.Equal("1", old.Tags[EfsDrTags.FencedEpoch]);
        Assert.Equal("run-7", old.Tags[EfsDrTags.FencedBy]);
    }

    [Fact]
    public async Task FenceAsync_SourceRegionKnownDown_ChangesNothingAndSaysNotFencedAndWhatFencesIt()
    {
        var state = await PlannedAsync(sourceDown: true);
        _cloud.Writes.Clear();

        var fencing = await Fencing().FenceAsync(state, Token);

        Assert.False(fencing.Fenced);
        Assert.Equal(SeedCluster.PrimaryId, fencing.FileSystemId);
        Assert.Contains("NOT fenced", fencing.Detail, StringComparison.Ordinal);
        Assert.Contains("efsdr fence", fencing.Detail, StringComparison.Ordinal);
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task FenceAsync_SourceRegionStopsAnswering_ReportsNotFencedWithoutFailingTheRun()
    {
        var state = await PlannedAsync();
        _cloud.CompleteDeletion(SeedCluster.PrimaryId);
        _cloud.UnreachableRegions.Add("us-east-1");

        var fencing = await Fencing().FenceAsync(state, Token);

        Assert.False(fencing.Fenced);
        Assert.True(fencing.RegionUnreachable);
        Assert.Contains("efsdr fence", fencing.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Summarize_NotFenced_SaysSoPlainlyWithTheFileSystem()
    {
        var state = await PlannedAsync(sourceDown: true);
        state = state with { Fencing = await Fencing().FenceAsync(state, Token) };

        var summary = RunSummarizer.Summarize(state, Now.AddMinutes(15));

        var exPrimary = Assert.IsType<ExPrimaryStatus>(summary.ExPrimary);
        Assert.False(exPrimary.Fenced);
        Assert.Equal(SeedCluster.PrimaryId, exPrimary.FileSystemId);
        Assert.Equal("us-east-1", exPrimary.Region);
        Assert.Contains("NOT fenced", exPrimary.Detail, StringComparison.Ordinal);
        Assert.Contains(summary.UnreadableRegions, u => u.StartsWith("us-east-1:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Summarize_SameRegionFailover_HasNoExPrimary()
    {
        var state = await PlannedAsync("server2");

        Assert.Null(RunSummarizer.Summarize(state, Now).ExPrimary);
    }

    [Fact]
    public async Task CleanUpAsync_AfterAFailureThatFollowedTheLoweredTtl_RestoresItReleasesTheLockAndSaysSo()
    {
        var state = await PlannedAsync();
        state = state with { Lock = await Locks().AcquireAsync(state, Token) };
        state = state with { Ttl = await new DnsSwitchService(_cloud, _time).LowerTtlAsync(state, Token) };
        state = state with { Failure = new FailureReport { Error = "NodeCommandFailedException", Cause = """{"errorType":"NodeCommandFailedException","errorMessage":"server3 failed: mount"}""" } };

        var report = await new FailedRunCleanup(new DnsSwitchService(_cloud, _time), Locks()).CleanUpAsync(state, Token);

        Assert.Equal("NodeCommandFailedException", report.Error);
        Assert.StartsWith("server3 failed: mount [after the failure: TTL restored to 300 s; run lock released in us-east-1, us-west-2]", report.Cause, StringComparison.Ordinal);
        Assert.Equal(300, _cloud.Records["drtest.example.com"].Ttl);
        var top = await new RunLockService(_cloud, _executions, _time).CurrentAsync("DRTest-EFS1", "us-west-2", Token);
        Assert.False(top!.IsHeld);
    }

    [Fact]
    public async Task CleanUpAsync_PlanItselfFailed_PassesTheFailureThroughUntouched()
    {
        var state = new FailoverState { Failure = new FailureReport { Error = "InvalidInputException", Cause = "invalid input: targetServer: is required" } };

        var report = await new FailedRunCleanup(new DnsSwitchService(_cloud, _time), Locks()).CleanUpAsync(state, Token);

        Assert.Equal("invalid input: targetServer: is required", report.Cause);
        Assert.Empty(_cloud.Writes);
        Assert.Empty(_cloud.ParameterWrites);
    }
}
