using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;

namespace EfsDr.Aws.Http;

/// <summary>What an error response said, before it is turned into a typed exception.</summary>
/// <param name="Code">The error code; the HTTP status as text when the response carried none.</param>
/// <param name="Message">The error message (the first one, when there are several).</param>
/// <param name="RequestId">The request id from the headers or the body.</param>
/// <param name="Messages">Every message of the response, in order (Route 53 InvalidChangeBatch has several).</param>
public sealed record AwsErrorResponse(string Code, string Message, string? RequestId, IReadOnlyList<string> Messages);

/// <summary>Reads an error response of one protocol.</summary>
public interface IAwsErrorReader
{
    /// <summary>Reads the code, message(s) and request id of an error response.</summary>
    AwsErrorResponse Read(int status, HttpResponseHeaders headers, byte[] body);
}

/// <summary>Shared helpers of the error readers.</summary>
internal static class ErrorHeaders
{
    /// <summary>The request id header of AWS JSON and REST protocols.</summary>
    public static string? RequestId(HttpResponseHeaders headers) =>
        First(headers, "x-amzn-RequestId") ?? First(headers, "x-amz-request-id");

    /// <summary>The first value of a header, or null.</summary>
    public static string? First(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>Normalises an error code as the SDKs do: text before the first ':' and after the last '#'.</summary>
    public static string? Sanitize(string? code)
    {
        if (string.IsNullOrWhiteSpace(code))
        {
            return null;
        }

        var colon = code.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            code = code[..colon];
        }

        var hash = code.LastIndexOf('#');
        if (hash >= 0)
        {
            code = code[(hash + 1)..];
        }

        code = code.Trim();
        return code.Length == 0 ? null : code;
    }
}

/// <summary>Errors of the JSON protocols (EFS REST-JSON, Step Functions JSON 1.0).</summary>
public sealed class JsonErrorReader : IAwsErrorReader
{
    /// <summary>The shared instance.</summary>
    public static JsonErrorReader Instance { get; } = new();

    /// <inheritdoc />
    public AwsErrorResponse Read(int status, HttpResponseHeaders headers, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(body);
        string? code = ErrorHeaders.Sanitize(ErrorHeaders.First(headers, "x-amzn-ErrorType"));
        string? message = null;
        try
        {
            if (body.Length > 0)
            {
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    var root = doc.RootElement;
                    code ??= ErrorHeaders.Sanitize(StringOf(root, "__type") ?? StringOf(root, "code") ?? StringOf(root, "Code") ?? StringOf(root, "ErrorCode"));
                    message = StringOf(root, "message") ?? StringOf(root, "Message") ?? StringOf(root, "errorMessage");
                }
            }
        }
        catch (JsonException)
        {
            message = Encoding.UTF8.GetString(body);
        }

        message ??= string.Empty;
        return new AwsErrorResponse(code ?? status.ToString(System.Globalization.CultureInfo.InvariantCulture), message, ErrorHeaders.RequestId(headers), message.Length == 0 ? [] : [message]);
    }

    private static string? StringOf(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>Errors of Route 53's REST-XML protocol: <c>&lt;ErrorResponse&gt;&lt;Error&gt;…</c>, and the
/// <c>&lt;InvalidChangeBatch&gt;&lt;Messages&gt;&lt;Message&gt;…</c> form whose every message is kept.</summary>
public sealed class XmlErrorReader : IAwsErrorReader
{
    /// <summary>The shared instance.</summary>
    public static XmlErrorReader Instance { get; } = new();

    /// <inheritdoc />
    public AwsErrorResponse Read(int status, HttpResponseHeaders headers, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(body);
        var requestId = ErrorHeaders.RequestId(headers);
        string? code = null;
        var messages = new List<string>();
        try
        {
            if (body.Length > 0)
            {
                var root = XDocument.Parse(Encoding.UTF8.GetString(body)).Root;
                if (root is not null)
                {
                    var error = root.Name.LocalName == "Error" ? root : root.Elements().FirstOrDefault(e => e.Name.LocalName == "Error");
                    code = ErrorHeaders.Sanitize(error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value);
                    if (code is null && root.Name.LocalName != "ErrorResponse" && root.Name.NamespaceName.StartsWith("https://route53.amazonaws.com/", StringComparison.Ordinal))
                    {
                        // Route 53 answers some errors with the error's own name as the root element.
                        code = root.Name.LocalName;
                    }

                    messages.AddRange(root.Descendants().Where(e => e.Name.LocalName == "Message").Select(e => e.Value));
                    requestId ??= root.Descendants().FirstOrDefault(e => e.Name.LocalName == "RequestId")?.Value;
                }
            }
        }
        catch (XmlException)
        {
            messages.Add(Encoding.UTF8.GetString(body));
        }

        code ??= ErrorHeaders.Sanitize(ErrorHeaders.First(headers, "x-amzn-ErrorType"));
        return new AwsErrorResponse(code ?? status.ToString(System.Globalization.CultureInfo.InvariantCulture), messages.FirstOrDefault() ?? string.Empty, requestId, messages);
    }
}
