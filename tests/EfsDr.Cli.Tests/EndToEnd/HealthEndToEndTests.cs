using EfsDr.Core.Health;
using EfsDr.Drill;
using EfsDr.LocalCloud.Hosting;

namespace EfsDr.Cli.Tests.EndToEnd;

/// <summary>The health check over the real adapters against the local cloud.</summary>
[Trait("Category", "EndToEnd")]
public sealed class HealthEndToEndTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static Task<HealthReport> CheckAsync(LocalWorld world)
    {
        var a = world.Adapters;
        return new HealthChecker(world.World.Topology.Configuration, a.FileSystems, a.Replications, a.NodeAgent, a.Instances, a.Dns, world.Cloud.Context.Clock.Time, new HealthCheckOptions(LocalTopology.NodeDocument))
            .CheckAsync(Token);
    }

    private static string Describe(HealthReport report) => string.Join('\n', report.Findings.Select(f => $"{f.Severity} {f.Id}: {f.Message}"));

    [Fact]
    public async Task Check_SeededWorld_IsReady_ThenLagAboveRpoIsCritical()
    {
        await using var world = await LocalWorld.StartAsync(Token);
        var topology = world.World.Topology;

        var healthy = await CheckAsync(world);

        Assert.True(healthy.DrReady, Describe(healthy));
        Assert.Equal("ENABLED", healthy.ReplicationStatus);
        Assert.Equal(topology.PrimaryFileSystemId, healthy.PrimaryFileSystemId);
        Assert.Equal(topology.ReplicaFileSystemId, healthy.ReplicaFileSystemId);

        var last = world.Cloud.Context.Clock.Now.AddSeconds(-(topology.Configuration.RpoSeconds + 100));
        world.Cloud.Context.Efs.SetReplicationStatus("us-west-2", topology.ReplicaFileSystemId, "ENABLED", lastReplicated: last);
        var behind = await CheckAsync(world);

        Assert.Contains(behind.Findings, f => f.Id == HealthFindingIds.ReplicationLag && f.Severity == FindingSeverity.Critical);
        Assert.True(behind.ReplicationLagSeconds > topology.Configuration.RpoSeconds);
        Assert.False(behind.ReplicationHealthy);
        Assert.False(behind.DrReady);
    }

    [Fact]
    public async Task Check_ReplicationPaused_ReportsCriticalWithTheStatusMessage()
    {
        await using var world = await LocalWorld.StartAsync(Token);
        world.Cloud.Context.Efs.SetReplicationStatus("us-east-1", world.World.Topology.PrimaryFileSystemId, "PAUSED", "Replication paused: the destination Region was opted out.");

        var report = await CheckAsync(world);

        Assert.Equal("PAUSED", report.ReplicationStatus);
        var finding = Assert.Single(report.Findings, f => f.Id == HealthFindingIds.ReplicationStatus);
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.Contains("opted out", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_DrNodeOffline_ReportsCritical()
    {
        await using var world = await LocalWorld.StartAsync(Token);
        world.Cloud.Faults.SetNodeOffline(world.World.Topology.Server("server3").InstanceId, offline: true);

        var report = await CheckAsync(world);

        var finding = Assert.Single(report.Findings, f => f.Id == HealthFindingIds.NodeOffline);
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.Contains("server3", finding.Message, StringComparison.Ordinal);
        Assert.False(report.DrReady);
    }

    [Fact]
    public async Task Check_AfterCrossRegionFailover_ReportsNoDrCopyAndNoStalePrimaryOnceTheRunFencedIt()
    {
        await using var world = await LocalWorld.StartAsync(Token);
        var topology = world.World.Topology;
        var run = await world.World.FailoverAsync("to server3", "server3", null, world.Runs, Token);
        Assert.True(run.Succeeded, world.Transcript());

        var report = await CheckAsync(world);

        // The run fenced the ex-primary (read-only): one writer, so no stale-primary; but there is no DR copy yet.
        Assert.Equal(topology.ReplicaFileSystemId, report.PrimaryFileSystemId);
        Assert.DoesNotContain(report.Findings, f => f.Id == HealthFindingIds.StalePrimary);
        Assert.Equal("DISABLED", world.Cloud.Context.Efs.FileSystems("us-east-1").Single(f => f.FileSystemId == topology.PrimaryFileSystemId).Protection);
        Assert.Contains(report.Findings, f => f.Id == HealthFindingIds.ReplicationMissing && f.Severity == FindingSeverity.Critical);
        Assert.Equal("NONE", report.ReplicationStatus);
        Assert.Contains(report.Findings, f => f.Id == HealthFindingIds.DnsActive && f.Message.Contains("server3", StringComparison.Ordinal));
        Assert.False(report.DrReady);
    }

    [Fact]
    public async Task Check_AfterFailoverWithSourceRegionDown_ReportsTheOrphanedConfigurationOnceItAnswers()
    {
        await using var world = await LocalWorld.StartAsync(Token);
        var topology = world.World.Topology;
        foreach (var service in new[] { "elasticfilesystem", "ssm", "ec2", "states", "lambda" })
        {
            world.Cloud.Faults.Set(service, "us-east-1", new ServiceFaults { Unreachable = true });
        }

        var run = await world.World.FailoverAsync("to server3, us-east-1 down", "server3", "us-east-1 outage", world.Runs, Token);
        Assert.True(run.Succeeded, world.Transcript());
        world.Cloud.Faults.Clear();

        var report = await CheckAsync(world);

        var orphan = Assert.Single(report.Findings, f => f.Id == HealthFindingIds.ReplicationOrphaned);
        Assert.Equal(FindingSeverity.Critical, orphan.Severity);
        Assert.Contains($"{topology.PrimaryFileSystemId} → {topology.ReplicaFileSystemId}", orphan.Message, StringComparison.Ordinal);
        Assert.False(report.ReplicationHealthy, Describe(report));
        Assert.False(report.DrReady);
        Assert.Equal(topology.ReplicaFileSystemId, report.PrimaryFileSystemId);
        var stale = Assert.Single(report.Findings, f => f.Id == HealthFindingIds.StalePrimary);
        Assert.Contains(topology.PrimaryFileSystemId, stale.Message, StringComparison.Ordinal);
        Assert.Contains("efsdr fence", stale.Remedy, StringComparison.Ordinal);
    }
}
