using EfsDr.Core.Reprotect;
using EfsDr.Runs;

namespace EfsDr.Cli.Tests.EndToEnd;

/// <summary>The reprotect workflow on the local cloud, started directly on the primary region's state machine.</summary>
[Trait("Category", "EndToEnd")]
public sealed class ReprotectEndToEndTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reprotect_AfterFailoverToServer3_Succeeds()
    {
        await using var world = await LocalWorld.StartAsync(600, Token);
        var toServer3 = await world.World.FailoverAsync("to server3", "server3", null, world.Runs, Token);
        Assert.True(toServer3.Succeeded, toServer3.Reason + "\n" + world.Transcript());

        var run = await ReprotectAsync(world, "reprotect-1", new ReprotectRequest { Reason = "smoke" });

        Assert.True(run.Succeeded, run.Reason + "\n" + world.Transcript());
        TestContext.Current.TestOutputHelper!.WriteLine(world.Transcript() + "\n" + run.Execution.Output);
    }

    private static void Log(LocalWorld world, string line)
    {
        lock (world.Log)
        {
            world.Log.Add(line);
        }
    }

    private static async Task<RunRecord> ReprotectAsync(LocalWorld world, string name, ReprotectRequest request)
    {
        var arn = world.World.Topology.ReprotectStateMachineIn("us-west-2");
        var started = await world.Adapters.Executions.StartAsync(arn, name, ReprotectJson.SerializeRequest(request), Token);
        return await new FailoverDriver(world.Adapters.Executions).FollowAsync(started.ExecutionArn, name, "reprotect", line => Log(world, line), TimeSpan.FromMinutes(2), Token);
    }
}
