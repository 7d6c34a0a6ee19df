using EfsDr.Core.Health;
using EfsDr.Core.Health.Checks;
using EfsDr.Core.Model;
using static EfsDr.Core.Tests.Health.Checks.Snapshots;

namespace EfsDr.Core.Tests.Health.Checks;

public sealed class ReplicationHealthCheckTests
{
    private readonly ReplicationHealthCheck _check = new();

    [Fact]
    public void Check_EnabledWithinRpo_ReportsOnlyReplicationOk()
    {
        var finding = Assert.Single(_check.Check(Healthy()));

        Assert.Equal(HealthFindingIds.ReplicationOk, finding.Id);
        Assert.True(ReplicationAssessment.Of(Healthy()).Healthy);
    }

    [Fact]
    public void Check_LagAboveRpo_ReportsCriticalLag()
    {
        var snapshot = Healthy(Config(Primary, "us-west-2", Replica.FileSystemId, lagSeconds: 901));

        Assert.Equal(FindingSeverity.Critical, Single(_check, snapshot, HealthFindingIds.ReplicationLag).Severity);
        Assert.Equal(new ReplicationAssessment("ENABLED", 901, false), ReplicationAssessment.Of(snapshot));
    }

    [Fact]
    public void Check_EnablingNeverSynced_WarnsOnStatusAndSync()
    {
        var snapshot = Healthy(Config(Primary, "us-west-2", Replica.FileSystemId, ReplicationStatus.Enabling, lagSeconds: null));

        Assert.Equal(FindingSeverity.Warning, Single(_check, snapshot, HealthFindingIds.ReplicationStatus).Severity);
        Assert.Equal(FindingSeverity.Warning, Single(_check, snapshot, HealthFindingIds.ReplicationNeverSynced).Severity);
    }

    [Fact]
    public void Check_NoReplication_ReportsMissingAndStatusNone()
    {
        var snapshot = With([Primary], [], [new(Primary, [])]);

        Assert.Equal(FindingSeverity.Critical, Single(_check, snapshot, HealthFindingIds.ReplicationMissing).Severity);
        Assert.Equal("NONE", ReplicationAssessment.Of(snapshot).Status);
    }

    [Fact]
    public void Check_DestinationPromoted_ReportsOrphanedAndMissing()
    {
        var config = Config(Primary, "us-west-2", Replica.FileSystemId);
        var promoted = Fs("us-west-2", Replica.FileSystemId, OverwriteProtection.Enabled);
        var snapshot = With([Primary], [promoted], [new(Primary, [config]), new(promoted, [])]);

        var orphaned = Single(_check, snapshot, HealthFindingIds.ReplicationOrphaned);

        Assert.Contains("takes part in no replication and has protection ENABLED", orphaned.Message, StringComparison.Ordinal);
        Assert.Contains(_check.Check(snapshot), f => f.Id == HealthFindingIds.ReplicationMissing);
    }

    [Fact]
    public void Check_DestinationRegionUnreadable_WarnsUnverifiedAndIsNotHealthy()
    {
        var config = Config(Primary, "us-west-2", Replica.FileSystemId);
        var snapshot = With([Primary], [], [new(Primary, [config])]) with
        {
            ByRegion = new Dictionary<string, IReadOnlyList<FileSystem>>(StringComparer.Ordinal) { ["us-east-1"] = [Primary] },
            UnreadableRegions = new Dictionary<string, ReadFailure>(StringComparer.Ordinal) { ["us-west-2"] = new("RequestTimeout", "timed out", true) },
        };

        Assert.Equal(FindingSeverity.Warning, Single(_check, snapshot, HealthFindingIds.ReplicationUnverified).Severity);
        Assert.False(ReplicationAssessment.Of(snapshot).Healthy);
    }

    [Fact]
    public void Check_DestinationGone_ReportsOrphanedNoLongerExists()
    {
        var config = Config(Primary, "us-west-2", Replica.FileSystemId);
        var snapshot = With([Primary], [], [new(Primary, [config])]) with
        {
            Destinations = new Dictionary<(string, string), DestinationLookup> { [("us-west-2", Replica.FileSystemId)] = new(null) },
        };

        Assert.Contains("no longer exists", Single(_check, snapshot, HealthFindingIds.ReplicationOrphaned).Message, StringComparison.Ordinal);
    }
}
