using System.Globalization;
using System.Text.Json;
using EfsDr.Cli.Commands;
using EfsDr.Core.Failover;
using EfsDr.Core.Health;
using EfsDr.Core.Reprotect;
using EfsDr.Core.Workflows;
using EfsDr.Drill;
using EfsDr.LocalCloud.Efs;
using EfsDr.Runs;

namespace EfsDr.Cli.Tests.EndToEnd;

/// <summary>
/// Issue 10: the reprotect workflow run for real on the local cloud (its state machine in the primary's region, started
/// directly: the CLI for it is built elsewhere), with failovers, planned failovers and outages around it.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ReprotectEndToEndTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reprotect_RoundTripTwice_FencedExPrimaryBecomesTheReplicaAndTheStartTopologyComesBack()
    {
        await using var world = await LocalWorld.StartAsync(600, Token);
        var topology = world.World.Topology;
        var east = topology.PrimaryFileSystemId;
        var west = topology.ReplicaFileSystemId;
        long epoch = 0;
        for (var lap = 1; lap <= 2; lap++)
        {
            var toServer3 = await world.World.FailoverAsync($"lap {lap}: to server3", "server3", null, world.Runs, Token);
            Assert.True(toServer3.Succeeded, toServer3.Reason + "\n" + world.Transcript());
            Assert.True(EfsDrTags.EpochOf(ReprotectWorldState.Named(world, "us-west-2").Tags) > epoch, "the failover did not advance the epoch");
            epoch = EfsDrTags.EpochOf(ReprotectWorldState.Named(world, "us-west-2").Tags);
            var onServer3 = $"lap{lap}-server3.txt";
            await ReprotectWorldState.PutAtRecordAsync(world, "server3", onServer3, $"written on server3 in lap {lap}");

            var toEast = await ReprotectWorldState.ReprotectAsync(world, "us-west-2", $"lap{lap}-reprotect-east");

            Assert.True(toEast.Run.Succeeded, toEast.Run.Reason + "\n" + world.Transcript());
            Assert.Equal(ReprotectAction.IntoExPrimary, toEast.Summary!.Action);
            ReprotectWorldState.AssertProtected(world, "us-west-2", west, east, epoch);
            Assert.Equal($"written on server3 in lap {lap}", ReprotectWorldState.ReadObject(world, "us-east-1", east, onServer3));
            if (lap == 1)
            {
                await AssertPlanStatusAndHealthAgreeAsync(world, primary: west, replica: east, epoch);
            }

            await ReprotectWorldState.PutAtRecordAsync(world, "server3", "test4.txt", $"written on server3 just before the move back, lap {lap}");
            var toServer1 = await world.World.FailoverAsync(
                $"lap {lap}: planned to server1", "server1", null, world.Runs, Token, EfsDrJson.SerializeRequest(new FailoverRequest { TargetServer = "server1", Planned = true, Reason = "failback" }));

            Assert.True(toServer1.Succeeded, toServer1.Reason + "\n" + world.Transcript());
            Assert.True(toServer1.Summary!.DataLossProven, "the planned failback did not prove its window");
            Assert.Equal(0, toServer1.Summary.DataLossWindowSeconds);
            using (var s3 = await world.World.S3AtRecordAsync(Token))
            {
                Assert.Equal(topology.Server("server1").Address, s3.Address);
                Assert.Equal($"written on server3 just before the move back, lap {lap}", await s3.GetAsync("test", "test4.txt", Token));
            }

            epoch = EfsDrTags.EpochOf(ReprotectWorldState.Named(world, "us-east-1").Tags);
            var toWest = await ReprotectWorldState.ReprotectAsync(world, "us-east-1", $"lap{lap}-reprotect-west");

            Assert.True(toWest.Run.Succeeded, toWest.Run.Reason + "\n" + world.Transcript());
            Assert.Equal(ReprotectAction.IntoExPrimary, toWest.Summary!.Action);
            ReprotectWorldState.AssertProtected(world, "us-east-1", east, west, epoch);
            Assert.Equal(2 * lap, epoch);
            Assert.Equal($"written on server3 just before the move back, lap {lap}", ReprotectWorldState.ReadObject(world, "us-west-2", west, "test4.txt"));
            await world.AssertFilesServedByAsync("server1", Token);
        }

        Assert.Single(world.Cloud.Context.Efs.FileSystems("us-east-1"));
        Assert.Single(world.Cloud.Context.Efs.FileSystems("us-west-2"));
    }

    private static async Task AssertPlanStatusAndHealthAgreeAsync(LocalWorld world, string primary, string replica, long epoch)
    {
        var a = world.Adapters;
        var health = await new HealthChecker(world.World.Topology.Configuration, a.FileSystems, a.Replications, a.NodeAgent, a.Instances, a.Dns, world.Cloud.Context.Clock.Time, new HealthCheckOptions(LocalTopology.NodeDocument))
            .CheckAsync(Token);
        var findings = string.Join('\n', health.Findings.Select(f => $"{f.Severity} {f.Id}: {f.Message}"));
        Assert.True(health.DrReady, findings);
        Assert.Equal(primary, health.PrimaryFileSystemId);
        Assert.Equal(replica, health.ReplicaFileSystemId);
        Assert.Equal("ENABLED", health.ReplicationStatus);

        var again = await ReprotectWorldState.ReprotectAsync(world, "us-west-2", "plan-after-reprotect", dryRun: true);
        Assert.True(again.Run.Succeeded, again.Run.Reason);
        Assert.Equal(ReprotectAction.AlreadyProtected, again.Summary!.Action);

        var config = await world.ConfigFileAsync(Token);
        try
        {
            var plan = await world.EfsdrAsync(config, Token, "failover", "--to", "server1", "--dry-run", "--wait", "--timeout", "2m", "--output", "json");
            Assert.True(plan.Exit == ExitCodes.Ok, plan.Out + plan.Err);
            using var json = JsonDocument.Parse(plan.Out);
            var planned = json.RootElement.GetProperty("summary").GetProperty("plan");
            Assert.Equal("promote", planned.GetProperty("action").GetString());
            Assert.Equal(replica, planned.GetProperty("fileSystemId").GetString());
            Assert.Equal(epoch + 1, planned.GetProperty("nextEpoch").GetInt64());

            var status = await world.EfsdrAsync(config, Token, "status");
            Assert.True(status.Exit == ExitCodes.Ok, status.Out + status.Err);
            Assert.Contains($"file system   {replica} protection REPLICATING, efsdr {ReprotectTags.Replica} epoch {epoch}", status.Out, StringComparison.Ordinal);
            Assert.Contains($"file system   {primary} protection ENABLED, efsdr {EfsDrTags.Primary} epoch {epoch}", status.Out, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(config);
        }
    }
}

