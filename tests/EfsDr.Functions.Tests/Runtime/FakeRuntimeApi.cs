using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using EfsDr.Functions.Runtime;

namespace EfsDr.Functions.Tests.Runtime;

/// <summary>A POST the runtime made to the fake Runtime API.</summary>
public sealed record RuntimePost(string Path, IReadOnlyDictionary<string, string> Headers, string? ContentType, byte[] Body)
{
    /// <summary>The body as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Body);

    /// <summary>One header, or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    /// <summary>The body parsed as JSON (a copy that outlives the document).</summary>
    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Body);
        return document.RootElement.Clone();
    }
}

/// <summary>
/// A fake Lambda Runtime API transport: <c>GET next</c> serves the queued invocations in order; once they are used up it
/// cancels <see cref="Stop"/> (so the loop under test ends) and blocks until cancelled. Every POST is recorded and answered
/// with <see cref="Answer"/> (202 by default). Anything else fails the call.
/// </summary>
public sealed class FakeRuntimeApi : HttpMessageHandler
{
    /// <summary>The base address the fake pretends to serve.</summary>
    public static readonly Uri BaseAddress = new("http://127.0.0.1:9001/2018-06-01/");

    private readonly Lock _gate = new();
    private readonly Queue<Func<HttpResponseMessage>> _invocations = new();
    private readonly List<RuntimePost> _posts = [];
    private readonly CancellationTokenSource _stop = new();
    private int _nextCalls;

    /// <summary>Cancelled when <c>GET next</c> finds no invocation left; pass it as the loop's stop token.</summary>
    public CancellationToken Stop => _stop.Token;

    /// <summary>The status answered to a POST; 202 Accepted by default.</summary>
    public Func<RuntimePost, HttpStatusCode> Answer { get; set; } = _ => HttpStatusCode.Accepted;

    /// <summary>The POSTs received so far, in order.</summary>
    public IReadOnlyList<RuntimePost> Posts
    {
        get
        {
            lock (_gate)
            {
                return [.. _posts];
            }
        }
    }

    /// <summary>How many times <c>GET next</c> was called.</summary>
    public int NextCalls => Volatile.Read(ref _nextCalls);

    /// <summary>A client over this fake (the fake stays owned by the test).</summary>
    public RuntimeApiClient Client() => new(new HttpClient(this, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan }, BaseAddress, ownsHttp: true);

    /// <summary>Queues an invocation served by <c>GET next</c>.</summary>
    public FakeRuntimeApi Enqueue(string requestId, string input, DateTimeOffset deadline, string? traceId = null, string functionArn = "arn:aws:lambda:eu-west-1:123456789012:function:efsdr")
    {
        lock (_gate)
        {
            _invocations.Enqueue(() =>
            {
                var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(input)) };
                response.Headers.TryAddWithoutValidation("Lambda-Runtime-Aws-Request-Id", requestId);
                response.Headers.TryAddWithoutValidation("Lambda-Runtime-Deadline-Ms", deadline.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
                response.Headers.TryAddWithoutValidation("Lambda-Runtime-Invoked-Function-Arn", functionArn);
                if (traceId is not null)
                {
                    response.Headers.TryAddWithoutValidation("Lambda-Runtime-Trace-Id", traceId);
                }

                return response;
            });
        }

        return this;
    }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        if (request.Method == HttpMethod.Get && path == "/2018-06-01/runtime/invocation/next")
        {
            Interlocked.Increment(ref _nextCalls);
            Func<HttpResponseMessage>? next;
            lock (_gate)
            {
                _invocations.TryDequeue(out next);
            }

            if (next is not null)
            {
                return next();
            }

            await _stop.CancelAsync();
            var blocked = new TaskCompletionSource<HttpResponseMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (cancellationToken.Register(() => blocked.TrySetCanceled(cancellationToken)))
            {
                return await blocked.Task;
            }
        }

        if (request.Method == HttpMethod.Post)
        {
            var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            var headers = request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
            var post = new RuntimePost(path, headers, request.Content?.Headers.ContentType?.ToString(), body);
            lock (_gate)
            {
                _posts.Add(post);
            }

            return new HttpResponseMessage(Answer(post)) { Content = new StringContent("{}") };
        }

        throw new InvalidOperationException($"The fake Runtime API does not serve {request.Method} {request.RequestUri}.");
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stop.Dispose();
        }

        base.Dispose(disposing);
    }
}
