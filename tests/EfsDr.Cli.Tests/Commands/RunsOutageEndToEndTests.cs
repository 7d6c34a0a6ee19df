using System.Text.Json;
using EfsDr.Cli.Commands;
using EfsDr.Cli.Tests.EndToEnd;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.LocalCloud.Hosting;

namespace EfsDr.Cli.Tests.Commands;

/// <summary><c>efsdr runs</c> and <c>efsdr report</c> across regions, with one region down (the moment an operator needs them).</summary>
[Trait("Category", "EndToEnd")]
public sealed class RunsOutageEndToEndTests : IAsyncLifetime
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
        _world.Cloud.Faults.Clear();
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

    /// <summary>The world has the start run in us-east-1; a dry run to server3 adds a newer one in us-west-2. Returns both.</summary>
    private async Task<(Execution East, Execution West)> RunInEachRegionAsync()
    {
        var plan = await Efsdr("plan", "--to", "server3");
        Assert.True(plan.Exit == ExitCodes.Ok, plan.Out + plan.Err);
        return (await LatestAsync("server1"), await LatestAsync("server3"));
    }

    private async Task<Execution> LatestAsync(string server)
    {
        var page = await _world.Adapters.Executions.ListAsync(_world.World.Topology.StateMachineFor(server), null, null, Token);
        return page.Items.OrderByDescending(e => e.StartDate).First();
    }

    private void RegionDown(string region) => _world.Cloud.Faults.Set("*", region, new ServiceFaults { Unreachable = true });

    [Fact]
    public async Task Runs_SourceRegionUnreachable_ListsTheOtherRegionMarksItAndExitsZero()
    {
        var (east, west) = await RunInEachRegionAsync();
        RegionDown("us-east-1");

        var text = await Efsdr("runs");
        var json = await Efsdr("runs", "--output", "json");

        Assert.True(text.Exit == ExitCodes.Ok, text.Out + text.Err);
        Assert.Contains(west.Name, text.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(east.Name, text.Out, StringComparison.Ordinal);
        var note = Assert.Single(text.Out.Split('\n'), l => l.StartsWith("us-east-1: unreachable (", StringComparison.Ordinal));
        Assert.Contains("RegionUnreachableException", note, StringComparison.Ordinal);
        Assert.EndsWith("— runs there not listed", note.TrimEnd(), StringComparison.Ordinal);

        Assert.True(json.Exit == ExitCodes.Ok, json.Out + json.Err);
        using var doc = JsonDocument.Parse(json.Out);
        var runs = doc.RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.NotEmpty(runs);
        Assert.All(runs, r => Assert.Equal("us-west-2", r.GetProperty("region").GetString()));
        var unreachable = Assert.Single(doc.RootElement.GetProperty("unreachableRegions").EnumerateArray());
        Assert.Equal("us-east-1", unreachable.GetProperty("region").GetString());
        Assert.StartsWith("RegionUnreachableException: ", unreachable.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runs_RunsInBothRegions_SortsNewestFirstAcrossRegionsAndHonoursMax()
    {
        var (east, west) = await RunInEachRegionAsync();
        Assert.True(west.StartDate > east.StartDate);

        var all = await Efsdr("runs", "--output", "json");
        var one = await Efsdr("runs", "--output", "json", "--max", "1");

        Assert.True(all.Exit == ExitCodes.Ok, all.Out + all.Err);
        using var allJson = JsonDocument.Parse(all.Out);
        var rows = allJson.RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(west.Name, rows[0].GetProperty("name").GetString());
        Assert.Contains(rows, r => r.GetProperty("name").GetString() == east.Name && r.GetProperty("region").GetString() == "us-east-1");
        var starts = rows.Select(r => DateTimeOffset.Parse(r.GetProperty("startDate").GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(starts.OrderByDescending(s => s), starts);
        using var oneJson = JsonDocument.Parse(one.Out);
        var only = Assert.Single(oneJson.RootElement.GetProperty("runs").EnumerateArray());
        Assert.Equal(west.Name, only.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Report_ByNameWithAnotherRegionUnreachable_SkipsItWithANoteAndReports()
    {
        var (_, west) = await RunInEachRegionAsync();
        RegionDown("us-east-1");

        var (exit, output, error) = await Efsdr("report", west.Name);

        Assert.True(exit == ExitCodes.Ok, output + error);
        Assert.StartsWith($"# EfsDr run {west.Name}", output, StringComparison.Ordinal);
        Assert.Contains("us-east-1: unreachable (RegionUnreachableException", error, StringComparison.Ordinal);
        Assert.Contains("not searched", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_RunInTheUnreachableRegion_SaysSoInOneLineAndExitsFive()
    {
        var (east, _) = await RunInEachRegionAsync();
        RegionDown("us-east-1");

        var byArn = await Efsdr("report", east.ExecutionArn);
        var byName = await Efsdr("report", east.Name, "--output", "json");

        Assert.Equal(ExitCodes.AwsUnreachable, byArn.Exit);
        Assert.Empty(byArn.Out);
        var line = Assert.Single(byArn.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("efsdr: us-east-1: unreachable (RegionUnreachableException", line, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.AwsUnreachable, byName.Exit);
        Assert.Empty(byName.Out);
        line = Assert.Single(byName.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"no run named '{east.Name}' in us-west-2", line, StringComparison.Ordinal);
        Assert.Contains("us-east-1: unreachable (RegionUnreachableException", line, StringComparison.Ordinal);
    }
}
