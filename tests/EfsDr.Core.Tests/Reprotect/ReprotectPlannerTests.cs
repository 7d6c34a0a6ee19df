using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Core.Reprotect;
using EfsDr.Testing.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Core.Tests.Reprotect;

/// <summary>Issue 10: the reprotect plan for every starting state; planning changes nothing.</summary>
public sealed class ReprotectPlannerTests
{
    private const string West = ReprotectWorld.West;
    private const string East = ReprotectWorld.East;
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);

    private Task<ReprotectPlan> Plan(InMemoryCloud cloud, bool overwrite = false, EfsDr.Core.Configuration.ClusterConfiguration? configuration = null) =>
        new ReprotectPlanner(configuration ?? ReprotectWorld.Configuration(), cloud, cloud, _time)
            .PlanAsync(new ReprotectRequest { DryRun = true, OverwriteDiverged = overwrite }, "run-r1", TestContext.Current.CancellationToken);

    [Fact]
    public async Task PlanAsync_FencedExPrimary_ReplicatesIntoItByDifferences()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: true);

        var plan = await Plan(cloud);

        Assert.Equal(ReprotectAction.IntoExPrimary, plan.Action);
        Assert.True(plan.ExPrimaryFenced);
        Assert.Equal(SeedCluster.ReplicaId, plan.PrimaryFileSystemId);
        Assert.Equal(West, plan.PrimaryRegion);
        Assert.Equal(East, plan.ReplicaRegion);
        Assert.Equal(1, plan.Epoch);
        Assert.Equal(SeedCluster.PrimaryId, plan.ReplicaFileSystemId);
        Assert.Null(plan.KeptFileSystemId);
        Assert.Null(plan.OrphanedConfigurationSourceId);
        Assert.Contains("fenced at failover time", plan.Decision, StringComparison.Ordinal);
        Assert.Empty(cloud.Writes);
    }

    [Fact]
    public async Task PlanAsync_UnfencedExPrimary_KeepsItDivergedAndPlansANewFileSystem()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: false);

        var plan = await Plan(cloud);

        Assert.Equal(ReprotectAction.IntoNewFileSystem, plan.Action);
        Assert.False(plan.ExPrimaryFenced);
        Assert.Equal(SeedCluster.PrimaryId, plan.KeptFileSystemId);
        Assert.Equal("DRTest-EFS1-diverged-1", plan.DivergedName);
        Assert.Equal(ReprotectPlanner.CreationTokenOf(SeedCluster.ReplicaId, 1), plan.CreationToken);
        Assert.Equal(["subnet-0123456789abcdef1", "subnet-0123456789abcdef2"], plan.MountTargets.Select(m => m.SubnetId));
        Assert.Null(plan.ReplicaFileSystemId);
        Assert.Contains("NOT fenced", plan.Decision, StringComparison.Ordinal);
        Assert.Contains("kept", plan.Decision, StringComparison.Ordinal);
        Assert.Empty(cloud.Writes);
    }

    [Fact]
    public async Task PlanAsync_FencedTagsButWritable_CountsAsUnfenced()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: true);
        cloud.FileSystemsById[SeedCluster.PrimaryId] = cloud.FileSystemsById[SeedCluster.PrimaryId] with { Protection = OverwriteProtection.Enabled };

        var plan = await Plan(cloud);

        Assert.Equal(ReprotectAction.IntoNewFileSystem, plan.Action);
        Assert.Contains("writes were possible", plan.Decision, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanAsync_ExPrimaryFencedLaterByEfsdrFence_KeepsItDivergedAndPlansANewFileSystem()
    {
        // After an outage: the failover could not fence the ex-primary, a zombie node wrote to it, then the operator ran
        // efsdr fence. Read-only and tagged fenced now, but not by the run that promoted the primary.
        var cloud = ReprotectWorld.AfterFailover(fenced: true);
        ReprotectWorld.Tag(cloud, East, SeedCluster.PrimaryId, new() { [EfsDrTags.FencedBy] = "efsdr-fence-20261202T120000Z", [EfsDrTags.FencedAt] = "2026-12-02T12:00:00.0000000+00:00" });
        cloud.Writes.Clear();

        var plan = await Plan(cloud);

        Assert.Equal(ReprotectAction.IntoNewFileSystem, plan.Action);
        Assert.False(plan.ExPrimaryFenced);
        Assert.Equal(SeedCluster.PrimaryId, plan.KeptFileSystemId);
        Assert.Equal("DRTest-EFS1-diverged-1", plan.DivergedName);
        Assert.Null(plan.ReplicaFileSystemId);
        Assert.Contains("fenced by efsdr-fence-20261202T120000Z", plan.Decision, StringComparison.Ordinal);
        Assert.Contains(ReprotectWorld.FailoverRun, plan.Decision, StringComparison.Ordinal);
        Assert.Empty(cloud.Writes);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("2")]
    public async Task PlanAsync_FencedForAnotherEpoch_KeepsItDiverged(string fencedEpoch)
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: true);
        ReprotectWorld.Tag(cloud, East, SeedCluster.PrimaryId, new() { [EfsDrTags.FencedEpoch] = fencedEpoch });

        var plan = await Plan(cloud);

        Assert.Equal(ReprotectAction.IntoNewFileSystem, plan.Action);
        Assert.Equal(SeedCluster.PrimaryId, plan.KeptFileSystemId);
    }

    [Fact]
    public async Task PlanAsync_PrimaryWithoutRunTag_CannotProveTheFenceAndKeepsTheExPrimaryDiverged()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: true);
        cloud.FileSystemsById[SeedCluster.ReplicaId] = cloud.FileSystemsById[SeedCluster.ReplicaId] with
        {
            Tags = cloud.FileSystemsById[SeedCluster.ReplicaId].Tags.Where(t => t.Key != EfsDrTags.Run).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal),
        };

        var plan = await Plan(cloud);

        Assert.Equal(ReprotectAction.IntoNewFileSystem, plan.Action);
        Assert.Contains("an unknown run", plan.Decision, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanAsync_UnfencedWithOverwriteDiverged_ReplicatesIntoItAndSaysWhatIsOverwritten()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: false);

        var plan = await Plan(cloud, overwrite: true);

        Assert.Equal(ReprotectAction.IntoExPrimary, plan.Action);
        Assert.False(plan.ExPrimaryFenced);
        Assert.Equal(SeedCluster.PrimaryId, plan.ReplicaFileSystemId);
        Assert.Contains("overwritten", plan.Overwrites, StringComparison.Ordinal);
        Assert.NotEmpty(plan.Warnings);
    }

    [Fact]
    public async Task PlanAsync_OrphanedConfigurationInExPrimaryRegion_PlansItsCleanup()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: false, orphaned: true);

        var plan = await Plan(cloud);

        Assert.Equal(SeedCluster.PrimaryId, plan.OrphanedConfigurationSourceId);
        Assert.Equal(ReprotectAction.IntoNewFileSystem, plan.Action);
        Assert.Contains("orphaned replication configuration", plan.Decision, StringComparison.Ordinal);
        Assert.Empty(cloud.Writes);
    }

    [Fact]
    public async Task PlanAsync_AlreadyReplicatingToATaggedSyncedReplica_IsAlreadyProtected()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: true);
        cloud.FileSystemsById[SeedCluster.PrimaryId] = cloud.FileSystemsById[SeedCluster.PrimaryId] with { Protection = OverwriteProtection.Replicating };
        ReprotectWorld.Tag(cloud, East, SeedCluster.PrimaryId, new() { [EfsDrTags.Role] = ReprotectTags.Replica, [EfsDrTags.Epoch] = "1" });
        cloud.Replicate(West, SeedCluster.ReplicaId, East, SeedCluster.PrimaryId, ReplicationStatus.Enabled, Now.AddMinutes(-3));
        cloud.Writes.Clear();

        var plan = await Plan(cloud);

        Assert.Equal(ReprotectAction.AlreadyProtected, plan.Action);
        Assert.True(plan.ReplicationExists);
        Assert.Contains("nothing to do", plan.Decision, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, ReprotectAction.IntoNewFileSystem)]
    [InlineData(1, ReprotectAction.IntoNewFileSystem)]
    [InlineData(2, ReprotectAction.AlreadyProtected)]
    public async Task PlanAsync_NewReplicaSyncedAndTagged_IsProtectedOnlyWithAMountTargetInEveryConfiguredSubnet(int mountTargets, ReprotectAction expected)
    {
        // A run that crashed after TagReplica: the new file system replicates, is synced and carries the Name, but
        // CreateMountTargets never ran; a failover to its region would find no mount target.
        var cloud = ReprotectWorld.AfterFailover(fenced: false);
        ReprotectWorld.Tag(cloud, East, SeedCluster.PrimaryId, new() { ["Name"] = "DRTest-EFS1-diverged-1", [EfsDrTags.Role] = ReprotectTags.Diverged });
        cloud.FileSystemsById[SeedCluster.PrimaryId] = cloud.FileSystemsById[SeedCluster.PrimaryId] with { Name = "DRTest-EFS1-diverged-1" };
        var created = await cloud.CreateFileSystemAsync(East, new(ReprotectPlanner.CreationTokenOf(SeedCluster.ReplicaId, 1), true, new Dictionary<string, string>()), TestContext.Current.CancellationToken);
        cloud.FileSystemsById[created.FileSystemId] = created with { Protection = OverwriteProtection.Replicating, LifeCycleState = "available" };
        ReprotectWorld.Tag(cloud, East, created.FileSystemId, new() { ["Name"] = "DRTest-EFS1", [EfsDrTags.Role] = ReprotectTags.Replica, [EfsDrTags.Epoch] = "1" });
        cloud.FileSystemsById[created.FileSystemId] = cloud.FileSystemsById[created.FileSystemId] with { Name = "DRTest-EFS1" };
        cloud.Replicate(West, SeedCluster.ReplicaId, East, created.FileSystemId, ReplicationStatus.Enabled, Now.AddMinutes(-1));
        foreach (var subnet in new[] { "subnet-0123456789abcdef1", "subnet-0123456789abcdef2" }.Take(mountTargets))
        {
            await cloud.CreateMountTargetAsync(East, new(created.FileSystemId, subnet, []), TestContext.Current.CancellationToken);
        }

        cloud.Writes.Clear();

        var plan = await Plan(cloud);

        Assert.Equal(expected, plan.Action);
        Assert.Equal(created.FileSystemId, plan.ReplicaFileSystemId);
        if (expected == ReprotectAction.IntoNewFileSystem)
        {
            Assert.Equal(SeedCluster.PrimaryId, plan.KeptFileSystemId);
            Assert.Contains("its mount targets (none yet in ", plan.Decision, StringComparison.Ordinal);
            Assert.Contains("subnet-0123456789abcdef2)", plan.Decision, StringComparison.Ordinal);
        }

        Assert.Empty(cloud.Writes);
    }

    [Fact]
    public async Task PlanAsync_ReplicationCreatedButNotYetSynced_FinishesIntoTheSameReplica()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: true);
        cloud.FileSystemsById[SeedCluster.PrimaryId] = cloud.FileSystemsById[SeedCluster.PrimaryId] with { Protection = OverwriteProtection.Replicating };
        cloud.Replicate(West, SeedCluster.ReplicaId, East, SeedCluster.PrimaryId, ReplicationStatus.Enabling, null);

        var plan = await Plan(cloud);

        Assert.Equal(ReprotectAction.IntoExPrimary, plan.Action);
        Assert.True(plan.ReplicationExists);
        Assert.Equal(SeedCluster.PrimaryId, plan.ReplicaFileSystemId);
    }

    [Fact]
    public async Task PlanAsync_ExPrimaryAlreadyRenamedByAnEarlierRun_StillKeepsItAndPlansANewFileSystem()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: false);
        ReprotectWorld.Tag(cloud, East, SeedCluster.PrimaryId, new() { ["Name"] = "DRTest-EFS1-diverged-1" });
        cloud.FileSystemsById[SeedCluster.PrimaryId] = cloud.FileSystemsById[SeedCluster.PrimaryId] with { Name = "DRTest-EFS1-diverged-1" };

        var plan = await Plan(cloud);

        Assert.Equal(ReprotectAction.IntoNewFileSystem, plan.Action);
        Assert.Equal(SeedCluster.PrimaryId, plan.KeptFileSystemId);
        Assert.Contains("already kept", plan.Decision, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanAsync_NewFileSystemWithoutMountTargetsConfigured_RefusesNamingTheField()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: false);

        var ex = await Assert.ThrowsAsync<InvalidConfigurationException>(() => Plan(cloud, configuration: SeedCluster.Configuration()));

        Assert.Equal("mountTargets", Assert.Single(ex.Errors).Field);
    }

    [Fact]
    public async Task PlanAsync_NameTooLongForTheDivergedName_RefusesNamingTheField()
    {
        var name = new string('n', 250);
        var cloud = ReprotectWorld.AfterFailover(fenced: false);
        foreach (var id in new[] { SeedCluster.PrimaryId, SeedCluster.ReplicaId })
        {
            ReprotectWorld.Tag(cloud, cloud.FileSystemsById[id].Region, id, new() { ["Name"] = name });
        }

        var configuration = ReprotectWorld.Configuration();
        configuration.FileSystem.Name = name;
        cloud.Writes.Clear();

        var ex = await Assert.ThrowsAsync<InvalidConfigurationException>(() => Plan(cloud, configuration: configuration));

        Assert.Equal("fileSystem.name", Assert.Single(ex.Errors).Field);
        Assert.Empty(cloud.Writes);
    }

    [Fact]
    public async Task PlanAsync_NoCopyLeftInTheOtherRegion_PlansANewFileSystemKeepingNothing()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: true);
        cloud.FileSystemsById.Remove(SeedCluster.PrimaryId);

        var plan = await Plan(cloud);

        Assert.Equal(ReprotectAction.IntoNewFileSystem, plan.Action);
        Assert.Null(plan.KeptFileSystemId);
        Assert.Null(plan.DivergedName);
        Assert.Contains("no copy named", plan.Decision, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanAsync_RegionUnreadable_RefusesEpochsUnverified()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: true);
        cloud.UnreachableRegions.Add(East);

        var ex = await Assert.ThrowsAsync<EpochsUnverifiedException>(() => Plan(cloud));

        Assert.Contains(East, ex.Message, StringComparison.Ordinal);
        Assert.Empty(cloud.Writes);
    }

    [Fact]
    public async Task PlanAsync_ReadOnlyCopyWithHigherEpoch_RefusesStale()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: true);
        ReprotectWorld.Tag(cloud, East, SeedCluster.PrimaryId, new() { [EfsDrTags.Epoch] = "2" });

        await Assert.ThrowsAsync<StaleFileSystemException>(() => Plan(cloud));
    }

    [Fact]
    public async Task PlanAsync_TwoWritableCopiesWithTheSameEpoch_RefusesPrimaryUnknown()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: false);
        ReprotectWorld.Tag(cloud, East, SeedCluster.PrimaryId, new() { [EfsDrTags.Epoch] = "1" });

        await Assert.ThrowsAsync<PrimaryUnknownException>(() => Plan(cloud));
    }

    [Fact]
    public async Task PlanAsync_NoWritableCopy_RefusesPrimaryUnknown()
    {
        // Before any failover completes: the west copy is still a replica and the east copy is fenced.
        var cloud = ReprotectWorld.AfterFailover(fenced: true);
        cloud.FileSystemsById[SeedCluster.ReplicaId] = cloud.FileSystemsById[SeedCluster.ReplicaId] with { Protection = OverwriteProtection.Disabled };

        await Assert.ThrowsAsync<PrimaryUnknownException>(() => Plan(cloud));
    }

    [Fact]
    public async Task PlanAsync_ExPrimaryIsAReplicaOfAnotherFileSystem_RefusesConflict()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: true);
        cloud.AddFileSystem(East, "fs-0ccccccccccccccc3", "other");
        cloud.Replicate(East, "fs-0ccccccccccccccc3", East, SeedCluster.PrimaryId, ReplicationStatus.Enabled, Now);

        await Assert.ThrowsAsync<ReplicationConflictException>(() => Plan(cloud));
    }

    [Fact]
    public void CreationTokenOf_LongId_FitsEfsLimitAndIsStable()
    {
        var token = ReprotectPlanner.CreationTokenOf("fs-" + new string('a', 40), 12);

        Assert.True(token.Length <= 64);
        Assert.Equal(token, ReprotectPlanner.CreationTokenOf("fs-" + new string('a', 40), 12));
    }
}
