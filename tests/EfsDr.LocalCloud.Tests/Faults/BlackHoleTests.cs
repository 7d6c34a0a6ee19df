using System.Diagnostics;
using EfsDr.Aws.Http;
using EfsDr.Core.Deadlines;
using EfsDr.Core.Exceptions;
using EfsDr.LocalCloud.Hosting;
using EfsDr.LocalCloud.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.LocalCloud.Tests.Faults;

/// <summary>
/// The black-hole fault (a region that is down on AWS: connections accepted, never answered) through EfsDr's real EFS
/// client, with the cloud and the client on one fake clock, so the call deadline passes without waiting for it.
/// </summary>
public sealed class BlackHoleTests : IAsyncLifetime
{
    private const string East = "us-east-1";
    private const string West = "us-west-2";
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private CloudHarness _harness = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private LocalCloudHost Cloud => _harness.Cloud;

    private int EfsRequests => Cloud.RequestCounts.GetValueOrDefault("elasticfilesystem");

    public async ValueTask InitializeAsync() => _harness = await CloudHarness.StartAsync(new LocalCloudOptions { TimeScale = 600 }, _time);

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task BlackHoleRegion_EfsCallUnderFifteenSecondDeadline_IsAcceptedThenEndsUnreachableAtTheDeadline()
    {
        // Arrange: EfsDr's EFS client with the production retry settings (5 attempts of 20 s).
        var id = _harness.Context.Efs.CreateFileSystem(West, "DRTest-EFS1");
        var efs = _harness.Adapters(AwsRetryOptions.Default).FileSystems;
        Cloud.Faults.BlackHoleRegion(West);
        var before = EfsRequests;

        // Act
        Task<Core.Model.FileSystem> describe;
        using (CallDeadline.Within(_time, TimeSpan.FromSeconds(15)))
        {
            describe = efs.DescribeAsync(West, id, Ct);
        }

        var accepted = await Poll.UntilAsync(() => EfsRequests == before + 1, TimeSpan.FromSeconds(10));
        var heldBeforeDeadline = !describe.IsCompleted;
        _time.Advance(TimeSpan.FromSeconds(15));
        var ex = await Assert.ThrowsAsync<RegionUnreachableException>(() => describe.WaitAsync(TimeSpan.FromSeconds(10), Ct));

        // Assert: the connection was accepted and the request read (a refusal would be ConnectionFailure), then held.
        Assert.True(accepted, "the black-holed request never reached the cloud");
        Assert.True(heldBeforeDeadline);
        Assert.Equal(SignedRequestPipeline.DeadlineExceededCode, ex.Code);
        Assert.Contains("DescribeFileSystems", ex.Message, StringComparison.Ordinal);
        Assert.Contains("15 s", ex.Message, StringComparison.Ordinal);
        Assert.Contains("last failure: RequestTimeout", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before + 1, EfsRequests);
    }

