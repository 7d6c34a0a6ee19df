using EfsDr.Core.Failover;

namespace EfsDr.Core.Tests.Failover;

/// <summary>The execution input and output as the CLI and the drill build and read them (source-generated, no string keys).</summary>
public sealed class ExecutionJsonTests
{
    [Fact]
    public void SerializeRequest_DefaultsOnly_IsTheTargetAlone() =>
        Assert.Equal("""{"targetServer":"server3"}""", EfsDrJson.SerializeRequest(new FailoverRequest { TargetServer = "server3" }));

    [Fact]
    public void SerializeRequest_EveryOption_IsWhatTheStrictParserReadsBack()
    {
        var request = new FailoverRequest { TargetServer = "server1", DryRun = true, SourceRegionUnavailable = true, AcceptUnverifiedEpochs = true, Reason = "drill \"A\"" };

        Assert.Equal(request, EfsDrJson.ParseRequest(EfsDrJson.SerializeRequest(request)));
    }

    [Fact]
    public void ReadRequest_ExtraMember_IsIgnored() =>
        Assert.Equal("server3", EfsDrJson.ReadRequest("""{"targetServer":"server3","dryRun":true,"console":1}""")?.TargetServer);

    [Theory]
    [InlineData("""{"targetServer":42}""")]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData(null)]
    public void ReadRequest_NotARequest_IsNull(string? input) =>
        Assert.Null(EfsDrJson.ReadRequest(input));

    [Fact]
    public void ParseSummary_SummaryJson_GivesTheTypedSummary()
    {
        var summary = EfsDrJson.ParseSummary("""{"runId":"r","activeServer":"server3","steps":[{"step":"PromoteReplica","startedAt":"2026-11-27T12:00:00Z","seconds":9.6}],"exPrimary":{"fileSystemId":"fs-1","region":"us-east-1","fenced":true,"detail":"d"}}""");

        Assert.Equal("server3", summary?.ActiveServer);
        Assert.Equal(9.6, Assert.Single(summary!.Steps).Seconds);
        Assert.True(summary.ExPrimary?.Fenced);
    }

    [Fact]
    public void ParseSummary_NotJson_IsNull() =>
        Assert.Null(EfsDrJson.ParseSummary("{"));
}
