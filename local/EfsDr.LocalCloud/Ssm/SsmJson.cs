using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EfsDr.LocalCloud.Hosting;

namespace EfsDr.LocalCloud.Ssm;

/// <summary>The JSON 1.1 answers and value spellings the SSM services share.</summary>
internal static class SsmJson
{
    /// <summary>A string member of a JSON object, or null.</summary>
    public static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Epoch seconds, as SSM spells timestamps.</summary>
    public static double Epoch(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>ISO 8601 with milliseconds, as GetCommandInvocation spells times.</summary>
    public static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The first <paramref name="length"/> characters.</summary>
    public static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    /// <summary>A 200 answer.</summary>
    public static AwsAnswer Ok(JsonObject answer) => AwsAnswer.Json(answer.ToJsonString(), 200, "application/x-amz-json-1.1");

    /// <summary>A 400 error answer.</summary>
    public static AwsAnswer Error(string code, string message) => AwsAnswer.JsonError(400, code, message);
}
