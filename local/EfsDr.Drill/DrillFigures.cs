using System.Text.Json;
using System.Text.Json.Serialization;
using EfsDr.LocalCloud.Hosting;
using EfsDr.Runs;

namespace EfsDr.Drill;

/// <summary>The drill's per-run figures as JSON (drill-figures.json next to the report), for benchmarks to aggregate.
/// Every duration is in simulated seconds.</summary>
/// <param name="SchemaVersion">1.</param>
/// <param name="Date">When the report was written.</param>
/// <param name="TimeScale">The local cloud's simulated seconds per real second.</param>
/// <param name="SimulatedPerTimestampSecond">Simulated seconds per second of the history's timestamps (1 when the cloud's
/// clock is simulated; the time scale when it is real).</param>
/// <param name="PromotionSeconds">The configured replication deletion (simulated), before any <c>--slow-deletion</c>.</param>
/// <param name="DeletionSlowdown">The <c>--slow-deletion</c> factor.</param>
/// <param name="Runs">Each run's figures, in the order they ran.</param>
public sealed record DrillFigures(int SchemaVersion, DateTimeOffset Date, double TimeScale, double SimulatedPerTimestampSecond, double PromotionSeconds, double DeletionSlowdown, IReadOnlyList<RunFigures> Runs)
{
    /// <summary>The schema version this code writes.</summary>
    public const int CurrentSchema = 1;

    /// <summary>The physical spans of a cloud's timeline that finished: replication deletions, node activations (a
    /// deactivation is not on the failover's critical path) and DNS changes.</summary>
    public static IReadOnlyList<PhysicalSpan> Spans(IEnumerable<PhysicalEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        return [.. events.Where(e => e.Finished is not null && (e.Kind != PhysicalKind.NodeCommand || e.Detail == "activate")).Select(e => new PhysicalSpan(
            e.Kind switch
            {
                PhysicalKind.ReplicationDeletion => PhysicalStep.Promotion,
                PhysicalKind.NodeCommand => PhysicalStep.NodeCommand,
                _ => PhysicalStep.DnsPropagation,
            },
            e.Started,
            e.Finished!.Value))];
    }

    /// <summary>Simulated seconds per second of a clock that advanced <paramref name="clockAdvanced"/> while
    /// <paramref name="real"/> passed: 1 when the clock is already simulated (it ran about <paramref name="timeScale"/> times
    /// faster than real time), else <paramref name="timeScale"/> (a real clock whose durations stand for scaled ones).</summary>
    public static double PerTimestampSecond(TimeSpan clockAdvanced, TimeSpan real, double timeScale) =>
        real > TimeSpan.Zero && clockAdvanced / real > Math.Sqrt(timeScale) ? 1 : timeScale;

    /// <summary>The JSON text.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, DrillFiguresJson.Default.DrillFigures);

    /// <summary>Reads the JSON text.</summary>
    public static DrillFigures? FromJson(string json) => JsonSerializer.Deserialize(json, DrillFiguresJson.Default.DrillFigures);
}

/// <summary>Source-generated JSON of <see cref="DrillFigures"/>: camelCase, indented, nulls written.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(DrillFigures))]
public sealed partial class DrillFiguresJson : JsonSerializerContext;
