using Amazon.Runtime;
using EfsDr.Aws.Efs;
using EfsDr.Aws.Http;
using EfsDr.Core.Deadlines;
using EfsDr.LocalCloud.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.LocalCloud.Tests.Lambda;

/// <summary>
/// Functions invoked in the local cloud run under the same call deadline as in Lambda, on the cloud's clock, so a
/// handler whose AWS call goes to a black-holed region reports RegionUnreachableException, not FunctionTimeoutException.
/// </summary>
public sealed class LambdaDeadlineTests : IAsyncLifetime
{
    private const string East = "us-east-1";
    private const string West = SfnTestCloud.Region;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private SfnTestCloud _cloud = null!;

    public async ValueTask InitializeAsync() => _cloud = await SfnTestCloud.StartAsync(time: _time);

    public async ValueTask DisposeAsync() => await _cloud.DisposeAsync();

    private int EfsRequests => _cloud.Host.RequestCounts.GetValueOrDefault("elasticfilesystem");

    [Fact]
    public async Task Invoke_Handler_RunsUnderFunctionTimeoutLessTheReserveOnTheCloudsClock()
    {
        DateTimeOffset? seen = null;
        var arn = _cloud.Function("deadline", (_, _) =>
        {
            seen = CallDeadline.Current;
            return Task.FromResult<object?>(null);
        });
        var invokedAt = _time.GetUtcNow();

        await _cloud.InvokeAsync(arn, "{}");

        Assert.Equal(TimeSpan.FromSeconds(60), _cloud.Host.Context.Lambda.FunctionTimeout);
        Assert.Equal(invokedAt.AddSeconds(54), seen);
    }

    [Fact]
    public async Task Invoke_HandlerCallsBlackHoledRegion_ReportsRegionUnreachableBeforeTheFunctionTimeout()
    {
        // Arrange: a function in us-east-1 reading EFS in a black-holed us-west-2 with EfsDr's real client, the
        // production retry settings and no jitter, on the cloud's (fake) clock.
        var host = _cloud.Host;
        var id = host.Context.Efs.CreateFileSystem(West, "DRTest-EFS1");
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var efs = new EfsClient(new SignedRequestPipeline(
            http,
            new BasicAWSCredentials("local", "local"),
            new EndpointResolver(n => n == "AWS_ENDPOINT_URL" ? host.Endpoint.ToString() : null),
            AwsRetryOptions.Default,
            host.Context.Clock.Time,
            () => 0));
        var arn = host.Context.Lambda.RegisterFunction(East, "read-dead-region", async (_, _, ct) =>
        {
            await efs.DescribeAsync(West, id, ct);
            return "{}"u8.ToArray();
        });
        host.Faults.BlackHoleRegion(West);

        // Act: attempts at 0, 20 and 40 simulated s; the call deadline is 54 s (60 s less a 6 s reserve).
        var invoke = _cloud.InvokeAsync(arn, "{}", region: East);
        await AttemptAsync(1);
        AdvanceSimulated(TimeSpan.FromSeconds(20));
        await AttemptAsync(2);
        AdvanceSimulated(TimeSpan.FromSeconds(20));
        await AttemptAsync(3);
        AdvanceSimulated(TimeSpan.FromSeconds(14));
        var answeredBy54s = await Poll.UntilAsync(() => invoke.IsCompleted, TimeSpan.FromSeconds(10));
        if (!answeredBy54s)
        {
            // Without a call deadline nothing is reported yet: let the function run out, to show what it reports then.
            AdvanceSimulated(TimeSpan.FromSeconds(6));
        }

        var (status, functionError, body) = await invoke.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal((200, "Unhandled"), (status, functionError));
        Assert.Equal("RegionUnreachableException", body.GetProperty("errorType").GetString());
        Assert.Contains("DeadlineExceeded", body.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.True(answeredBy54s, "answered only when the function ran out of time");
        Assert.Equal(3, EfsRequests);
    }

    /// <summary>Moves the cloud's simulated clock by <paramref name="simulated"/> (its fake base by that ÷ the scale).</summary>
    private void AdvanceSimulated(TimeSpan simulated) => _time.Advance(_cloud.Host.Context.Clock.ToBase(simulated));

    private async Task AttemptAsync(int number) =>
        Assert.True(await Poll.UntilAsync(() => EfsRequests >= number, TimeSpan.FromSeconds(10)), $"attempt {number} did not reach the cloud");
}
