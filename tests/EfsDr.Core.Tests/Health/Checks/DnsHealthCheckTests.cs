using EfsDr.Core.Health;
using EfsDr.Core.Health.Checks;
using EfsDr.Core.Model;
using static EfsDr.Core.Tests.Health.Checks.Snapshots;

namespace EfsDr.Core.Tests.Health.Checks;

public sealed class DnsHealthCheckTests
{
    private readonly DnsHealthCheck _check = new();

    private static HealthSnapshot WithRecord(DnsRecord? record) => Healthy() with { Dns = new DnsReading(record) };

    [Fact]
    public void Check_RecordOnServer1_ReportsActiveOnly()
    {
        var snapshot = WithRecord(new DnsRecord("drtest.example.com.", "A", 300, ["10.60.110.10"]));

        var finding = Assert.Single(_check.Check(snapshot));

        Assert.Equal(HealthFindingIds.DnsActive, finding.Id);
        Assert.Equal("server1", DnsHealthCheck.ActiveServer(snapshot)?.Name);
    }

    [Fact]
    public void Check_RecordMissing_ReportsCritical()
    {
        Assert.Equal(FindingSeverity.Critical, Single(_check, WithRecord(null), HealthFindingIds.DnsMissing).Severity);
    }

    [Fact]
    public void Check_RecordUnread_FindsNothing()
    {
        Assert.Empty(_check.Check(Healthy()));
    }

    [Fact]
    public void Check_ForeignValueAndLoweredTtl_ReportsForeignAndTtl()
    {
        var snapshot = WithRecord(new DnsRecord("drtest.example.com.", "A", 30, ["10.9.9.9"]));

        Assert.Contains("no server of the cluster", Single(_check, snapshot, HealthFindingIds.DnsForeign).Message, StringComparison.Ordinal);
        Assert.Contains("TTL 30", Single(_check, snapshot, HealthFindingIds.DnsTtl).Message, StringComparison.Ordinal);
        Assert.Null(DnsHealthCheck.ActiveServer(snapshot));
    }
}
