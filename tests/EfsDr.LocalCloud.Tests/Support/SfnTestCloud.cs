using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using EfsDr.Aws;
using EfsDr.Aws.Http;
using EfsDr.Aws.StepFunctions;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;
using EfsDr.Functions.Runtime;
using EfsDr.LocalCloud.Hosting;
using EfsDr.LocalCloud.StepFunctions;

namespace EfsDr.LocalCloud.Tests.Support;

/// <summary>
/// A local cloud for one test, with EfsDr's real Step Functions client pointed at it, plus helpers to register test
/// handlers, define state machines and wait (with a real-time deadline) for executions to close.
/// </summary>
public sealed class SfnTestCloud : IAsyncDisposable
{
    public const string Region = "us-west-2";

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private SfnTestCloud(LocalCloudHost host)
    {
        Host = host;
        var endpoints = new EndpointResolver(n => n == "AWS_ENDPOINT_URL" ? host.Endpoint.ToString() : null);
        var retry = new AwsRetryOptions { MaxAttempts = 2, BaseDelay = TimeSpan.Zero };
        Adapters = new AwsAdapters(new BasicAWSCredentials("local", "local"), endpoints, retry);
        Pipeline = new SignedRequestPipeline(_http, new BasicAWSCredentials("local", "local"), endpoints, retry);
    }

    public LocalCloudHost Host { get; }

    public AwsAdapters Adapters { get; }

    /// <summary>EfsDr's real Step Functions client (page size 100).</summary>
    public IExecutions Executions => Adapters.Executions;

    /// <summary>A signed pipeline for raw calls and for clients with other page sizes.</summary>
    public SignedRequestPipeline Pipeline { get; }

    /// <summary>Starts a cloud on <paramref name="time"/> (the system clock by default).</summary>
    public static async Task<SfnTestCloud> StartAsync(LocalCloudOptions? options = null, TimeProvider? time = null) =>
        new(await LocalCloudHost.StartAsync(options ?? new LocalCloudOptions(), time: time, cancellationToken: TestContext.Current.CancellationToken));

    /// <summary>Skips the test (locally) or fails it (CI=true) when node or aws-local-stepfunctions is missing.</summary>
    public static void RequireEngine()
    {
        var reason = StepFunctionsEmulator.EngineUnavailableReason(LocalCloudHost.FindRepositoryRoot());
        if (reason is null)
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail($"{reason} (CI=true: the Step Functions engine must be installed; run npm ci)");
        }

        Assert.Skip(reason);
    }

    /// <summary>Registers a test handler as function efsdr-{name} in <see cref="Region"/>; returns its ARN.</summary>
    public string Function(string name, Func<JsonElement, CancellationToken, Task<object?>> handler) =>
        Host.Context.Lambda.RegisterFunction(Region, name, async (input, _, cancellationToken) =>
        {
            using var doc = JsonDocument.Parse(input.Length == 0 ? "null"u8.ToArray() : input);
            var result = await handler(doc.RootElement.Clone(), cancellationToken);
            return JsonSerializer.SerializeToUtf8Bytes(result);
        });

    /// <summary>Registers a raw test handler.</summary>
    public string Function(string name, LambdaHandler handler) => Host.Context.Lambda.RegisterFunction(Region, name, handler);

    /// <summary>Defines a state machine in <see cref="Region"/> from ASL text.</summary>
    public string StateMachine(string name, string definition) => Host.Context.StepFunctions.DefineStateMachine(Region, name, definition);

    /// <summary>Polls DescribeExecution until the execution is no longer RUNNING, or fails after <paramref name="seconds"/> of real time.</summary>
    public async Task<Execution> ClosedAsync(string executionArn, double seconds = 45)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var execution = await Executions.DescribeAsync(executionArn, TestContext.Current.CancellationToken);
            if (execution.Status != ExecutionStatus.Running)
            {
                return execution;
            }

            if (clock.Elapsed.TotalSeconds > seconds)
            {
                Assert.Fail($"{executionArn} still RUNNING after {seconds} s. Engine log: {Host.Context.StepFunctions.Execution(executionArn)?.EngineLog}");
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Polls until <paramref name="condition"/> holds, or fails after <paramref name="seconds"/> of real time.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, double seconds = 45)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed.TotalSeconds > seconds)
            {
                Assert.Fail($"Not true within {seconds} s: {what}");
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Every history event, through the real client's paging.</summary>
    public async Task<List<HistoryEvent>> HistoryAsync(string executionArn, IExecutions? client = null)
    {
        var events = new List<HistoryEvent>();
        string? token = null;
        do
        {
            var page = await (client ?? Executions).GetHistoryPageAsync(executionArn, token, TestContext.Current.CancellationToken);
            events.AddRange(page.Items);
            token = page.NextToken;
        }
        while (token is not null);
        return events;
    }

    /// <summary>A raw Step Functions call through the signed pipeline; returns the JSON answer.</summary>
    public async Task<JsonElement> CallAsync(string operation, string body)
    {
        var response = await Pipeline.SendAsync(
            AwsServiceInfo.StepFunctions,
            Region,
            new AwsRequest(HttpMethod.Post, "/")
            {
                Body = Encoding.UTF8.GetBytes(body),
                ContentType = "application/x-amz-json-1.0",
                Headers = new Dictionary<string, string> { ["X-Amz-Target"] = "AWSStepFunctions." + operation },
                Operation = operation,
            },
            JsonErrorReader.Instance,
            TestContext.Current.CancellationToken);
        using var doc = JsonDocument.Parse(response.Body);
        return doc.RootElement.Clone();
    }

    /// <summary>A raw Lambda Invoke (the host routes by the credential scope; the signature is not checked).</summary>
    public async Task<(int Status, string? FunctionError, JsonElement Body)> InvokeAsync(string function, string payload, string region = Region)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Host.Endpoint, "2015-03-31/functions/" + Uri.EscapeDataString(function) + "/invocations"))
        {
            Content = new StringContent(payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential=local/20260101/{region}/lambda/aws4_request, SignedHeaders=host, Signature=0");
        using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var error = response.Headers.TryGetValues("X-Amz-Function-Error", out var values) ? values.First() : null;
        using var doc = JsonDocument.Parse(text.Length == 0 ? "null" : text);
        return ((int)response.StatusCode, error, doc.RootElement.Clone());
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        Adapters.Dispose();
        _http.Dispose();
    }
}

/// <summary>A named domain error a test handler throws (its class name is the Lambda errorType).</summary>
public sealed class ReplicaLagTestException(string message) : Exception(message);

/// <summary>A named transient error a test handler throws.</summary>
public sealed class FlakyTestException(string message) : Exception(message);
