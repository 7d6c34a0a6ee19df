using System.Text.Json;

namespace EfsDr.Functions.Tests.Observability;

/// <summary>Checks one line against the CloudWatch Embedded Metric Format specification's required members.</summary>
public static class EmfValidator
{
    /// <summary>The problems of <paramref name="line"/>; empty when it is a valid EMF event.</summary>
    public static IReadOnlyList<string> Problems(string line)
    {
        var problems = new List<string>();
        if (line.Contains('\n', StringComparison.Ordinal))
        {
            problems.Add("the event spans more than one line");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            return [$"not JSON: {ex.Message}"];
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ["the root is not an object"];
            }

            if (!root.TryGetProperty("_aws", out var aws) || aws.ValueKind != JsonValueKind.Object)
            {
                return ["_aws is missing or not an object"];
            }

            if (!aws.TryGetProperty("Timestamp", out var timestamp) || timestamp.ValueKind != JsonValueKind.Number || !timestamp.TryGetInt64(out var ms) || ms < 1_000_000_000_000)
            {
                problems.Add("_aws.Timestamp is missing or not epoch milliseconds");
            }

            if (!aws.TryGetProperty("CloudWatchMetrics", out var directives) || directives.ValueKind != JsonValueKind.Array || directives.GetArrayLength() == 0)
            {
                problems.Add("_aws.CloudWatchMetrics is missing, not an array or empty");
                return problems;
            }

            foreach (var directive in directives.EnumerateArray())
            {
                if (!directive.TryGetProperty("Namespace", out var ns) || ns.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(ns.GetString()))
                {
                    problems.Add("a directive has no Namespace string");
                }

                if (!directive.TryGetProperty("Dimensions", out var sets) || sets.ValueKind != JsonValueKind.Array)
                {
                    problems.Add("a directive has no Dimensions array");
                }
                else
                {
                    foreach (var set in sets.EnumerateArray())
                    {
                        if (set.ValueKind != JsonValueKind.Array || set.GetArrayLength() > 30)
                        {
                            problems.Add("a dimension set is not an array of at most 30 keys");
                            continue;
                        }

                        foreach (var key in set.EnumerateArray())
                        {
                            if (key.ValueKind != JsonValueKind.String)
                            {
                                problems.Add("a dimension key is not a string");
                            }
                            else if (!root.TryGetProperty(key.GetString()!, out var value) || value.ValueKind != JsonValueKind.String)
                            {
                                problems.Add($"dimension {key.GetString()} is not a string member of the root");
                            }
                        }
                    }
                }

                if (!directive.TryGetProperty("Metrics", out var metrics) || metrics.ValueKind != JsonValueKind.Array || metrics.GetArrayLength() > 100)
                {
                    problems.Add("a directive has no Metrics array of at most 100");
                    continue;
                }

                foreach (var metric in metrics.EnumerateArray())
                {
                    if (!metric.TryGetProperty("Name", out var name) || name.ValueKind != JsonValueKind.String)
                    {
                        problems.Add("a metric has no Name string");
                        continue;
                    }

                    if (metric.TryGetProperty("Unit", out var unit) && unit.ValueKind != JsonValueKind.String)
                    {
                        problems.Add($"metric {name.GetString()} has a Unit that is not a string");
                    }

                    if (!root.TryGetProperty(name.GetString()!, out var value) || value.ValueKind is not (JsonValueKind.Number or JsonValueKind.Array))
                    {
                        problems.Add($"metric {name.GetString()} is not a number member of the root");
                    }
                }
            }
        }

        return problems;
    }
}
