using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace EfsDr.Functions.Runtime;

/// <summary>One event from <c>GET /runtime/invocation/next</c>.</summary>
/// <param name="Context">The invocation's request id, deadline, function ARN and trace id.</param>
/// <param name="Input">The event's bytes, as sent.</param>
public sealed record RuntimeInvocation(InvocationContext Context, byte[] Input);

/// <summary>The Lambda Runtime API answered something the runtime cannot work with (the process should exit).</summary>
public sealed class RuntimeApiException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RuntimeApiException(string message, HttpStatusCode? statusCode = null)
        : base(message)
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status the Runtime API answered, when it answered.</summary>
    public HttpStatusCode? StatusCode { get; }
}

/// <summary>
/// A small hand-written client of the Lambda Runtime API (<c>http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01</c>) for the
/// <c>provided.al2023</c> custom runtime. Every call either succeeds or throws (<see cref="HttpRequestException"/> for a
/// transport failure, <see cref="RuntimeApiException"/> for an unexpected answer); the runtime loop then exits.
/// </summary>
public sealed class RuntimeApiClient : IDisposable
{
    /// <summary>The environment variable that holds the Runtime API's host and port.</summary>
    public const string RuntimeApiVariable = "AWS_LAMBDA_RUNTIME_API";

    /// <summary>The environment variable X-Ray SDKs read the current trace header from.</summary>
    public const string TraceIdVariable = "_X_AMZN_TRACE_ID";

    /// <summary>The content type of error bodies.</summary>
    public const string ErrorContentType = "application/vnd.aws.lambda.error+json";

    private const string ErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;

