using EfsDr.Core.Model;
using EfsDr.Runs;

namespace EfsDr.Cli.Tests.Commands;

/// <summary>Execution names that Step Functions accepts, durations for people, and a failed step said once.</summary>
public sealed class NamesAndDurationsTests
{
    [Fact]
    public void NameFor_SeventyCharacterServer_FitsEightyValidCharactersAndStaysStable()
    {
        var server = "s" + new string('x', 69);

        var name = FailoverStarter.NameFor(server, 12, 2);

        Assert.True(ExecutionNames.IsValid(name), name);
        Assert.True(name.Length <= 80, name);
        Assert.Equal(name, FailoverStarter.NameFor(server, 12, 2));
        Assert.NotEqual(name, FailoverStarter.NameFor(server, 13, 2));
        Assert.NotEqual(name, FailoverStarter.NameFor(server, 12, 3));
    }

    [Fact]
    public void NameFor_ServerWithDot_BecomesValidAndDistinctFromTheDashedName()
    {
        var dotted = FailoverStarter.NameFor("app.node-1", 3, 1);

        Assert.True(ExecutionNames.IsValid(dotted), dotted);
        Assert.NotEqual(FailoverStarter.NameFor("app-node-1", 3, 1), dotted);
    }

    [Fact]
    public void NameFor_ShortServer_IsUnchanged() =>
        Assert.Equal("failover-server2-7", FailoverStarter.NameFor("server2", 7, 1));

    [Theory]
    [InlineData(1.1180026, "1.1 s")]
    [InlineData(0.04, "0.0 s")]
    [InlineData(9.96, "10 s")]
    [InlineData(42.4, "42 s")]
    [InlineData(751.2, "12 min 31 s")]
    [InlineData(3600, "1 h 00 min")]
    [InlineData(7530, "2 h 06 min")]
    public void ForPeople_Seconds_RoundedForPeople(double seconds, string expected) =>
        Assert.Equal(expected, Durations.ForPeople(seconds));

    [Fact]
    public void ForPeople_Absent_IsADash() => Assert.Equal("–", Durations.ForPeople((double?)null));

    [Fact]
    public void Describe_LambdaFailure_NamesTheStepAndExecutionFailedIsLeftToTheFinalLine()
    {
        var at = DateTimeOffset.Parse("2025-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var failed = new HistoryEvent(5, 4, "LambdaFunctionFailed", at, null, "RegionUnreachableException", "efs down", null);
        var execution = new HistoryEvent(9, 8, "ExecutionFailed", at, null, "RegionUnreachableException", "efs down", null);

        Assert.Equal("  00:00:00.000 PromoteReplica failed: RegionUnreachableException: efs down", FailoverDriver.Describe(failed, "PromoteReplica"));
        Assert.Null(FailoverDriver.Describe(execution, "PromoteReplica"));
    }
}
