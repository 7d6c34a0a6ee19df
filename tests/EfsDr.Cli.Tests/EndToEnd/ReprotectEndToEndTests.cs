using System.Globalization;
using System.Text.Json;
using EfsDr.Cli.Commands;
using EfsDr.Core.Failover;
using EfsDr.Core.Health;
using EfsDr.Core.Model;
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
        await using var world = await LocalWorld.StartAsync(Token);
        var topology = world.World.Topology;
        var east = topology.PrimaryFileSystemId;
        var west = topology.ReplicaFileSystemId;
        long epoch = 0;
        for (var lap = 1; lap <= 2; lap++)
        {
            if (lap == 1)
            {
                await CutOffACopyInFlightAsync(world, west);
            }

            var toServer3 = await world.World.FailoverAsync($"lap {lap}: to server3", "server3", null, world.Runs, Token);
            world.Cloud.Faults.InterruptReplicationCopiesAfterFiles = null;
            Assert.True(toServer3.Succeeded, toServer3.Reason + "\n" + world.Transcript());
            if (lap == 1)
            {
                // The promotion caught a copy in flight: EFS's lost+found folder is in the new primary's root. s3rver lists it
                // as one more bucket; the application's bucket and the checks at the record are not confused by it.
                Assert.Single(LostAndFound(world, "us-west-2", west));
                await world.AssertFilesServedByAsync("server3", Token);
                using var s3 = await world.World.S3AtRecordAsync(Token);
                await s3.EnsureBucketAsync("test", Token);
            }
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

        // EfsDr never deletes the lost+found folder: it is data of the primary, replicated like the rest.
        Assert.Single(LostAndFound(world, "us-east-1", east));
        Assert.Single(LostAndFound(world, "us-west-2", west));
    }

    private static string[] LostAndFound(LocalWorld world, string region, string fileSystemId) =>
        Directory.GetDirectories(world.Cloud.Context.Efs.FileSystems(region).Single(f => f.FileSystemId == fileSystemId).DataDirectory, EfsEmulator.LostAndFoundPrefix + "*");

    /// <summary>Writes an object on server1 and lets the replication copy only part of it, then holds every copy: the
    /// next deletion of the replication finds a copy in flight.</summary>
    private static async Task CutOffACopyInFlightAsync(LocalWorld world, string replica)
    {
        var bucket = Path.Combine(world.Cloud.Context.Efs.FileSystems("us-west-2").Single(f => f.FileSystemId == replica).DataDirectory, "test");
        world.Cloud.Faults.InterruptReplicationCopiesAfterFiles = 1;
        await ReprotectWorldState.PutAtRecordAsync(world, "server1", "in-flight.txt", "written on server1 as the failover began");
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (!Directory.EnumerateFiles(bucket, "in-flight.txt*").Any())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "no copy of in-flight.txt began within 30 s");
            await Task.Delay(20, Token);
        }

        world.Cloud.Faults.InterruptReplicationCopiesAfterFiles = 0;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Reprotect_ZombieWriteDuringOutage_KeepsTheExPrimaryDivergedWithTheWriteEvenWhenFencedLater(bool fencedAfterTheZombieWrite)
    {
        await using var world = await LocalWorld.StartAsync(Token);
        var topology = world.World.Topology;
        var exPrimary = topology.PrimaryFileSystemId;
        world.Cloud.Faults.BlackHoleRegion("us-east-1");
        var toServer3 = await world.World.FailoverAsync("outage: to server3", "server3", "us-east-1 outage", world.Runs, Token);
        Assert.True(toServer3.Succeeded, toServer3.Reason + "\n" + world.Transcript());
        using (var zombie = new S3Probe(topology.Server("server1").Address))
        {
            await zombie.PutAsync("test", "zombie.txt", "written on server1 during the outage", Token);
        }

        world.Cloud.Faults.RestoreRegion("us-east-1");
        if (fencedAfterTheZombieWrite)
        {
            var config = await world.ConfigFileAsync(Token);
            try
            {
                var fence = await world.EfsdrAsync(config, Token, "fence");
                Assert.True(fence.Exit == ExitCodes.Ok, fence.Out + fence.Err);
            }
            finally
            {
                File.Delete(config);
            }

            var fenced = world.Cloud.Context.Efs.FileSystems("us-east-1").Single(f => f.FileSystemId == exPrimary);
            Assert.Equal(("DISABLED", EfsDrTags.Fenced), (fenced.Protection, fenced.Tags[EfsDrTags.Role]));
        }

        await ReprotectWorldState.PutAtRecordAsync(world, "server3", "after-outage.txt", "written on server3 after the outage");
        var reprotect = await ReprotectWorldState.ReprotectAsync(world, "us-west-2", "after-outage");

        Assert.True(reprotect.Run.Succeeded, reprotect.Run.Reason + "\n" + world.Transcript());
        Assert.Equal(ReprotectAction.IntoNewFileSystem, reprotect.Summary!.Action);
        var kept = world.Cloud.Context.Efs.FileSystems("us-east-1").Single(f => f.FileSystemId == exPrimary);
        Assert.Equal(("DRTest-EFS1-diverged-1", ReprotectTags.Diverged), (kept.Name, kept.Tags[EfsDrTags.Role]));
        Assert.Equal("written on server1 during the outage", ReprotectWorldState.ReadObject(world, "us-east-1", exPrimary, "zombie.txt"));
        // The orphaned configuration LOCAL_CONFIGURATION_ONLY left on the ex-primary is deleted (EFS takes a while: DELETING).
        Assert.True(world.Cloud.Context.Efs.Replication("us-east-1", exPrimary) is null or { Status: "DELETING" }, "the orphaned configuration is still there");
        var replica = ReprotectWorldState.Named(world, "us-east-1");
        Assert.NotEqual(exPrimary, replica.FileSystemId);
        Assert.Equal(2, world.Cloud.Context.Efs.FileSystems("us-east-1").Count);
        ReprotectWorldState.AssertProtected(world, "us-west-2", topology.ReplicaFileSystemId, replica.FileSystemId, 1);
        var mountTargets = await world.Adapters.FileSystems.DescribeMountTargetsAsync("us-east-1", replica.FileSystemId, Token);
        Assert.Equal(topology.Configuration.MountTargetsIn("us-east-1").Select(m => m.SubnetId).Order(), mountTargets.Select(m => m.SubnetId).Order());
        Assert.Null(ReprotectWorldState.ReadObject(world, "us-east-1", replica.FileSystemId, "zombie.txt"));
        Assert.Equal("written on server3 after the outage", ReprotectWorldState.ReadObject(world, "us-east-1", replica.FileSystemId, "after-outage.txt"));

        // The cluster continues from us-west-2's data: once the zombie node is stopped, a planned failback serves it on server1.
        await world.World.DeactivateAsync("server1", Token);
        var back = await world.World.FailoverAsync("planned to server1", "server1", null, world.Runs, Token, EfsDrJson.SerializeRequest(new FailoverRequest { TargetServer = "server1", Planned = true }));
        Assert.True(back.Succeeded, back.Reason + "\n" + world.Transcript());
        Assert.Equal(replica.FileSystemId, back.Summary!.FileSystemId);
        using var s3 = await world.World.S3AtRecordAsync(Token);
        Assert.Equal(topology.Server("server1").Address, s3.Address);
        Assert.Equal("written on server3 after the outage", await s3.GetAsync("test", "after-outage.txt", Token));
        Assert.Equal("two", await s3.GetAsync("test", "test2.txt", Token));
    }

    [Fact]
    public async Task Reprotect_OverwriteDivergedWhileTheOrphanIsStillDeleting_WaitsUntilItIsGoneThenReplicatesIntoTheExPrimary()
    {
        await using var world = await LocalWorld.StartAsync(Token);
        var topology = world.World.Topology;
        var exPrimary = topology.PrimaryFileSystemId;
        world.Cloud.Faults.BlackHoleRegion("us-east-1");
        var toServer3 = await world.World.FailoverAsync("outage: to server3", "server3", "us-east-1 outage", world.Runs, Token);
        Assert.True(toServer3.Succeeded, toServer3.Reason + "\n" + world.Transcript());
        world.Cloud.Faults.RestoreRegion("us-east-1");
        await world.World.DeactivateAsync("server1", Token);
        Assert.NotNull(world.Cloud.Context.Efs.Replication("us-east-1", exPrimary));
        await ReprotectWorldState.PutAtRecordAsync(world, "server3", "after-outage.txt", "written on server3 after the outage");

        // EFS deletes the orphan in twice the world's deletion time (4 simulated minutes, within budgets.promotionSeconds):
        // far longer than the steps up to CreateReplication take, so without the wait they meet ReplicationAlreadyExists.
        world.Cloud.Faults.DeletionSlowdown = 2;
        var reprotect = await ReprotectWorldState.ReprotectAsync(world, "us-west-2", "overwrite-diverged", overwriteDiverged: true);
        world.Cloud.Faults.DeletionSlowdown = 1;

        Assert.True(reprotect.Run.Succeeded, reprotect.Run.Reason + "\n" + world.Transcript());
        Assert.Equal(ReprotectAction.IntoExPrimary, reprotect.Summary!.Action);
        Assert.Contains("orphaned configuration DELETING", world.Transcript(), StringComparison.Ordinal);
        Assert.Contains("orphaned configuration gone", world.Transcript(), StringComparison.Ordinal);
        ReprotectWorldState.AssertProtected(world, "us-west-2", topology.ReplicaFileSystemId, exPrimary, 1);
        Assert.Equal("written on server3 after the outage", ReprotectWorldState.ReadObject(world, "us-east-1", exPrimary, "after-outage.txt"));
        Assert.Single(world.Cloud.Context.Efs.FileSystems("us-east-1"));
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
    public static async Task<(RunRecord Run, ReprotectSummary? Summary)> ReprotectAsync(LocalWorld world, string region, string label, bool dryRun = false, bool overwriteDiverged = false)
    {
        var name = $"{label}-{Interlocked.Increment(ref _runs).ToString(CultureInfo.InvariantCulture)}";
        var arn = world.World.Topology.ReprotectStateMachineIn(region);
        Log(world, $"• reprotect in {region} ({name})");
        var started = await world.Adapters.Executions.StartAsync(arn, name, ReprotectJson.SerializeRequest(new ReprotectRequest { DryRun = dryRun, OverwriteDiverged = overwriteDiverged, Reason = label }), Token);
        var run = await world.World.FollowAsync(started.ExecutionArn, label, "reprotect", Token);
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

/// <summary>One local world shared by the crash tests: each brings it to "a failover just happened" itself, so the cases
/// run one after another in the same world (a world per case would cost a minute and a half more).</summary>
public sealed class ReprotectCrashWorld : IAsyncLifetime
{
    /// <summary>The world (started once).</summary>
    public LocalWorld World { get; private set; } = null!;

    /// <inheritdoc />
    public async ValueTask InitializeAsync() => World = await LocalWorld.StartAsync(TestContext.Current.CancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await World.DisposeAsync();
}

/// <summary>A crash right after each step of the reprotect, then a re-run: nothing lost or duplicated.</summary>
[Trait("Category", "EndToEnd")]
public sealed class ReprotectCrashEndToEndTests(ReprotectCrashWorld shared) : IClassFixture<ReprotectCrashWorld>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    // Every Task of the workflow on each path where it changes something, but the last (a crash after SummarizeReprotect has
    // nothing left to stop), the clean-up of a failed run (a successful run never reaches it) and the wait for a new file
    // system to become available (the local cloud's are available at once). Into the fenced ex-primary there is no orphaned
    // configuration (so no wait for its deletion), no diverged copy to keep and no mount target to create: those steps change
    // nothing on that path.
    public static TheoryData<string, string> Steps
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var path in new[] { nameof(ReprotectAction.IntoExPrimary), nameof(ReprotectAction.IntoNewFileSystem) })
            {
                foreach (var step in ReprotectWorkflow.Tasks.Where(s => OnPath(s, path)))
                {
                    data.Add(step.Handler!, path);
                }
            }

            return data;
        }
    }

    private static bool OnPath(WorkflowStep step, string path) =>
        step != ReprotectWorkflow.SummarizeReprotect && step != ReprotectWorkflow.CleanUpFailedRun && step != ReprotectWorkflow.CheckReplica
        && (path == nameof(ReprotectAction.IntoNewFileSystem)
            || (step != ReprotectWorkflow.CreateMountTargets && step != ReprotectWorkflow.CleanUpOrphanedConfiguration && step != ReprotectWorkflow.CheckOrphanDeletion
                && step != ReprotectWorkflow.KeepDivergedCopy));

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task Reprotect_CrashAfterStepThenReRun_CompletesWithNothingLostOrDuplicated(string step, string action)
    {
        var world = shared.World;
        var fenced = action == nameof(ReprotectAction.IntoExPrimary);
        var (exRegion, newRegion, target) = await FailOverAwayAsync(world, fenced);
        var exPrimary = ReprotectWorldState.Named(world, exRegion).FileSystemId;
        var primary = ReprotectWorldState.Named(world, newRegion).FileSystemId;
        var epoch = EfsDrTags.EpochOf(ReprotectWorldState.Named(world, newRegion).Tags);
        var key = $"crash-{step}-{action}.txt";
        await ReprotectWorldState.PutAtRecordAsync(world, target, key, "written before the reprotect");
        var before = world.Cloud.Context.Efs.FileSystems(exRegion).Count;

        world.Cloud.Faults.CrashAfterFunction = step;
        var crashed = await ReprotectWorldState.ReprotectAsync(world, newRegion, "crash");
        world.Cloud.Faults.CrashAfterFunction = null;
        var rerun = await ReprotectWorldState.ReprotectAsync(world, newRegion, "rerun");

        // The crash hits the next invocation: a best-effort step (releasing the lock) absorbs it, any other stops the run.
        Assert.True(crashed.Run.History.Any(e => e.Error == "SimulatedCrashException"), $"no crash was injected after {step}\n{world.Transcript()}");
        Assert.True(crashed.Run.Execution.Status == ExecutionStatus.Failed ? crashed.Run.Execution.Error == "SimulatedCrashException" : crashed.Run.Succeeded, $"after a crash after {step}: {crashed.Run.Execution.Status} {crashed.Run.Execution.Error}");
        Assert.True(rerun.Run.Succeeded, $"re-run after a crash after {step}: {rerun.Run.Reason}\n{world.Transcript()}");
        // Once the replica is tagged (and, for a new file system, has its mount targets) and a sync completed, the re-run
        // finds it protected; before that it finishes the path the crashed run took.
        var path = fenced ? ReprotectAction.IntoExPrimary : ReprotectAction.IntoNewFileSystem;
        var tagged = ReprotectWorkflow.Tasks.ToList().FindIndex(s => s.Handler == step) >= ReprotectWorkflow.Tasks.ToList().IndexOf(ReprotectWorkflow.TagReplica);
        Assert.True(rerun.Summary!.Action == path || (tagged && rerun.Summary.Action == ReprotectAction.AlreadyProtected), $"re-run after a crash after {step}: {rerun.Summary.Action}: {rerun.Summary.Decision}");

        var replica = ReprotectWorldState.Named(world, exRegion);
        ReprotectWorldState.AssertProtected(world, newRegion, primary, replica.FileSystemId, epoch);
        Assert.Equal("written before the reprotect", ReprotectWorldState.ReadObject(world, exRegion, replica.FileSystemId, key));
        Assert.Equal(fenced ? before : before + 1, world.Cloud.Context.Efs.FileSystems(exRegion).Count);
        // Besides the replica, a copy there takes part in no replication (an orphaned configuration being deleted at most).
        Assert.All(world.Cloud.Context.Efs.FileSystems(exRegion), f => Assert.True(
            f.FileSystemId == replica.FileSystemId || world.Cloud.Context.Efs.Replication(exRegion, f.FileSystemId) is null or { Status: "DELETING" },
            $"{f.FileSystemId} takes part in a replication"));
        var mountTargets = await world.Adapters.FileSystems.DescribeMountTargetsAsync(exRegion, replica.FileSystemId, Token);
        Assert.Equal(world.World.Topology.Configuration.MountTargetsIn(exRegion).Select(m => m.SubnetId).Order(), mountTargets.Select(m => m.SubnetId).Order());
        if (fenced)
        {
            Assert.Equal(exPrimary, replica.FileSystemId);
        }
        else
        {
            var kept = Assert.Single(world.Cloud.Context.Efs.FileSystems(exRegion), f => f.Name == ReprotectPlanner.DivergedNameOf(LocalTopology.FileSystemName, epoch));
            Assert.Equal((exPrimary, ReprotectTags.Diverged), (kept.FileSystemId, kept.Tags[EfsDrTags.Role]));
            Assert.Equal("two", ReprotectWorldState.ReadObject(world, exRegion, exPrimary, "test2.txt"));
        }
    }

    /// <summary>Fails over to the other region: an ordinary failover (the ex-primary deactivated and fenced), or, for an
    /// unfenced ex-primary, one told the source region is down (nothing deactivated or fenced; the group there is then
    /// stopped by hand, as EXPRESSCLUSTER's stop script would).</summary>
    private static async Task<(string ExRegion, string NewRegion, string Target)> FailOverAwayAsync(LocalWorld world, bool fenced)
    {
        var topology = world.World.Topology;
        string active;
        using (var s3 = await world.World.S3AtRecordAsync(Token))
        {
            active = topology.Servers.Single(s => s.Address == s3.Address).Name;
        }

        var exRegion = topology.Server(active).Region;
        var target = exRegion == "us-east-1" ? "server3" : "server1";
        var input = EfsDrJson.SerializeRequest(new FailoverRequest { TargetServer = target, SourceRegionUnavailable = !fenced, Reason = fenced ? "crash test" : "crash test, ex-primary left unfenced" });
        var run = await world.World.FailoverAsync("to " + target, target, null, world.Runs, Token, input);
        Assert.True(run.Succeeded, run.Reason + "\n" + world.Transcript());
        if (!fenced)
        {
            await world.World.DeactivateAsync(active, Token);
        }

        return (exRegion, topology.Server(target).Region, target);
    }
}
