using System.Text;
using EfsDr.LocalCloud.Hosting;

namespace EfsDr.LocalCloud.Tests.Faults;

/// <summary>The fault injector's draws are replayable: each call's draw depends on the seed, the call's operation and how
/// many calls of that operation came before it, never on how calls of other operations interleave with it (issue 12).</summary>
public sealed class FaultDrawTests
{
    private const string Describe = "elasticfilesystem us-east-1 GET /2015-02-01/file-systems ";
    private const string Invoke = "lambda us-west-2 POST /2015-03-31/functions/arn:aws:lambda:us-west-2:000000000000:function:efsdr-promote-replica/invocations ";

    [Fact]
    public void Draw_OtherOperationsDrawnInBetween_EachOperationDrawsTheSameValuesAsAlone()
    {
        var alone = new FaultInjector(20261203);
        var describeAlone = Enumerable.Range(0, 5).Select(_ => alone.Draw(Describe)).ToList();
        var interleaved = new FaultInjector(20261203);

        // Another execution's calls arrive in between, in a different order each time.
        var describeInterleaved = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            for (var j = 0; j < i; j++)
            {
                interleaved.Draw(Invoke);
            }

            describeInterleaved.Add(interleaved.Draw(Describe));
        }

        Assert.Equal(describeAlone, describeInterleaved);
        Assert.Equal(5, describeAlone.Distinct().Count());
    }

    [Fact]
    public void Reseed_SameSalt_TheSameDrawsAgainAndAnotherSaltOthers()
    {
        var faults = new FaultInjector(1);
        faults.Reseed(42);
        var first = new[] { faults.Draw(Describe), faults.Draw(Invoke), faults.Draw(Describe) };
        faults.Reseed(42);
        var again = new[] { faults.Draw(Describe), faults.Draw(Invoke), faults.Draw(Describe) };
        faults.Reseed(43);
        var other = new[] { faults.Draw(Describe), faults.Draw(Invoke), faults.Draw(Describe) };

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.Equal(FaultInjector.DrawOf(42, Describe, 1), first[2]);
    }

    [Fact]
    public void DrawOf_TwentyThousandDraws_UniformEnoughThatARateHitsItsShare()
    {
        var draws = Enumerable.Range(0, 20_000).Select(i => FaultInjector.DrawOf(7, i % 2 == 0 ? Describe : Invoke, i / 2)).ToList();

        Assert.All(draws, d => Assert.InRange(d, 0.0, 0.9999999999));
        Assert.InRange(draws.Average(), 0.49, 0.51);
        Assert.InRange(draws.Count(d => d < 0.2), 3_800, 4_200);
        Assert.InRange(draws.Count(d => d >= 0.9), 1_800, 2_200);
    }

    [Fact]
    public void Clear_EndingNotReached_DroppedAndNeverRunLater()
    {
        var faults = new FaultInjector(1);
        var ended = 0;
        faults.EndWhenInvoked("check-dns", () => ended++);

        faults.Invoked("plan-failover");
        faults.Clear();
        faults.Invoked("check-dns");

        Assert.Equal(0, ended);
    }

    [Theory]
    [InlineData("/2015-02-01/file-systems/fs-0123abcd/replication-configuration", "/2015-02-01/file-systems/fs-99999999/replication-configuration")]
    [InlineData("/2013-04-01/change/C0123456789", "/2013-04-01/change/CABC1")]
    [InlineData("/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-west-2%3A000000000000%3Afunction%3Aefsdr-check-dns/invocations", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-west-2%3A000000000000%3Afunction%3Aefsdr-check-dns/invocations")]
    public void DrawKey_SameOperationOtherGeneratedIds_SameKey(string path, string otherPath)
    {
        Assert.Equal(LocalCloudHost.DrawKey(Call("elasticfilesystem", "GET", path)), LocalCloudHost.DrawKey(Call("elasticfilesystem", "GET", otherPath)));
    }

    [Fact]
    public void DrawKey_OtherOperations_OtherKeys()
    {
        var keys = new[]
        {
            LocalCloudHost.DrawKey(Call("lambda", "POST", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-west-2%3A000000000000%3Afunction%3Aefsdr-check-dns/invocations")),
            LocalCloudHost.DrawKey(Call("lambda", "POST", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-west-2%3A000000000000%3Afunction%3Aefsdr-promote-replica/invocations")),
            LocalCloudHost.DrawKey(Call("ssm", "POST", "/", target: "AmazonSSM.SendCommand")),
            LocalCloudHost.DrawKey(Call("ssm", "POST", "/", target: "AmazonSSM.GetCommandInvocation")),
            LocalCloudHost.DrawKey(Call("ec2", "POST", "/", body: "Action=DescribeInstances&Version=2016-11-15")),
            LocalCloudHost.DrawKey(Call("ec2", "POST", "/", body: "Action=DescribeSubnets&Version=2016-11-15")),
            LocalCloudHost.DrawKey(Call("ec2", "POST", "/", region: "us-west-2", body: "Action=DescribeSubnets&Version=2016-11-15")),
        };

        Assert.Equal(keys.Length, keys.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void DrawKey_CallMadeByAFunction_PrefixedWithTheFunctionsNameAndApartFromTheSameCallOfAnyoneElse()
    {
        var byCheckDns = Call("ssm", "POST", "/", target: "AmazonSSM.GetParameter", caller: "check-dns");
        var byPlan = Call("ssm", "POST", "/", target: "AmazonSSM.GetParameter", caller: "plan-failover");
        var byNobody = Call("ssm", "POST", "/", target: "AmazonSSM.GetParameter");

        Assert.Equal("check-dns " + LocalCloudHost.DrawKey(byNobody), LocalCloudHost.DrawKey(byCheckDns));
        Assert.Equal(3, new[] { byCheckDns, byPlan, byNobody }.Select(LocalCloudHost.DrawKey).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Decide_PerAttemptEveryCallRetriedUntilThrough_EachMeetsTheSameFaultsWhateverCameBefore()
    {
        // Round 114 of the 2026-12-03 runs: a poll loop whose count follows real time. Per call, a poll made once more
        // shifts the faults every later poll meets; per attempt, every poll meets the same ones.
        var rates = new ServiceFaults { ThrottleRate = 0.3, ServerErrorRate = 0.3 };
        var perAttempt = new FaultInjector(20261203) { Draws = FaultDraws.PerAttempt };
        var perCall = new FaultInjector(20261203);

        var perAttemptPolls = Enumerable.Range(0, 12).Select(_ => FaultsUntilThrough(perAttempt, Describe, rates)).ToList();
        var perCallPolls = Enumerable.Range(0, 12).Select(_ => FaultsUntilThrough(perCall, Describe, rates)).ToList();

        Assert.Single(perAttemptPolls.Distinct(new SequenceComparer()));
        Assert.True(perCallPolls.Distinct(new SequenceComparer()).Count() > 1, "control: per call, polls meet different faults");
        Assert.Equal(perAttemptPolls[0], FaultsUntilThrough(new FaultInjector(20261203) { Draws = FaultDraws.PerAttempt }, Describe, rates));
    }

    [Fact]
    public void Decide_PerAttemptACallFailedOnEveryAttemptItHad_TheNextCallGoesOnFromTheNextAttempt()
    {
        var rates = new ServiceFaults { ServerErrorRate = 0.5 };
        var salt = Enumerable.Range(0, 10_000).First(s =>
            FaultInjector.DrawOf(s, "5xx " + Describe, 0) < 0.5 && FaultInjector.DrawOf(s, "5xx " + Describe, 1) < 0.5 && FaultInjector.DrawOf(s, "5xx " + Describe, 2) >= 0.5);
        var faults = new FaultInjector(1) { Draws = FaultDraws.PerAttempt };
        faults.Reseed(salt);

        // A client allowed one attempt fails; its caller's retry is the key's second attempt (fails too), the third goes
        // through, and after it the key starts again from its first attempt.
        var outcomes = Enumerable.Range(0, 4).Select(_ => faults.Decide(Describe, rates)).ToList();

        Assert.Equal([InjectedFault.ServerError, InjectedFault.ServerError, InjectedFault.None, InjectedFault.ServerError], outcomes);
    }

    [Fact]
    public void Decide_NoRates_NeverDrawsSoLaterDrawsAreUnmoved()
    {
        var faults = new FaultInjector(5);
        Assert.Equal(InjectedFault.None, faults.Decide(Describe, new ServiceFaults { Latency = TimeSpan.FromSeconds(1) }));

        Assert.Equal(FaultInjector.DrawOf(5, "throttle " + Describe, 0), faults.Draw("throttle " + Describe));
    }

    private static List<InjectedFault> FaultsUntilThrough(FaultInjector faults, string key, ServiceFaults rates)
    {
        var met = new List<InjectedFault>();
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var fault = faults.Decide(key, rates);
            if (fault == InjectedFault.None)
            {
                return met;
            }

            met.Add(fault);
        }

        throw new InvalidOperationException("no attempt went through in 50");
    }

    private sealed class SequenceComparer : IEqualityComparer<List<InjectedFault>>
    {
        public bool Equals(List<InjectedFault>? x, List<InjectedFault>? y) => x is not null && y is not null && x.SequenceEqual(y);

        public int GetHashCode(List<InjectedFault> obj) => obj.Count;
    }

    private static AwsCall Call(string service, string method, string path, string region = "us-east-1", string? target = null, string body = "", string? caller = null)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (target is not null)
        {
            headers["X-Amz-Target"] = target;
        }

        if (caller is not null)
        {
            headers[LocalCloudHost.CallerHeader] = caller;
        }

        return new(service, region, method, path, new Dictionary<string, string>(StringComparer.Ordinal), headers, Encoding.UTF8.GetBytes(body));
    }
}
