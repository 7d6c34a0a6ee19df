using EfsDr.Core.Health;
using EfsDr.Core.Health.Checks;
using EfsDr.Core.Model;
using static EfsDr.Core.Tests.Health.Checks.Snapshots;

namespace EfsDr.Core.Tests.Health.Checks;

public sealed class TargetsHealthCheckTests
{
    private readonly TargetsHealthCheck _check = new();

    private static HealthSnapshot WithServers(Func<int, ServerReading, ServerReading>? change = null)
    {
        var snapshot = Healthy();
        var readings = snapshot.Configuration.Servers.Select((s, i) =>
        {
            var fs = s.Region == "us-east-1" ? Primary : Replica;
            var az = $"{s.Region}{(i == 1 ? 'b' : 'a')}";
            var reading = new ServerReading(s, new InstanceInfo(s.InstanceId, s.PrivateIp, az, "running", "subnet-x"), false, PingStatus.Online, fs,
                [new MountTarget($"fsmt-{i}", fs.FileSystemId, "subnet-x", "available", null, az, null)]);
            return change is null ? reading : change(i, reading);
        }).ToList();
        return snapshot with { Servers = readings };
    }

    [Fact]
    public void Check_AllRunningOnlineWithTargets_FindsNothing()
    {
        Assert.Empty(_check.Check(WithServers()));
    }

    [Fact]
    public void Check_DrNodeOffline_ReportsCritical()
    {
        var snapshot = WithServers((i, r) => i == 2 ? r with { Ping = PingStatus.ConnectionLost } : r);

        var finding = Single(_check, snapshot, HealthFindingIds.NodeOffline);

        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.StartsWith("the DR node server3", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_PrimaryNodeMissing_WarnsInstanceNotRunning()
    {
        var snapshot = WithServers((i, r) => i == 1 ? r with { Instance = null, InstanceMissing = true, MountTargets = null } : r);

        var finding = Single(_check, snapshot, HealthFindingIds.InstanceNotRunning);

        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.Contains("does not exist in us-east-1", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_NoTargetInTheNodesZone_ReportsCriticalMountTargetMissing()
    {
        var snapshot = WithServers((i, r) => i == 0 ? r with { MountTargets = [] } : r);

        Assert.Contains("(it has: none)", Single(_check, snapshot, HealthFindingIds.MountTargetMissing).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_DocumentMissingInARegion_ReportsCritical()
    {
        var snapshot = WithServers() with { Documents = new Dictionary<string, bool>(StringComparer.Ordinal) { ["us-east-1"] = true, ["us-west-2"] = false } };

        Assert.Contains("in us-west-2", Single(new TargetsHealthCheck(new HealthCheckOptions("Doc")), snapshot, HealthFindingIds.DocumentMissing).Message, StringComparison.Ordinal);
    }
}
