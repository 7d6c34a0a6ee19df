using EfsDr.Core.Configuration;
using EfsDr.Core.Failover;
using EfsDr.Core.Health;
using EfsDr.Core.Model;
using EfsDr.Testing.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Core.Tests.Health;

public sealed class HealthCheckerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);
    private readonly InMemoryCloud _cloud = SeedCluster.Cloud(Now.AddSeconds(-412));
    private readonly ClusterConfiguration _configuration = SeedCluster.Configuration();

    private Task<HealthReport> Check(HealthCheckOptions? options = null) =>
        new HealthChecker(_configuration, _cloud, _cloud, _cloud, _cloud, _cloud, _time, options).CheckAsync(TestContext.Current.CancellationToken);

    private static HealthFinding Single(HealthReport report, string id) => Assert.Single(report.Findings, f => f.Id == id);

    private void SetReplication(ReplicationStatus status, DateTimeOffset? lastSync, string? message = null)
    {
        _cloud.Replications.Clear();
        _cloud.Replicate("us-east-1", SeedCluster.PrimaryId, "us-west-2", SeedCluster.ReplicaId, status, lastSync, message);
    }

    [Fact]
    public async Task CheckAsync_SeededCluster_IsReadyWithOnlyInfoFindings()
    {
        var report = await Check();

        Assert.True(report.DrReady);
        Assert.True(report.ReplicationHealthy);
        Assert.False(report.HasCritical);
        Assert.Equal("ENABLED", report.ReplicationStatus);
        Assert.Equal(412, report.ReplicationLagSeconds);
        Assert.Equal(SeedCluster.PrimaryId, report.PrimaryFileSystemId);
        Assert.Equal(SeedCluster.ReplicaId, report.ReplicaFileSystemId);
        Assert.All(report.Findings, f => Assert.Equal(FindingSeverity.Info, f.Severity));
        Assert.Contains(report.Findings, f => f.Id == HealthFindingIds.ReplicationOk);
        Assert.Contains("server1", Single(report, HealthFindingIds.DnsActive).Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task CheckAsync_LagAboveRpo_ReportsCriticalLagAndUnhealthy()
    {
        SetReplication(ReplicationStatus.Enabled, Now.AddSeconds(-901));

        var report = await Check();

        var finding = Single(report, HealthFindingIds.ReplicationLag);
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.Contains("901", finding.Message, StringComparison.Ordinal);
        Assert.Equal(901, report.ReplicationLagSeconds);
        Assert.False(report.ReplicationHealthy);
        Assert.False(report.DrReady);
    }

    [Fact]
    public async Task CheckAsync_Paused_ReportsCriticalWithStatusMessage()
    {
        SetReplication(ReplicationStatus.Paused, Now.AddSeconds(-60), "The destination region was opted out");

        var report = await Check();

        var finding = Single(report, HealthFindingIds.ReplicationStatus);
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.Contains("PAUSED", finding.Message, StringComparison.Ordinal);
        Assert.Contains("opted out", finding.Message, StringComparison.Ordinal);
        Assert.Equal("PAUSED", report.ReplicationStatus);
        Assert.False(report.ReplicationHealthy);
    }

    [Fact]
    public async Task CheckAsync_Error_ReportsCriticalWithRestoreRemedy()
    {
        SetReplication(ReplicationStatus.Error, Now.AddSeconds(-60), "destination failed");

        var report = await Check();

        var finding = Single(report, HealthFindingIds.ReplicationStatus);
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.Contains("backup", finding.Remedy, StringComparison.Ordinal);
        Assert.False(report.DrReady);
    }

    [Theory]
    [InlineData(ReplicationStatus.Enabling, "ENABLING")]
    [InlineData(ReplicationStatus.Deleting, "DELETING")]
    public async Task CheckAsync_TransitionalStatus_ReportsWarning(ReplicationStatus status, string text)
    {
        SetReplication(status, Now.AddSeconds(-60));

        var report = await Check();

        var finding = Single(report, HealthFindingIds.ReplicationStatus);
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.Contains(text, finding.Message, StringComparison.Ordinal);
        Assert.False(report.ReplicationHealthy);
    }

    [Fact]
    public async Task CheckAsync_NeverSynced_ReportsCritical()
    {
        SetReplication(ReplicationStatus.Enabled, null);

        var report = await Check();

        Assert.Equal(FindingSeverity.Critical, Single(report, HealthFindingIds.ReplicationNeverSynced).Severity);
        Assert.Null(report.ReplicationLagSeconds);
    }

    [Fact]
    public async Task CheckAsync_NoReplicationNoReplica_ReportsMissingReplicationAndName()
    {
        _cloud.Replications.Clear();
        _cloud.FileSystemsById.Remove(SeedCluster.ReplicaId);

        var report = await Check();

        Assert.Equal("NONE", report.ReplicationStatus);
        Assert.Equal(FindingSeverity.Critical, Single(report, HealthFindingIds.ReplicationMissing).Severity);
        Assert.Contains("us-west-2", Single(report, HealthFindingIds.NameMissing).Message, StringComparison.Ordinal);
        Assert.Equal(SeedCluster.PrimaryId, report.PrimaryFileSystemId);
    }

    [Fact]
    public async Task CheckAsync_ReplicaWithoutName_ReportsReplicaUntagged()
    {
        _cloud.AddFileSystem("us-west-2", SeedCluster.ReplicaId, null, OverwriteProtection.Replicating);

        var report = await Check();

        var finding = Single(report, HealthFindingIds.ReplicaUntagged);
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.Contains(SeedCluster.ReplicaId, finding.Remedy, StringComparison.Ordinal);
        Assert.DoesNotContain(report.Findings, f => f.Id == HealthFindingIds.NameMissing);
    }

    [Fact]
    public async Task CheckAsync_TwoFileSystemsWithNameInRegion_ReportsDuplicate()
    {
        _cloud.AddFileSystem("us-west-2", "fs-0ccccccccccccccc3", "DRTest-EFS1", OverwriteProtection.Disabled);

        var report = await Check();

        var finding = Single(report, HealthFindingIds.NameDuplicate);
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.Contains("fs-0ccccccccccccccc3", finding.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(report.Findings, f => f.Id == HealthFindingIds.StalePrimary);
    }

    [Fact]
    public async Task CheckAsync_StaleExPrimaryAfterFailover_ReportsSplitBrainRisk()
    {
        // After a cross-region failover: the replication is gone, the replica is writable and tagged, the old primary is writable too.
        _cloud.Replications.Clear();
        _cloud.AddFileSystem("us-west-2", SeedCluster.ReplicaId, "DRTest-EFS1", OverwriteProtection.Enabled, new Dictionary<string, string> { [EfsDrTags.Role] = EfsDrTags.Primary, [EfsDrTags.Epoch] = "1" });

        var report = await Check();

        Assert.Equal(SeedCluster.ReplicaId, report.PrimaryFileSystemId);
        var finding = Single(report, HealthFindingIds.StalePrimary);
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.Contains(SeedCluster.PrimaryId, finding.Message, StringComparison.Ordinal);
        Assert.Contains("split-brain", finding.Message, StringComparison.Ordinal);
        Assert.Contains("unfenced ex-primary", finding.Remedy, StringComparison.Ordinal);
        Assert.Contains("efsdr fence", finding.Remedy, StringComparison.Ordinal);
        Assert.Contains(report.Findings, f => f.Id == HealthFindingIds.ReplicationMissing);
    }

    [Fact]
    public async Task CheckAsync_TwoUntaggedWritableCopies_ReportsPrimaryUnknown()
    {
        _cloud.Replications.Clear();
        _cloud.AddFileSystem("us-west-2", SeedCluster.ReplicaId, "DRTest-EFS1", OverwriteProtection.Enabled);

        var report = await Check();

        Assert.Equal(FindingSeverity.Critical, Single(report, HealthFindingIds.PrimaryUnknown).Severity);
        Assert.Equal(2, report.Findings.Count(f => f.Id == HealthFindingIds.StalePrimary));
    }

    [Fact]
    public async Task CheckAsync_NoMountTargetInDrNodeZone_ReportsCritical()
    {
        _cloud.MountTargets.RemoveAll(m => m.MountTargetId == "fsmt-2a");

        var report = await Check();

        var finding = Single(report, HealthFindingIds.MountTargetMissing);
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.Contains("us-west-2a", finding.Message, StringComparison.Ordinal);
        Assert.Contains("server3", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_MountTargetNotAvailable_ReportsCritical()
    {
        var index = _cloud.MountTargets.FindIndex(m => m.MountTargetId == "fsmt-1b");
        _cloud.MountTargets[index] = _cloud.MountTargets[index] with { LifeCycleState = "deleting" };

        var report = await Check();

        Assert.Contains("us-east-1b=deleting", Single(report, HealthFindingIds.MountTargetMissing).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_DrNodeOffline_ReportsCritical()
    {
        _cloud.Ping["i-0123456789abcdef3"] = PingStatus.ConnectionLost;

        var report = await Check();

        var finding = Single(report, HealthFindingIds.NodeOffline);
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.Contains("server3", finding.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionLost", finding.Message, StringComparison.Ordinal);
        Assert.False(report.DrReady);
    }

    [Fact]
    public async Task CheckAsync_SameRegionNodeOffline_ReportsWarning()
    {
        _cloud.Ping["i-0123456789abcdef2"] = PingStatus.ConnectionLost;

        var report = await Check();

        Assert.Equal(FindingSeverity.Warning, Single(report, HealthFindingIds.NodeOffline).Severity);
        Assert.True(report.DrReady);
    }

    [Fact]
    public async Task CheckAsync_DrInstanceStopped_ReportsCritical()
    {
        _cloud.Instances["i-0123456789abcdef3"] = _cloud.Instances["i-0123456789abcdef3"] with { State = "stopped" };

        var report = await Check();

        Assert.Equal(FindingSeverity.Critical, Single(report, HealthFindingIds.InstanceNotRunning).Severity);
    }

    [Fact]
    public async Task CheckAsync_DocumentMissingInDrRegion_ReportsCritical()
    {
        _cloud.Documents.Remove("us-west-2:efsdr-node");

        var report = await Check();

        var finding = Single(report, HealthFindingIds.DocumentMissing);
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.Contains("us-west-2", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_DocumentCheckOff_SkipsIt()
    {
        _cloud.Documents.Clear();

        var report = await Check(new HealthCheckOptions(CheckDocument: false));

        Assert.DoesNotContain(report.Findings, f => f.Id == HealthFindingIds.DocumentMissing);
    }

    [Fact]
    public async Task CheckAsync_RecordMissing_ReportsCritical()
    {
        _cloud.Records.Clear();

        var report = await Check();

        Assert.Equal(FindingSeverity.Critical, Single(report, HealthFindingIds.DnsMissing).Severity);
    }

    [Fact]
    public async Task CheckAsync_RecordOnForeignAddress_ReportsCritical()
    {
        _cloud.Records["drtest.example.com"] = new DnsRecord("drtest.example.com.", "A", 300, ["10.99.0.1"]);

        var report = await Check();

        Assert.Contains("10.99.0.1", Single(report, HealthFindingIds.DnsForeign).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_RecordLeftAtFailoverTtl_ReportsWarning()
    {
        _cloud.Records["drtest.example.com"] = new DnsRecord("drtest.example.com.", "A", 30, ["10.60.110.10"]);

        var report = await Check();

        var finding = Single(report, HealthFindingIds.DnsTtl);
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.Contains("300", finding.Remedy, StringComparison.Ordinal);
        Assert.True(report.DrReady);
    }

    [Fact]
    public async Task CheckAsync_ReplicaNotReplicating_ReportsProtectionCritical()
    {
        _cloud.AddFileSystem("us-west-2", SeedCluster.ReplicaId, "DRTest-EFS1", OverwriteProtection.Disabled);

        var report = await Check();

        Assert.Contains("DISABLED", Single(report, HealthFindingIds.ProtectionReplica).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_SourceNotEnabled_ReportsProtectionCritical()
    {
        _cloud.AddFileSystem("us-east-1", SeedCluster.PrimaryId, "DRTest-EFS1", OverwriteProtection.Disabled);

        var report = await Check();

        Assert.Equal(FindingSeverity.Critical, Single(report, HealthFindingIds.ProtectionSource).Severity);
    }

    [Fact]
    public async Task CheckAsync_DrRegionUnreachable_ReportsFindingWithoutThrowing()
    {
        _cloud.UnreachableRegions.Add("us-west-2");

        var report = await Check();

        var finding = Assert.Single(report.Findings, f => f.Id == HealthFindingIds.RegionUnreachable && f.Message.Contains("find", StringComparison.Ordinal));
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.Contains("us-west-2", finding.Message, StringComparison.Ordinal);
        Assert.False(report.DrReady);
        Assert.DoesNotContain(report.Findings, f => f.Id == HealthFindingIds.NameMissing);
    }

    [Fact]
    public async Task CheckAsync_Findings_AreOrderedWorstFirst()
    {
        _cloud.Ping["i-0123456789abcdef2"] = PingStatus.ConnectionLost;
        _cloud.Records.Clear();

        var report = await Check();

        Assert.Equal(report.Findings.OrderByDescending(f => f.Severity).Select(f => f.Id), report.Findings.Select(f => f.Id));
        Assert.Equal(FindingSeverity.Critical, report.Findings[0].Severity);
        Assert.Equal(1, report.Count(FindingSeverity.Warning));
    }

    /// <summary>As a promotion with LOCAL_CONFIGURATION_ONLY leaves it while us-east-1 is down: us-west-2 dropped its side and the
    /// replica is writable, tagged primary with epoch 1; us-east-1 still lists the configuration with its last status (ENABLED).</summary>
    private void PromoteWithSourceRegionDown()
    {
        _cloud.LocallyDeleted.Add(("us-west-2", SeedCluster.PrimaryId));
        _cloud.AddFileSystem("us-west-2", SeedCluster.ReplicaId, "DRTest-EFS1", OverwriteProtection.Enabled, new Dictionary<string, string> { [EfsDrTags.Role] = EfsDrTags.Primary, [EfsDrTags.Epoch] = "1" });
    }

    [Fact]
    public async Task CheckAsync_OrphanedConfigurationAfterLocalOnlyPromotion_ReportsCriticalOrphanAndNotHealthy()
    {
        PromoteWithSourceRegionDown();

        var report = await Check();

        var finding = Single(report, HealthFindingIds.ReplicationOrphaned);
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.Contains($"{SeedCluster.PrimaryId} → {SeedCluster.ReplicaId}", finding.Message, StringComparison.Ordinal);
        Assert.Contains("takes part in no replication", finding.Message, StringComparison.Ordinal);
        Assert.StartsWith("us-east-1 still lists", finding.Message, StringComparison.Ordinal);
        Assert.Contains("Reprotect", finding.Remedy, StringComparison.Ordinal);
        Assert.Contains("failover back into us-east-1 is refused", finding.Remedy, StringComparison.Ordinal);
        Assert.False(report.ReplicationHealthy);
        Assert.False(report.DrReady);
        Assert.NotEqual("ENABLED", report.ReplicationStatus);
        Assert.DoesNotContain(report.Findings, f => f.Id == HealthFindingIds.ReplicationOk);
    }

    [Fact]
    public async Task CheckAsync_OrphanedConfiguration_TellsThePromotedCopyFromTheUnfencedExPrimary()
    {
        PromoteWithSourceRegionDown();

        var report = await Check();

        Assert.Equal(SeedCluster.ReplicaId, report.PrimaryFileSystemId);
        Assert.Equal("us-west-2", report.PrimaryRegion);
        var stale = Single(report, HealthFindingIds.StalePrimary);
        Assert.Contains(SeedCluster.PrimaryId, stale.Message, StringComparison.Ordinal);
        Assert.Contains("efsdr fence", stale.Remedy, StringComparison.Ordinal);
        Assert.Contains("us-east-1", stale.Remedy, StringComparison.Ordinal);
        Assert.Equal(FindingSeverity.Critical, Single(report, HealthFindingIds.ReplicationMissing).Severity);
    }

    [Fact]
    public async Task CheckAsync_DestinationNoLongerExists_ReportsOrphan()
    {
        _cloud.FileSystemsById.Remove(SeedCluster.ReplicaId);

        var report = await Check();

        var finding = Single(report, HealthFindingIds.ReplicationOrphaned);
        Assert.Contains($"{SeedCluster.ReplicaId} no longer exists", finding.Message, StringComparison.Ordinal);
        Assert.False(report.ReplicationHealthy);
        Assert.False(report.DrReady);
    }

    [Fact]
    public async Task CheckAsync_UntaggedDestinationLeftTheReplication_ReportsOrphanFoundById()
    {
        _cloud.LocallyDeleted.Add(("us-west-2", SeedCluster.PrimaryId));
        _cloud.AddFileSystem("us-west-2", SeedCluster.ReplicaId, null, OverwriteProtection.Enabled);

        var report = await Check();

        var finding = Single(report, HealthFindingIds.ReplicationOrphaned);
        Assert.Contains("takes part in no replication", finding.Message, StringComparison.Ordinal);
        Assert.Contains("protection ENABLED", finding.Message, StringComparison.Ordinal);
        Assert.False(report.ReplicationHealthy);
    }

    [Fact]
    public async Task CheckAsync_DestinationWritableAndItsReplicationsUnreadable_ReportsOrphanNotReplicating()
    {
        _cloud.LocallyDeleted.Add(("us-west-2", SeedCluster.PrimaryId));
        _cloud.AddFileSystem("us-west-2", SeedCluster.ReplicaId, "DRTest-EFS1", OverwriteProtection.Enabled);
        _cloud.UnreadableReplications.Add(SeedCluster.ReplicaId);

        var report = await Check();

        var finding = Single(report, HealthFindingIds.ReplicationOrphaned);
        Assert.Contains("protection ENABLED, not REPLICATING", finding.Message, StringComparison.Ordinal);
        Assert.False(report.ReplicationHealthy);
    }

    [Fact]
    public async Task CheckAsync_DestinationRegionUnreachable_DoesNotClaimReplicationHealthy()
    {
        _cloud.UnreachableRegions.Add("us-west-2");

        var report = await Check();

        Assert.False(report.ReplicationHealthy);
        Assert.Equal("ENABLED", report.ReplicationStatus);
        var finding = Single(report, HealthFindingIds.ReplicationUnverified);
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.Contains("not verified", finding.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(report.Findings, f => f.Id == HealthFindingIds.ReplicationOk);
        Assert.DoesNotContain(report.Findings, f => f.Id == HealthFindingIds.ReplicationOrphaned);
    }

    [Fact]
    public async Task CheckAsync_DeletionUnderWayOnTheSourceSide_IsNotAnOrphan()
    {
        SetReplication(ReplicationStatus.Deleting, Now.AddSeconds(-60));
        _cloud.LocallyDeleted.Add(("us-west-2", SeedCluster.PrimaryId));

        var report = await Check();

        Assert.DoesNotContain(report.Findings, f => f.Id == HealthFindingIds.ReplicationOrphaned);
        Assert.Equal(FindingSeverity.Warning, Single(report, HealthFindingIds.ReplicationStatus).Severity);
    }
}