/// <summary>What the reprotect tests read and do on a local world (the drill's handles cover failovers only).</summary>
internal static class ReprotectWorldState
{
    private static int _runs;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Runs a reprotect on <paramref name="region"/>'s state machine (the primary's region) and follows it.</summary>
    public static async Task<(RunRecord Run, ReprotectSummary? Summary)> ReprotectAsync(LocalWorld world, string region, string label, bool dryRun = false)
    {
        var name = $"{label}-{Interlocked.Increment(ref _runs).ToString(CultureInfo.InvariantCulture)}";
        var arn = world.World.Topology.ReprotectStateMachineIn(region);
        Log(world, $"• reprotect in {region} ({name})");
        var started = await world.Adapters.Executions.StartAsync(arn, name, ReprotectJson.SerializeRequest(new ReprotectRequest { DryRun = dryRun, Reason = label }), Token);
        var run = await new FailoverDriver(world.Adapters.Executions).FollowAsync(started.ExecutionArn, label, "reprotect", line => Log(world, "  " + line), TimeSpan.FromMinutes(2), Token);
        world.Runs.Add(run);
        var summary = run.Succeeded ? JsonSerializer.Deserialize(run.Execution.Output!, ReprotectStateJsonContext.Default.ReprotectSummary) : null;
        if (summary is not null)
        {
            Log(world, $"  {summary.Action}: {summary.Decision}");
        }

        return (run, summary);
    }

    /// <summary>The one file system of <paramref name="region"/> that carries the cluster's Name.</summary>
    public static FileSystemSnapshot Named(LocalWorld world, string region) =>
        Assert.Single(world.Cloud.Context.Efs.FileSystems(region), f => f.Name == LocalTopology.FileSystemName);

    /// <summary>Writes an object of bucket test at the record's address, asserting it is <paramref name="server"/>'s.</summary>
    public static async Task PutAtRecordAsync(LocalWorld world, string server, string key, string text)
    {
        using var s3 = await world.World.S3AtRecordAsync(Token);
        Assert.Equal(world.World.Topology.Server(server).Address, s3.Address);
        await s3.PutAsync("test", key, text, Token);
    }

    /// <summary>An object of bucket test as s3rver stored it in a file system's data, or null.</summary>
    public static string? ReadObject(LocalWorld world, string region, string fileSystemId, string key)
    {
        var fs = world.Cloud.Context.Efs.FileSystems(region).Single(f => f.FileSystemId == fileSystemId);
        var path = Path.Combine(fs.DataDirectory, "test", key + "._S3rver_object");
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }

    /// <summary>The primary replicates to the replica (ENABLED, synced); each carries the Name once in its region, with role and epoch.</summary>
    public static void AssertProtected(LocalWorld world, string primaryRegion, string primary, string replica, long epoch)
    {
        var replicaRegion = primaryRegion == "us-east-1" ? "us-west-2" : "us-east-1";
        var replication = world.Cloud.Context.Efs.Replication(primaryRegion, primary);
        Assert.NotNull(replication);
        Assert.Equal((primaryRegion, primary, replicaRegion, replica, "ENABLED"), (replication.SourceRegion, replication.SourceFileSystemId, replication.DestinationRegion, replication.DestinationFileSystemId, replication.Status));
        Assert.NotNull(replication.LastReplicatedTimestamp);
        var source = Named(world, primaryRegion);
        var destination = Named(world, replicaRegion);
        Assert.Equal((primary, "ENABLED", EfsDrTags.Primary, epoch), (source.FileSystemId, source.Protection, source.Tags[EfsDrTags.Role], EfsDrTags.EpochOf(source.Tags)));
        Assert.Equal((replica, "REPLICATING", ReprotectTags.Replica, epoch), (destination.FileSystemId, destination.Protection, destination.Tags[EfsDrTags.Role], EfsDrTags.EpochOf(destination.Tags)));
    }

    private static void Log(LocalWorld world, string line)
    {
        lock (world.Log)
        {
            world.Log.Add(line);
        }
    }
}
