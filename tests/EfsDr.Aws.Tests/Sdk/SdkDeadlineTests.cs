using System.Net;
using Amazon.Runtime;
using EfsDr.Aws.Http;
using EfsDr.Aws.Sdk;
using EfsDr.Aws.Ssm;
using EfsDr.Aws.Tests.Support;
using EfsDr.Core.Deadlines;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Aws.Tests.Sdk;

/// <summary>The SDK-based adapters (here SSM) under an ambient <see cref="CallDeadline"/> on a fake clock: cut off at
/// the deadline with a typed error, and no retry that would outlast it.</summary>
public sealed class SdkDeadlineTests : IDisposable
{
    private const string Region = "us-west-2";
    private const string InstanceId = "i-0123456789abcdef0";
    private const string CommandId = "5a1e6b2c-9d3f-4e8a-b7c6-0f1e2d3c4b5a";
    private const string JsonType = "application/x-amz-json-1.1";
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly RecordingHandler _handler = new();
    private readonly FakeTimeProvider _time = new(Start);
    private readonly System.Collections.Concurrent.ConcurrentQueue<TimeSpan> _timers = new();
    private SdkClientFactory? _clients;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _clients?.Dispose();

    /// <summary>SSM over the fake transport, the production retry defaults unless given, and the fake clock.</summary>
    private SsmNodeCommands Commands(AwsRetryOptions? retry = null, double random = 0.5)
    {
        _clients = new SdkClientFactory(
            new BasicAWSCredentials(TestPipeline.AccessKey, TestPipeline.SecretKey),
            new EndpointResolver(_ => null),
            retry ?? AwsRetryOptions.Default,
            new MessageHandlerHttpClientFactory(_handler),
            new ObservedTime(_time, _timers),
            () => random);
        return new SsmNodeCommands(_clients);
    }

    [Fact]
    public async Task GetInvocationAsync_NoAnswerUnderDeadline_ThrowsUnreachableAtTheDeadline()
    {
        // Arrange: 20 s attempts (never reached here) and a 10 s deadline on the fake clock.
        _handler.Hang().Hang().Hang();
        var commands = Commands();
        Task<CommandInvocation> call;
        using (CallDeadline.Within(_time, TimeSpan.FromSeconds(10)))
        {
            call = commands.GetInvocationAsync(Region, CommandId, InstanceId, Token);
        }

        // Act
        await Eventually.TrueAsync(() => _handler.Requests.Count == 1, "first attempt sent");
        _time.Advance(TimeSpan.FromMilliseconds(9_999));
        var endedBeforeDeadline = call.IsCompleted;
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var ex = await Assert.ThrowsAsync<RegionUnreachableException>(() => call.WaitAsync(TimeSpan.FromSeconds(10), Token));

        // Assert
        Assert.False(endedBeforeDeadline);
        Assert.Equal(SignedRequestPipeline.DeadlineExceededCode, ex.Code);
        Assert.Equal("ssm", ex.Error.Service);
        Assert.Contains("GetCommandInvocation", ex.Message, StringComparison.Ordinal);
        Assert.Contains("10 s", ex.Message, StringComparison.Ordinal);
        Assert.Single(_handler.Requests);
    }

    [Fact]
    public async Task SendAsync_ThrottledAndBackoffWouldNotLeaveAUsefulAttempt_ThrowsTransientWithoutRetrying()
    {
        // Arrange: the first backoff is 5 s (base 10 s, draw 0.5); 5 s + the 1 s minimum attempt do not fit in 5.5 s.
        _handler.Respond(HttpStatusCode.BadRequest, """{"__type":"ThrottlingException","message":"Rate exceeded"}""", JsonType);
        _handler.Respond(HttpStatusCode.OK, $$$"""{"Command":{"CommandId":"{{{CommandId}}}"}}""", JsonType);
        var commands = Commands(AwsRetryOptions.Default with { BaseDelay = TimeSpan.FromSeconds(10) });

        // Act
        CloudBusyException ex;
        using (CallDeadline.Within(_time, TimeSpan.FromSeconds(5.5)))
        {
            ex = await Assert.ThrowsAsync<CloudBusyException>(() => commands.SendAsync(Region, InstanceId, Command(), Token));
        }

        // Assert
        Assert.Equal("ThrottlingException", ex.Code);
        Assert.Single(_handler.Requests);
        Assert.Equal(Start, _time.GetUtcNow());
    }

    [Fact]
    public async Task SendAsync_ThrottledAndBackoffFits_RetriesWithinTheDeadline()
    {
        // Arrange: the same 5 s backoff under a 10 s deadline.
        _handler.Respond(HttpStatusCode.BadRequest, """{"__type":"ThrottlingException","message":"Rate exceeded"}""", JsonType);
        _handler.Respond(HttpStatusCode.OK, $$$"""{"Command":{"CommandId":"{{{CommandId}}}"}}""", JsonType);
        var commands = Commands(AwsRetryOptions.Default with { BaseDelay = TimeSpan.FromSeconds(10) });
        Task<string> send;
        using (CallDeadline.Within(_time, TimeSpan.FromSeconds(10)))
        {
            send = commands.SendAsync(Region, InstanceId, Command(), Token);
        }

        // Act: wait for the backoff's timer (the deadline's is 10 s), then let it run out.
        await Eventually.TrueAsync(() => _timers.Contains(TimeSpan.FromSeconds(5)), "backoff timer started");
        _time.Advance(TimeSpan.FromSeconds(5));
        var id = await send.WaitAsync(TimeSpan.FromSeconds(10), Token);

        // Assert
        Assert.Equal(CommandId, id);
        Assert.Equal(2, _handler.Requests.Count);
    }

    [Fact]
    public async Task GetInvocationAsync_CallerCancelsUnderDeadline_ThrowsOperationCanceledForTheCallersToken()
    {
        // Arrange
        _handler.Hang();
        var commands = Commands();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        Task<CommandInvocation> call;
        using (CallDeadline.Within(_time, TimeSpan.FromSeconds(10)))
        {
            call = commands.GetInvocationAsync(Region, CommandId, InstanceId, cancel.Token);
        }

        // Act
        await Eventually.TrueAsync(() => _handler.Requests.Count == 1, "first attempt sent");
        await cancel.CancelAsync();
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(TimeSpan.FromSeconds(10), Token));

        // Assert
        Assert.Equal(cancel.Token, ex.CancellationToken);
        Assert.Single(_handler.Requests);
    }

    /// <summary>The fake clock, noting the due time of every timer created on it.</summary>
    private sealed class ObservedTime(FakeTimeProvider inner, System.Collections.Concurrent.ConcurrentQueue<TimeSpan> timers) : TimeProvider
    {
        public override long TimestampFrequency => inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp() => inner.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            timers.Enqueue(dueTime);
            return inner.CreateTimer(callback, state, dueTime, period);
        }
    }

    private static NodeCommand Command() => new("AWS-RunShellScript", new Dictionary<string, IReadOnlyList<string>> { ["commands"] = ["true"] });
}
