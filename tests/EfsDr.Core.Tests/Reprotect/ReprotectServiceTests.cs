using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Core.Reprotect;
using EfsDr.Core.Workflows;
using EfsDr.Testing.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Core.Tests.Reprotect;

/// <summary>Issue 10: the reprotect steps against the in-memory cloud, and a crash after each step followed by a re-run.</summary>
public sealed class ReprotectServiceTests
{
    private const string West = ReprotectWorld.West;
    private const string East = ReprotectWorld.East;
    private const string Name = "DRTest-EFS1";
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The steps in workflow order; the wait steps are repeated until done, as the state machine loops.</summary>
    private static readonly (string Name, Func<ReprotectService, ReprotectState, CancellationToken, Task<ReprotectState>> Run)[] Steps =
    [
        ("CleanUpOrphan", (s, st, c) => s.CleanUpOrphanAsync(st, c)),
        ("KeepDiverged", (s, st, c) => s.KeepDivergedAsync(st, c)),
        ("EnsureReplica", (s, st, c) => s.EnsureReplicaAsync(st, c)),
        ("DisableProtection", (s, st, c) => s.DisableProtectionAsync(st, c)),
        ("CreateReplication", (s, st, c) => s.CreateReplicationAsync(st, c)),
        ("TagReplica", (s, st, c) => s.TagReplicaAsync(st, c)),
        ("CreateMountTargets", (s, st, c) => s.CreateMountTargetsAsync(st, c)),
        ("CheckSync", (s, st, c) => s.CheckSyncAsync(st, c)),
    ];

    private async Task<ReprotectState> Run(InMemoryCloud cloud, string runId, int stopAfter = int.MaxValue, bool overwrite = false)
    {
        var plan = await new ReprotectPlanner(ReprotectWorld.Configuration(), cloud, cloud, _time)
            .PlanAsync(new ReprotectRequest { OverwriteDiverged = overwrite }, runId, Ct);
        var state = new ReprotectState { Plan = plan };
        if (plan.Action == ReprotectAction.AlreadyProtected)
        {
            return state;
        }

        var service = new ReprotectService(cloud, cloud, _time);
        for (var i = 0; i < Steps.Length && i < stopAfter; i++)
        {
            state = await Steps[i].Run(service, state, Ct);
            state = await WaitAsync(cloud, service, state, Steps[i].Name);
        }

        return state;
    }

    /// <summary>What time does between checks: the new file system becomes available, the replication syncs.</summary>
    private async Task<ReprotectState> WaitAsync(InMemoryCloud cloud, ReprotectService service, ReprotectState state, string step)
    {
        for (var checks = 0; checks < 10; checks++)
        {
            if (step == "EnsureReplica" && !state.ReplicaAvailable)
            {
                cloud.FileSystemsById[state.ReplicaFileSystemId!] = cloud.FileSystemsById[state.ReplicaFileSystemId!] with { LifeCycleState = "available" };
                state = await service.EnsureReplicaAsync(state, Ct);
            }
            else if (step == "CleanUpOrphan" && state.OrphanDeletion is { Done: false })
            {
                _time.Advance(TimeSpan.FromSeconds(state.Plan.PollSeconds));
                state = await service.CheckOrphanDeletionAsync(state, Ct);
            }
            else if (step == "CheckSync" && state.Sync is { Done: false })
            {
                _time.Advance(TimeSpan.FromSeconds(30));
                cloud.CompleteSync(state.Plan.PrimaryFileSystemId, _time.GetUtcNow());
                state = await service.CheckSyncAsync(state, Ct);
            }
            else
            {
                return state;
            }
        }

        throw new InvalidOperationException(step + " never finished");
    }