    /// <summary>Creates the client.</summary>
    /// <param name="http">The transport. <c>GET next</c> blocks until an event arrives, so its
    /// <see cref="HttpClient.Timeout"/> must be <see cref="Timeout.InfiniteTimeSpan"/>.</param>
    /// <param name="baseAddress">The API root, e.g. <c>http://127.0.0.1:9001/2018-06-01/</c>.</param>
    /// <param name="ownsHttp">Whether <see cref="Dispose"/> disposes <paramref name="http"/>.</param>
    public RuntimeApiClient(HttpClient http, Uri baseAddress, bool ownsHttp = false)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _ownsHttp = ownsHttp;
        BaseAddress = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
    }

    /// <summary>The API root, ending with <c>/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>A client for the Runtime API named by <c>AWS_LAMBDA_RUNTIME_API</c>, with no client timeout.</summary>
    /// <exception cref="InvalidOperationException">The variable is not set (not running inside Lambda).</exception>
    public static RuntimeApiClient FromEnvironment()
    {
        var api = Environment.GetEnvironmentVariable(RuntimeApiVariable);
        if (string.IsNullOrWhiteSpace(api))
        {
            throw new InvalidOperationException($"{RuntimeApiVariable} is not set; the bootstrap only runs inside the Lambda custom runtime.");
        }

        return ForHost(api.Trim());
    }

    /// <summary>A client for the Runtime API at <paramref name="hostAndPort"/> (the value of <c>AWS_LAMBDA_RUNTIME_API</c>).</summary>
    public static RuntimeApiClient ForHost(string hostAndPort)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostAndPort);
        var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        return new RuntimeApiClient(http, new Uri($"http://{hostAndPort}/2018-06-01/"), ownsHttp: true);
    }

    /// <summary>Waits for the next event (<c>GET /runtime/invocation/next</c>, no timeout) and sets
    /// <c>_X_AMZN_TRACE_ID</c> from its trace header (cleared when the header is absent, so no stale id is carried over).</summary>
    /// <exception cref="RuntimeApiException">Not 200, or the request id or deadline header is missing or malformed.</exception>
    public async Task<RuntimeInvocation> NextAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(BaseAddress, "runtime/invocation/next"), HttpCompletionOption.ResponseContentRead, cancellationToken)
            .ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw await UnexpectedAsync("GET next", response, cancellationToken).ConfigureAwait(false);
        }

        var requestId = Header(response, "Lambda-Runtime-Aws-Request-Id");
        if (string.IsNullOrEmpty(requestId))
        {
            throw new RuntimeApiException("GET next answered without Lambda-Runtime-Aws-Request-Id.", response.StatusCode);
        }

        var deadlineText = Header(response, "Lambda-Runtime-Deadline-Ms");
        if (!long.TryParse(deadlineText, NumberStyles.None, CultureInfo.InvariantCulture, out var deadlineMs)
            || deadlineMs > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            throw new RuntimeApiException($"GET next answered an invalid Lambda-Runtime-Deadline-Ms '{deadlineText}' for request {requestId}.", response.StatusCode);
        }

        var traceId = Header(response, "Lambda-Runtime-Trace-Id");
        var context = new InvocationContext(
            requestId,
            DateTimeOffset.FromUnixTimeMilliseconds(deadlineMs),
            Header(response, "Lambda-Runtime-Invoked-Function-Arn") ?? string.Empty,
            string.IsNullOrEmpty(traceId) ? null : traceId);
        Environment.SetEnvironmentVariable(TraceIdVariable, context.TraceId);
        var input = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return new RuntimeInvocation(context, input);
    }

    /// <summary>Posts an invocation's result (<c>POST /runtime/invocation/{id}/response</c>, 202 expected).</summary>
    public Task RespondAsync(string requestId, byte[] output, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        var content = new ByteArrayContent(output ?? []);
        return PostAsync(InvocationUri(requestId, "response"), content, errorType: null, cancellationToken);
    }

    /// <summary>Posts an invocation's error (<c>POST /runtime/invocation/{id}/error</c>, 202 expected), with
    /// <c>errorType</c> = the exception's class name.</summary>
    public Task ErrorAsync(string requestId, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        ArgumentNullException.ThrowIfNull(exception);
        return PostErrorAsync(InvocationUri(requestId, "error"), exception, cancellationToken);
    }

    /// <summary>Posts an initialisation error (<c>POST /runtime/init/error</c>, 202 expected); the process should exit after it.</summary>
    public Task InitErrorAsync(Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return PostErrorAsync(new Uri(BaseAddress, "runtime/init/error"), exception, cancellationToken);
    }

    /// <summary>The <c>errorType</c> reported for <paramref name="exception"/>: its class name.</summary>
    public static string ErrorType(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.GetType().Name;
    }

    /// <summary>The error document: <c>{"errorMessage","errorType","stackTrace":[…]}</c>; the stack trace lists the
    /// exception's frames, then each inner exception's, introduced by a <c>--- caused by Type: message</c> line.</summary>
    public static byte[] ErrorBody(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("errorMessage", exception.Message);
            json.WriteString("errorType", ErrorType(exception));
            json.WriteStartArray("stackTrace");
            for (var current = exception; current is not null; current = current.InnerException)
            {
                if (!ReferenceEquals(current, exception))
                {
                    json.WriteStringValue($"--- caused by {ErrorType(current)}: {current.Message}");
                }

                foreach (var frame in (current.StackTrace ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    json.WriteStringValue(frame);
                }
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private Uri InvocationUri(string requestId, string leaf) =>
        new(BaseAddress, $"runtime/invocation/{Uri.EscapeDataString(requestId)}/{leaf}");

    private Task PostErrorAsync(Uri uri, Exception exception, CancellationToken cancellationToken)
    {
        var content = new ByteArrayContent(ErrorBody(exception));
        content.Headers.ContentType = new MediaTypeHeaderValue(ErrorContentType);
        return PostAsync(uri, content, ErrorType(exception), cancellationToken);
    }

    private async Task PostAsync(Uri uri, HttpContent content, string? errorType, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
        if (errorType is not null)
        {
            request.Headers.TryAddWithoutValidation(ErrorTypeHeader, errorType);
        }

        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await UnexpectedAsync($"POST {uri.AbsolutePath}", response, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static async Task<RuntimeApiException> UnexpectedAsync(string call, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (body.Length > 512)
        {
            body = body[..512] + "…";
        }

        return new RuntimeApiException($"The Runtime API answered {(int)response.StatusCode} to {call}: {body}", response.StatusCode);
    }
}
