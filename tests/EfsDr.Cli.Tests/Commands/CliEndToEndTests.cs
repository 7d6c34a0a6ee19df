using System.Text.Json;
using EfsDr.Cli.Commands;
using EfsDr.Cli.Tests.EndToEnd;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Drill;

namespace EfsDr.Cli.Tests.Commands;

/// <summary>efsdr's commands end to end against the local cloud, through the same command tree as the binary.</summary>
[Trait("Category", "EndToEnd")]
public sealed class CliEndToEndTests : IAsyncLifetime
{
    private LocalWorld _world = null!;
    private string _config = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "local");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "local");
        _world = await LocalWorld.StartAsync(Token);
        _config = Path.Combine(Path.GetTempPath(), $"efsdr-cli-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(_config, JsonSerializer.Serialize(_world.World.Topology.Configuration, StrictJsonContext.Default.ClusterConfiguration), Token);
    }

    public async ValueTask DisposeAsync()
    {
        File.Delete(_config);
        await _world.DisposeAsync();
    }

    private async Task<(int Exit, string Out, string Err)> Efsdr(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var all = args.Concat(["--endpoint-url", _world.Cloud.Endpoint.ToString(), "--config", _config]).ToArray();
        var exit = await Program.InvokeAsync(all, output, error, Token);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Failover_WaitToServer2_SucceedsWithProgressAndSummary()
    {
        await _world.World.DeactivateAsync("server1", Token);

        var (exit, output, error) = await Efsdr("failover", "--to", "server2", "--wait", "--reason", "drill");

        Assert.True(exit == ExitCodes.Ok, output + error);
        Assert.Contains("PlanFailover", output, StringComparison.Ordinal);
        Assert.Contains("CheckNodeCommand — node Success", output, StringComparison.Ordinal);
        Assert.Contains("RTO", output, StringComparison.Ordinal);
        await _world.AssertFilesServedByAsync("server2", Token);
    }

    [Fact]
    public async Task Failover_AlreadyRunningToSameServer_JoinsInsteadOfStartingAnother()
    {
        await _world.World.DeactivateAsync("server1", Token);
        var (startExit, startOut, _) = await Efsdr("failover", "--to", "server3");
        Assert.Equal(ExitCodes.Ok, startExit);
        var firstArn = startOut.Trim().Split('\n')[^1];
        Assert.StartsWith("arn:aws:states:us-west-2:", firstArn, StringComparison.Ordinal);

        var (exit, output, error) = await Efsdr("failover", "--to", "server3", "--wait", "--output", "json");

        Assert.True(exit == ExitCodes.Ok, output + error);
        using var json = JsonDocument.Parse(output);
        Assert.True(json.RootElement.GetProperty("joined").GetBoolean());
        Assert.Equal(firstArn, json.RootElement.GetProperty("executionArn").GetString());
        Assert.Equal("SUCCEEDED", json.RootElement.GetProperty("status").GetString());
        Assert.Contains("joining the running failover", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_DryRun_ShowsPlanAndChangesNothing()
    {
        var topology = _world.World.Topology;
        var commands = _world.Cloud.Context.Ssm.Commands.Count;

        var (exit, output, error) = await Efsdr("plan", "--to", "server3");

        Assert.True(exit == ExitCodes.Ok, output + error);
        Assert.Contains("Plan (nothing was changed)", output, StringComparison.Ordinal);
        Assert.Contains("promote", output, StringComparison.Ordinal);
        Assert.Contains("data-loss window", output, StringComparison.Ordinal);
        Assert.Contains("pre-flight      ssm: Online", output, StringComparison.Ordinal);
        Assert.Equal("ENABLED", _world.Cloud.Context.Efs.Replication("us-west-2", topology.ReplicaFileSystemId)?.Status);
        Assert.Equal(commands, _world.Cloud.Context.Ssm.Commands.Count);
    }

    [Fact]
    public async Task StatusRunsReportAndConfig_JsonOutput_Parses()
    {
        var status = await Efsdr("status", "--output", "json");
        var runs = await Efsdr("runs", "--output", "json");
        using var statusJson = JsonDocument.Parse(status.Out);
        using var runsJson = JsonDocument.Parse(runs.Out);
        var name = runsJson.RootElement.GetProperty("runs")[0].GetProperty("name").GetString()!;
        var report = await Efsdr("report", name, "--output", "json");
        var svg = await Efsdr("report", name, "--format", "svg");
        var config = await Efsdr("config", "validate", _config, "--output", "json");

        Assert.Equal("server1", statusJson.RootElement.GetProperty("dns").GetProperty("activeServer").GetString());
        Assert.Equal("ENABLED", statusJson.RootElement.GetProperty("regions")[0].GetProperty("replication").GetProperty("status").GetString());
        Assert.Equal(ExitCodes.Ok, runs.Exit);
        Assert.Empty(runsJson.RootElement.GetProperty("unreachableRegions").EnumerateArray());
        using var reportJson = JsonDocument.Parse(report.Out);
        Assert.Equal("SUCCEEDED", reportJson.RootElement.GetProperty("status").GetString());
        Assert.True(reportJson.RootElement.GetProperty("transitions").GetInt32() > 5);
        Assert.StartsWith("<svg", svg.Out, StringComparison.Ordinal);
        using var configJson = JsonDocument.Parse(config.Out);
        Assert.True(configJson.RootElement.GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task ExitCodes_UsageFailedRunTimeoutAndUnreachable_AreDistinct()
    {
        var unknownServer = await Efsdr("failover", "--to", "server9");
        var badTimeout = await Efsdr("failover", "--to", "server3", "--wait", "--timeout", "soon");
        _world.Cloud.Faults.SetNodeOffline(_world.World.Topology.Server("server2").InstanceId, offline: true);
        var failed = await Efsdr("failover", "--to", "server2", "--wait");
        var timeout = await Efsdr("failover", "--to", "server3", "--wait", "--timeout", "1s");
        var invalid = Path.Combine(Path.GetTempPath(), $"efsdr-bad-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(invalid, """{"fileSystem":{"name":""}}""", Token);
        var badConfig = await Efsdr("config", "validate", invalid);

        Assert.Equal(ExitCodes.Usage, unknownServer.Exit);
        Assert.Contains("--to: 'server9'", unknownServer.Err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, badTimeout.Exit);
        Assert.Equal(ExitCodes.RunFailed, failed.Exit);
        Assert.Contains("TargetNodeOfflineException", failed.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.WaitTimeout, timeout.Exit);
        Assert.Equal(ExitCodes.Usage, badConfig.Exit);
        Assert.Contains("servers: is required", badConfig.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExitCodes_AwsUnreachable_IsFive()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();

        var exit = await Program.BuildRoot(output, error).Parse(["status", "--endpoint-url", $"http://127.0.0.1:{port}", "--config", _config, "--output", "json"]).InvokeAsync(cancellationToken: Token);
        var fail = await Program.BuildRoot(output, error).Parse(["failover", "--to", "server3", "--endpoint-url", $"http://127.0.0.1:{port}", "--config", _config]).InvokeAsync(cancellationToken: Token);

        // Nothing answered: the status is all blanks, so it is not a success.
        Assert.Equal(ExitCodes.AwsUnreachable, exit);
        Assert.Contains("unreachable", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(ExitCodes.AwsUnreachable, fail);
    }

    [Fact]
    public async Task Health_HealthyThenDrNodeOffline_ExitsZeroThenSixWithTheFinding()
    {
        var healthy = await Efsdr("health", "--output", "json");
        _world.Cloud.Faults.SetNodeOffline(_world.World.Topology.Server("server3").InstanceId, offline: true);
        var offline = await Efsdr("health");

        Assert.True(healthy.Exit == ExitCodes.Ok, healthy.Out + healthy.Err);
        using var json = JsonDocument.Parse(healthy.Out);
        Assert.True(json.RootElement.GetProperty("drReady").GetBoolean());
        Assert.Equal(ExitCodes.CriticalFinding, offline.Exit);
        Assert.Contains("node-offline", offline.Out, StringComparison.Ordinal);
        Assert.Contains("CRITICAL", offline.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failover_InterruptedWhileWaiting_StopsWaitingButNotTheExecution()
    {
        await _world.World.DeactivateAsync("server1", Token);
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(Token);
        using var output = new InterruptingWriter("started ", interrupt);
        using var error = new StringWriter();

        // Ctrl-C arrives as cancellation of the invocation once the execution has started.
        var exit = await Program.BuildRoot(output, error)
            .Parse(["failover", "--to", "server3", "--wait", "--endpoint-url", _world.Cloud.Endpoint.ToString(), "--config", _config])
            .InvokeAsync(cancellationToken: interrupt.Token);

        Assert.Equal(ExitCodes.Interrupted, exit);
        Assert.Contains("nothing was stopped in AWS", error.ToString(), StringComparison.Ordinal);
        var machine = _world.World.Topology.StateMachineFor("server3");
        var page = await _world.Adapters.Executions.ListAsync(machine, ExecutionStatus.Running, null, Token);
        var running = page.Items.SingleOrDefault();
        Assert.NotNull(running);
        var finished = await _world.World.FollowAsync(running.ExecutionArn, "after Ctrl-C", "server3", Token);
        Assert.True(finished.Succeeded, finished.Reason);
    }

    /// <summary>A writer that cancels when a line containing <paramref name="trigger"/> is written (a user pressing Ctrl-C then).</summary>
    private sealed class InterruptingWriter(string trigger, CancellationTokenSource interrupt) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value is not null && value.Contains(trigger, StringComparison.Ordinal))
            {
                interrupt.Cancel();
            }
        }
    }
}