    [Fact]
    public async Task Steps_FencedExPrimary_ReplicateIntoItAndTagItReplica()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: true);

        var state = await Run(cloud, "run-1");

        var replica = cloud.FileSystemsById[SeedCluster.PrimaryId];
        Assert.Equal(OverwriteProtection.Replicating, replica.Protection);
        Assert.Equal(ReprotectTags.Replica, replica.Tags[EfsDrTags.Role]);
        Assert.Equal("1", replica.Tags[EfsDrTags.Epoch]);
        Assert.Equal(Name, replica.Name);
        var replication = Assert.Single(cloud.Replications);
        Assert.Equal(SeedCluster.ReplicaId, replication.SourceFileSystemId);
        Assert.Equal(SeedCluster.PrimaryId, replication.Destination.FileSystemId);
        Assert.Equal(ReplicationStatus.Enabled, replication.Destination.Status);
        Assert.True(state.Sync!.Done);
        Assert.DoesNotContain(cloud.Writes, w => w.StartsWith("create-file-system", StringComparison.Ordinal) || w.StartsWith("protection", StringComparison.Ordinal));
        Assert.Null(ReprotectService.Summarize(state).Kept);
    }

    [Fact]
    public async Task Steps_UnfencedExPrimaryAfterRegionOutage_KeepItDivergedAndReplicateToANewNamedFileSystem()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: false, orphaned: true);

        var state = await Run(cloud, "run-1");

        var kept = cloud.FileSystemsById[SeedCluster.PrimaryId];
        Assert.Equal("DRTest-EFS1-diverged-1", kept.Name);
        Assert.Equal(OverwriteProtection.Enabled, kept.Protection);
        var named = Assert.Single(cloud.FileSystemsById.Values, f => f.Region == East && f.Name == Name);
        Assert.NotEqual(SeedCluster.PrimaryId, named.FileSystemId);
        Assert.Equal(OverwriteProtection.Replicating, named.Protection);
        Assert.Equal(ReprotectTags.Replica, named.Tags[EfsDrTags.Role]);
        var replication = Assert.Single(cloud.Replications);
        Assert.Equal(named.FileSystemId, replication.Destination.FileSystemId);
        Assert.Contains(cloud.Deletes, d => d == (East, SeedCluster.PrimaryId, DeletionMode.LocalConfigurationOnly));
        Assert.Equal(["subnet-0123456789abcdef1", "subnet-0123456789abcdef2"], cloud.MountTargets.Where(m => m.FileSystemId == named.FileSystemId).Select(m => m.SubnetId).Order());
        var summary = ReprotectService.Summarize(state);
        Assert.Contains("DRTest-EFS1-diverged-1", summary.Kept, StringComparison.Ordinal);
        Assert.Contains(named.FileSystemId, summary.Replica, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateReplicationAsync_NameTag_ComesOnlyAfterTheReplication()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: false);

        await Run(cloud, "run-1");

        var create = cloud.Writes.FindIndex(w => w.StartsWith("create-replication", StringComparison.Ordinal));
        var named = cloud.Writes.FindIndex(w => w.StartsWith("tag fs-c", StringComparison.Ordinal) && w.Split(' ')[2].Split(',').Contains("Name=DRTest-EFS1"));
        Assert.True(create >= 0 && named > create, string.Join(" | ", cloud.Writes));
    }

    [Fact]
    public async Task Steps_OverwriteDiverged_SetProtectionDisabledThenReplicateIntoTheExPrimary()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: false);

        await Run(cloud, "run-1", overwrite: true);

        var protection = cloud.Writes.IndexOf($"protection {SeedCluster.PrimaryId} Disabled");
        var create = cloud.Writes.FindIndex(w => w.StartsWith("create-replication", StringComparison.Ordinal));
        Assert.True(protection >= 0 && create > protection);
        Assert.Equal(SeedCluster.PrimaryId, Assert.Single(cloud.Replications).Destination.FileSystemId);
        Assert.DoesNotContain(cloud.FileSystemsById.Values, f => f.Name?.Contains("diverged", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task CheckSyncAsync_SyncOlderThanThePlan_IsNotDone()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: true);
        var state = await Run(cloud, "run-1", stopAfter: 7);
        cloud.CompleteSync(SeedCluster.ReplicaId, Now.AddSeconds(-1));

        state = await new ReprotectService(cloud, cloud, _time).CheckSyncAsync(state, Ct);

        Assert.False(state.Sync!.Done);
        Assert.Equal("ENABLED", state.Sync.Status);
    }

    [Fact]
    public async Task CheckSyncAsync_BudgetSpent_ThrowsReprotectTimeout()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: true);
        var service = new ReprotectService(cloud, cloud, _time);
        var state = await Run(cloud, "run-1", stopAfter: 7);
        state = await service.CheckSyncAsync(state, Ct);
        _time.Advance(TimeSpan.FromSeconds(state.Plan.SyncBudgetSeconds + 1));

        await Assert.ThrowsAsync<ReprotectTimeoutException>(() => service.CheckSyncAsync(state, Ct));
    }

    [Fact]
    public async Task CheckSyncAsync_ReplicationInError_ThrowsReplicationFailed()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: true);
        var state = await Run(cloud, "run-1", stopAfter: 7);
        cloud.Replications[0] = cloud.Replications[0] with { Destinations = [cloud.Replications[0].Destination with { Status = ReplicationStatus.Error, StatusMessage = "KMS key disabled" }] };

        var ex = await Assert.ThrowsAsync<ReplicationFailedException>(() => new ReprotectService(cloud, cloud, _time).CheckSyncAsync(state, Ct));

        Assert.Contains("KMS key disabled", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CleanUpOrphanAsync_AlreadyGone_CountsAsDone()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: false, orphaned: true);
        var plan = await new ReprotectPlanner(ReprotectWorld.Configuration(), cloud, cloud, _time).PlanAsync(new ReprotectRequest(), "run-1", Ct);
        cloud.Replications.Clear();

        var state = await new ReprotectService(cloud, cloud, _time).CleanUpOrphanAsync(new ReprotectState { Plan = plan }, Ct);

        Assert.Contains("already gone", state.OrphanCleanup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Steps_OverwriteDivergedWhileTheOrphanIsStillDeleting_WaitsUntilItIsGoneThenReplicatesIntoTheExPrimary()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: false, orphaned: true);
        cloud.OrphanDeletionChecks = 3;

        var state = await Run(cloud, "run-1", overwrite: true);

        Assert.Equal(ReprotectAction.IntoExPrimary, state.Plan.Action);
        Assert.Equal((5, true, "GONE"), (state.OrphanDeletion!.Checks, state.OrphanDeletion.Done, state.OrphanDeletion.Status));
        var replication = Assert.Single(cloud.Replications);
        Assert.Equal((SeedCluster.ReplicaId, SeedCluster.PrimaryId, ReplicationStatus.Enabled), (replication.SourceFileSystemId, replication.Destination.FileSystemId, replication.Destination.Status));
        Assert.True(state.Sync!.Done);
    }

    [Fact]
    public async Task CheckOrphanDeletionAsync_OneAnswerWithoutTheOrphan_IsNotDoneUntilTheSecond()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: false, orphaned: true);
        cloud.OrphanDeletionChecks = 1;
        var service = new ReprotectService(cloud, cloud, _time);
        var plan = await new ReprotectPlanner(ReprotectWorld.Configuration(), cloud, cloud, _time).PlanAsync(new ReprotectRequest(), "run-1", Ct);
        var state = await service.CleanUpOrphanAsync(new ReprotectState { Plan = plan }, Ct);
        Assert.Equal(SeedCluster.PrimaryId, plan.OrphanedConfigurationSourceId);

        var deleting = await service.CheckOrphanDeletionAsync(state, Ct);
        var once = await service.CheckOrphanDeletionAsync(deleting, Ct);
        var twice = await service.CheckOrphanDeletionAsync(once, Ct);

        Assert.Equal(("DELETING", 0, false), (deleting.OrphanDeletion!.Status, deleting.OrphanDeletion.NotFoundCount, deleting.OrphanDeletion.Done));
        Assert.Equal(("GONE", 1, false), (once.OrphanDeletion!.Status, once.OrphanDeletion.NotFoundCount, once.OrphanDeletion.Done));
        Assert.Equal(("GONE", 2, true), (twice.OrphanDeletion!.Status, twice.OrphanDeletion.NotFoundCount, twice.OrphanDeletion.Done));
        Assert.Equal("orphaned configuration gone (3 checks)", ReprotectWorkflow.OrphanDeletionText(twice.OrphanDeletion));
    }

    [Fact]
    public async Task CheckOrphanDeletionAsync_BudgetSpent_ThrowsOrphanDeletionTimeout()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: false, orphaned: true);
        cloud.OrphanDeletionChecks = 100;
        var service = new ReprotectService(cloud, cloud, _time);
        var plan = await new ReprotectPlanner(ReprotectWorld.Configuration(), cloud, cloud, _time).PlanAsync(new ReprotectRequest(), "run-1", Ct);
        var state = await service.CheckOrphanDeletionAsync(await service.CleanUpOrphanAsync(new ReprotectState { Plan = plan }, Ct), Ct);
        _time.Advance(TimeSpan.FromSeconds(plan.OrphanDeletionBudgetSeconds + 1));

        var ex = await Assert.ThrowsAsync<OrphanDeletionTimeoutException>(() => service.CheckOrphanDeletionAsync(state, Ct));

        Assert.Equal(ReprotectWorld.Configuration().Budgets.PromotionSeconds, plan.OrphanDeletionBudgetSeconds);
        Assert.Contains("DELETING", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CleanUpOrphanAsync_NoOrphan_TheWaitIsDoneAtOnce()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: true);
        var plan = await new ReprotectPlanner(ReprotectWorld.Configuration(), cloud, cloud, _time).PlanAsync(new ReprotectRequest(), "run-1", Ct);

        var state = await new ReprotectService(cloud, cloud, _time).CleanUpOrphanAsync(new ReprotectState { Plan = plan }, Ct);

        Assert.Null(plan.OrphanedConfigurationSourceId);
        Assert.True(state.OrphanDeletion!.Done);
        Assert.Empty(cloud.Deletes);
    }

    [Fact]
    public async Task Run_CrashDuringTheOrphanWaitThenRerun_KeepsWaitingAndCompletes()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: false, orphaned: true);
        cloud.OrphanDeletionChecks = 4;
        var service = new ReprotectService(cloud, cloud, _time);
        var plan = await new ReprotectPlanner(ReprotectWorld.Configuration(), cloud, cloud, _time).PlanAsync(new ReprotectRequest { OverwriteDiverged = true }, "run-1", Ct);
        var crashed = await service.CheckOrphanDeletionAsync(await service.CleanUpOrphanAsync(new ReprotectState { Plan = plan }, Ct), Ct);
        Assert.False(crashed.OrphanDeletion!.Done);

        var state = await Run(cloud, "run-2", overwrite: true);

        Assert.Equal(SeedCluster.PrimaryId, state.Plan.OrphanedConfigurationSourceId);
        Assert.True(state.OrphanDeletion!.Done);
        var replication = Assert.Single(cloud.Replications);
        Assert.Equal((SeedCluster.ReplicaId, SeedCluster.PrimaryId, ReplicationStatus.Enabled), (replication.SourceFileSystemId, replication.Destination.FileSystemId, replication.Destination.Status));
        Assert.Equal(1, cloud.Writes.Count(w => w.StartsWith("create-replication", StringComparison.Ordinal)));
    }

    public static TheoryData<int, bool> CrashPoints()
    {
        var data = new TheoryData<int, bool>();
        for (var step = 1; step <= Steps.Length; step++)
        {
            data.Add(step, false);
            data.Add(step, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CrashPoints))]
    public async Task Run_CrashAfterAStepThenRerun_CompletesWithNothingLostOrDuplicated(int crashAfter, bool fenced)
    {
        var cloud = ReprotectWorld.AfterFailover(fenced, orphaned: !fenced);

        await Run(cloud, "run-1", stopAfter: crashAfter);
        var state = await Run(cloud, "run-2");

        var named = Assert.Single(cloud.FileSystemsById.Values, f => f.Region == East && f.Name == Name);
        Assert.Equal(OverwriteProtection.Replicating, named.Protection);
        Assert.Equal(ReprotectTags.Replica, named.Tags[EfsDrTags.Role]);
        var replication = Assert.Single(cloud.Replications);
        Assert.Equal((SeedCluster.ReplicaId, named.FileSystemId), (replication.SourceFileSystemId, replication.Destination.FileSystemId));
        Assert.Equal(ReplicationStatus.Enabled, replication.Destination.Status);
        Assert.True(state.Plan.Action == ReprotectAction.AlreadyProtected || state.Sync!.Done);
        Assert.True(cloud.FileSystemsById.ContainsKey(SeedCluster.PrimaryId), "the ex-primary is never deleted");
        Assert.Equal(fenced ? 0 : 1, cloud.Writes.Count(w => w.StartsWith("create-file-system", StringComparison.Ordinal)));
        Assert.Equal(1, cloud.Writes.Count(w => w.StartsWith("create-replication", StringComparison.Ordinal)));
        if (!fenced)
        {
            Assert.Equal("DRTest-EFS1-diverged-1", cloud.FileSystemsById[SeedCluster.PrimaryId].Name);
            Assert.Equal(2, cloud.MountTargets.Count(m => m.FileSystemId == named.FileSystemId));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Run_ThenHealthCheck_AgreesWhoIsPrimaryAndWhoIsReplica(bool fenced)
    {
        var cloud = ReprotectWorld.AfterFailover(fenced, orphaned: !fenced);
        cloud.Records["drtest.example.com"] = new DnsRecord("drtest.example.com.", "A", 300, ["10.70.110.10"]);

        var state = await Run(cloud, "run-1");
        for (var i = 0; i < cloud.MountTargets.Count; i++)
        {
            cloud.MountTargets[i] = cloud.MountTargets[i] with { LifeCycleState = "available" };
        }

        var report = await new EfsDr.Core.Health.HealthChecker(ReprotectWorld.Configuration(), cloud, cloud, cloud, cloud, cloud, _time)
            .CheckAsync(Ct);

        Assert.Equal(SeedCluster.ReplicaId, report.PrimaryFileSystemId);
        Assert.Equal(state.ReplicaFileSystemId, report.ReplicaFileSystemId);
        Assert.Equal("ENABLED", report.ReplicationStatus);
        Assert.True(report.ReplicationHealthy, string.Join(" | ", report.Findings.Select(f => $"{f.Severity} {f.Id}: {f.Message}")));
        Assert.DoesNotContain(report.Findings, f => f.Severity == EfsDr.Core.Health.FindingSeverity.Critical);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Run_ThenFailoverPlanBack_PromotesTheNewReplicaWithTheNextEpoch(bool fenced)
    {
        var cloud = ReprotectWorld.AfterFailover(fenced, orphaned: !fenced);
        var state = await Run(cloud, "run-1");
        for (var i = 0; i < cloud.MountTargets.Count; i++)
        {
            cloud.MountTargets[i] = cloud.MountTargets[i] with { LifeCycleState = "available" };
        }

        var plan = await new FailoverPlanner(ReprotectWorld.Configuration(), cloud, cloud, cloud, cloud, _time)
            .PlanAsync(new FailoverRequest { TargetServer = "server1", DryRun = true }, "run-back", Ct);

        Assert.Equal(PlanAction.Promote, plan.Action);
        Assert.Equal(state.ReplicaFileSystemId, plan.FileSystemId);
        Assert.Equal(SeedCluster.ReplicaId, plan.SourceFileSystemId);
        Assert.Equal(2, plan.NextEpoch);
    }
}
