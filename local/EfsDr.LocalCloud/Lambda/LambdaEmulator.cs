using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using EfsDr.Aws;
using EfsDr.Aws.Http;
using EfsDr.Core.Deadlines;
using EfsDr.Functions;
using EfsDr.Functions.Observability;
using EfsDr.Functions.Runtime;
using EfsDr.LocalCloud.Hosting;
using Microsoft.Extensions.Logging;

namespace EfsDr.LocalCloud.Lambda;

/// <summary>
/// Lambda Invoke (<c>POST /2015-03-31/functions/{name}/invocations</c>), dispatched in-process to EfsDr's handlers, whose
/// AWS ports point back at this cloud. A function is addressed by its ARN (what Step Functions sends), its name
/// (<c>efsdr-{handler}</c>, in the request's region) or, for the <c>arn:aws:states:::lambda:invoke</c> integration, by
/// the <c>FunctionName</c> in the body (the answer is then wrapped in <c>{Payload, StatusCode}</c>).
/// <para>
/// A handler's exception is a function error as AWS reports it: HTTP 200, <c>X-Amz-Function-Error: Unhandled</c> and
/// <c>{"errorType": exception class name, "errorMessage", "stackTrace": []}</c>. Handlers log JSON lines to
/// <see cref="LogFile"/>, not to the console.
/// </para>
/// <para>
/// Crash injection: when <see cref="FaultInjector.CrashAfterFunction"/> names a handler (e.g. <c>promote-replica</c>), the
/// first invocation of ANY function after the first successful invocation of that handler does not run: it fails with
/// errorType <c>SimulatedCrashException</c> ("injected crash after promote-replica"), as if the orchestrator died right
/// after that step. The injection then clears itself, so a re-run goes through. Invocations before the named handler
/// succeeded (and its own failed attempts) are not affected.
/// </para>
/// </summary>
public sealed class LambdaEmulator(LocalCloudContext context) : IServiceEmulator, IAsyncDisposable
{
    /// <summary>The account id of every ARN the local cloud makes.</summary>
    public const string AccountId = "000000000000";

    /// <summary>The errorType of an injected crash.</summary>
    public const string SimulatedCrashErrorType = "SimulatedCrashException";

    private const string InvokeIntegration = "arn:aws:states:::lambda:invoke";
    private const string PathPrefix = "/2015-03-31/functions/";
    private const string PathSuffix = "/invocations";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, DeployedFunction> _functions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _invocations = new(StringComparer.Ordinal);
    private readonly FunctionTimeoutsFile _timeouts = Template(context);
    private TimeSpan? _functionTimeout;
    private AwsAdapters? _adapters;
    private readonly CallerHeaderHandler _transport = new(new SocketsHttpHandler { UseProxy = false });
    private StreamWriter? _log;
    private JsonLineLoggerProvider? _loggers;
    private string? _crashArmedBy;
    private bool _disposed;

    /// <inheritdoc />
    public string SigningName => "lambda";

    internal LocalCloudContext Context { get; } = context;

    /// <summary>How long an invocation may run, in simulated seconds, unless template.yaml gives its function a Timeout of
    /// its own (<see cref="TimeoutOf"/>): template.yaml's Globals Function Timeout (60 s without a template). The invocation's
    /// cancellation token fires then, and its AWS calls run under a <see cref="CallDeadline"/> a reserve before
    /// (<see cref="LambdaRuntime.CallDeadlineFor"/>).</summary>
    public TimeSpan FunctionTimeout
    {
        get => _functionTimeout ?? _timeouts.Default ?? TimeSpan.FromSeconds(60);
        set => _functionTimeout = value;
    }

    /// <summary>The retry policy of the handlers' AWS clients; null: the production defaults, whose backoff runs on the
    /// cloud's simulated clock like everything else of the handlers. Set it before <see cref="DeployFunctions"/>.</summary>
    public AwsRetryOptions? Retry { get; set; }

    /// <summary>The JSON-lines log of the handlers and of each invocation (<c>logs/lambda.log</c> under the cloud's root).</summary>
    public string LogFile => Path.Combine(Context.Root, "logs", "lambda.log");

