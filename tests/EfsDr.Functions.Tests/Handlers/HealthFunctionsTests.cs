using System.Text.Json.Nodes;
using EfsDr.Core.Model;
using EfsDr.Functions.Handlers;
using EfsDr.Functions.Observability;
using EfsDr.Functions.Runtime;
using EfsDr.Functions.Tests.Observability;
using EfsDr.Testing.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Functions.Tests.Handlers;

/// <summary>The health-check handler over the in-memory cloud.</summary>
public sealed class HealthFunctionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly InvocationContext Context = new("req-1", Now.AddMinutes(1), "arn:aws:lambda:us-west-2:1:function:f", null);
    private readonly FakeTimeProvider _time = new(Now);
    private readonly InMemoryCloud _cloud = SeedCluster.Cloud(Now.AddSeconds(-120));
    private readonly StringWriter _log = new();
    private readonly StringWriter _metrics = new();
    private readonly Dictionary<string, string> _environment = new()
    {
        ["AWS_REGION"] = "us-west-2",
        [FunctionHost.ConfigParameterVariable] = "/efsdr/config",
    };

    public HealthFunctionsTests() =>
        _cloud.ParameterValues["us-west-2:/efsdr/config"] = File.ReadAllText(Support.Repo.Path("config", "cluster.example.json"));

    private async Task<JsonNode> InvokeAsync()
    {
        var handlers = FunctionHost.Handlers(n => _environment.TryGetValue(n, out var v) ? v : null, new FunctionPorts(_cloud, _cloud, _cloud, _cloud, _cloud, _cloud, new InMemoryExecutions()), _time, new JsonLineLoggerProvider(_log, _time).CreateLogger("test"), _metrics);
        return JsonNode.Parse(await handlers[FunctionNames.HealthCheck]("{}"u8.ToArray(), Context, TestContext.Current.CancellationToken))!;
    }

    private string[] MetricLines() => _metrics.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public async Task HealthCheck_HealthyCluster_ReturnsReadyReportAndValidEmf()
    {
        var report = await InvokeAsync();

        Assert.True(report["drReady"]!.GetValue<bool>());
        Assert.False(report["hasCritical"]!.GetValue<bool>());
        Assert.Equal("ENABLED", report["replicationStatus"]!.GetValue<string>());
        Assert.Equal(120, report["replicationLagSeconds"]!.GetValue<double>());
        var lines = MetricLines();
        Assert.Equal(4, lines.Length);
        Assert.All(lines, l => Assert.Empty(EmfValidator.Problems(l)));
        Assert.Equal("us-west-2", JsonNode.Parse(lines[0])!["Region"]!.GetValue<string>());
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task HealthCheck_DrNodeOffline_ReportsCriticalFindingAndLogsIt()
    {
        _cloud.Ping["i-0123456789abcdef3"] = PingStatus.ConnectionLost;

        var report = await InvokeAsync();

        Assert.False(report["drReady"]!.GetValue<bool>());
        var finding = report["findings"]!.AsArray()[0]!;
        Assert.Equal("node-offline", finding["id"]!.GetValue<string>());
        Assert.Equal("Critical", finding["severity"]!.GetValue<string>());
        Assert.Contains("node-offline", _log.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, JsonNode.Parse(MetricLines()[0])!["DrReady"]!.GetValue<int>());
    }
}
