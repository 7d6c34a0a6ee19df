using System.Text.Json;
using EfsDr.Core.Health;
using EfsDr.Functions.Observability;

namespace EfsDr.Functions.Tests.Observability;

public sealed class HealthMetricsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static HealthReport Report(double? lag = 412, bool healthy = true) => new()
    {
        CheckedAt = Now,
        FileSystemName = "DRTest-EFS1",
        ReplicationStatus = "ENABLED",
        ReplicationLagSeconds = lag,
        ReplicationHealthy = healthy,
        DrReady = healthy,
        Findings =
        [
            new HealthFinding("a", FindingSeverity.Critical, "m", "r"),
            new HealthFinding("b", FindingSeverity.Critical, "m", "r"),
            new HealthFinding("c", FindingSeverity.Info, "m", string.Empty),
        ],
    };

    private static JsonElement Root(string line) => JsonDocument.Parse(line).RootElement.Clone();

    [Fact]
    public void Lines_Report_AreValidEmf()
    {
        var lines = HealthMetrics.Lines(Report(), "us-west-2");

        Assert.Equal(4, lines.Count);
        Assert.All(lines, line => Assert.Empty(EmfValidator.Problems(line)));
        Assert.All(lines, line => Assert.Equal(Now.ToUnixTimeMilliseconds(), Root(line).GetProperty("_aws").GetProperty("Timestamp").GetInt64()));
        Assert.All(lines, line => Assert.Equal("EfsDr", Root(line).GetProperty("_aws").GetProperty("CloudWatchMetrics")[0].GetProperty("Namespace").GetString()));
    }

    [Fact]
    public void Lines_Report_CarryTheFiguresAndDimensions()
    {
        var main = Root(HealthMetrics.Lines(Report(healthy: false), "us-west-2")[0]);

        Assert.Equal(412, main.GetProperty("ReplicationLagSeconds").GetDouble());
        Assert.Equal(0, main.GetProperty("ReplicationHealthy").GetInt32());
        Assert.Equal(0, main.GetProperty("DrReady").GetInt32());
        Assert.Equal("DRTest-EFS1", main.GetProperty("FileSystemName").GetString());
        Assert.Equal("us-west-2", main.GetProperty("Region").GetString());
        var metrics = main.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0].GetProperty("Metrics").EnumerateArray().ToDictionary(m => m.GetProperty("Name").GetString()!, m => m.GetProperty("Unit").GetString());
        Assert.Equal("Seconds", metrics["ReplicationLagSeconds"]);
        Assert.Equal("Count", metrics["DrReady"]);
    }

    [Fact]
    public void Lines_FindingCounts_OneLinePerSeverity()
    {
        var counts = HealthMetrics.Lines(Report(), "us-east-1").Skip(1).Select(Root)
            .ToDictionary(r => r.GetProperty("Severity").GetString()!, r => r.GetProperty("FindingCount").GetInt32());

        Assert.Equal(new Dictionary<string, int> { ["Info"] = 1, ["Warning"] = 0, ["Critical"] = 2 }, counts);
    }

    [Fact]
    public void Lines_LagUnknown_LeavesTheLagMetricOut()
    {
        var main = HealthMetrics.Lines(Report(lag: null, healthy: false), "us-east-1")[0];

        Assert.Empty(EmfValidator.Problems(main));
        Assert.False(Root(main).TryGetProperty("ReplicationLagSeconds", out _));
        Assert.DoesNotContain("\"Name\":\"ReplicationLagSeconds\"", main, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"_aws":{"Timestamp":1795780800000,"CloudWatchMetrics":[{"Namespace":"EfsDr","Dimensions":[["Region"]],"Metrics":[{"Name":"DrReady","Unit":"Count"}]}]},"DrReady":1}""", "dimension Region")]
    [InlineData("""{"_aws":{"Timestamp":1795780800000,"CloudWatchMetrics":[{"Namespace":"EfsDr","Dimensions":[["Region"]],"Metrics":[{"Name":"DrReady","Unit":"Count"}]}]},"Region":"x"}""", "metric DrReady")]
    [InlineData("""{"_aws":{"Timestamp":"now","CloudWatchMetrics":[{"Namespace":"EfsDr","Dimensions":[[]],"Metrics":[]}]}}""", "Timestamp")]
    [InlineData("""{"DrReady":1}""", "_aws")]
    public void Problems_InvalidEvent_AreReported(string line, string expected) =>
        Assert.Contains(EmfValidator.Problems(line), p => p.Contains(expected, StringComparison.Ordinal));
}