    [Fact]
    public async Task RestoreRegion_AfterBlackHole_CallsAnswerAgain()
    {
        // Arrange: a call lost in the black hole.
        var id = _harness.Context.Efs.CreateFileSystem(West, "DRTest-EFS1");
        var efs = _harness.Adapters(AwsRetryOptions.Default).FileSystems;
        Cloud.Faults.BlackHoleRegion(West);
        using (CallDeadline.Within(_time, TimeSpan.FromSeconds(15)))
        {
            var lost = efs.DescribeAsync(West, id, Ct);
            Assert.True(await Poll.UntilAsync(() => EfsRequests >= 1, TimeSpan.FromSeconds(10)));
            _time.Advance(TimeSpan.FromSeconds(15));
            await Assert.ThrowsAsync<RegionUnreachableException>(() => lost.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        }

        // Act
        Cloud.Faults.RestoreRegion(West);
        Core.Model.FileSystem answered;
        using (CallDeadline.Within(_time, TimeSpan.FromSeconds(15)))
        {
            answered = await efs.DescribeAsync(West, id, Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        }

        // Assert
        Assert.Equal(id, answered.FileSystemId);
        Assert.False(Cloud.Faults.IsBlackHoled(West));
    }

    [Fact]
    public async Task BlackHoleRegion_OtherRegion_StillAnswers()
    {
        var id = _harness.Context.Efs.CreateFileSystem(East, "DRTest-EFS1");
        Cloud.Faults.BlackHoleRegion(West);

        var answered = await _harness.Aws.FileSystems.DescribeAsync(East, id, Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal(id, answered.FileSystemId);
    }

    [Fact]
    public async Task DisposeAsync_BlackHoledRequestPending_StopsPromptlyAndDropsTheConnection()
    {
        // Arrange: a call with no deadline and one attempt, held by the black hole.
        await using var cloud = await LocalCloudHost.StartAsync(new LocalCloudOptions { TimeScale = 600 }, time: _time, cancellationToken: Ct);
        var id = cloud.Context.Efs.CreateFileSystem(West, "DRTest-EFS1");
        using var adapters = new Aws.AwsAdapters(
            new Amazon.Runtime.BasicAWSCredentials("local", "local"),
            new EndpointResolver(n => n == "AWS_ENDPOINT_URL" ? cloud.Endpoint.ToString() : null),
            AwsRetryOptions.Default with { MaxAttempts = 1 },
            cloud.Context.Clock.Base);
        cloud.Faults.BlackHoleRegion(West);
        var describe = adapters.FileSystems.DescribeAsync(West, id, Ct);
        Assert.True(await Poll.UntilAsync(() => cloud.RequestCounts.GetValueOrDefault("elasticfilesystem") == 1, TimeSpan.FromSeconds(10)));

        // Act
        var clock = Stopwatch.StartNew();
        await cloud.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20), Ct);
        var stoppedIn = clock.Elapsed;

        // Assert: Kestrel would otherwise wait for the held request until its shutdown timeout (30 s).
        Assert.True(stoppedIn < TimeSpan.FromSeconds(5), $"the cloud took {stoppedIn.TotalSeconds:0.0} s to stop");
        var ex = await Assert.ThrowsAsync<RegionUnreachableException>(() => describe.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal("ConnectionFailure", ex.Code);
    }
}

/// <summary>Which requests the black-hole fault takes down.</summary>
public sealed class FaultInjectorBlackHoleTests
{
    private readonly FaultInjector _faults = new(1);

    [Fact]
    public void BlackHoleRegion_Region_BlackHolesEveryRegionalServiceThereAndNothingElse()
    {
        _faults.BlackHoleRegion("us-east-1");

        Assert.All(FaultInjector.RegionalServices, s => Assert.True(_faults.For(s, "us-east-1").BlackHole, s));
        Assert.Equal(["elasticfilesystem", "ssm", "ec2", "states", "lambda"], FaultInjector.RegionalServices);
        Assert.False(_faults.For("route53", "us-east-1").BlackHole);
        Assert.False(_faults.For("elasticfilesystem", "us-west-2").BlackHole);
        Assert.True(_faults.IsBlackHoled("us-east-1"));
    }

    [Fact]
    public void BlackHoleRegion_OtherFaultsSet_KeepsThem()
    {
        _faults.Set("*", "*", new ServiceFaults { Latency = TimeSpan.FromSeconds(1), ThrottleRate = 0.5 });

        _faults.BlackHoleRegion("us-west-2");

        Assert.Equal(new ServiceFaults { Latency = TimeSpan.FromSeconds(1), ThrottleRate = 0.5, BlackHole = true }, _faults.For("ssm", "us-west-2"));
    }

    [Fact]
    public void RestoreRegion_AfterBlackHole_ClearsOnlyThatRegion()
    {
        _faults.BlackHoleRegion("us-east-1");
        _faults.BlackHoleRegion("us-west-2");

        _faults.RestoreRegion("us-west-2");

        Assert.False(_faults.For("ec2", "us-west-2").BlackHole);
        Assert.True(_faults.For("ec2", "us-east-1").BlackHole);
    }

    [Fact]
    public void Clear_AfterBlackHole_ClearsIt()
    {
        _faults.BlackHoleRegion("us-east-1");

        _faults.Clear();

        Assert.False(_faults.For("states", "us-east-1").BlackHole);
        Assert.False(_faults.IsBlackHoled("us-east-1"));
    }

    [Fact]
    public void Set_BlackHoleForOneService_AppliesToThatServiceOnly()
    {
        _faults.Set("elasticfilesystem", "us-west-2", new ServiceFaults { BlackHole = true });

        Assert.True(_faults.For("elasticfilesystem", "us-west-2").BlackHole);
        Assert.False(_faults.For("ssm", "us-west-2").BlackHole);
    }
}
