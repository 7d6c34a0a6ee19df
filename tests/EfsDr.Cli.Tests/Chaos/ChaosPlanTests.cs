using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Drill;
using EfsDr.Drill.Chaos;
using EfsDr.Runs;

namespace EfsDr.Cli.Tests.Chaos;

/// <summary>The chaos drill's pure parts: which operations a state allows, the seeded choices of operations, faults and
/// objects, and the data-loss window a run reports (no cloud needed).</summary>
public sealed class ChaosPlanTests
{
    private static readonly IReadOnlyList<DrillServer> Servers = LocalTopology.Servers;

    private static IEnumerable<string> Names(IEnumerable<ChaosOperation> operations) => operations.Select(o => o.ToString());

    [Fact]
    public void Valid_FullyProtectedInUsEast1OnServer1_FailoversToServer2AndServer3NoReprotect()
    {
        var valid = ChaosOperations.Valid(new DrState("us-east-1", true, "server1", ReplicaTagged: true), Servers);

        Assert.Equal(
            ["in-region-failover server2", "cross-region-failover server3", "planned-failover server3", "two-runs-same-target server2", "two-runs-same-target server3", "two-runs-different-targets server2 + server3"],
            Names(valid));
    }

    [Fact]
    public void Valid_UnprotectedInUsWest2OnServer3_OnlyTheReprotect()
    {
        var valid = ChaosOperations.Valid(new DrState("us-west-2", false, "server3"), Servers);

        Assert.Equal(["reprotect us-west-2"], Names(valid));
    }

    [Fact]
    public void Valid_ProtectedButReplicaNotTaggedYet_TheReprotectIsValidAndNotAnInvalidOne()
    {
        var state = new DrState("us-east-1", true, "server1", ReplicaTagged: false);

        Assert.Contains("reprotect us-east-1", Names(ChaosOperations.Valid(state, Servers)));
        Assert.DoesNotContain(ChaosOperations.Invalid(state, Servers), o => o.Kind == ChaosOperationKind.ReprotectWhenProtected);
    }

    [Fact]
    public void Invalid_UnprotectedInUsWest2_FailoversBackIntoUsEast1WithoutReprotect()
    {
        var invalid = ChaosOperations.Invalid(new DrState("us-west-2", false, "server3"), Servers);

        Assert.Equal(["failover-back-without-reprotect server1", "failover-back-without-reprotect server2"], Names(invalid));
        Assert.All(invalid, o => Assert.True(o.ExpectRefused));
    }

    [Fact]
    public void Invalid_FullyProtectedInUsEast1_ReprotectAgainAndFailoversToAnOfflineTarget()
    {
        var invalid = ChaosOperations.Invalid(new DrState("us-east-1", true, "server1", ReplicaTagged: true), Servers);

        Assert.Equal(["reprotect-when-protected us-east-1", "failover-to-offline-node server2", "failover-to-offline-node server3"], Names(invalid));
    }

    [Fact]
    public void Pick_SameSeedAndState_SameOperationsEveryTime()
    {
        var state = new DrState("us-east-1", true, "server2", ReplicaTagged: true);

        var first = Sequence(new Random(42), state);
        var second = Sequence(new Random(42), state);

        Assert.Equal(first, second);
        Assert.NotEqual(first, Sequence(new Random(43), state));
    }

    [Theory]
    [InlineData("us-east-1", true, "server1", true)]
    [InlineData("us-east-1", true, null, false)]
    [InlineData("us-east-1", false, "server2", false)]
    [InlineData("us-west-2", false, "server3", false)]
    [InlineData("us-west-2", true, "server3", true)]
    public void Pick_AnySeed_OnlyOperationsTheStateAllowsSomeInvalid(string region, bool protectedPair, string? active, bool tagged)
    {
        var state = new DrState(region, protectedPair, active, tagged);
        var allowed = Names(ChaosOperations.Valid(state, Servers).Concat(ChaosOperations.Invalid(state, Servers))).ToHashSet(StringComparer.Ordinal);

        var picks = Enumerable.Range(0, 400).Select(seed => ChaosOperations.Pick(state, Servers, new Random(seed))).ToList();

        Assert.All(picks, p => Assert.Contains(p.ToString(), allowed));
        Assert.InRange(picks.Count(p => p.ExpectRefused), 40, 160);
    }

