using System.Net;
using System.Text;

namespace EfsDr.Aws.Tests.Support;

/// <summary>A request as it left the pipeline.</summary>
public sealed record RecordedRequest(HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, string? ContentType, string Body)
{
    /// <summary>The decoded query parameters, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Query =>
        Uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => new KeyValuePair<string, string>(Uri.UnescapeDataString(p[0]), p.Length > 1 ? Uri.UnescapeDataString(p[1]) : string.Empty))
            .ToList();

    /// <summary>The value of one query parameter, or null.</summary>
    public string? QueryValue(string name) => Query.Where(q => q.Key == name).Select(q => q.Value).FirstOrDefault();

    /// <summary>One header, or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}

/// <summary>A fake transport: answers queued responses in order and records every request.</summary>
public sealed class RecordingHandler : HttpMessageHandler
{
    private readonly Queue<Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>> _responses = new();
    private readonly List<RecordedRequest> _requests = [];

    /// <summary>The requests received so far.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _requests;

    /// <summary>Queues a response.</summary>
    public RecordingHandler Respond(HttpStatusCode status, string body = "", string contentType = "application/json", IDictionary<string, string>? headers = null)
    {
        _responses.Enqueue((_, _) =>
        {
            var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8) };
            response.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
            foreach (var (k, v) in headers ?? new Dictionary<string, string>())
            {
                response.Headers.TryAddWithoutValidation(k, v);
            }

            return Task.FromResult(response);
        });
        return this;
    }

    /// <summary>Queues a transport failure.</summary>
    public RecordingHandler Fail(Exception exception)
    {
        _responses.Enqueue((_, _) => Task.FromException<HttpResponseMessage>(exception));
        return this;
    }

    /// <summary>Queues a response that never comes (until the request is cancelled).</summary>
    public RecordingHandler Hang()
    {
        _responses.Enqueue(async (_, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            throw new InvalidOperationException("unreachable");
        });
        return this;
    }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
        var headers = request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        _requests.Add(new RecordedRequest(request.Method, request.RequestUri!, headers, request.Content?.Headers.ContentType?.ToString(), body));
        if (_responses.Count == 0)
        {
            throw new InvalidOperationException($"No response queued for {request.Method} {request.RequestUri}.");
        }

        return await _responses.Dequeue()(request, cancellationToken);
    }
}