    /// <summary>Invocations so far, by handler name (crashed ones included).</summary>
    public IReadOnlyDictionary<string, int> Invocations
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, int>(_invocations, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>The deployed functions: ARN → handler name.</summary>
    public IReadOnlyDictionary<string, string> Functions
    {
        get
        {
            lock (_gate)
            {
                return _functions.ToDictionary(f => f.Key, f => f.Value.Name, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>The timeout of the function of <paramref name="handler"/>: its own Timeout in template.yaml, else <see cref="FunctionTimeout"/>.</summary>
    public TimeSpan TimeoutOf(string handler) => _timeouts.ByHandler.TryGetValue(handler, out var own) ? own : FunctionTimeout;

    /// <summary>The ARN the local cloud gives the function of <paramref name="handler"/> in <paramref name="region"/>.</summary>
    public static string FunctionArn(string region, string handler) => $"arn:aws:lambda:{region}:{AccountId}:function:efsdr-{handler}";

    /// <inheritdoc />
    public AwsAnswer Throttled() => AwsAnswer.JsonError(429, "TooManyRequestsException", "Rate exceeded");

    /// <inheritdoc />
    public AwsAnswer ServerError() => AwsAnswer.JsonError(500, "ServiceException", "Injected server error");

    /// <summary>Deploys EfsDr's functions in a region with the given environment (EFSDR_CONFIG_PARAMETER, EFSDR_NODE_DOCUMENT …);
    /// returns each handler name's function ARN. AWS_REGION defaults to <paramref name="region"/>. Deploying again replaces them.</summary>
    public IReadOnlyDictionary<string, string> DeployFunctions(string region, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentNullException.ThrowIfNull(environment);
        var variables = new Dictionary<string, string>(environment, StringComparer.Ordinal);
        variables.TryAdd("AWS_REGION", region);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var logger = Loggers().CreateLogger("EfsDr.Functions");
            var adapters = _adapters ??= CreateAdapters(Loggers().CreateLogger("EfsDr.LocalCloud.Lambda"));
            var ports = new FunctionPorts(adapters.FileSystems, adapters.Replications, adapters.NodeAgent, adapters.Instances, adapters.Dns, adapters.Parameters, adapters.Executions);
            var handlers = FunctionHost.Handlers(name => variables.GetValueOrDefault(name), ports, Context.Clock.Time, logger);
            var arns = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, handler) in handlers)
            {
                var arn = FunctionArn(region, name);
                _functions[arn] = new DeployedFunction(name, region, arn, handler);
                arns[name] = arn;
            }

            return arns;
        }
    }

    /// <summary>Test hook: deploys <paramref name="handler"/> as function <c>efsdr-{name}</c> in <paramref name="region"/>;
    /// returns its ARN. It is counted and crash-injected like EfsDr's own handlers.</summary>
    internal string RegisterFunction(string region, string name, LambdaHandler handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(handler);
        var arn = FunctionArn(region, name);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _functions[arn] = new DeployedFunction(name, region, arn, handler);
        }

        return arn;
    }

    /// <inheritdoc />
    public async Task<AwsAnswer> HandleAsync(AwsCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var path = Uri.UnescapeDataString(call.Path);
        if (!path.StartsWith(PathPrefix, StringComparison.Ordinal) || !path.EndsWith(PathSuffix, StringComparison.Ordinal) || path.Length <= PathPrefix.Length + PathSuffix.Length)
        {
            return AwsAnswer.JsonError(404, "UnknownOperationException", $"The local cloud's Lambda answers only Invoke (POST {PathPrefix}{{name}}{PathSuffix}), not {call.Method} {call.Path}.");
        }

        if (!string.Equals(call.Method, "POST", StringComparison.OrdinalIgnoreCase))
        {
            return AwsAnswer.JsonError(405, "UnknownOperationException", $"Invoke is POST, not {call.Method}.");
        }

        var name = path[PathPrefix.Length..^PathSuffix.Length];
        var payload = call.Body;
        var integration = name.StartsWith(InvokeIntegration, StringComparison.Ordinal);
        if (integration)
        {
            // arn:aws:states:::lambda:invoke: the body is {FunctionName, Payload} and the answer wraps the function's output.
            JsonNode? body;
            try
            {
                body = JsonNode.Parse(call.Body);
            }
            catch (JsonException ex)
            {
                return AwsAnswer.JsonError(400, "InvalidRequestContentException", "Could not parse request body into json: " + ex.Message);
            }

            name = body?["FunctionName"]?.GetValue<string>() ?? string.Empty;
            payload = Encoding.UTF8.GetBytes(body?["Payload"]?.ToJsonString() ?? "{}");
        }

        var function = Find(name, call.Region);
        if (function is null)
        {
            return AwsAnswer.JsonError(404, "ResourceNotFoundException", $"Function not found: {(name.StartsWith("arn:", StringComparison.Ordinal) ? name : $"arn:aws:lambda:{call.Region}:{AccountId}:function:{name}")}");
        }

        var invocationType = call.Headers.GetValueOrDefault("X-Amz-Invocation-Type") ?? "RequestResponse";
        if (invocationType == "DryRun")
        {
            return AwsAnswer.Empty(204);
        }

        if (invocationType == "Event")
        {
            _ = Task.Run(() => InvokeAsync(function, payload, CancellationToken.None), CancellationToken.None);
            return AwsAnswer.Empty(202);
        }

        var outcome = await InvokeAsync(function, payload, cancellationToken).ConfigureAwait(false);
        var headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["X-Amz-Executed-Version"] = "$LATEST" };
        if (outcome.ErrorType is not null)
        {
            headers["X-Amz-Function-Error"] = "Unhandled";
            var error = new JsonObject { ["errorType"] = outcome.ErrorType, ["errorMessage"] = outcome.ErrorMessage, ["stackTrace"] = new JsonArray() };
            return new AwsAnswer(200, "application/json", Encoding.UTF8.GetBytes(error.ToJsonString()), headers);
        }

        var output = outcome.Output.Length == 0 ? "null"u8.ToArray() : outcome.Output;
        if (integration)
        {
            JsonNode? parsed;
            try
            {
                parsed = JsonNode.Parse(output);
            }
            catch (JsonException)
            {
                parsed = JsonValue.Create(Encoding.UTF8.GetString(output));
            }

            var wrapped = new JsonObject { ["ExecutedVersion"] = "$LATEST", ["Payload"] = parsed, ["StatusCode"] = 200 };
            return new AwsAnswer(200, "application/json", Encoding.UTF8.GetBytes(wrapped.ToJsonString()), headers);
        }

        return new AwsAnswer(200, "application/json", output, headers);
    }

