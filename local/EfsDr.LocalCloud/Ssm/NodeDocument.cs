using System.Text.RegularExpressions;

namespace EfsDr.LocalCloud.Ssm;

/// <summary>One parameter of EfsDr's SSM Command document.</summary>
/// <param name="Name">The parameter name; the script reads it as SSM_&lt;Name&gt;.</param>
/// <param name="AllowedPattern">The document's allowedPattern, or null.</param>
/// <param name="AllowedValues">The document's allowedValues, or null.</param>
/// <param name="Default">The document's default; null makes the parameter required.</param>
public sealed record NodeDocumentParameter(string Name, string? AllowedPattern, IReadOnlyList<string>? AllowedValues, string? Default);

/// <summary>
/// The parameters of template.yaml's NodeDocument (copied; a test compares them with template.yaml so they cannot
/// drift). SendCommand checks every value against them, as SSM does, before anything runs.
/// </summary>
public static class NodeDocument
{
    /// <summary>The document's single step (its PluginName).</summary>
    public const string StepName = "efsdrNode";

    /// <summary>The step's timeoutSeconds (900). The local cloud applies it in REAL seconds: the script runs in real time.</summary>
    public static readonly TimeSpan ExecutionTimeout = TimeSpan.FromSeconds(900);

    /// <summary>The parameters, in the document's order.</summary>
    public static readonly IReadOnlyList<NodeDocumentParameter> Parameters =
    [
        new("Action", null, ["activate", "deactivate"], null),
        new("FileSystemId", "^fs-[0-9a-f]{8,40}$", null, null),
        new("Region", "^[a-z]{2}(-[a-z]+)+-[0-9]+$", null, null),
        new("MountPoint", "^/[A-Za-z0-9._/-]{1,254}$", null, "/mnt/efs"),
        new("MountMethod", null, ["efs-utils", "nfs4"], "efs-utils"),
        new("Unit", "^[A-Za-z0-9@._-]{1,64}$", null, "minio"),
        new("HealthUrl", @"^https?://[A-Za-z0-9.:\[\]_-]+(/[A-Za-z0-9._~/%-]*)?$", null, "http://127.0.0.1:9000/minio/health/live"),
        new("HealthTimeoutSeconds", "^[0-9]{1,4}$", null, "120"),
    ];

    /// <summary>
    /// Checks the parameters of a SendCommand as SSM checks them against the document: every name is the document's,
    /// every value is a list of exactly one string matching allowedPattern / allowedValues, and the parameters without
    /// a default are present. Returns the error message (for InvalidParameters) or null, and the effective values
    /// (defaults filled in).
    /// </summary>
    public static string? Validate(IReadOnlyDictionary<string, IReadOnlyList<string>> given, out IReadOnlyDictionary<string, string> effective)
    {
        ArgumentNullException.ThrowIfNull(given);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        effective = values;
        var unknown = given.Keys.Where(k => Parameters.All(p => p.Name != k)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            return $"document does not support parameters: {string.Join(", ", unknown)}";
        }

        foreach (var parameter in Parameters)
        {
            string value;
            if (given.TryGetValue(parameter.Name, out var list))
            {
                if (list.Count != 1)
                {
                    return $"Parameter \"{parameter.Name}\" is of type String and takes exactly one value, not {list.Count}.";
                }

                value = list[0];
            }
            else if (parameter.Default is { } fallback)
            {
                value = fallback;
            }
            else
            {
                return $"Parameter \"{parameter.Name}\" is required.";
            }

            if (parameter.AllowedValues is { } allowed && !allowed.Contains(value, StringComparer.Ordinal))
            {
                return $"Parameter \"{parameter.Name}\" has value \"{value}\", which is not one of the allowed values [{string.Join(", ", allowed)}].";
            }

            if (parameter.AllowedPattern is { } pattern && !FullMatch(pattern, value))
            {
                return $"Parameter \"{parameter.Name}\" has value \"{value}\", which does not match the allowed pattern {pattern}.";
            }

            values[parameter.Name] = value;
        }

        return null;
    }

    /// <summary>The whole value matches (.NET's <c>$</c> also matches before a final newline; SSM must not accept that).</summary>
    private static bool FullMatch(string pattern, string value)
    {
        var match = Regex.Match(value, pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return match.Success && match.Index == 0 && match.Length == value.Length;
    }
}