    [Fact]
    public void FaultPlanPick_SameSeed_SamePlansRoundAfterRound()
    {
        var operation = new ChaosOperation(ChaosOperationKind.CrossRegionFailover, "server3");
        var state = new DrState("us-east-1", true, "server1", true);

        var first = Plans(new Random(7), operation, state);
        var second = Plans(new Random(7), operation, state);

        Assert.Equal(first, second);
        Assert.Contains(first, p => p.RegionDown == "us-east-1");
        Assert.Contains(first, p => p.CrashAfter is not null);
        Assert.Contains(first, p => p.Kinds.Count == 0);
    }

    [Fact]
    public void FaultPlanPick_InvalidOperation_NoCrashNoOfflineNodeNoRegionDown()
    {
        var operation = new ChaosOperation(ChaosOperationKind.FailoverBackWithoutReprotect, "server1");
        var state = new DrState("us-west-2", false, "server3");

        var plans = Plans(new Random(1), operation, state);

        Assert.All(plans, p => Assert.True(p.CrashAfter is null && p.OfflineNode is null && p.RegionDown is null, p.ToString()));
        Assert.Contains(plans, p => p.HasServiceFaults);
    }

    [Fact]
    public void FaultPlanPick_ReprotectCrash_AfterAReprotectStep()
    {
        var plans = Plans(new Random(3), new ChaosOperation(ChaosOperationKind.Reprotect, "us-west-2"), new DrState("us-west-2", false, "server3"));

        Assert.All(plans.Where(p => p.CrashAfter is not null), p => Assert.Contains(p.CrashAfter, FaultPlan.ReprotectHandlers));
        Assert.All(plans, p => Assert.Null(p.RegionDown));
    }

    [Fact]
    public void FaultPlanPick_TemporaryFaults_EndAtAStepOfTheOperationsWorkflowOrLastTheWholeRun()
    {
        var failover = Plans(new Random(11), new ChaosOperation(ChaosOperationKind.CrossRegionFailover, "server3"), new DrState("us-east-1", true, "server1", true));
        var reprotect = Plans(new Random(12), new ChaosOperation(ChaosOperationKind.Reprotect, "us-west-2"), new DrState("us-west-2", false, "server3"));

        var offline = failover.Concat(reprotect).Where(p => p.OfflineNode is not null).ToList();
        var down = failover.Where(p => p.RegionDown is not null).ToList();
        Assert.All(failover.Where(p => p.OfflineUntil is not null), p => Assert.Contains(p.OfflineUntil, FaultPlan.FailoverHandlers));
        Assert.All(reprotect.Where(p => p.OfflineUntil is not null), p => Assert.Contains(p.OfflineUntil, FaultPlan.ReprotectHandlers));
        Assert.All(down.Where(p => p.RegionDownUntil is not null), p => Assert.Contains(p.RegionDownUntil, FaultPlan.FailoverHandlers));
        Assert.Contains(offline, p => p.OfflineUntil is null);
        Assert.Contains(offline, p => p.OfflineUntil is not null);
        Assert.Contains(down, p => p.RegionDownUntil is null);
        Assert.Contains(down, p => p.RegionDownUntil is not null && p.ToString().Contains($"us-east-1 down until {p.RegionDownUntil}", StringComparison.Ordinal));
        Assert.All(failover.Where(p => p.OfflineNode is null && p.RegionDown is null), p => Assert.True(p.OfflineUntil is null && p.RegionDownUntil is null, p.ToString()));
    }

    [Fact]
    public void RoundSeed_SameSeedAndRound_SameValueOtherRoundsOthers()
    {
        var seeds = Enumerable.Range(1, 200).Select(n => ChaosRunner.RoundSeed(20261203, n)).ToList();

        Assert.Equal(seeds, Enumerable.Range(1, 200).Select(n => ChaosRunner.RoundSeed(20261203, n)));
        Assert.Equal(200, seeds.Distinct().Count());
        Assert.NotEqual(ChaosRunner.RoundSeed(20261203, 1), ChaosRunner.RoundSeed(20261204, 1));
        Assert.All(seeds, x => Assert.True(x >= 0));
    }

