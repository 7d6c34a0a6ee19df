using EfsDr.Core.Health;
using EfsDr.Core.Health.Checks;
using EfsDr.Core.Model;
using static EfsDr.Core.Tests.Health.Checks.Snapshots;

namespace EfsDr.Core.Tests.Health.Checks;

public sealed class NamesHealthCheckTests
{
    private readonly NamesHealthCheck _check = new();

    [Fact]
    public void Check_OneCopyPerRegion_FindsNothing()
    {
        Assert.Empty(_check.Check(Healthy()));
    }

    [Fact]
    public void Check_TwoCopiesInARegion_ReportsCriticalDuplicate()
    {
        var twin = Fs("us-west-2", "fs-0ccccccccccccccc3", OverwriteProtection.Disabled);
        var healthy = Healthy();
        var snapshot = healthy with { ByRegion = new Dictionary<string, IReadOnlyList<FileSystem>>(StringComparer.Ordinal) { ["us-east-1"] = [Primary], ["us-west-2"] = [Replica, twin] } };

        var finding = Single(_check, snapshot, HealthFindingIds.NameDuplicate);

        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.Contains("fs-0ccccccccccccccc3 (DISABLED)", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_ReplicaWithoutTheName_ReportsReplicaUntagged()
    {
        var config = Config(Primary, "us-west-2", Replica.FileSystemId);
        var snapshot = With([Primary], [], [new(Primary, [config])]);

        var finding = Single(_check, snapshot, HealthFindingIds.ReplicaUntagged);

        Assert.Contains($"Tag {Replica.FileSystemId} in us-west-2", finding.Remedy, StringComparison.Ordinal);
        Assert.DoesNotContain(_check.Check(snapshot), f => f.Id == HealthFindingIds.NameMissing);
    }

    [Fact]
    public void Check_NoCopyAndNoReplication_ReportsNameMissing()
    {
        var snapshot = With([Primary], [], [new(Primary, [])]);

        Assert.Equal(FindingSeverity.Critical, Single(_check, snapshot, HealthFindingIds.NameMissing).Severity);
    }

    [Fact]
    public void Check_TwoWritableCopiesSameEpoch_ReportsPrimaryUnknown()
    {
        var west = Fs("us-west-2", "fs-0ccccccccccccccc3", OverwriteProtection.Enabled);
        var snapshot = With([Primary], [west], [new(Primary, []), new(west, [])]);

        Assert.Equal(FindingSeverity.Critical, Single(_check, snapshot, HealthFindingIds.PrimaryUnknown).Severity);
    }

    [Fact]
    public void Check_WritableCopyBesidesTheReplicatedPrimary_ReportsStalePrimary()
    {
        var config = Config(Primary, "us-west-2", Replica.FileSystemId);
        var stale = Fs("us-west-2", "fs-0ccccccccccccccc3", OverwriteProtection.Enabled, epoch: 3);
        var snapshot = With([Primary], [Replica, stale], [new(Primary, [config]), new(Replica, [config]), new(stale, [])]);

        var finding = Single(_check, snapshot, HealthFindingIds.StalePrimary);

        Assert.Contains("epoch 3", finding.Message, StringComparison.Ordinal);
        Assert.Contains("efsdr fence", finding.Remedy, StringComparison.Ordinal);
    }
}
