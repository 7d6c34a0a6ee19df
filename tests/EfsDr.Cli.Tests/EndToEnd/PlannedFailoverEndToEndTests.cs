using EfsDr.Cli.Commands;
using EfsDr.Core.Failover;
using EfsDr.Drill;
using EfsDr.LocalCloud.Hosting;

namespace EfsDr.Cli.Tests.EndToEnd;

/// <summary><c>efsdr failover --planned</c> on the local cloud: zero data loss proven, or refused changing nothing.</summary>
[Trait("Category", "EndToEnd")]
public sealed class PlannedFailoverEndToEndTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FailoverPlanned_ObjectWrittenJustBefore_IsReadableOnServer3AndTheWindowIsAProvenZero()
    {
        await using var world = await LocalWorld.StartAsync(Token);
        var topology = world.World.Topology;
        var config = await world.ConfigFileAsync(Token);
        try
        {
            using (var s3 = await world.World.S3AtRecordAsync(Token))
            {
                Assert.Equal(topology.Server("server1").Address, s3.Address);
                await s3.PutAsync("test", "last-write.txt", "written on server1 just before the move", Token);
            }

            var run = await world.EfsdrAsync(config, Token, "failover", "--to", "server3", "--planned", "--wait", "--timeout", "3m", "--reason", "planned move");

            Assert.True(run.Exit == ExitCodes.Ok, run.Out + run.Err + "\n" + world.Transcript());
            Assert.Contains("data-loss window 0 s (proven: last sync after the source stopped)", run.Out, StringComparison.Ordinal);
            Assert.Contains("DeactivateSource", run.Out, StringComparison.Ordinal);
            using (var s3 = await world.World.S3AtRecordAsync(Token))
            {
                Assert.Equal(topology.Server("server3").Address, s3.Address);
                Assert.Equal("written on server1 just before the move", await s3.GetAsync("test", "last-write.txt", Token));
            }

            await world.AssertFilesServedByAsync("server3", Token);
            var old = world.Cloud.Context.Efs.FileSystems("us-east-1").Single(f => f.FileSystemId == topology.PrimaryFileSystemId);
            Assert.Equal("DISABLED", old.Protection);
            Assert.Null(world.Cloud.Context.Ssm.ApplicationPid(topology.Server("server1").InstanceId));
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task FailoverPlanned_SourceRegionBlackHoled_RefusedWithExit3AndNothingChanged()
    {
        await using var world = await LocalWorld.StartAsync(Token);
        var topology = world.World.Topology;
        var config = await world.ConfigFileAsync(Token);
        var commandsBefore = world.Cloud.Context.Ssm.Commands.Count;
        try
        {
            foreach (var service in new[] { "elasticfilesystem", "ssm" })
            {
                world.Cloud.Faults.Set(service, "us-east-1", new ServiceFaults { Unreachable = true });
            }

            var run = await world.EfsdrAsync(config, Token, "failover", "--to", "server3", "--planned", "--wait", "--timeout", "3m");
            world.Cloud.Faults.Clear();

            Assert.True(run.Exit == ExitCodes.RunFailed, run.Out + run.Err + "\n" + world.Transcript());
            Assert.Contains(nameof(EfsDr.Core.Exceptions.PlannedFailoverSourceDownException), run.Out + run.Err, StringComparison.Ordinal);
            Assert.Contains("does not answer", run.Out + run.Err, StringComparison.Ordinal);
            Assert.Equal("ENABLED", world.Cloud.Context.Efs.Replication("us-west-2", topology.ReplicaFileSystemId)?.Status);
            Assert.DoesNotContain(EfsDrTags.Role, world.Cloud.Context.Efs.FileSystems("us-west-2").Single(f => f.FileSystemId == topology.ReplicaFileSystemId).Tags.Keys);
            Assert.Equal("ENABLED", world.Cloud.Context.Efs.FileSystems("us-east-1").Single(f => f.FileSystemId == topology.PrimaryFileSystemId).Protection);
            Assert.Equal(commandsBefore, world.Cloud.Context.Ssm.Commands.Count);
            Assert.NotNull(world.Cloud.Context.Ssm.ApplicationPid(topology.Server("server1").InstanceId));
            Assert.Equal([topology.Server("server1").Address], world.Cloud.Context.Route53.Record(topology.HostedZoneId, LocalTopology.RecordName, "A")!.Values);
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task FailoverPlannedIfPossible_SourceRegionBlackHoled_FallsBackToAnOrdinaryFailover()
    {
        await using var world = await LocalWorld.StartAsync(Token);
        var topology = world.World.Topology;
        var config = await world.ConfigFileAsync(Token);
        try
        {
            var usage = await world.EfsdrAsync(config, Token, "failover", "--to", "server3", "--planned-if-possible");
            Assert.True(usage.Exit == ExitCodes.Usage, usage.Out + usage.Err);
            Assert.Contains("--planned-if-possible: needs --wait", usage.Err, StringComparison.Ordinal);

            foreach (var service in new[] { "elasticfilesystem", "ssm" })
            {
                world.Cloud.Faults.Set(service, "us-east-1", new ServiceFaults { Unreachable = true });
            }

            var run = await world.EfsdrAsync(config, Token, "failover", "--to", "server3", "--planned-if-possible", "--wait", "--timeout", "3m");
            world.Cloud.Faults.Clear();

            Assert.True(run.Exit == ExitCodes.Ok, run.Out + run.Err + "\n" + world.Transcript());
            Assert.Contains("planned move not possible (PlannedFailoverSourceDownException): failing over to server3 without --planned", run.Out, StringComparison.Ordinal);
            Assert.DoesNotContain("proven", run.Out, StringComparison.Ordinal);
            await world.AssertFilesServedByAsync("server3", Token);
        }
        finally
        {
            File.Delete(config);
        }
    }
}
