using System.Net;
using EfsDr.Aws.Http;
using EfsDr.Aws.Tests.Support;
using EfsDr.Core.Exceptions;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Aws.Tests.Http;

/// <summary>The pipeline's retries on a fake transport and a fake clock: only the standard retry set, bounded, full jitter, per-attempt timeout.</summary>
public sealed class RetryTests
{
    private static readonly AwsRetryOptions Options = new() { MaxAttempts = 3, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(20), AttemptTimeout = TimeSpan.FromSeconds(10) };
    private readonly RecordingHandler _handler = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private readonly List<AwsRetryNotice> _retries = [];

    private SignedRequestPipeline Pipeline(double random = 0.5) => TestPipeline.Create(_handler, _time, Options, random: () => random, onRetry: _retries.Add);

    private static Task<AwsResponse> Send(SignedRequestPipeline pipeline, CancellationToken? token = null) =>
        pipeline.SendAsync(AwsServiceInfo.Efs, "us-west-2", new AwsRequest(HttpMethod.Get, "/2015-02-01/file-systems") { Operation = "DescribeFileSystems" }, JsonErrorReader.Instance, token ?? TestContext.Current.CancellationToken);

    [Fact]
    public async Task SendAsync_ThrottledThenSuccess_WaitsJitteredBackoffOnClockThenSucceeds()
    {
        // Arrange: full jitter with a draw of 0.5 and base 1 s: the first retry waits 500 ms.
        _handler.Respond(HttpStatusCode.BadRequest, """{"__type":"ThrottlingException","message":"Rate exceeded"}""")
                .Respond(HttpStatusCode.OK, """{"FileSystems":[]}""");

        // Act
        var send = Send(Pipeline());
        await Eventually.TrueAsync(() => _handler.Requests.Count == 1, "first attempt sent");
        _time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.Single(_handler.Requests);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var response = await send.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(2, _handler.Requests.Count);
        var retry = Assert.Single(_retries);
        Assert.Equal(new AwsRetryNotice(1, TimeSpan.FromMilliseconds(500), "ThrottlingException", 400), retry);
    }

