using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EfsDr.Functions.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Functions.Tests.Runtime;

/// <summary>A domain-style failure whose class name must become the reported errorType.</summary>
public sealed class DrillFailedException(string message) : Exception(message);

/// <summary>The composition root's failure.</summary>
public sealed class CompositionBrokenException(string message) : Exception(message);

[Collection(nameof(RuntimeEnvironment))]
public sealed class LambdaRuntimeTests
{
    private const string Prefix = "/2018-06-01/runtime/invocation/";
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    // Upper bound on how long a test waits for the loop; never reached when the code is right.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RunAsync_HandlerSucceeds_PostsOutputToResponseOfThatRequest()
    {
        // Arrange
        using var api = new FakeRuntimeApi().Enqueue("req-1", """{"n":1}""", Now.AddMinutes(1));
        LambdaHandler handler = (input, _, _) => Task.FromResult(Encoding.UTF8.GetBytes("echo:" + Encoding.UTF8.GetString(input)));

        // Act
        var exit = await RunAsync(api, handler);

        // Assert
        Assert.Equal(LambdaRuntime.ExitStopped, exit);
        var post = Assert.Single(api.Posts);
        Assert.Equal(Prefix + "req-1/response", post.Path);
        Assert.Equal("""echo:{"n":1}""", post.Text);
    }

