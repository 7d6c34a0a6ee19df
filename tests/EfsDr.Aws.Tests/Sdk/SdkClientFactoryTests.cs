using System.Net;
using Amazon.Runtime;
using EfsDr.Aws.Http;
using EfsDr.Aws.Sdk;
using EfsDr.Aws.Ssm;
using EfsDr.Aws.Tests.Support;
using EfsDr.Core.Model;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Aws.Tests.Sdk;

/// <summary>The SDK clients' configuration: retries, timeout, endpoint and the per-region cache.</summary>
public sealed class SdkClientFactoryTests
{
    private readonly RecordingHandler _handler = new();

    [Fact]
    public void Ssm_RetryOptions_BecomeStandardModeMaxErrorRetryAndTimeout()
    {
        using var clients = TestSdkClients.Create(_handler, new AwsRetryOptions { MaxAttempts = 4, AttemptTimeout = TimeSpan.FromSeconds(7) });

        var config = clients.Ssm("us-west-2").Config;

        Assert.Equal(RequestRetryMode.Standard, config.RetryMode);
        Assert.Equal(3, config.MaxErrorRetry);
        Assert.Equal(TimeSpan.FromSeconds(7), config.Timeout);
        Assert.Equal("us-west-2", config.RegionEndpoint?.SystemName);
        Assert.Null(config.ServiceURL);
        Assert.True(config.IgnoreConfiguredEndpointUrls);
    }

    [Fact]
    public void Ec2_ConfiguredEndpoint_SetsServiceUrlAndAuthenticationRegion()
    {
        using var clients = TestSdkClients.Create(_handler, environment: new Dictionary<string, string> { ["AWS_ENDPOINT_URL_EC2"] = "http://localhost:4566" });

        var config = clients.Ec2("eu-west-1").Config;

        Assert.Equal("http://localhost:4566/", config.ServiceURL);
        Assert.Equal("eu-west-1", config.AuthenticationRegion);
        Assert.Equal(RequestRetryMode.Standard, config.RetryMode);
        Assert.Equal(2, config.MaxErrorRetry);
    }

    [Fact]
    public void Ssm_SameRegionTwice_ReturnsOneClientPerRegion()
    {
        using var clients = TestSdkClients.Create(_handler);

        var first = clients.Ssm("us-west-2");
        var second = clients.Ssm("us-west-2");
        var other = clients.Ssm("us-east-1");

        Assert.Same(first, second);
        Assert.NotSame(first, other);
        Assert.Same(clients.Ec2("us-west-2"), clients.Ec2("us-west-2"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("US-WEST-2")]
    [InlineData("https://ssm.us-west-2.amazonaws.com")]
    public void Ssm_NotARegionName_ThrowsArgumentException(string region)
    {
        using var clients = TestSdkClients.Create(_handler);

        Assert.Throws<ArgumentException>(() => clients.Ssm(region));
    }

    [Fact]
    public void Ec2_EndpointVariableNotAUrl_ThrowsArgumentExceptionNamingTheVariable()
    {
        using var clients = TestSdkClients.Create(_handler, environment: new Dictionary<string, string> { ["AWS_ENDPOINT_URL_EC2"] = "localhost:4566" });

        var ex = Assert.Throws<ArgumentException>(() => clients.Ec2("us-west-2"));

        Assert.Contains("AWS_ENDPOINT_URL_EC2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ssm_RetryAfterThrottling_WaitsTheBackoffOfAwsRetryOptionsOnTheGivenClock()
    {
        // Arrange: BaseDelay 10 s and a jitter draw of 0.5 make the first backoff 5 s, on a fake clock.
        var time = new ObservedTime(new FakeTimeProvider());
        using var clients = new SdkClientFactory(
            new BasicAWSCredentials(TestPipeline.AccessKey, TestPipeline.SecretKey),
            new EndpointResolver(_ => null),
            new AwsRetryOptions { MaxAttempts = 2, BaseDelay = TimeSpan.FromSeconds(10) },
            new MessageHandlerHttpClientFactory(_handler),
            time,
            () => 0.5);
        _handler.Respond(HttpStatusCode.BadRequest, """{"__type":"ThrottlingException","message":"Rate exceeded"}""", "application/x-amz-json-1.1");
        _handler.Respond(HttpStatusCode.OK, """{"Command":{"CommandId":"c-1"}}""", "application/x-amz-json-1.1");

        // Act
        var send = new SsmNodeCommands(clients).SendAsync("us-west-2", "i-0123456789abcdef0", new NodeCommand("AWS-RunShellScript", new Dictionary<string, IReadOnlyList<string>> { ["commands"] = ["true"] }), TestContext.Current.CancellationToken);
        var backoff = await time.TimerCreated.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var waitingBeforeAdvance = !send.IsCompleted;
        time.Inner.Advance(backoff);
        var id = await send;

        // Assert
        Assert.Equal(TimeSpan.FromSeconds(5), backoff);
        Assert.True(waitingBeforeAdvance);
        Assert.Equal("c-1", id);
        Assert.Equal(2, _handler.Requests.Count);
    }

    /// <summary>A fake clock that reports the first timer it is asked for (the retry backoff).</summary>
    private sealed class ObservedTime(FakeTimeProvider inner) : TimeProvider
    {
        public FakeTimeProvider Inner => inner;

        public TaskCompletionSource<TimeSpan> TimerCreated { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp() => inner.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = inner.CreateTimer(callback, state, dueTime, period);
            TimerCreated.TrySetResult(dueTime);
            return timer;
        }
    }
}
