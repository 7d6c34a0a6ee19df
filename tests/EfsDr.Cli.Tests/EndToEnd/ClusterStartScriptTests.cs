using System.Diagnostics;
using System.Text.Json;
using EfsDr.Core.Failover;
using EfsDr.LocalCloud.Hosting;

namespace EfsDr.Cli.Tests.EndToEnd;

/// <summary>cluster/start.sh as EXPRESSCLUSTER runs it (CLP_* environment), with the REAL efsdr, against the local cloud.</summary>
[Trait("Category", "EndToEnd")]
public sealed class ClusterStartScriptTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async Task<(int Exit, string Output)> StartScriptAsync(LocalWorld world, string server, string config, string conf, string timeout = "5m")
    {
        var root = LocalCloudHost.FindRepositoryRoot();
        await File.WriteAllTextAsync(conf, $"EFSDR_SERVER={server}\nEFSDR_BIN={Path.Combine(AppContext.BaseDirectory, "efsdr")}\nEFSDR_CONFIG_FILE={config}\nEFSDR_TIMEOUT={timeout}\n", Token);
        var start = new ProcessStartInfo("bash", [Path.Combine(root, "cluster", "start.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["EFSDR_CONF"] = conf;
        start.Environment["CLP_EVENT"] = "FAILOVER";
        start.Environment["CLP_SERVER"] = "OTHER";
        start.Environment["CLP_GROUPNAME"] = "failover-minio";
        start.Environment["CLP_RESOURCENAME"] = "exec-efsdr";
        start.Environment["AWS_ENDPOINT_URL"] = world.Cloud.Endpoint.ToString().TrimEnd('/');
        start.Environment["AWS_ACCESS_KEY_ID"] = "local";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "local";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Token);
        var stderr = process.StandardError.ReadToEndAsync(Token);
        await process.WaitForExitAsync(Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task StartScript_FailoverEvents_RunRealFailoverAndPassExitCodesThrough()
    {
        await using var world = await LocalWorld.StartAsync(Token);
        await world.World.DeactivateAsync("server1", Token);
        var config = Path.Combine(Path.GetTempPath(), $"efsdr-cluster-{Guid.NewGuid():N}.json");
        var conf = Path.ChangeExtension(config, ".conf");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(world.World.Topology.Configuration, StrictJsonContext.Default.ClusterConfiguration), Token);
        try
        {
            var (exit, output) = await StartScriptAsync(world, "server3", config, conf);

            Assert.True(exit == 0, output);
            Assert.Contains("CLP_EVENT=FAILOVER", output, StringComparison.Ordinal);
            Assert.Contains("SUCCEEDED", output, StringComparison.Ordinal);
            await world.AssertFilesServedByAsync("server3", Token);

            // Starting the group back on server2 now would mount the stale ex-primary: refused, and efsdr's
            // "run failed" code 3 reaches EXPRESSCLUSTER unchanged.
            var (failedExit, failedOutput) = await StartScriptAsync(world, "server2", config, conf);
            Assert.True(failedExit == 3, failedOutput);
            Assert.Contains("StaleFileSystemException", failedOutput, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(config);
            File.Delete(conf);
        }
    }
}