    [Fact]
    public async Task SendAsync_ServerErrorUntilExhausted_ThrowsTransientAfterMaxAttempts()
    {
        for (var i = 0; i < Options.MaxAttempts; i++)
        {
            _handler.Respond(HttpStatusCode.ServiceUnavailable, """{"ErrorCode":"InternalServerError","Message":"try later"}""", headers: new Dictionary<string, string> { ["x-amzn-RequestId"] = $"req-{i}" });
        }

        var send = Send(Pipeline(random: 1.0));
        await Eventually.TrueAsync(() => _handler.Requests.Count == 1, "first attempt sent");
        _time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => _handler.Requests.Count == 2, "second attempt after 1 s");
        _time.Advance(TimeSpan.FromSeconds(2));
        var ex = await Assert.ThrowsAsync<CloudBusyException>(() => send.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));

        Assert.Equal(3, _handler.Requests.Count);
        Assert.Equal(503, ex.HttpStatus);
        Assert.Equal("InternalServerError", ex.Code);
        Assert.Equal("req-2", ex.RequestId);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], _retries.Select(r => r.Delay));
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, """{"ErrorCode":"BadRequest","Message":"bad"}""")]
    [InlineData(HttpStatusCode.Forbidden, """{"__type":"AccessDeniedException","message":"no"}""")]
    [InlineData(HttpStatusCode.NotFound, """{"ErrorCode":"FileSystemNotFound","Message":"gone"}""")]
    [InlineData(HttpStatusCode.Conflict, """{"ErrorCode":"IncorrectFileSystemLifeCycleState","Message":"creating"}""")]
    public async Task SendAsync_ClientErrorOutsideRetrySet_IsNotRetried(HttpStatusCode status, string body)
    {
        _handler.Respond(status, body).Respond(HttpStatusCode.OK, "{}");

        var ex = await Assert.ThrowsAnyAsync<CloudCallFailedException>(() => Send(Pipeline()));

        Assert.IsNotType<CloudBusyException>(ex);
        Assert.Equal((int)status, ex.HttpStatus);
        Assert.Single(_handler.Requests);
        Assert.Empty(_retries);
    }

    [Fact]
    public async Task SendAsync_CancelledDuringBackoff_StopsWaitingWithoutAnotherAttempt()
    {
        _handler.Respond((HttpStatusCode)429, """{"ErrorCode":"TooManyRequests","Message":"slow down"}""")
                .Respond(HttpStatusCode.OK, "{}");
        using var cancel = new CancellationTokenSource();

        var send = Send(Pipeline(), cancel.Token);
        await Eventually.TrueAsync(() => _handler.Requests.Count == 1, "first attempt sent");
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Single(_handler.Requests);
    }

    [Fact]
    public async Task SendAsync_AttemptHangsPastTimeout_RetriesThenThrowsUnreachable()
    {
        _handler.Hang().Hang().Hang();

        var send = Send(Pipeline(random: 0));
        for (var attempt = 1; attempt <= Options.MaxAttempts; attempt++)
        {
            var expected = attempt;
            await Eventually.TrueAsync(() => _handler.Requests.Count == expected, $"attempt {expected} sent");
            _time.Advance(Options.AttemptTimeout);
        }

        var ex = await Assert.ThrowsAsync<RegionUnreachableException>(() => send.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal("RequestTimeout", ex.Code);
        Assert.Equal(0, ex.HttpStatus);
        Assert.Equal(3, _handler.Requests.Count);
    }

    [Fact]
    public async Task SendAsync_ConnectionRefusedThenSuccess_Retries()
    {
        _handler.Fail(new HttpRequestException("Connection refused")).Respond(HttpStatusCode.OK, "{}");

        var response = await Send(Pipeline(random: 0)).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(2, _handler.Requests.Count);
    }

    [Fact]
    public async Task SendAsync_ConnectionRefusedEveryTime_ThrowsUnreachable()
    {
        _handler.Fail(new HttpRequestException("Connection refused")).Fail(new HttpRequestException("Connection refused")).Fail(new HttpRequestException("Connection refused"));

        var ex = await Assert.ThrowsAsync<RegionUnreachableException>(() => Send(Pipeline(random: 0)).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));

        Assert.Equal("ConnectionFailure", ex.Code);
        Assert.Equal(3, _handler.Requests.Count);
    }

    [Theory]
    [InlineData(1, 0.0, 0)]
    [InlineData(1, 0.999, 999)]
    [InlineData(2, 0.5, 1000)]
    [InlineData(3, 1.0, 4000)]
    [InlineData(10, 1.0, 20000)]
    public void BackoffFor_RetryAndDraw_IsFullJitterCappedAtMaxDelay(int retry, double random, int expectedMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), Options.BackoffFor(retry, random));

    [Theory]
    [InlineData(429, "", true)]
    [InlineData(500, "", true)]
    [InlineData(502, "", true)]
    [InlineData(503, "", true)]
    [InlineData(504, "", true)]
    [InlineData(400, "Throttling", true)]
    [InlineData(400, "ThrottlingException", true)]
    [InlineData(400, "PriorRequestNotComplete", true)]
    [InlineData(400, "RequestLimitExceeded", true)]
    [InlineData(400, "BadRequest", false)]
    [InlineData(404, "ReplicationNotFound", false)]
    [InlineData(409, "ConflictException", false)]
    [InlineData(403, "AccessDeniedException", false)]
    public void IsRetryable_StatusAndCode_FollowsStandardRetrySet(int status, string code, bool retryable) =>
        Assert.Equal(retryable, AwsErrorMapper.IsRetryable(status, code));

    [Fact]
    public async Task SendAsync_SingleAttemptConfigured_ThrottleIsNotRetried()
    {
        _handler.Respond(HttpStatusCode.BadRequest, """{"__type":"ThrottlingException","message":"Rate exceeded"}""").Respond(HttpStatusCode.OK, "{}");
        var pipeline = TestPipeline.Create(_handler, _time, Options with { MaxAttempts = 1 }, onRetry: _retries.Add);

        await Assert.ThrowsAsync<CloudBusyException>(() => Send(pipeline));

        Assert.Single(_handler.Requests);
        Assert.Empty(_retries);
    }
}
