using EfsDr.Core.Exceptions;
using EfsDr.Core.Reprotect;
using EfsDr.Testing.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Core.Tests.Reprotect;

/// <summary>The reprotect's execution input and state as source-generated JSON.</summary>
public sealed class ReprotectJsonTests
{
    [Fact]
    public void SerializeRequest_DefaultsOnly_IsAnEmptyObject() =>
        Assert.Equal("{}", ReprotectJson.SerializeRequest(new ReprotectRequest()));

    [Fact]
    public void SerializeRequest_EveryOption_IsWhatTheStrictParserReadsBack()
    {
        var request = new ReprotectRequest { DryRun = true, OverwriteDiverged = true, Reason = "after the \"outage\"" };

        Assert.Equal(request, ReprotectJson.ParseRequest(ReprotectJson.SerializeRequest(request)));
    }

    [Fact]
    public void ParseRequest_UnknownField_NamesIt()
    {
        var ex = Assert.Throws<InvalidInputException>(() => ReprotectJson.ParseRequest("""{"overwriteDivergent":true}"""));

        Assert.Equal("overwriteDivergent", Assert.Single(ex.Errors).Field);
    }

    [Fact]
    public async Task ParseState_AfterSteps_RoundTripsThePlanAndProgress()
    {
        var cloud = ReprotectWorld.AfterFailover(fenced: false, orphaned: true);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
        var plan = await new ReprotectPlanner(ReprotectWorld.Configuration(), cloud, cloud, time).PlanAsync(new ReprotectRequest(), "run-1", TestContext.Current.CancellationToken);
        var state = await new ReprotectService(cloud, cloud, time).CleanUpOrphanAsync(new ReprotectState { Plan = plan }, TestContext.Current.CancellationToken);

        var json = ReprotectJson.SerializeState(state);
        var back = ReprotectJson.ParseState(json)!;

        Assert.Contains("\"action\":\"IntoNewFileSystem\"", json, StringComparison.Ordinal);
        Assert.Equal(plan.DivergedName, back.Plan.DivergedName);
        Assert.Equal(plan.MountTargets.Select(m => m.SubnetId), back.Plan.MountTargets.Select(m => m.SubnetId));
        Assert.Equal(state.OrphanCleanup, back.OrphanCleanup);
        Assert.Equal(ReprotectJson.SerializeState(back), json);
    }

    [Fact]
    public void WireName_EveryAction_IsItsName() =>
        Assert.All(Enum.GetValues<ReprotectAction>(), a => Assert.Equal(a.ToString(), ReprotectJson.WireName(a)));
}
