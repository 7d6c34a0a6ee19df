using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using EfsDr.Core.Failover;

namespace EfsDr.Core.Configuration;

/// <summary>One field whose value differs between the configuration file and what a region holds.</summary>
/// <param name="Field">The configuration field (for example <c>dns.ttl</c>), or the template parameter's name.</param>
/// <param name="FileValue">The file's value (after defaults), or null when the file has no such field.</param>
/// <param name="DeployedValue">The stored parameter's or stack's value, or null when it has no such field.</param>
public sealed record ConfigurationDifference(string Field, string? FileValue, string? DeployedValue);

/// <summary>The template parameters that repeat parts of the configuration, as the stack records them in its
/// <see cref="StackNames.StackParametersParameter"/> (IAM and the alarms need them at deploy time).</summary>
public sealed record StackParameters
{
    /// <summary>ProtectedFileSystemName: the configuration's <c>fileSystem.name</c>.</summary>
    public string? ProtectedFileSystemName { get; init; }

    /// <summary>HostedZoneId: the configuration's <c>dns.hostedZoneId</c>.</summary>
    public string? HostedZoneId { get; init; }

    /// <summary>RecordName: the configuration's <c>dns.recordName</c> (lower case, no trailing dot).</summary>
    public string? RecordName { get; init; }

    /// <summary>RpoSeconds: the configuration's <c>rpoSeconds</c>.</summary>
    public long? RpoSeconds { get; init; }

    /// <summary>MountTargetSubnetIds, comma-separated: the configuration's <c>mountTargets</c> subnets of the stack's region
    /// (IAM limits a new replica's mount targets to them); null when the stack predates the parameter.</summary>
    public string? MountTargetSubnetIds { get; init; }
}

/// <summary>Source-generated JSON of <see cref="StackParameters"/> (camelCase, as template.yaml writes it).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(StackParameters))]
public sealed partial class StackParametersJsonContext : JsonSerializerContext;

/// <summary>Compares the configuration file with what a region holds: the stored configuration parameter, and the
/// template parameters that repeat some of its values.</summary>
public static class ConfigurationDrift
{
    /// <summary>Every field whose effective value (defaults filled in) differs between <paramref name="file"/> and
    /// <paramref name="stored"/>; empty when they configure the same thing, however they are formatted.</summary>
    public static IReadOnlyList<ConfigurationDifference> Compare(ClusterConfiguration file, ClusterConfiguration stored)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(stored);
        var left = Flatten(JsonSerializer.SerializeToNode(file, StrictJsonContext.Default.ClusterConfiguration));
        var right = Flatten(JsonSerializer.SerializeToNode(stored, StrictJsonContext.Default.ClusterConfiguration));
        return [.. left.Keys.Union(right.Keys, StringComparer.Ordinal)
            .Where(key => !string.Equals(left.GetValueOrDefault(key), right.GetValueOrDefault(key), StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(key => new ConfigurationDifference(key, left.GetValueOrDefault(key), right.GetValueOrDefault(key)))];
    }

    /// <summary>Every template parameter recorded in <paramref name="stack"/> whose value differs from the file's. With
    /// <paramref name="region"/> (the stack's region), MountTargetSubnetIds is compared with the file's mount-target subnets
    /// there, as sets, when the stack records it.</summary>
    public static IReadOnlyList<ConfigurationDifference> Compare(ClusterConfiguration file, StackParameters stack, string? region = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(stack);
        var pairs = new List<(string Parameter, string Field, string FileValue, string? StackValue)>
        {
            ("ProtectedFileSystemName", "fileSystem.name", file.FileSystem.Name, stack.ProtectedFileSystemName),
            ("HostedZoneId", "dns.hostedZoneId", file.Dns.HostedZoneId, stack.HostedZoneId),
            ("RecordName", "dns.recordName", file.Dns.RecordName.TrimEnd('.').ToLowerInvariant(), stack.RecordName),
            ("RpoSeconds", "rpoSeconds", file.RpoSeconds.ToString(CultureInfo.InvariantCulture), stack.RpoSeconds?.ToString(CultureInfo.InvariantCulture)),
        };
        if (region is not null && stack.MountTargetSubnetIds is { } recorded)
        {
            pairs.Add(("MountTargetSubnetIds", $"mountTargets in {region}", SubnetSet(file.MountTargetsIn(region).Select(m => m.SubnetId)), SubnetSet(recorded.Split(','))));
        }

        return [.. pairs.Where(p => !string.Equals(p.FileValue, p.StackValue, StringComparison.Ordinal))
            .Select(p => new ConfigurationDifference($"{p.Parameter} ({p.Field})", p.FileValue, p.StackValue))];
    }

    /// <summary>Subnet ids as the template parameter takes them: sorted, distinct, comma-separated.</summary>
    public static string SubnetSet(IEnumerable<string> subnets) =>
        string.Join(',', subnets.Select(s => s.Trim()).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

    /// <summary>Reads the stack's record of its template parameters; null when it is not that JSON.</summary>
    public static StackParameters? ParseStackParameters(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, StackParametersJsonContext.Default.StackParameters);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Dictionary<string, string> Flatten(JsonNode? node)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        void Walk(JsonNode? current, string path)
        {
            switch (current)
            {
                case JsonObject o:
                    foreach (var (name, child) in o)
                    {
                        Walk(child, path.Length == 0 ? name : $"{path}.{name}");
                    }

                    break;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++)
                    {
                        Walk(a[i], $"{path}[{i}]");
                    }

                    break;
                default:
                    values[path] = current is null ? "null" : current.ToJsonString();
                    break;
            }
        }

        Walk(node, string.Empty);
        return values;
    }
}
