using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace EfsDr.LocalCloud.Hosting;

/// <summary>One incoming AWS request: the service and region come from the SigV4 credential scope, as in moto.</summary>
public sealed partial record AwsCall(string Service, string Region, string Method, string Path, IReadOnlyDictionary<string, string> Query, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    /// <summary>The body as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Body);

    /// <summary>The X-Amz-Target operation (JSON protocols), e.g. StartExecution, or null.</summary>
    public string? Target => Headers.TryGetValue("X-Amz-Target", out var t) ? t[(t.IndexOf('.', StringComparison.Ordinal) + 1)..] : null;

    /// <summary>The body parsed as JSON (an empty object when empty).</summary>
    public JsonElement Json => Body.Length == 0 ? JsonDocument.Parse("{}").RootElement : JsonDocument.Parse(Body).RootElement;

    /// <summary>A form-encoded body (EC2 query protocol) as name → value.</summary>
    public IReadOnlyDictionary<string, string> Form =>
        Text.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : string.Empty, StringComparer.Ordinal);

    /// <summary>Reads service and region from <c>Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request</c>.</summary>
    public static (string Service, string Region)? Scope(string? authorization)
    {
        var match = authorization is null ? Match.Empty : CredentialScope().Match(authorization);
        return match.Success ? (match.Groups[2].Value, match.Groups[1].Value) : null;
    }

    [GeneratedRegex(@"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")]
    private static partial Regex CredentialScope();
}

/// <summary>An answer to an AWS request.</summary>
public sealed record AwsAnswer(int Status, string ContentType, byte[] Body, IReadOnlyDictionary<string, string>? Headers = null)
{
    /// <summary>A JSON answer of a serialised node (System.Text.Json.Nodes) or a raw string.</summary>
    public static AwsAnswer Json(string json, int status = 200, string contentType = "application/json") =>
        new(status, contentType, Encoding.UTF8.GetBytes(json));

    /// <summary>An XML answer.</summary>
    public static AwsAnswer Xml(XElement root, int status = 200) =>
        new(status, "text/xml", Encoding.UTF8.GetBytes(new XDocument(new XDeclaration("1.0", "UTF-8", null), root).ToString(SaveOptions.DisableFormatting)));

    /// <summary>An empty answer.</summary>
    public static AwsAnswer Empty(int status = 200) => new(status, "application/json", []);

    /// <summary>An error of a JSON protocol: EFS REST-JSON uses <c>ErrorCode</c>/<c>Message</c>; JSON 1.0/1.1 use <c>__type</c>/<c>message</c>.</summary>
    public static AwsAnswer JsonError(int status, string code, string message, bool restJson = false) =>
        new(status, "application/json",
            restJson
                ? JsonSerializer.SerializeToUtf8Bytes(new RestJsonError(code, message), LocalCloudJson.Default.RestJsonError)
                : JsonSerializer.SerializeToUtf8Bytes(new JsonProtocolError(code, message), LocalCloudJson.Default.JsonProtocolError),
            new Dictionary<string, string> { ["x-amzn-ErrorType"] = code });

    /// <summary>A Route 53 error (<c>ErrorResponse</c>).</summary>
    public static AwsAnswer Route53Error(int status, string code, string message)
    {
        XNamespace ns = "https://route53.amazonaws.com/doc/2013-04-01/";
        return Xml(new XElement(ns + "ErrorResponse", new XElement(ns + "Error", new XElement(ns + "Type", "Sender"), new XElement(ns + "Code", code), new XElement(ns + "Message", message)), new XElement(ns + "RequestId", Guid.NewGuid().ToString())), status);
    }

    /// <summary>An EC2 query-protocol error.</summary>
    public static AwsAnswer Ec2Error(int status, string code, string message) =>
        Xml(new XElement("Response", new XElement("Errors", new XElement("Error", new XElement("Code", code), new XElement("Message", message))), new XElement("RequestID", Guid.NewGuid().ToString())), status);
}

/// <summary>One emulated AWS service.</summary>
public interface IServiceEmulator
{
    /// <summary>The SigV4 signing name it answers (elasticfilesystem, route53, ec2, ssm, states, lambda).</summary>
    string SigningName { get; }

    /// <summary>Answers one request.</summary>
    Task<AwsAnswer> HandleAsync(AwsCall call, CancellationToken cancellationToken);

    /// <summary>The answer for an injected throttling fault, in this service's protocol.</summary>
    AwsAnswer Throttled();

    /// <summary>The answer for an injected server fault, in this service's protocol.</summary>
    AwsAnswer ServerError();
}
