using System.Text.Json;
using EfsDr.Cli.Commands;
using EfsDr.Core.Failover;
using EfsDr.Drill;
using EfsDr.LocalCloud.Hosting;

namespace EfsDr.Cli.Tests.EndToEnd;

/// <summary>One writer: <c>efsdr fence</c> after a cross-region failover that could not reach the ex-primary's region.</summary>
[Trait("Category", "EndToEnd")]
public sealed class FenceEndToEndTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Fence_AfterFailoverWithUsEast1Unreachable_StopsServer1AndLeavesTheOldCopyReadOnlyAndTagged()
    {
        await using var world = await LocalWorld.StartAsync(Token);
        var topology = world.World.Topology;
        var server1 = topology.Server("server1");
        var ssm = world.Cloud.Context.Ssm;
        var config = await world.ConfigFileAsync(Token);
        try
        {
            // us-east-1's EFS and SSM do not answer during the failover; server1 keeps running.
            foreach (var service in new[] { "elasticfilesystem", "ssm" })
            {
                world.Cloud.Faults.Set(service, "us-east-1", new ServiceFaults { Unreachable = true });
            }

            var run = await world.World.FailoverAsync("us-east-1 down", "server3", "us-east-1 outage", world.Runs, Token);
            Assert.True(run.Succeeded, $"{run.Execution.Error} {run.Execution.Cause}\n{world.Transcript()}");

            // While us-east-1 does not answer, fence says so (exit 5) and changes nothing.
            var blocked = await world.EfsdrAsync(config, Token, "fence");
            Assert.True(blocked.Exit == ExitCodes.AwsUnreachable, blocked.Out + blocked.Err);
            Assert.Contains("us-east-1 unreachable", blocked.Err, StringComparison.Ordinal);
            Assert.Contains("nothing there was changed", blocked.Err, StringComparison.Ordinal);
            world.Cloud.Faults.Clear();

            // The defect: two writers. server1 still serves the old copy, and a write there succeeds.
            Assert.NotNull(ssm.ApplicationPid(server1.InstanceId));
            Assert.Contains(ssm.Mounts(server1.InstanceId), m => m.FileSystemId == topology.PrimaryFileSystemId);
            using (var s3 = new S3Probe(server1.Address))
            {
                await s3.PutAsync("test", "split.txt", "written on server1 after the failover", Token);
            }

            var dryRun = await world.EfsdrAsync(config, Token, "fence", "--dry-run");
            Assert.True(dryRun.Exit == ExitCodes.Ok, dryRun.Out + dryRun.Err);
            Assert.Contains("Would deactivate server1, server2", dryRun.Out, StringComparison.Ordinal);
            Assert.Equal("ENABLED", world.Cloud.Context.Efs.FileSystems("us-east-1").Single(f => f.FileSystemId == topology.PrimaryFileSystemId).Protection);
            Assert.NotNull(ssm.ApplicationPid(server1.InstanceId));

            var fence = await world.EfsdrAsync(config, Token, "fence");

            Assert.True(fence.Exit == ExitCodes.Ok, fence.Out + fence.Err + "\n" + world.Transcript());
            Assert.Contains(topology.PrimaryFileSystemId, fence.Out, StringComparison.Ordinal);
            var old = world.Cloud.Context.Efs.FileSystems("us-east-1").Single(f => f.FileSystemId == topology.PrimaryFileSystemId);
            Assert.Equal("DISABLED", old.Protection);
            Assert.False(old.Writable);
            Assert.Equal(EfsDrTags.Fenced, old.Tags[EfsDrTags.Role]);
            Assert.Equal("1", old.Tags[EfsDrTags.FencedEpoch]);
            Assert.StartsWith("efsdr-fence-", old.Tags[EfsDrTags.FencedBy], StringComparison.Ordinal);
            Assert.True(DateTimeOffset.TryParse(old.Tags[EfsDrTags.FencedAt], System.Globalization.CultureInfo.InvariantCulture, out _));
            Assert.Equal(LocalTopology.FileSystemName, old.Tags["Name"]);
            Assert.Null(ssm.ApplicationPid(server1.InstanceId));
            Assert.Empty(ssm.Mounts(server1.InstanceId));
            Assert.Contains(ssm.Commands, c => c.InstanceId == server1.InstanceId && c.Parameters["Action"][0] == "deactivate" && c.Status == "Success");
            Assert.NotEmpty(Directory.EnumerateFileSystemEntries(old.DataDirectory));
            await world.AssertFilesServedByAsync("server3", Token);

            var again = await world.EfsdrAsync(config, Token, "fence", "--output", "json");

            Assert.True(again.Exit == ExitCodes.Ok, again.Out + again.Err);
            using var json = JsonDocument.Parse(again.Out);
            Assert.Equal(0, json.RootElement.GetProperty("unfenced").GetArrayLength());
            Assert.Equal(0, json.RootElement.GetProperty("results").GetArrayLength());
            Assert.Equal(topology.ReplicaFileSystemId, json.RootElement.GetProperty("primary").GetProperty("fileSystemId").GetString());
            Assert.Contains("nothing to fence", again.Err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(config);
        }
    }

}
