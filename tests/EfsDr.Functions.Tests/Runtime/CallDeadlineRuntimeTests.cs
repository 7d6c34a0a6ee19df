using Amazon.Runtime;
using EfsDr.Aws.Efs;
using EfsDr.Aws.Http;
using EfsDr.Core.Deadlines;
using EfsDr.Functions.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Functions.Tests.Runtime;

/// <summary>
/// The runtime puts every invocation under a <see cref="CallDeadline"/>, so an AWS call to a region that never answers
/// ends as a typed <c>RegionUnreachableException</c> the workflow can catch, before the function runs out of time.
/// </summary>
[Collection(nameof(RuntimeEnvironment))]
public sealed class CallDeadlineRuntimeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    // Upper bound on how long a test waits for the loop; never reached when the code is right.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RunAsync_HandlerAwsCallGetsNoAnswer_ReportsRegionUnreachableBeforeTheInvocationDeadline()
    {
        // Arrange: a 60 s function whose EFS call goes to a region that accepts and never answers, with the production
        // retry settings (5 attempts of 20 s) and no backoff jitter, everything on one fake clock.
        var time = new FakeTimeProvider(Now);
        using var api = new FakeRuntimeApi().Enqueue("req-dead-region", "{}", Now.AddSeconds(60));
        using var region = new SilentRegion();
        using var http = new HttpClient(region, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        var pipeline = new SignedRequestPipeline(http, new BasicAWSCredentials("AKIDEXAMPLE", "secret"), new EndpointResolver(_ => null), AwsRetryOptions.Default, time, () => 0);
        var efs = new EfsClient(pipeline);
        LambdaHandler handler = async (_, _, ct) =>
        {
            await efs.DescribeAsync("us-east-1", "fs-0123456789abcdef0", ct);
            return [];
        };
        using var client = api.Client();

        // Act: attempts at 0, 20 and 40 s; the call deadline is 54 s (60 s less a 6 s reserve).
        var run = LambdaRuntime.RunAsync(() => handler, client, time, api.Stop, log: TextWriter.Null);
        await region.AttemptAsync(1);
        time.Advance(TimeSpan.FromSeconds(20));
        await region.AttemptAsync(2);
        time.Advance(TimeSpan.FromSeconds(20));
        await region.AttemptAsync(3);
        time.Advance(TimeSpan.FromSeconds(14));
        var reportedBy54s = await Reported(api);
        if (!reportedBy54s)
        {
            // Without a call deadline nothing is reported yet: let the invocation run out, to show what it reports then.
            time.Advance(TimeSpan.FromSeconds(6));
        }

        var exit = await run.WaitAsync(Bound, TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(LambdaRuntime.ExitStopped, exit);
        var post = Assert.Single(api.Posts);
        Assert.Equal("/2018-06-01/runtime/invocation/req-dead-region/error", post.Path);
        Assert.Equal("RegionUnreachableException", post.Header("Lambda-Runtime-Function-Error-Type"));
        var json = post.Json();
        Assert.Equal("RegionUnreachableException", json.GetProperty("errorType").GetString());
        Assert.Contains("DeadlineExceeded", json.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Contains("DescribeFileSystems", json.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.True(reportedBy54s, "reported only when the invocation ran out of time");
        Assert.Equal(3, region.Attempts);
    }

    [Theory]
    [InlineData(60, 54)]
    [InlineData(10, 8)]
    [InlineData(900, 810)]
    public async Task RunAsync_Invocation_HandlerRunsUnderTheInvocationDeadlineLessTheReserve(int invocationSeconds, int callSeconds)
    {
        // Arrange
        var time = new FakeTimeProvider(Now);
        using var api = new FakeRuntimeApi().Enqueue("req-1", "{}", Now.AddSeconds(invocationSeconds));
        DateTimeOffset? seen = null;
        LambdaHandler handler = async (_, _, _) =>
        {
            await Task.Yield();
            seen = CallDeadline.Current;
            return [];
        };
        using var client = api.Client();

        // Act
        var exit = await LambdaRuntime.RunAsync(() => handler, client, time, api.Stop, log: TextWriter.Null)
            .WaitAsync(Bound, TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(LambdaRuntime.ExitStopped, exit);
        Assert.Equal(Now.AddSeconds(callSeconds), seen);
        Assert.Null(CallDeadline.Current);
    }

    [Theory]
    [InlineData(60, 54)]
    [InlineData(20, 18)]
    [InlineData(1, -1)]
    [InlineData(-5, -7)]
    public void CallDeadlineFor_InvocationTime_KeepsTwoSecondsOrTenPercent(int invocationSeconds, int callSeconds) =>
        Assert.Equal(Now.AddSeconds(callSeconds), LambdaRuntime.CallDeadlineFor(Now.AddSeconds(invocationSeconds), Now));

    private static async Task<bool> Reported(FakeRuntimeApi api)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (api.Posts.Count == 0 && DateTime.UtcNow < until)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        return api.Posts.Count > 0;
    }

    /// <summary>A region that is down: every request is taken and never answered (until the caller gives up).</summary>
    private sealed class SilentRegion : HttpMessageHandler
    {
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        public async Task AttemptAsync(int number)
        {
            var until = DateTime.UtcNow + Bound;
            while (Attempts < number)
            {
                Assert.True(DateTime.UtcNow < until, $"attempt {number} was not sent");
                await Task.Delay(5, TestContext.Current.CancellationToken);
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }
}