    [Fact]
    public void WritersPlan_SameSeed_SameKeysAndContentsTwoToFiveObjectsPerWriter()
    {
        var first = ChaosWriters.Plan(3, 2, new Random(9));
        var second = ChaosWriters.Plan(3, 2, new Random(9));

        Assert.Equal(first.SelectMany(w => w), second.SelectMany(w => w));
        Assert.Equal(2, first.Count);
        Assert.All(first, w => Assert.InRange(w.Count, 2, 5));
        Assert.StartsWith("r0003-w1-", first[1][0].Key, StringComparison.Ordinal);
    }

    [Fact]
    public void LossWindowOf_UnplannedPromotionWithAWindow_FromTheLastSyncToThePlan()
    {
        var planned = Start.AddMinutes(5);
        var run = Run(promoted: true, new RunSummary { Plan = Plan(planned, planned: false), DataLossWindowSeconds = 60 });

        var window = Assert.Single(ChaosRound.LossWindowOf(run));

        Assert.Equal(new LossWindow("failover-server3-1", planned.AddSeconds(-60), planned), window);
    }

    [Fact]
    public void LossWindowOf_RefusedBeforeThePromotionOrAPlannedMove_NoWindow()
    {
        var planned = Start.AddMinutes(5);

        Assert.Empty(ChaosRound.LossWindowOf(Run(promoted: false, new RunSummary { Plan = Plan(planned, planned: false), DataLossWindowSeconds = 60 })));
        Assert.Empty(ChaosRound.LossWindowOf(Run(promoted: true, new RunSummary { Plan = Plan(planned, planned: true), DataLossWindowSeconds = 0, DataLossProven = true })));
    }

    [Fact]
    public void ReRunOf_TwoRunsBothFailedTheSecondAfterTakingTheLock_RepeatsTheSecondsTarget()
    {
        // Round 114 of the 200-round run: server1's run refused (its node offline), server3's took the lock, promoted and
        // failed at its DNS check; repeating server1 was refused as stale. The run that took the lock is the one to repeat.
        var operation = new ChaosOperation(ChaosOperationKind.TwoRunsDifferentTargets, "server1", "server3");
        var refused = Run(promoted: false, new RunSummary()) with { TargetServer = "server1" };
        var tookTheLock = Run(promoted: true, new RunSummary()) with { TargetServer = "server3" };
        tookTheLock = tookTheLock with { History = [.. tookTheLock.History, new(3, 2, "TaskStateEntered", Start, "LowerDnsTtl", null, null, null)] };

        var again = ChaosRound.ReRunOf(operation, [refused, tookTheLock]);

        Assert.Equal(new ChaosOperation(ChaosOperationKind.InRegionFailover, "server3"), again);
        Assert.Equal(new ChaosOperation(ChaosOperationKind.InRegionFailover, "server1"), ChaosRound.ReRunOf(operation, [refused, refused with { TargetServer = "server3" }]));
        var planned = new ChaosOperation(ChaosOperationKind.PlannedFailover, "server3");
        Assert.Same(planned, ChaosRound.ReRunOf(planned, [refused]));
    }

    private static readonly DateTimeOffset Start = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    private static FailoverPlan Plan(DateTimeOffset plannedAt, bool planned) => new()
    {
        RunId = "failover-server3-1",
        PlannedAt = plannedAt,
        Action = PlanAction.Promote,
        LastReplicatedTimestamp = plannedAt.AddSeconds(-60),
        DataLossWindowSeconds = 60,
        Planned = planned,
    };

    private static RunRecord Run(bool promoted, RunSummary summary)
    {
        List<HistoryEvent> history = [new(1, 0, "ExecutionStarted", Start, null, null, null, null)];
        if (promoted)
        {
            history.Add(new(2, 1, "TaskStateEntered", Start, "PromoteReplica", null, null, null));
        }

        var execution = new Execution("arn:e", "arn:aws:states:us-west-2:000000000000:stateMachine:efsdr-failover", "failover-server3-1", ExecutionStatus.Succeeded, Start, Start.AddMinutes(6), "{}", "{}", null, null);
        return new RunRecord("to server3", "server3", execution, history, summary);
    }

    private static List<string> Sequence(Random random, DrState state) =>
        [.. Enumerable.Range(0, 30).Select(_ => ChaosOperations.Pick(state, Servers, random).ToString())];

    private static List<FaultPlan> Plans(Random random, ChaosOperation operation, DrState state) =>
        [.. Enumerable.Range(0, 60).Select(_ => FaultPlan.Pick(operation, state, Servers, random))];
}
