using System.Net;

namespace EfsDr.Aws.Http;

/// <summary>A request to one AWS service, before the endpoint, signature and retries are applied.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path, each segment already percent-encoded (see <see cref="Segment"/>).</param>
public sealed record AwsRequest(HttpMethod Method, string Path)
{
    /// <summary>Query parameters in order, unencoded.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Query { get; init; } = [];

    /// <summary>Extra headers to send and sign (for example <c>X-Amz-Target</c>).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The body, or null for none.</summary>
    public byte[]? Body { get; init; }

    /// <summary>The body's content type, or null for none.</summary>
    public string? ContentType { get; init; }

    /// <summary>The operation name, for logs and errors.</summary>
    public string Operation { get; init; } = string.Empty;

    /// <summary>Percent-encodes one path segment (RFC 3986 unreserved characters stay as they are).</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    /// <summary>The path and query as sent.</summary>
    public string PathAndQuery()
    {
        if (Query.Count == 0)
        {
            return Path;
        }

        return Path + "?" + string.Join('&', Query.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
    }
}

/// <summary>A successful (2xx) response.</summary>
public sealed record AwsResponse(HttpStatusCode Status, byte[] Body, string? RequestId);
