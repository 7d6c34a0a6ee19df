using EfsDr.Core.Health;
using EfsDr.Core.Health.Checks;
using EfsDr.Testing.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Core.Tests.Health;

public sealed class HealthSnapshotReaderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private readonly InMemoryCloud _cloud = SeedCluster.Cloud(Now.AddSeconds(-412));

    private HealthSnapshotReader Reader() =>
        new(SeedCluster.Configuration(), _cloud, _cloud, _cloud, _cloud, _cloud, new FakeTimeProvider(Now));

    [Fact]
    public async Task ReadStorageAndDnsAsync_SeededCluster_ReadsBothSidesAndTheRecordButNoServer()
    {
        var snapshot = await Reader().ReadStorageAndDnsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, snapshot.Sides.Count);
        Assert.All(snapshot.Sides, s => Assert.Single(s.Configurations!));
        Assert.Empty(snapshot.Servers);
        Assert.Empty(snapshot.Documents);
        Assert.Equal("server1", DnsHealthCheck.ActiveServer(snapshot)?.Name);
        Assert.Equal(412, ReplicationAssessment.Of(snapshot).LagSeconds);
        Assert.Empty(snapshot.ReadFindings);
    }

    [Fact]
    public async Task ReadAsync_SeededCluster_ReadsEveryServerAndDocument()
    {
        var snapshot = await Reader().ReadAsync(TestContext.Current.CancellationToken);

        Assert.Equal(3, snapshot.Servers.Count);
        Assert.All(snapshot.Servers, s => Assert.NotNull(s.MountTargets));
        Assert.Equal(2, snapshot.Documents.Count);
    }

    [Fact]
    public async Task ReadStorageAndDnsAsync_RegionUnreachable_RecordsTheFailureAndAFinding()
    {
        _cloud.UnreachableRegions.Add("us-west-2");

        var snapshot = await Reader().ReadStorageAndDnsAsync(TestContext.Current.CancellationToken);

        Assert.True(snapshot.UnreadableRegions["us-west-2"].Unreachable);
        Assert.False(snapshot.ByRegion.ContainsKey("us-west-2"));
        Assert.Contains(snapshot.ReadFindings, f => f.Id == HealthFindingIds.RegionUnreachable);
    }
}
