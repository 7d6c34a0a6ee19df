using System.Text.Json;
using System.Text.Json.Nodes;
using EfsDr.Cli.Commands;
using EfsDr.Cli.Tests.EndToEnd;
using EfsDr.Core.Configuration;
using EfsDr.Core.Failover;
using EfsDr.Drill;

namespace EfsDr.Cli.Tests.Commands;

/// <summary>
/// The deploy path against the local cloud's Parameter Store: <c>config push</c> writes the parameter the functions read,
/// <c>config diff</c> reports drift of the stored configuration and of the stack's recorded template parameters, and
/// <c>health</c> finds the node document by the name the template gives it (issue 14, points 2 and 3).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ConfigEndToEndTests : IAsyncLifetime
{
    private LocalWorld _world = null!;
    private string _config = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "local");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "local");
        _world = await LocalWorld.StartAsync(Token);
        _config = Path.Combine(Path.GetTempPath(), $"efsdr-config-{Guid.NewGuid():N}.json");
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
        var exit = await Program.BuildRoot(output, error).Parse(all).InvokeAsync(cancellationToken: Token);
        return (exit, output.ToString(), error.ToString());
    }

    private Task<string> StoredAsync(string region, string name) => _world.Adapters.Parameters.GetAsync(region, name, Token);

    [Fact]
    public async Task Health_DefaultStack_FindsTheNodeDocumentTheTemplateNamesAndOtherStacksDoNot()
    {
        // Exactly the document a default deployment has: template.yaml names it ${AWS::StackName}-node, stack "efsdr".
        _world.Cloud.Context.Ssm.DocumentNames.Clear();
        _world.Cloud.Context.Ssm.DocumentNames.Add("efsdr-node");

        var healthy = await Efsdr("health", "--output", "json");
        var other = await Efsdr("health", "--stack-name", "prod");

        Assert.True(healthy.Exit == ExitCodes.Ok, healthy.Out + healthy.Err);
        using var json = JsonDocument.Parse(healthy.Out);
        Assert.DoesNotContain(json.RootElement.GetProperty("findings").EnumerateArray(), f => f.GetProperty("id").GetString() == "ssm-document-missing");
        Assert.Equal(ExitCodes.CriticalFinding, other.Exit);
        Assert.Contains("'prod-node' does not exist", other.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PushThenDiff_BothRegions_StoresTheFileWhereTheFunctionsReadItAndFindsNoDrift()
    {
        var text = (await File.ReadAllTextAsync(_config, Token)).Replace("\"ttl\": 300", "\"ttl\": 240", StringComparison.Ordinal);
        await File.WriteAllTextAsync(_config, text, Token);

        var before = await Efsdr("config", "diff");
        var push = await Efsdr("config", "push");
        var after = await Efsdr("config", "diff", "--output", "json");

        Assert.Equal(ExitCodes.Drift, before.Exit);
        Assert.Contains("us-east-1: 1 difference", before.Out, StringComparison.Ordinal);
        Assert.Contains("dns.ttl: file 240, stored 300: run efsdr config push --region us-east-1", before.Out, StringComparison.Ordinal);
        Assert.True(push.Exit == ExitCodes.Ok, push.Out + push.Err);
        Assert.Contains("us-west-2: pushed", push.Out, StringComparison.Ordinal);
        foreach (var region in new[] { "us-east-1", "us-west-2" })
        {
            Assert.Equal(text, await StoredAsync(region, LocalTopology.ConfigParameter));
        }

        Assert.True(after.Exit == ExitCodes.Ok, after.Out + after.Err);
        var json = JsonNode.Parse(after.Out)!;
        Assert.False(json["drift"]!.GetValue<bool>());
        Assert.All(json["regions"]!.AsArray(), r => Assert.Equal("same", r!["status"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Diff_OneRegionStaleAndTheStacksRpoDiffers_NamesBothThenPushOneRegionMendsTheStoredPart()
    {
        var stale = _world.World.Topology.Configuration with { Dns = _world.World.Topology.Configuration.Dns with { FailoverTtl = 10 } };
        _world.Cloud.Context.Ssm.PutParameter("us-west-2", LocalTopology.ConfigParameter, JsonSerializer.Serialize(stale, StrictJsonContext.Default.ClusterConfiguration));
        var recorded = LocalTopology.StackParametersJson(_world.World.Topology.Configuration, "us-east-1").Replace("\"rpoSeconds\":900", "\"rpoSeconds\":600", StringComparison.Ordinal);
        _world.Cloud.Context.Ssm.PutParameter("us-east-1", StackNames.StackParametersParameter(StackNames.Default), recorded);

        var diff = await Efsdr("config", "diff");
        var push = await Efsdr("config", "push", "--region", "us-west-2");
        var again = await Efsdr("config", "diff");

        Assert.Equal(ExitCodes.Drift, diff.Exit);
        Assert.Contains("us-west-2: 1 difference", diff.Out, StringComparison.Ordinal);
        Assert.Contains("dns.failoverTtl: file 30, stored 10", diff.Out, StringComparison.Ordinal);
        Assert.Contains("template parameter RpoSeconds (rpoSeconds): file 900, stack 600: deploy the stack in us-east-1", diff.Out, StringComparison.Ordinal);
        Assert.True(push.Exit == ExitCodes.Ok, push.Out + push.Err);
        Assert.DoesNotContain("us-east-1", push.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Drift, again.Exit);
        Assert.Contains("us-west-2: same as", again.Out, StringComparison.Ordinal);
        Assert.Contains("us-east-1: 1 difference", again.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_InvalidFile_ChangesNothingAndExitsTwo()
    {
        var before = await StoredAsync("us-east-1", LocalTopology.ConfigParameter);
        var invalid = Path.Combine(Path.GetTempPath(), $"efsdr-bad-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(invalid, (await File.ReadAllTextAsync(_config, Token)).Replace("us-west-2", "us-wset-2", StringComparison.Ordinal), Token);
        try
        {
            var push = await Efsdr("config", "push", invalid);

            Assert.Equal(ExitCodes.Usage, push.Exit);
            Assert.Contains("servers[2].region: 'us-wset-2' is not an AWS region", push.Err, StringComparison.Ordinal);
            Assert.Equal(string.Empty, push.Out);
            Assert.Equal(before, await StoredAsync("us-east-1", LocalTopology.ConfigParameter));
        }
        finally
        {
            File.Delete(invalid);
        }
    }

    [Fact]
    public async Task Diff_NothingPushedToTheStacksParameter_SaysToPush()
    {
        await _world.Adapters.Parameters.DeleteAsync("us-west-2", LocalTopology.ConfigParameter, Token);

        var diff = await Efsdr("config", "diff");

        Assert.Equal(ExitCodes.Drift, diff.Exit);
        Assert.Contains($"{LocalTopology.ConfigParameter} does not exist: run efsdr config push --region us-west-2", diff.Out, StringComparison.Ordinal);
    }
}
