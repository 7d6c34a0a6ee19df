using System.Text;
using System.Text.Json;
using EfsDr.Core.Health;

namespace EfsDr.Functions.Observability;

/// <summary>
/// The health report as CloudWatch Embedded Metric Format lines: one JSON object per line, written to the function's
/// log stream, from which CloudWatch extracts the metrics (no PutMetricData call). Namespace <see cref="Namespace"/>,
/// dimensions FileSystemName and Region; FindingCount has Severity as a third dimension, one line per severity.
/// </summary>
/// <remarks>
/// The lines carry no <c>level</c>, so Lambda's JSON log format files them under INFO: a function ApplicationLogLevel
/// above INFO (WARN, ERROR, FATAL) drops them, no metric reaches CloudWatch and the alarms, which treat missing data as
/// breaching, fire. Keep the health check's ApplicationLogLevel at INFO (or DEBUG, TRACE).
/// </remarks>
public static class HealthMetrics
{
    /// <summary>The metrics' namespace.</summary>
    public const string Namespace = "EfsDr";

    /// <summary>now − LastReplicatedTimestamp (only when known).</summary>
    public const string ReplicationLagSeconds = "ReplicationLagSeconds";

    /// <summary>1 when replication is ENABLED within the RPO, else 0.</summary>
    public const string ReplicationHealthy = "ReplicationHealthy";

    /// <summary>1 when nothing is critical, else 0.</summary>
    public const string DrReady = "DrReady";

    /// <summary>The number of findings of one severity.</summary>
    public const string FindingCount = "FindingCount";

    /// <summary>The EMF lines for <paramref name="report"/>, checked in <paramref name="region"/>.</summary>
    public static IReadOnlyList<string> Lines(HealthReport report, string region)
    {
        ArgumentNullException.ThrowIfNull(report);
        var timestamp = report.CheckedAt.ToUnixTimeMilliseconds();
        var lines = new List<string>
        {
            Line(timestamp, ["FileSystemName", "Region"], json =>
            {
                json.WriteString("FileSystemName", report.FileSystemName);
                json.WriteString("Region", region);
                if (report.ReplicationLagSeconds is { } lag)
                {
                    json.WriteNumber(ReplicationLagSeconds, Math.Round(lag, 3));
                }

                json.WriteNumber(ReplicationHealthy, report.ReplicationHealthy ? 1 : 0);
                json.WriteNumber(DrReady, report.DrReady ? 1 : 0);
                json.WriteString("ReplicationStatus", report.ReplicationStatus ?? "UNKNOWN");
            },
            report.ReplicationLagSeconds is null
                ? [(ReplicationHealthy, "Count"), (DrReady, "Count")]
                : [(ReplicationLagSeconds, "Seconds"), (ReplicationHealthy, "Count"), (DrReady, "Count")]),
        };
        foreach (var severity in Enum.GetValues<FindingSeverity>())
        {
            lines.Add(Line(timestamp, ["FileSystemName", "Region", "Severity"], json =>
            {
                json.WriteString("FileSystemName", report.FileSystemName);
                json.WriteString("Region", region);
                json.WriteString("Severity", severity.ToString());
                json.WriteNumber(FindingCount, report.Count(severity));
            },
            [(FindingCount, "Count")]));
        }

        return lines;
    }

    private static string Line(long timestamp, string[] dimensions, Action<Utf8JsonWriter> members, (string Name, string Unit)[] metrics)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("_aws");
            json.WriteNumber("Timestamp", timestamp);
            json.WriteStartArray("CloudWatchMetrics");
            json.WriteStartObject();
            json.WriteString("Namespace", Namespace);
            json.WriteStartArray("Dimensions");
            json.WriteStartArray();
            foreach (var dimension in dimensions)
            {
                json.WriteStringValue(dimension);
            }

            json.WriteEndArray();
            json.WriteEndArray();
            json.WriteStartArray("Metrics");
            foreach (var (name, unit) in metrics)
            {
                json.WriteStartObject();
                json.WriteString("Name", name);
                json.WriteString("Unit", unit);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            members(json);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
