using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Testing.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Core.Tests.Failover;

public sealed class FailoverPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);
    private readonly InMemoryCloud _cloud = SeedCluster.Cloud(Now.AddSeconds(-412));

    private FailoverPlanner Planner() => new(SeedCluster.Configuration(), _cloud, _cloud, _cloud, _cloud, _time);

    private Task<FailoverPlan> Plan(string target, bool dryRun = false, bool sourceDown = false, bool accept = false) =>
        Planner().PlanAsync(new FailoverRequest { TargetServer = target, DryRun = dryRun, SourceRegionUnavailable = sourceDown, AcceptUnverifiedEpochs = accept }, "run-1", TestContext.Current.CancellationToken);

    private Task Tag(string region, string id, string role, long epoch) =>
        _cloud.TagAsync(region, id, new Dictionary<string, string> { [EfsDrTags.Role] = role, [EfsDrTags.Epoch] = epoch.ToString(System.Globalization.CultureInfo.InvariantCulture) }, TestContext.Current.CancellationToken);

    /// <summary>The state after a failover to server3 with us-east-1 down (LOCAL_CONFIGURATION_ONLY), once us-east-1 is back:
    /// us-east-1 still lists its side of the replication; the us-west-2 copy is writable, epoch 1.</summary>
    private async Task AfterRegionOutageFailover(bool tagPromoted = true)
    {
        _cloud.OrphanAtSource(SeedCluster.PrimaryId);
        if (tagPromoted)
        {
            await Tag("us-west-2", SeedCluster.ReplicaId, EfsDrTags.Primary, 1);
        }

        _cloud.Writes.Clear();
    }

    [Fact]
    public async Task PlanAsync_SourceWithOrphanedConfigurationAndNewerCopy_RefusesStaleNamingBothEpochs()
    {
        await AfterRegionOutageFailover();

        var ex = await Assert.ThrowsAsync<StaleFileSystemException>(() => Plan("server1"));

        Assert.Contains(SeedCluster.PrimaryId, ex.Message, StringComparison.Ordinal);
        Assert.Contains(SeedCluster.ReplicaId, ex.Message, StringComparison.Ordinal);
        Assert.Contains("epoch 0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("epoch 1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("reprotect", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task PlanAsync_SourceWhoseDestinationWasPromotedByHand_RefusesOrphan()
    {
        // Promoted outside EfsDr: no epoch tag, but writable and no longer replicating.
        await AfterRegionOutageFailover(tagPromoted: false);

        var ex = await Assert.ThrowsAsync<StaleFileSystemException>(() => Plan("server2"));

        Assert.Contains("orphan", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ENABLED", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task PlanAsync_SourceWhoseDestinationIsGone_Refuses()
    {
        _cloud.FileSystemsById.Remove(SeedCluster.ReplicaId);

        var ex = await Assert.ThrowsAsync<StaleFileSystemException>(() => Plan("server1"));

        Assert.Contains("no longer exists", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanAsync_SourceWithDestinationRegionUnreadable_RefusesUnlessAccepted()
    {
        _cloud.UnreachableRegions.Add("us-west-2");

        var ex = await Assert.ThrowsAsync<EpochsUnverifiedException>(() => Plan("server2"));
        Assert.Contains("us-west-2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--accept-unverified-epochs", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Writes);

        var plan = await Plan("server2", accept: true);
        Assert.Equal(PlanAction.None, plan.Action);
        Assert.Contains(plan.UnreadableRegions, u => u.StartsWith("us-west-2:", StringComparison.Ordinal));
        Assert.Contains(plan.AcceptedRisks, r => r.Contains("abandoned", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PlanAsync_StandalonePromotedWithOtherRegionUnreadable_RefusesUnlessAccepted()
    {
        _cloud.CompleteDeletion(SeedCluster.PrimaryId);
        await Tag("us-west-2", SeedCluster.ReplicaId, EfsDrTags.Primary, 1);
        _cloud.UnreachableRegions.Add("us-east-1");

        await Assert.ThrowsAsync<EpochsUnverifiedException>(() => Plan("server3"));
        var plan = await Plan("server3", accept: true);

        Assert.Equal(PlanAction.None, plan.Action);
        Assert.NotEmpty(plan.AcceptedRisks);
    }

    [Fact]
    public async Task PlanAsync_ReadOnlyFencedCopy_RefusesToMountIt()
    {
        await AfterRegionOutageFailover();
        _cloud.Replications.Clear();
        await _cloud.UpdateProtectionAsync("us-east-1", SeedCluster.PrimaryId, OverwriteProtection.Disabled, TestContext.Current.CancellationToken);

        var ex = await Assert.ThrowsAsync<StaleFileSystemException>(() => Plan("server1"));

        Assert.Contains("read-only", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanAsync_ReplicaOfNewerSource_PromotesWithTheSourcesEpoch()
    {
        // After failover to us-west-2 (epoch 1) and a reprotect back, us-east-1 is a replica of the epoch-1 copy.
        _cloud.Replications.Clear();
        await Tag("us-west-2", SeedCluster.ReplicaId, EfsDrTags.Primary, 1);
        _cloud.FileSystemsById[SeedCluster.PrimaryId] = _cloud.FileSystemsById[SeedCluster.PrimaryId] with { Protection = OverwriteProtection.Replicating };
        _cloud.FileSystemsById[SeedCluster.ReplicaId] = _cloud.FileSystemsById[SeedCluster.ReplicaId] with { Protection = OverwriteProtection.Enabled };
        _cloud.Replicate("us-west-2", SeedCluster.ReplicaId, "us-east-1", SeedCluster.PrimaryId, ReplicationStatus.Enabled, Now.AddSeconds(-5));

        var plan = await Plan("server1");

        Assert.Equal(PlanAction.Promote, plan.Action);
        Assert.Equal(2, plan.NextEpoch);
    }

    [Fact]
    public async Task PlanAsync_ReplicaWhileAThirdCopyIsNewer_RefusesStale()
    {
        await Tag("us-west-2", SeedCluster.ReplicaId, EfsDrTags.Primary, 0);
        _cloud.AddFileSystem("us-east-1", "fs-0eeeeeeeeeeeeeee5", "DRTest-EFS1", tags: new Dictionary<string, string> { [EfsDrTags.Epoch] = "3" });

        await Assert.ThrowsAsync<StaleFileSystemException>(() => Plan("server3"));
    }

    [Fact]
    public async Task PlanAsync_ReplicaWithSourceRegionUnreadable_PromotesLocalOnlyAndSaysSo()
    {
        _cloud.UnreachableRegions.Add("us-east-1");

        var plan = await Plan("server3");

        Assert.Equal(PlanAction.Promote, plan.Action);
        Assert.True(plan.LocalConfigurationOnly);
        Assert.Contains(plan.UnreadableRegions, u => u.StartsWith("us-east-1:", StringComparison.Ordinal));
        Assert.Empty(plan.AcceptedRisks);
    }

    [Fact]
    public async Task PlanAsync_TargetInDrRegion_PromotesReplicaWithSourceIdAndDataLossWindow()
    {
        var plan = await Plan("server3");

        Assert.Equal(PlanAction.Promote, plan.Action);
        Assert.Equal(SeedCluster.ReplicaId, plan.FileSystemId);
        Assert.Equal(SeedCluster.PrimaryId, plan.SourceFileSystemId);
        Assert.Equal("us-east-1", plan.SourceRegion);
        Assert.Equal("us-west-2", plan.TargetRegion);
        Assert.Equal("us-west-2a", plan.TargetAvailabilityZone);
        Assert.Equal(412, plan.DataLossWindowSeconds);
        Assert.False(plan.LocalConfigurationOnly);
        Assert.Equal(1, plan.NextEpoch);
        Assert.Equal(3, plan.Preflight.Count);
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task PlanAsync_MixedCaseRecordName_PlansTheDnsServicesStoredForm()
    {
        var configuration = SeedCluster.Configuration();
        configuration.Dns.RecordName = "Drtest.Example.com";
        var planner = new FailoverPlanner(configuration, _cloud, _cloud, _cloud, _cloud, _time);

        var plan = await planner.PlanAsync(new FailoverRequest { TargetServer = "server3" }, "run-1", TestContext.Current.CancellationToken);

        Assert.Equal("drtest.example.com.", plan.Dns.RecordName);
        Assert.Equal("Drtest.Example.com", configuration.Dns.RecordName);
    }

    [Fact]
    public async Task PlanAsync_SameRegionTarget_KeepsReplication()
    {
        var plan = await Plan("server2");

        Assert.Equal(PlanAction.None, plan.Action);
        Assert.Equal(SeedCluster.PrimaryId, plan.FileSystemId);
        Assert.Equal(0, plan.DataLossWindowSeconds);
        Assert.Contains("replication source", plan.Decision, StringComparison.Ordinal);
        Assert.Null(plan.SourceFileSystemId);
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task PlanAsync_SourceRegionUnavailable_UsesLocalConfigurationOnly()
    {
        var plan = await Plan("server3", sourceDown: true);

        Assert.True(plan.LocalConfigurationOnly);
    }

    [Fact]
    public async Task PlanAsync_PrefixLookAlikes_MatchOnlyTheExactName()
    {
        _cloud.AddFileSystem("us-west-2", "fs-0ccccccccccccccc3", "DRTest-EFS1-old");
        _cloud.AddFileSystem("us-west-2", "fs-0ddddddddddddddd4", "DRTest-EFS10");

        var plan = await Plan("server3");

        Assert.Equal(SeedCluster.ReplicaId, plan.FileSystemId);
    }

    [Fact]
    public async Task PlanAsync_OnlyOldNameInRegion_ThrowsNotFound()
    {
        _cloud.FileSystemsById.Remove(SeedCluster.ReplicaId);
        _cloud.AddFileSystem("us-west-2", "fs-0ccccccccccccccc3", "DRTest-EFS1-old");

        var ex = await Assert.ThrowsAsync<FileSystemNameNotFoundException>(() => Plan("server3"));

        Assert.Contains("'DRTest-EFS1'", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task PlanAsync_TwoWithExactName_ThrowsAmbiguous()
    {
        _cloud.AddFileSystem("us-west-2", "fs-0ccccccccccccccc3", "DRTest-EFS1");

        var ex = await Assert.ThrowsAsync<AmbiguousFileSystemNameException>(() => Plan("server3"));

        Assert.Contains("fs-0ccccccccccccccc3", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task PlanAsync_StandaloneNotPromotedByEfsDr_RefusesStaleExPrimary()
    {
        // After a cross-region failover the old primary is standalone and untagged.
        _cloud.Replications.Clear();

        var ex = await Assert.ThrowsAsync<StaleFileSystemException>(() => Plan("server1"));

        Assert.Contains(SeedCluster.PrimaryId, ex.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task PlanAsync_StandalonePromotedByEfsDr_IsAcceptedOnReRun()
    {
        _cloud.CompleteDeletion(SeedCluster.PrimaryId);
        await _cloud.TagAsync("us-west-2", SeedCluster.ReplicaId, new Dictionary<string, string> { [EfsDrTags.Role] = EfsDrTags.Primary, [EfsDrTags.Epoch] = "1" }, TestContext.Current.CancellationToken);
        _cloud.Writes.Clear();

        var plan = await Plan("server3");

        Assert.Equal(PlanAction.None, plan.Action);
        Assert.Equal(SeedCluster.ReplicaId, plan.FileSystemId);
        Assert.Equal(2, plan.NextEpoch);
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task PlanAsync_StandaloneWithLowerEpochThanOtherRegion_RefusesStale()
    {
        _cloud.Replications.Clear();
        await _cloud.TagAsync("us-east-1", SeedCluster.PrimaryId, new Dictionary<string, string> { [EfsDrTags.Role] = EfsDrTags.Primary, [EfsDrTags.Epoch] = "1" }, TestContext.Current.CancellationToken);
        await _cloud.TagAsync("us-west-2", SeedCluster.ReplicaId, new Dictionary<string, string> { [EfsDrTags.Role] = EfsDrTags.Primary, [EfsDrTags.Epoch] = "2" }, TestContext.Current.CancellationToken);

        var ex = await Assert.ThrowsAsync<StaleFileSystemException>(() => Plan("server1"));

        Assert.Contains("epoch 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanAsync_OtherRegionUnreachable_PlansWithWarning()
    {
        _cloud.UnreachableRegions.Add("us-east-1");

        var plan = await Plan("server3", sourceDown: true);

        Assert.Equal(PlanAction.Promote, plan.Action);
        Assert.Contains(plan.Warnings, w => w.Contains("us-east-1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PlanAsync_ReplicaNeverSynced_Refuses()
    {
        _cloud.Replications.Clear();
        _cloud.Replicate("us-east-1", SeedCluster.PrimaryId, "us-west-2", SeedCluster.ReplicaId, ReplicationStatus.Enabling, null);

        await Assert.ThrowsAsync<ReplicaNotSyncedException>(() => Plan("server3"));
    }

    [Fact]
    public async Task PlanAsync_ReplicationInError_StillPromotesWithWarning()
    {
        _cloud.Replications.Clear();
        _cloud.Replicate("us-east-1", SeedCluster.PrimaryId, "us-west-2", SeedCluster.ReplicaId, ReplicationStatus.Error, Now.AddMinutes(-30), "source failed");

        var plan = await Plan("server3");

        Assert.Equal(PlanAction.Promote, plan.Action);
        Assert.Contains(plan.Warnings, w => w.Contains("source failed", StringComparison.Ordinal));
    }

    private Task<FailoverPlan> PlanPlanned(string target, bool sourceDown = false) =>
        Planner().PlanAsync(new FailoverRequest { TargetServer = target, Planned = true, SourceRegionUnavailable = sourceDown }, "run-1", TestContext.Current.CancellationToken);

    [Fact]
    public async Task PlanAsync_PlannedToEnabledReplica_RecordsPlannedPromotion()
    {
        var plan = await PlanPlanned("server3");

        Assert.True(plan.Planned);
        Assert.Equal(PlanAction.Promote, plan.Action);
        Assert.True(plan.FenceExPrimary);
        Assert.False(plan.LocalConfigurationOnly);
        Assert.False(plan.SourceRegionDown);
        Assert.Contains("\"planned\":true", EfsDrJson.SerializeRequest(new FailoverRequest { TargetServer = "server3", Planned = true }), StringComparison.Ordinal);
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task PlanAsync_UnplannedRequest_PlanIsNotPlanned() => Assert.False((await Plan("server3")).Planned);

    [Fact]
    public async Task PlanAsync_PlannedWithSourceRegionUnreadable_RefusesAndChangesNothing()
    {
        _cloud.UnreachableRegions.Add("us-east-1");

        var ex = await Assert.ThrowsAsync<PlannedFailoverSourceDownException>(() => PlanPlanned("server3"));

        Assert.Contains("us-east-1 does not answer", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task PlanAsync_PlannedWithSourceDeclaredDown_Refuses()
    {
        var ex = await Assert.ThrowsAsync<PlannedFailoverUnavailableException>(() => PlanPlanned("server3", sourceDown: true));

        Assert.Contains("unavailable", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanAsync_PlannedToTheSource_RefusesNotAReplica()
    {
        var ex = await Assert.ThrowsAsync<PlannedFailoverNotReplicaException>(() => PlanPlanned("server2"));

        Assert.Contains("not a replica", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Writes);
    }

    [Theory]
    [InlineData(ReplicationStatus.Error)]
    [InlineData(ReplicationStatus.Paused)]
    [InlineData(ReplicationStatus.Enabling)]
    public async Task PlanAsync_PlannedWithReplicationNotEnabled_Refuses(ReplicationStatus status)
    {
        _cloud.Replications.Clear();
        _cloud.Replicate("us-east-1", SeedCluster.PrimaryId, "us-west-2", SeedCluster.ReplicaId, status, Now.AddMinutes(-3), "status message");

        var ex = await Assert.ThrowsAsync<PlannedFailoverUnavailableException>(() => PlanPlanned("server3"));

        Assert.Contains("not ENABLED", ex.Message, StringComparison.Ordinal);
        Assert.Contains(status.ToString().ToUpperInvariant(), ex.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Writes);
    }

    [Theory]
    [InlineData(PingStatus.ConnectionLost)]
    [InlineData(PingStatus.NotRegistered)]
    [InlineData(PingStatus.Inactive)]
    public async Task PlanAsync_TargetNotOnline_RefusesBeforeAnyWrite(PingStatus ping)
    {
        _cloud.Ping["i-0123456789abcdef3"] = ping;

        var ex = await Assert.ThrowsAsync<TargetNodeOfflineException>(() => Plan("server3"));

        Assert.Contains(ping.ToString(), ex.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task PlanAsync_InstanceStopped_RefusesBeforeAnyWrite()
    {
        _cloud.Instances["i-0123456789abcdef3"] = _cloud.Instances["i-0123456789abcdef3"] with { State = "stopped" };

        await Assert.ThrowsAsync<TargetNodeOfflineException>(() => Plan("server3"));
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task PlanAsync_NoMountTargetInTargetAz_RefusesBeforeAnyWrite()
    {
        _cloud.MountTargets.RemoveAll(m => m.FileSystemId == SeedCluster.ReplicaId);
        _cloud.MountTargets.Add(new MountTarget("fsmt-2b", SeedCluster.ReplicaId, "subnet-c9", "available", null, "us-west-2b", null));

        var ex = await Assert.ThrowsAsync<MountTargetUnavailableException>(() => Plan("server3"));

        Assert.Contains("us-west-2a", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task PlanAsync_DryRunWithFailingPreflight_ReportsFailureWithoutThrowing()
    {
        _cloud.Ping["i-0123456789abcdef3"] = PingStatus.ConnectionLost;

        var plan = await Plan("server3", dryRun: true);

        Assert.True(plan.DryRun);
        Assert.Contains(plan.Preflight, p => p.StartsWith("FAILED", StringComparison.Ordinal) && p.Contains("ConnectionLost", StringComparison.Ordinal));
        Assert.Empty(_cloud.Writes);
    }

    public static TheoryData<string?, string?, string> BadInputs => new()
    {
        { null, null, "targetServer" },
        { "", null, "targetServer" },
        { "server9", null, "targetServer" },
        { "server3; rm -rf /", null, "targetServer" },
        { "server3", new string('x', 257), "reason" },
        { "server3", "line\nbreak", "reason" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task PlanAsync_BadInput_NamesFieldAndChangesNothing(string? target, string? reason, string field)
    {
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() =>
            Planner().PlanAsync(new FailoverRequest { TargetServer = target, Reason = reason }, "run-1", TestContext.Current.CancellationToken));

        Assert.Equal(field, Assert.Single(ex.Errors).Field);
        Assert.StartsWith("invalid input: " + field + ":", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Writes);
    }
}
