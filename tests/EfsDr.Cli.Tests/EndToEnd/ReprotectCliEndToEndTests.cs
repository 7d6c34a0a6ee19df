using System.Text.Json.Nodes;
using EfsDr.Cli.Commands;
using EfsDr.Core.Failover;
using EfsDr.Core.Reprotect;

namespace EfsDr.Cli.Tests.EndToEnd;

/// <summary>The DR round trip's first half through <c>efsdr</c> on the local cloud: fail over to server3, reprotect
/// us-west-2 → us-east-1 (dry run, then for real), status, then the planned failback to server1 with a proven 0 window.</summary>
[Trait("Category", "EndToEnd")]
public sealed class ReprotectCliEndToEndTests
{
    private const string Written = "written on server3 after the failover";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reprotect_AfterFailoverToServer3_ReplicatesBackIntoTheExPrimaryAndAPlannedFailbackLosesNothing()
    {
        await using var world = await LocalWorld.StartAsync(Token);
        var topology = world.World.Topology;
        var (west, east) = (topology.ReplicaFileSystemId, topology.PrimaryFileSystemId);
        var config = await world.ConfigFileAsync(Token);
        try
        {
            await RunOkAsync(world, config, "failover", "--to", "server3", "--wait", "--timeout", "3m");
            using (var s3 = await world.World.S3AtRecordAsync(Token))
            {
                Assert.Equal(topology.Server("server3").Address, s3.Address);
                await s3.EnsureBucketAsync("test-objects", Token);
                await s3.PutAsync("test-objects", "from-server3.txt", Written, Token);
            }

            var plan = await RunOkAsync(world, config, "reprotect", "--dry-run", "--timeout", "2m");
            Assert.Contains($"  primary         {west} (us-west-2", plan, StringComparison.Ordinal);
            Assert.Contains($"  replica         {east} (us-east-1) — {ReprotectJson.WireName(ReprotectAction.IntoExPrimary)}", plan, StringComparison.Ordinal);
            Assert.Contains("  overwrites      nothing", plan, StringComparison.Ordinal);
            var planJson = JsonNode.Parse(await RunOkAsync(world, config, "reprotect", "--dry-run", "--output", "json"))!;
            Assert.Equal((true, "IntoExPrimary", east), ((bool?)planJson["dryRun"], (string?)planJson["plan"]?["action"], (string?)planJson["plan"]?["replicaFileSystemId"]));
            Assert.Null(world.Cloud.Context.Efs.Replication("us-west-2", west));

            var reprotect = await RunOkAsync(world, config, "reprotect", "--wait", "--timeout", "3m", "--reason", "protect us-west-2");
            Assert.Contains("CheckSync — ENABLED, last sync", reprotect, StringComparison.Ordinal);
            Assert.Contains($"  replica         {east} (us-east-1) — IntoExPrimary", reprotect, StringComparison.Ordinal);
            var name = System.Text.RegularExpressions.Regex.Match(reprotect, @"started (reprotect-\d+) in us-west-2").Groups[1].Value;
            var report = await RunOkAsync(world, config, "report", name);
            Assert.Matches(@"\| reprotect-\d+ \| .* \| SUCCEEDED \| .* \| reprotect \| \d+\.\d\d \|", report);
            TestContext.Current.TestOutputHelper?.WriteLine(plan + reprotect + report);
            var replication = world.Cloud.Context.Efs.Replication("us-west-2", west);
            Assert.Equal(("us-west-2", west, "us-east-1", east, "ENABLED"), (replication?.SourceRegion, replication?.SourceFileSystemId, replication?.DestinationRegion, replication?.DestinationFileSystemId, replication?.Status));
            Assert.True(HoldsText(world.Cloud.Context.Efs.FileSystems("us-east-1").Single(f => f.FileSystemId == east).DataDirectory, Written), "the us-east-1 copy does not hold what server3 wrote");

            var status = JsonNode.Parse(await RunOkAsync(world, config, "status", "--output", "json"))!;
            Assert.Equal("server3", (string?)status["dns"]?["activeServer"]);
            Assert.Equal(("primary", "ENABLED"), RoleOf(status, "us-west-2", west));
            Assert.Equal((ReprotectTags.Replica, "REPLICATING"), RoleOf(status, "us-east-1", east));
            Assert.Equal($"{east} (us-east-1)", (string?)Region(status, "us-west-2")["replication"]?["destination"]);

            var failback = await RunOkAsync(world, config, "failover", "--to", "server1", "--planned", "--wait", "--timeout", "3m");
            Assert.Contains("data-loss window 0 s (proven: last sync after the source stopped)", failback, StringComparison.Ordinal);
            TestContext.Current.TestOutputHelper?.WriteLine(failback);
            using (var s3 = await world.World.S3AtRecordAsync(Token))
            {
                Assert.Equal(topology.Server("server1").Address, s3.Address);
                Assert.Equal(Written, await s3.GetAsync("test-objects", "from-server3.txt", Token));
            }

            await world.AssertFilesServedByAsync("server1", Token);
        }
        finally
        {
            File.Delete(config);
        }
    }

    /// <summary>Runs efsdr and asserts exit 0 (showing everything it printed and the world's log otherwise); returns stdout.</summary>
    private static async Task<string> RunOkAsync(LocalWorld world, string config, params string[] args)
    {
        var run = await world.EfsdrAsync(config, Token, args);
        Assert.True(run.Exit == ExitCodes.Ok, $"efsdr {string.Join(' ', args)} exited {run.Exit}\n{run.Out}{run.Err}\n{world.Transcript()}");
        return run.Out;
    }

    private static JsonNode Region(JsonNode status, string region) =>
        status["regions"]!.AsArray().Single(r => (string?)r?["region"] == region)!;

    private static (string? Role, string? Protection) RoleOf(JsonNode status, string region, string fileSystemId)
    {
        var fs = Region(status, region)["fileSystems"]!.AsArray().Single(f => (string?)f?["fileSystemId"] == fileSystemId)!;
        return ((string?)fs["role"], (string?)fs["protection"]);
    }

    /// <summary>True when a file under <paramref name="directory"/> holds <paramref name="text"/> (the S3 server's object files).</summary>
    private static bool HoldsText(string directory, string text) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Any(f => new FileInfo(f).Length < 1 << 20 && File.ReadAllText(f).Contains(text, StringComparison.Ordinal));
}
