using System.Net;
using EfsDr.Aws.Http;
using EfsDr.Aws.Tests.Support;
using EfsDr.Core.Deadlines;
using EfsDr.Core.Exceptions;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Aws.Tests.Http;

/// <summary>
/// The pipeline under an ambient <see cref="CallDeadline"/>, on a fake transport that never answers (a region that is
/// down leaves connections unanswered) and a fake clock: the whole call, retries and backoff included, ends by the
/// deadline with a typed error.
/// </summary>
public sealed class DeadlineTests
{
    private const string Host = "elasticfilesystem.us-west-2.amazonaws.com";
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly RecordingHandler _handler = new();
    private readonly FakeTimeProvider _time = new(Start);
    private readonly List<AwsRetryNotice> _retries = [];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private SignedRequestPipeline Pipeline(AwsRetryOptions? options = null, double random = 0) =>
        TestPipeline.Create(_handler, _time, options ?? AwsRetryOptions.Default, random: () => random, onRetry: _retries.Add);

    private static Task<AwsResponse> Send(SignedRequestPipeline pipeline, CancellationToken? token = null) =>
        pipeline.SendAsync(AwsServiceInfo.Efs, "us-west-2", new AwsRequest(HttpMethod.Get, "/2015-02-01/file-systems") { Operation = "DescribeFileSystems" }, JsonErrorReader.Instance, token ?? Token);

    private RecordingHandler HangEveryTime(int attempts = 5)
    {
        for (var i = 0; i < attempts; i++)
        {
            _handler.Hang();
        }

        return _handler;
    }

    private async Task AttemptSent(int count) => await Eventually.TrueAsync(() => _handler.Requests.Count == count, $"attempt {count} sent");

    [Fact]
    public async Task SendAsync_NoAnswerUnderDeadline_ThrowsUnreachableExactlyAtTheDeadline()
    {
        // Arrange: the production defaults (5 attempts of 20 s) and a 10 s deadline.
        HangEveryTime();
        Task<AwsResponse> send;
        using (CallDeadline.Within(_time, TimeSpan.FromSeconds(10)))
        {
            send = Send(Pipeline());
        }

        // Act
        await AttemptSent(1);
        _time.Advance(TimeSpan.FromMilliseconds(9_999));
        var endedBeforeDeadline = send.IsCompleted;
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var ex = await Assert.ThrowsAsync<RegionUnreachableException>(() => send.WaitAsync(TimeSpan.FromSeconds(10), Token));

        // Assert
        Assert.False(endedBeforeDeadline);
        Assert.Equal(SignedRequestPipeline.DeadlineExceededCode, ex.Code);
        Assert.Equal(0, ex.HttpStatus);
        Assert.Contains("DescribeFileSystems", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Host, ex.Message, StringComparison.Ordinal);
        Assert.Contains("10 s", ex.Message, StringComparison.Ordinal);
        Assert.Single(_handler.Requests);
        Assert.Empty(_retries);
    }

    [Fact]
    public async Task SendAsync_DeadlineLongerThanOneAttempt_RetriesAndCutsTheLastAttemptAtTheDeadline()
    {
        // Arrange: 4 s attempts and no backoff under a 10 s deadline: attempts at 0, 4 and 8 s, the last one cut to 2 s.
        HangEveryTime();
        var options = AwsRetryOptions.Default with { AttemptTimeout = TimeSpan.FromSeconds(4) };
        Task<AwsResponse> send;
        using (CallDeadline.Within(_time, TimeSpan.FromSeconds(10)))
        {
            send = Send(Pipeline(options));
        }

        // Act
        await AttemptSent(1);
        _time.Advance(TimeSpan.FromSeconds(4));
        await AttemptSent(2);
        _time.Advance(TimeSpan.FromSeconds(4));
        await AttemptSent(3);
        _time.Advance(TimeSpan.FromMilliseconds(1_999));
        var endedBeforeDeadline = send.IsCompleted;
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var ex = await Assert.ThrowsAsync<RegionUnreachableException>(() => send.WaitAsync(TimeSpan.FromSeconds(10), Token));

        // Assert
        Assert.False(endedBeforeDeadline);
        Assert.Equal(SignedRequestPipeline.DeadlineExceededCode, ex.Code);
        Assert.Equal(3, _handler.Requests.Count);
        Assert.Equal(["RequestTimeout", "RequestTimeout"], _retries.Select(r => r.ErrorCode));
        Assert.Equal(Start.AddSeconds(10), _time.GetUtcNow());
    }

    [Fact]
    public async Task SendAsync_ThrottledAndBackoffWouldNotLeaveAUsefulAttempt_ThrowsTheTransientErrorAtOnce()
    {
        // Arrange: the first backoff is 9.5 s (base 10 s, draw 0.95); with the 1 s minimum attempt it does not fit in 10 s.
        _handler.Respond(HttpStatusCode.BadRequest, """{"__type":"ThrottlingException","message":"Rate exceeded"}""", headers: new Dictionary<string, string> { ["x-amzn-RequestId"] = "req-1" })
                .Respond(HttpStatusCode.OK, "{}");
        var options = AwsRetryOptions.Default with { BaseDelay = TimeSpan.FromSeconds(10) };

        // Act
        CloudBusyException ex;
        using (CallDeadline.Within(_time, TimeSpan.FromSeconds(10)))
        {
            ex = await Assert.ThrowsAsync<CloudBusyException>(() => Send(Pipeline(options, random: 0.95)));
        }

        // Assert
        Assert.Equal("ThrottlingException", ex.Code);
        Assert.Equal("req-1", ex.RequestId);
        Assert.Single(_handler.Requests);
        Assert.Empty(_retries);
        Assert.Equal(Start, _time.GetUtcNow());
    }