    [Fact]
    public async Task RunAsync_HandlerThrowsCustomException_PostsErrorWithClassNameHeaderAndJsonBody()
    {
        // Arrange
        const string message = "Volume \"fs-1\" is <busy>\nretry later – ü";
        using var api = new FakeRuntimeApi().Enqueue("req-err", "{}", Now.AddMinutes(1));
        LambdaHandler handler = (_, _, _) => throw new DrillFailedException(message);
        using var log = new StringWriter();

        // Act
        var exit = await RunAsync(api, handler, log: log);

        // Assert
        Assert.Equal(LambdaRuntime.ExitStopped, exit);
        var post = Assert.Single(api.Posts);
        Assert.Equal(Prefix + "req-err/error", post.Path);
        Assert.Equal("DrillFailedException", post.Header("Lambda-Runtime-Function-Error-Type"));
        Assert.Equal("application/vnd.aws.lambda.error+json", post.ContentType);
        var json = post.Json();
        Assert.Equal(["errorMessage", "errorType", "stackTrace"], json.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(message, json.GetProperty("errorMessage").GetString());
        Assert.Equal("DrillFailedException", json.GetProperty("errorType").GetString());
        var frames = json.GetProperty("stackTrace").EnumerateArray().Select(f => f.GetString()!).ToList();
        Assert.NotEmpty(frames);
        Assert.All(frames, f => Assert.StartsWith("at ", f, StringComparison.Ordinal));
        Assert.Contains("req-err DrillFailedException", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_FirstInvocationFails_SecondInvocationIsStillAnswered()
    {
        // Arrange
        using var api = new FakeRuntimeApi()
            .Enqueue("req-a", "fail", Now.AddMinutes(1))
            .Enqueue("req-b", "ok", Now.AddMinutes(1));
        LambdaHandler handler = (input, _, _) => Encoding.UTF8.GetString(input) == "fail"
            ? throw new DrillFailedException("first one fails")
            : Task.FromResult("done"u8.ToArray());

        // Act
        var exit = await RunAsync(api, handler);

        // Assert
        Assert.Equal(LambdaRuntime.ExitStopped, exit);
        Assert.Equal([Prefix + "req-a/error", Prefix + "req-b/response"], api.Posts.Select(p => p.Path).ToArray());
        Assert.Equal("done", api.Posts[1].Text);
        Assert.Equal(3, api.NextCalls);
    }

    [Fact]
    public async Task RunAsync_DeadlineApproaches_CancelsHandlerTokenAtDeadlineMinusMarginAndReportsTimeout()
    {
        // Arrange
        var time = new FakeTimeProvider(Now);
        using var api = new FakeRuntimeApi().Enqueue("req-slow", "{}", Now.AddSeconds(10));
        var started = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        LambdaHandler handler = async (_, _, ct) =>
        {
            started.SetResult(ct);
            var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (ct.Register(() => cancelled.TrySetResult()))
            {
                await cancelled.Task;
            }

            ct.ThrowIfCancellationRequested();
            return [];
        };
        using var client = api.Client();

        // Act
        var run = LambdaRuntime.RunAsync(() => handler, client, time, api.Stop, TimeSpan.FromMilliseconds(500), TextWriter.Null);
        var token = await started.Task.WaitAsync(Bound, TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromMilliseconds(9_499));
        var cancelledJustBeforeMargin = token.IsCancellationRequested;
        time.Advance(TimeSpan.FromMilliseconds(1));
        var cancelledAtMargin = token.IsCancellationRequested;
        var exit = await run.WaitAsync(Bound, TestContext.Current.CancellationToken);

        // Assert
        Assert.False(cancelledJustBeforeMargin);
        Assert.True(cancelledAtMargin);
        Assert.Equal(LambdaRuntime.ExitStopped, exit);
        var post = Assert.Single(api.Posts);
        Assert.Equal(Prefix + "req-slow/error", post.Path);
        Assert.Equal("FunctionTimeoutException", post.Header("Lambda-Runtime-Function-Error-Type"));
        var json = post.Json();
        Assert.Equal("FunctionTimeoutException", json.GetProperty("errorType").GetString());
        Assert.Contains(
            json.GetProperty("stackTrace").EnumerateArray(),
            f => f.GetString()!.StartsWith("--- caused by OperationCanceledException", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_DeadlineAlreadyWithinMargin_HandlerTokenIsCancelledFromTheStart()
    {
        // Arrange
        using var api = new FakeRuntimeApi().Enqueue("req-late", "{}", Now.AddMilliseconds(400));
        bool? cancelledOnEntry = null;
        LambdaHandler handler = (_, _, ct) =>
        {
            cancelledOnEntry = ct.IsCancellationRequested;
            return Task.FromResult("late"u8.ToArray());
        };

        // Act
        var exit = await RunAsync(api, handler);

        // Assert
        Assert.Equal(LambdaRuntime.ExitStopped, exit);
        Assert.True(cancelledOnEntry);
    }

    [Fact]
    public async Task RunAsync_InvocationHeaders_ContextAndTraceVariableHonouredPerInvocation()
    {
        // Arrange
        Environment.SetEnvironmentVariable(RuntimeApiClient.TraceIdVariable, "Root=stale");
        const string arn = "arn:aws:lambda:eu-west-1:123456789012:function:efsdr-plan";
        const string trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        var deadline = Now.AddSeconds(42);
        using var api = new FakeRuntimeApi()
            .Enqueue("id/with space?", "{}", deadline, trace, arn)
            .Enqueue("req-untraced", "{}", deadline);
        var seen = new List<(InvocationContext Context, string? TraceVariable)>();
        LambdaHandler handler = (_, context, _) =>
        {
            seen.Add((context, Environment.GetEnvironmentVariable(RuntimeApiClient.TraceIdVariable)));
            return Task.FromResult(Array.Empty<byte>());
        };

        // Act
        var exit = await RunAsync(api, handler);

        // Assert
        Assert.Equal(LambdaRuntime.ExitStopped, exit);
        Assert.Equal(2, seen.Count);
        Assert.Equal(new InvocationContext("id/with space?", deadline, arn, trace), seen[0].Context);
        Assert.Equal(trace, seen[0].TraceVariable);
        Assert.Null(seen[1].Context.TraceId);
        Assert.Null(seen[1].TraceVariable);
        Assert.Equal(Prefix + "id%2Fwith%20space%3F/response", api.Posts[0].Path);
    }

    [Fact]
    public async Task RunAsync_BuildThrows_PostsInitErrorAndExitsWithInitCode()
    {
        // Arrange
        using var api = new FakeRuntimeApi().Enqueue("req-never", "{}", Now.AddMinutes(1));
        using var client = api.Client();

        // Act
        var exit = await LambdaRuntime.RunAsync(
                () => throw new CompositionBrokenException("no cluster configuration"), client, new FakeTimeProvider(Now), api.Stop, log: TextWriter.Null)
            .WaitAsync(Bound, TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(LambdaRuntime.ExitInitError, exit);
        Assert.NotEqual(0, exit);
        Assert.Equal(0, api.NextCalls);
        var post = Assert.Single(api.Posts);
        Assert.Equal("/2018-06-01/runtime/init/error", post.Path);
        Assert.Equal("CompositionBrokenException", post.Header("Lambda-Runtime-Function-Error-Type"));
        Assert.Equal("application/vnd.aws.lambda.error+json", post.ContentType);
        Assert.Equal("no cluster configuration", post.Json().GetProperty("errorMessage").GetString());
    }

    [Theory]
    [InlineData("response")]
    [InlineData("error")]
    public async Task RunAsync_RuntimeApiAnswers500ToPost_StopsLoopWithNonZeroExit(string failingLeaf)
    {
        // Arrange
        using var api = new FakeRuntimeApi()
            .Enqueue("req-1", failingLeaf, Now.AddMinutes(1))
            .Enqueue("req-2", "{}", Now.AddMinutes(1));
        api.Answer = post => post.Path.EndsWith("/" + failingLeaf, StringComparison.Ordinal) ? HttpStatusCode.InternalServerError : HttpStatusCode.Accepted;
        LambdaHandler handler = (input, _, _) => Encoding.UTF8.GetString(input) == "error"
            ? throw new DrillFailedException("boom")
            : Task.FromResult("ok"u8.ToArray());

        // Act
        var exit = await RunAsync(api, handler);

        // Assert
        Assert.Equal(LambdaRuntime.ExitRuntimeApiError, exit);
        Assert.Equal(1, api.NextCalls);
        Assert.False(api.Stop.IsCancellationRequested);
    }

    [Fact]
    public async Task RunAsync_RuntimeApiRefusesConnection_ExitsWithNonZeroCode()
    {
        // Arrange: a loopback port that was just free, so nothing listens on it.
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
        }

        using var client = RuntimeApiClient.ForHost($"127.0.0.1:{port}");
        using var stop = new CancellationTokenSource();
        LambdaHandler handler = (_, _, _) => Task.FromResult(Array.Empty<byte>());

        // Act
        var exit = await LambdaRuntime.RunAsync(() => handler, client, TimeProvider.System, stop.Token, log: TextWriter.Null)
            .WaitAsync(Bound, TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(LambdaRuntime.ExitRuntimeApiError, exit);
    }

    private static async Task<int> RunAsync(FakeRuntimeApi api, LambdaHandler handler, TextWriter? log = null)
    {
        using var client = api.Client();
        return await LambdaRuntime.RunAsync(() => handler, client, new FakeTimeProvider(Now), api.Stop, log: log ?? TextWriter.Null)
            .WaitAsync(Bound, TestContext.Current.CancellationToken);
    }
}
