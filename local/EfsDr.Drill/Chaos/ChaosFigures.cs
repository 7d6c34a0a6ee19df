using System.Text.Json;
using System.Text.Json.Serialization;

namespace EfsDr.Drill.Chaos;

/// <summary>The chaos drill's figures (chaos-figures.json next to chaos-report.md): counts, not times, except the real
/// seconds the drill took.</summary>
/// <param name="SchemaVersion">2 (1 had no <see cref="ScriptDigest"/>).</param>
/// <param name="Date">When the figures were written.</param>
/// <param name="Seed">The seed: the same seed replays the same rounds (<see cref="ScriptDigest"/>).</param>
/// <param name="RoundsPlanned">The rounds asked for.</param>
/// <param name="RoundsRun">The rounds that ran to their invariant check.</param>
/// <param name="TimeScale">Simulated seconds per real second.</param>
/// <param name="PromotionSeconds">The replication deletion, simulated seconds.</param>
/// <param name="Operations">Rounds per operation kind.</param>
/// <param name="FaultsByKind">Faults injected per kind.</param>
/// <param name="FaultsInjected">All faults injected.</param>
/// <param name="RunsStarted">DR executions started by the runner (a joined start counts once).</param>
/// <param name="RunsResumedAfterCrash">Re-runs of the same request after a crash that completed.</param>
/// <param name="RunsReRunAfterFault">Re-runs of the same request after a run the other faults broke.</param>
/// <param name="RunsRefused">Runs refused (expected refusals, and the loser of two runs at once).</param>
/// <param name="RunsFailed">Runs that failed even when re-run without faults.</param>
/// <param name="OperatorFences">Unfenced ex-primaries fenced afterwards, as the operator does (efsdr fence) once a region answers.</param>
/// <param name="ObjectsWritten">Writes acknowledged.</param>
/// <param name="WritesFailed">Writes not acknowledged (not in the ledger).</param>
/// <param name="ObjectsChecked">Objects the last check read.</param>
/// <param name="ObjectsLost">Objects missing or changed outside reported windows (must be 0).</param>
/// <param name="ObjectsLostInReportedWindows">Objects missing inside reported data-loss windows.</param>
/// <param name="LossWindows">Data-loss windows reported by unplanned cross-region failovers.</param>
/// <param name="SplitBrainMoments">Moments with two writable copies carrying the Name or two serving nodes (must be 0).</param>
/// <param name="InvariantFailures">Failed invariant checks (the drill stops at the first round with one).</param>
/// <param name="ElapsedSeconds">Real seconds the whole drill took.</param>
/// <param name="SecondsPerRound">Real seconds per round, on average.</param>
/// <param name="ScriptDigest">SHA-256 of the rounds' script (<see cref="ChaosTally.Script"/>: choices, runs, outcomes,
/// states; no times): a replay with the same seed has the same digest.</param>
public sealed record ChaosFigures(
    int SchemaVersion,
    DateTimeOffset Date,
    int Seed,
    int RoundsPlanned,
    int RoundsRun,
    double TimeScale,
    double PromotionSeconds,
    IReadOnlyDictionary<string, int> Operations,
    IReadOnlyDictionary<string, int> FaultsByKind,
    int FaultsInjected,
    int RunsStarted,
    int RunsResumedAfterCrash,
    int RunsReRunAfterFault,
    int RunsRefused,
    int RunsFailed,
    int OperatorFences,
    int ObjectsWritten,
    int WritesFailed,
    int ObjectsChecked,
    int ObjectsLost,
    int ObjectsLostInReportedWindows,
    int LossWindows,
    int SplitBrainMoments,
    int InvariantFailures,
    double ElapsedSeconds,
    double SecondsPerRound,
    string ScriptDigest)
{
    /// <summary>The schema version this code writes.</summary>
    public const int CurrentSchema = 2;

    /// <summary>True when nothing was lost outside reported windows, there was never split brain and every invariant held.</summary>
    public bool Held => ObjectsLost == 0 && SplitBrainMoments == 0 && InvariantFailures == 0;

    /// <summary>The JSON text.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, ChaosFiguresJson.Default.ChaosFigures);

    /// <summary>Reads the JSON text.</summary>
    public static ChaosFigures? FromJson(string json) => JsonSerializer.Deserialize(json, ChaosFiguresJson.Default.ChaosFigures);
}

/// <summary>Source-generated JSON of <see cref="ChaosFigures"/>: camelCase, indented.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(ChaosFigures))]
public sealed partial class ChaosFiguresJson : JsonSerializerContext;