    [Fact]
    public async Task SendAsync_ThrottledAndBackoffLeavesAUsefulAttempt_RetriesWithinTheDeadline()
    {
        // Arrange: the same call with a draw of 0.8: an 8 s backoff leaves 2 s, more than the 1 s minimum.
        _handler.Respond(HttpStatusCode.BadRequest, """{"__type":"ThrottlingException","message":"Rate exceeded"}""")
                .Respond(HttpStatusCode.OK, """{"FileSystems":[]}""");
        var options = AwsRetryOptions.Default with { BaseDelay = TimeSpan.FromSeconds(10) };
        Task<AwsResponse> send;
        using (CallDeadline.Within(_time, TimeSpan.FromSeconds(10)))
        {
            send = Send(Pipeline(options, random: 0.8));
        }

        // Act
        await AttemptSent(1);
        _time.Advance(TimeSpan.FromSeconds(8));
        var response = await send.WaitAsync(TimeSpan.FromSeconds(10), Token);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(2, _handler.Requests.Count);
        Assert.Equal(TimeSpan.FromSeconds(8), Assert.Single(_retries).Delay);
    }

    [Fact]
    public async Task SendAsync_ConnectionRefusedAndNoTimeForARetry_ThrowsDeadlineExceededWithTheFailureInside()
    {
        // Arrange: 0.5 s left, less than the minimum useful attempt.
        _handler.Fail(new HttpRequestException("Connection refused")).Respond(HttpStatusCode.OK, "{}");

        // Act
        RegionUnreachableException ex;
        using (CallDeadline.Within(_time, TimeSpan.FromMilliseconds(500)))
        {
            ex = await Assert.ThrowsAsync<RegionUnreachableException>(() => Send(Pipeline()));
        }

        // Assert
        Assert.Equal(SignedRequestPipeline.DeadlineExceededCode, ex.Code);
        Assert.Contains("ConnectionFailure", ex.Message, StringComparison.Ordinal);
        Assert.Equal("ConnectionFailure", Assert.IsType<RegionUnreachableException>(ex.InnerException).Code);
        Assert.Single(_handler.Requests);
    }

    [Fact]
    public async Task SendAsync_DeadlineAlreadyPassed_ThrowsUnreachableWithoutSending()
    {
        using (CallDeadline.Until(Start.AddSeconds(-1)))
        {
            var ex = await Assert.ThrowsAsync<RegionUnreachableException>(() => Send(Pipeline()));

            Assert.Equal(SignedRequestPipeline.DeadlineExceededCode, ex.Code);
        }

        Assert.Empty(_handler.Requests);
    }

    [Fact]
    public async Task SendAsync_CallerCancelsUnderDeadline_ThrowsOperationCanceledForTheCallersToken()
    {
        // Arrange
        HangEveryTime();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        Task<AwsResponse> send;
        using (CallDeadline.Within(_time, TimeSpan.FromSeconds(10)))
        {
            send = Send(Pipeline(), cancel.Token);
        }

        // Act
        await AttemptSent(1);
        await cancel.CancelAsync();
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send.WaitAsync(TimeSpan.FromSeconds(10), Token));

        // Assert
        Assert.Equal(cancel.Token, ex.CancellationToken);
        Assert.Single(_handler.Requests);
        Assert.Equal(Start, _time.GetUtcNow());
    }

    [Fact]
    public async Task SendAsync_NoDeadline_KeepsAllFiveAttemptsOfTwentySeconds()
    {
        // Arrange: without a deadline the production defaults spend 100 s (plus backoff) on a region that does not answer.
        HangEveryTime();
        var send = Send(Pipeline());

        // Act
        for (var attempt = 1; attempt <= AwsRetryOptions.Default.MaxAttempts; attempt++)
        {
            await AttemptSent(attempt);
            _time.Advance(AwsRetryOptions.Default.AttemptTimeout);
        }

        var ex = await Assert.ThrowsAsync<RegionUnreachableException>(() => send.WaitAsync(TimeSpan.FromSeconds(10), Token));

        // Assert
        Assert.Equal("RequestTimeout", ex.Code);
        Assert.Equal(5, _handler.Requests.Count);
        Assert.Equal(Start.AddSeconds(100), _time.GetUtcNow());
    }

    [Fact]
    public async Task SendAsync_DeadlineSetAfterTheCallStarted_DoesNotChangeThatCall()
    {
        // Arrange: the deadline is read once, when the call starts.
        _handler.Hang().Hang();
        var send = Send(Pipeline(AwsRetryOptions.Default with { MaxAttempts = 1 }));
        await AttemptSent(1);

        // Act
        using (CallDeadline.Within(_time, TimeSpan.FromSeconds(1)))
        {
            _time.Advance(TimeSpan.FromSeconds(2));
        }

        var stillWaiting = !send.IsCompleted;
        _time.Advance(TimeSpan.FromSeconds(18));
        var ex = await Assert.ThrowsAsync<RegionUnreachableException>(() => send.WaitAsync(TimeSpan.FromSeconds(10), Token));

        // Assert
        Assert.True(stillWaiting);
        Assert.Equal("RequestTimeout", ex.Code);
    }
}