    /// <summary>Stops running executions first (they invoke these functions), then releases the AWS clients and the log.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Context.StepFunctions is not null)
        {
            await Context.StepFunctions.DisposeAsync().ConfigureAwait(false);
        }

        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _adapters?.Dispose();
            _transport.Dispose();
            _log?.Dispose();
            _loggers?.Dispose();
        }
    }

    private DeployedFunction? Find(string name, string region)
    {
        lock (_gate)
        {
            if (name.StartsWith("arn:", StringComparison.Ordinal))
            {
                // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
                var parts = name.Split(':');
                var unqualified = parts.Length > 7 ? string.Join(':', parts[..7]) : name;
                return _functions.GetValueOrDefault(unqualified);
            }

            var bare = name.Split(':')[0];
            return _functions.Values.FirstOrDefault(f => f.Region == region && f.Arn.EndsWith(":function:" + bare, StringComparison.Ordinal));
        }
    }

    private async Task<Outcome> InvokeAsync(DeployedFunction function, byte[] payload, CancellationToken cancellationToken)
    {
        var requestId = Guid.NewGuid().ToString();
        // Faults that last until this step is reached end now, before it runs (FaultInjector.EndWhenInvoked).
        Context.Faults.Invoked(function.Name);
        string? crashAfter = null;
        lock (_gate)
        {
            _invocations[function.Name] = _invocations.GetValueOrDefault(function.Name) + 1;
            var injected = Context.Faults.CrashAfterFunction;
            if (injected is null || injected != _crashArmedBy)
            {
                _crashArmedBy = null;
            }
            else
            {
                crashAfter = injected;
                _crashArmedBy = null;
                Context.Faults.CrashAfterFunction = null;
            }
        }

        var logger = Loggers().CreateLogger("EfsDr.LocalCloud.Lambda");
        if (crashAfter is not null)
        {
            var message = $"injected crash after {crashAfter}";
            LogCrash(logger, function.Name, requestId, message, null);
            return new Outcome([], SimulatedCrashErrorType, message);
        }

        // As in the custom runtime: the handler's AWS calls must end, answered or not, a reserve before the function's
        // deadline, so a region that never answers is reported as RegionUnreachableException, not FunctionTimeoutException.
        // The deadline, the timeout and the handlers' AWS adapters (CreateAdapters) all run on the cloud's simulated clock.
        var functionTimeout = TimeoutOf(function.Name);
        var startedAt = Context.Clock.Now;
        var deadline = startedAt + functionTimeout;
        using var calls = CallDeadline.Until(LambdaRuntime.CallDeadlineFor(deadline, startedAt));
        using var timeout = new CancellationTokenSource(functionTimeout, Context.Clock.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        LogStart(logger, function.Name, requestId, null);
        using var caller = CallerHeaderHandler.Enter(function.Name);
        try
        {
            var output = await function.Run(payload, new InvocationContext(requestId, deadline, function.Arn, null), linked.Token).ConfigureAwait(false) ?? [];
            lock (_gate)
            {
                if (Context.Faults.CrashAfterFunction == function.Name && _crashArmedBy is null)
                {
                    _crashArmedBy = function.Name;
                }
            }

            LogEnd(logger, function.Name, requestId, "Success", null);
            return new Outcome(output, null, null);
        }
#pragma warning disable CA1031 // A handler's failure, whatever its type, is the invocation's function error.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var reported = ex is OperationCanceledException && timeout.IsCancellationRequested
                ? new FunctionTimeoutException($"Request {requestId} ran out of time: {functionTimeout.TotalSeconds:0} s.", ex)
                : ex;
            LogEnd(logger, function.Name, requestId, reported.GetType().Name, null);
            return new Outcome([], reported.GetType().Name, reported.Message);
        }
    }

    private JsonLineLoggerProvider Loggers()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return new JsonLineLoggerProvider(TextWriter.Null, Context.Clock.Time);
            }

            if (_loggers is null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(LogFile)!);
                _log = new StreamWriter(new FileStream(LogFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), new UTF8Encoding(false)) { AutoFlush = true };
                _loggers = new JsonLineLoggerProvider(TextWriter.Synchronized(_log), Context.Clock.Time);
            }

            return _loggers;
        }
    }

    private AwsAdapters CreateAdapters(ILogger logger)
    {
        var retry = Retry ?? AwsRetryOptions.Default;
        return new AwsAdapters(
            new BasicAWSCredentials("local", "local"),
            new EndpointResolver(n => n == "AWS_ENDPOINT_URL" ? Context.Endpoint.ToString().TrimEnd('/') : null),
            retry,
            Context.Clock.Time,
            notice => LogRetry(logger, notice.Retry, notice.ErrorCode, notice.HttpStatus, null),
            _transport);
    }

    private static FunctionTimeoutsFile Template(LocalCloudContext context) =>
        context is null ? FunctionTimeoutsFile.None : FunctionTimeoutsFile.Read(context.RepositoryRoot);

    private static readonly Action<ILogger, string, string, Exception?> LogStart =
        LoggerMessage.Define<string, string>(LogLevel.Information, new EventId(1, "InvokeStart"), "START {Function} {RequestId}");

    private static readonly Action<ILogger, string, string, string, Exception?> LogEnd =
        LoggerMessage.Define<string, string, string>(LogLevel.Information, new EventId(2, "InvokeEnd"), "END {Function} {RequestId} {Outcome}");

    private static readonly Action<ILogger, string, string, string, Exception?> LogCrash =
        LoggerMessage.Define<string, string, string>(LogLevel.Warning, new EventId(3, "InjectedCrash"), "CRASH {Function} {RequestId}: {Message}");

    private static readonly Action<ILogger, int, string, int, Exception?> LogRetry =
        LoggerMessage.Define<int, string, int>(LogLevel.Warning, new EventId(4, "AwsRetry"), "AWS call retry {Retry} after {ErrorCode} (HTTP {HttpStatus})");

    private sealed record DeployedFunction(string Name, string Region, string Arn, LambdaHandler Run);

    private sealed record Outcome(byte[] Output, string? ErrorType, string? ErrorMessage);
}
