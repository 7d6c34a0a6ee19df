using System.Text.Json.Serialization;

namespace EfsDr.LocalCloud.Hosting;

/// <summary>The error body of EFS's REST-JSON protocol.</summary>
/// <param name="ErrorCode">The error code.</param>
/// <param name="Message">The message.</param>
public sealed record RestJsonError(string ErrorCode, string Message);

/// <summary>The error body of the JSON 1.0/1.1 protocols (Step Functions, SSM, Lambda).</summary>
/// <param name="Type">The error code (<c>__type</c>).</param>
/// <param name="Message">The message (<c>message</c>).</param>
public sealed record JsonProtocolError([property: JsonPropertyName("__type")] string Type, [property: JsonPropertyName("message")] string Message);

/// <summary>
/// The local cloud's JSON contract, source-generated like the product's, so its answers need no reflection: under a
/// trimmed or AOT host (or with <c>JsonSerializer.IsReflectionEnabledByDefault</c> off) every error body is still written.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(RestJsonError))]
[JsonSerializable(typeof(JsonProtocolError))]
public sealed partial class LocalCloudJson : JsonSerializerContext;
