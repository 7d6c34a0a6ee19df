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

    private static AwsCall Call(string service, string method, string path, string region = "us-east-1", string? target = null, string body = "") => new(
        service,
        region,
        method,
        path,
        new Dictionary<string, string>(StringComparer.Ordinal),
        target is null ? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) : new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["X-Amz-Target"] = target },
        Encoding.UTF8.GetBytes(body));
}
