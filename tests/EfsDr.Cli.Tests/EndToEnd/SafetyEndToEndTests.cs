using System.Text.Json;
using System.Text.RegularExpressions;
using EfsDr.Cli.Commands;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Drill;
using EfsDr.LocalCloud.Hosting;
using EfsDr.Runs;

namespace EfsDr.Cli.Tests.EndToEnd;

/// <summary>
/// The safety defects, each end to end on the local cloud (real ASL engine, handlers, node script and wire clients):
/// never back to stale data, never two runs, a failed run restores the TTL, and DNS failures after the node is active
/// always end in the "switch the record by hand" answer.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class SafetyEndToEndTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Failover_BackIntoTheOldRegionAfterALocalOnlyPromotion_IsRefusedWithNothingMountedAndDnsUntouched()
    {
        await using var world = await LocalWorld.StartAsync(Token);
        var topology = world.World.Topology;
        await world.World.DeactivateAsync("server1", Token);
        foreach (var service in new[] { "elasticfilesystem", "ssm" })
        {
            world.Cloud.Faults.Set(service, "us-east-1", new ServiceFaults { Unreachable = true });
        }

        var toServer3 = await world.World.FailoverAsync("us-east-1 down", "server3", "outage", world.Runs, Token);
        Assert.True(toServer3.Succeeded, $"{toServer3.Reason}\n{world.Transcript()}");
        world.Cloud.Faults.Clear();
        Assert.NotNull(world.Cloud.Context.Efs.Replication("us-east-1", topology.PrimaryFileSystemId)); // the orphaned side is back
        var commandsBefore = world.Cloud.Context.Ssm.Commands.Count;

        var back = await world.World.FailoverAsync("back without reprotect", "server1", null, world.Runs, Token);

        Assert.Equal(ExecutionStatus.Failed, back.Execution.Status);
        Assert.Equal("StaleFileSystemException", back.Execution.Error);
        Assert.Contains(topology.PrimaryFileSystemId, back.Execution.Cause, StringComparison.Ordinal);
        Assert.Contains("reprotect", back.Execution.Cause, StringComparison.Ordinal);
        Assert.Empty(world.Cloud.Context.Ssm.Mounts(topology.Server("server1").InstanceId));
        Assert.Equal(commandsBefore, world.Cloud.Context.Ssm.Commands.Count);
        Assert.Equal([topology.Server("server3").Address], world.Cloud.Context.Route53.Record(topology.HostedZoneId, LocalTopology.RecordName, "A")!.Values);
        await world.AssertFilesServedByAsync("server3", Token);
    }

    [Fact]
    public async Task Failover_TwoDirectStartsForTheSameTarget_OneActsAndTheOtherIsRefusedBeforeAnyChange()
    {
        await using var world = await LocalWorld.StartAsync(Token);
        var topology = world.World.Topology;
        var machine = topology.StateMachineFor("server3");
        var input = DrillWorld.Input("server3");

        // As two consoles would: two names, the same target, at the same moment.
        var started = await Task.WhenAll(
            world.Adapters.Executions.StartAsync(machine, "console-a", input, Token),
            world.Adapters.Executions.StartAsync(machine, "console-b", input, Token));
        var runs = await Task.WhenAll(started.Select(s => world.World.FollowAsync(s.ExecutionArn, "twin", "server3", Token)));

        Assert.Single(runs, r => r.Succeeded);
        var refused = Assert.Single(runs, r => !r.Succeeded);
        Assert.Equal("RunInProgressException", refused.Execution.Error);
        Assert.Contains(runs.Single(r => r.Succeeded).Execution.ExecutionArn, refused.Execution.Cause, StringComparison.Ordinal);
        Assert.DoesNotContain(refused.History, e => e.StateName is "PromoteReplica" or "ActivateNode" or "LowerDnsTtl");
        var server3 = topology.Server("server3").InstanceId;
        Assert.Single(world.Cloud.Context.Ssm.Commands, c => c.InstanceId == server3 && c.Parameters["Action"][0] == "activate");
    }

    [Fact]
    public async Task Failover_ToAnotherTargetWhileOneRuns_IsRefusedByTheCliNamingTheRunningExecution()
    {
        await using var world = await LocalWorld.StartAsync(Token);
        var config = await world.ConfigFileAsync(Token);
        try
        {
            var first = await world.EfsdrAsync(config, Token, "failover", "--to", "server3");
            Assert.True(first.Exit == ExitCodes.Ok, first.Out + first.Err);
            var running = first.Out.Trim().Split('\n')[^1];
            var usEast1Before = await world.World.ExecutionCountAsync("server2", Token);

            var second = await world.EfsdrAsync(config, Token, "failover", "--to", "server2", "--wait");

            Assert.Equal(ExitCodes.RunFailed, second.Exit);
            Assert.Contains("refused", second.Err, StringComparison.Ordinal);
            Assert.Contains(running, second.Err, StringComparison.Ordinal);
            Assert.Equal(usEast1Before, await world.World.ExecutionCountAsync("server2", Token));
            var finished = await world.World.FollowAsync(running, "first", "server3", Token);
            Assert.True(finished.Succeeded, finished.Reason);
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task Failover_TwoCliStartsForTheSameTargetAtOnce_MakeOneExecution()
    {
        await using var world = await LocalWorld.StartAsync(Token);
        var config = await world.ConfigFileAsync(Token);
        try
        {
            var before = await world.World.ExecutionCountAsync("server3", Token);

            var both = await Task.WhenAll(world.EfsdrAsync(config, Token, "failover", "--to", "server3", "--wait"), world.EfsdrAsync(config, Token, "failover", "--to", "server3", "--wait"));

            Assert.All(both, r => Assert.True(r.Exit == ExitCodes.Ok, r.Out + r.Err));
            Assert.Equal(before + 1, await world.World.ExecutionCountAsync("server3", Token));
            // Both name the same execution: Step Functions took the second start (same name, same input) as the first, or
            // the second found the first running and joined it ("started …" on one, "joining …" on the other).
            var lines = both.Select(r => r.Out.Split('\n')[0]).ToList();
            Assert.All(lines, line => Assert.Matches("^(started|joining the running failover to server3:) failover-server3-[0-9]+", line));
            var names = lines.Select(line => Regex.Match(line, "failover-server3-[0-9]+").Value).ToList();
            Assert.Equal(names[0], names[1]);
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task Failover_FailingAfterTheTtlWasLowered_RestoresTheTtlAndReleasesTheLock()
    {
        await using var world = await LocalWorld.StartAsync(Token);
        var topology = world.World.Topology;
        world.Cloud.Faults.SetCommandFailure(topology.Server("server3").InstanceId, "efsdr-node: injected failure: mount: mount.nfs4: Connection timed out");

        var failed = await world.World.FailoverAsync("node fails", "server3", null, world.Runs, Token);

        Assert.Equal("NodeCommandFailedException", failed.Execution.Error);
        Assert.Contains(failed.History, e => e.Type == "TaskStateExited" && e.StateName == "LowerDnsTtl" && TtlLowered(e.Details));
        var record = world.Cloud.Context.Route53.Record(topology.HostedZoneId, LocalTopology.RecordName, "A")!;
        Assert.Equal(300, record.Ttl);
        Assert.Equal([topology.Server("server1").Address], record.Values);
        Assert.Contains("TTL restored to 300 s", failed.Execution.Cause, StringComparison.Ordinal);
        Assert.Contains("run lock released in us-east-1, us-west-2", failed.Execution.Cause, StringComparison.Ordinal);

        // The lock is free again: the next run acts.
        world.Cloud.Faults.SetCommandFailure(topology.Server("server3").InstanceId, null);
        var rerun = await world.World.FailoverAsync("re-run", "server3", null, world.Runs, Token);
        Assert.True(rerun.Succeeded, rerun.Reason);
    }

    [Fact]
    public async Task Failover_Route53UnreachableOnceTheNodeIsActive_EndsWithTheSwitchByHandAnswer()
    {
        await using var world = await LocalWorld.StartAsync(Token);
        var topology = world.World.Topology;
        world.Cloud.Faults.Set("route53", "*", new ServiceFaults { Unreachable = true });

        var run = await world.World.FailoverAsync("route53 down", "server3", null, world.Runs, Token);

        Assert.Equal(ExecutionStatus.Failed, run.Execution.Status);
        Assert.Equal("RegionUnreachableException", run.Execution.Error);
        Assert.Contains("server3 is active with", run.Execution.Cause, StringComparison.Ordinal);
        Assert.Contains("Switch it by hand", run.Execution.Cause, StringComparison.Ordinal);
        Assert.NotNull(world.Cloud.Context.Ssm.ApplicationPid(topology.Server("server3").InstanceId));
    }

    private static bool TtlLowered(string? details)
    {
        using var exited = JsonDocument.Parse(details!);
        using var state = JsonDocument.Parse(exited.RootElement.GetProperty("output").GetString()!);
        return state.RootElement.GetProperty("ttl").GetProperty("lowered").GetBoolean();
    }
}
