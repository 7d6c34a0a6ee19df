using System.Globalization;

namespace EfsDr.Drill.Chaos;

/// <summary>Counts what the rounds did, for <see cref="ChaosFigures"/>, and keeps each round's line for the report.</summary>
public sealed class ChaosTally(ChaosOptions options)
{
    private readonly SortedDictionary<string, int> _operations = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, int> _faults = new(StringComparer.Ordinal);
    private readonly List<string> _lines = [];
    private readonly List<string> _script = [];
    private int _rounds, _runs, _resumed, _reRun, _refused, _failed, _fences, _written, _invariantFailures;
    private ObjectCheck _objects = new(0, 0, 0, []);
    private int _splitBrain;

    /// <summary>One line per round: its choice, what ran and what it took.</summary>
    public IReadOnlyList<string> Lines => _lines;

    /// <summary>One line per round without the real time it took: its choice (operation, faults, starting state), every run
    /// with its end, the refused and fenced counts and the state it left. The same seed gives the same script.</summary>
    public IReadOnlyList<string> Script => _script;

    /// <summary>SHA-256 (hex) of <see cref="Script"/>, one line each: two replays compare by it.</summary>
    public string ScriptDigest => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', _script))));

    /// <summary>Adds a round.</summary>
    public void Add(ChaosOperation operation, FaultPlan faults, RoundOutcome outcome, int written, ChaosInvariants invariants, int failedInvariants, string choice, TimeSpan took, DrState after)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(faults);
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(invariants);
        _rounds++;
        Increment(_operations, operation.Name);
        foreach (var kind in faults.Kinds.Where(k => k != FaultKinds.Crash || outcome.CrashHit).Concat(TwoRunsKind(operation)))
        {
            Increment(_faults, kind);
        }

        _runs += outcome.Runs.Select(r => r.Execution.ExecutionArn).Distinct(StringComparer.Ordinal).Count();
        _resumed += outcome.ResumedAfterCrash;
        _reRun += outcome.ReRunAfterFault;
        _refused += outcome.Refused.Count(r => !r.Error.StartsWith("(not refused", StringComparison.Ordinal) && !outcome.Runs.Any(x => x.Execution.ExecutionArn == r.ExecutionArn && x.Succeeded));
        _failed += outcome.Failed;
        _fences += outcome.OperatorFences;
        _written += written;
        _invariantFailures += failedInvariants;
        _objects = invariants.LastObjectCheck;
        _splitBrain = invariants.SplitBrainMoments;
        var script = string.Create(CultureInfo.InvariantCulture, $"{choice} → {string.Join(", ", outcome.Runs.Select(r => $"{r.TargetServer} {r.Execution.Status}{(r.Succeeded ? string.Empty : " " + r.Execution.Error)}"))}; {outcome.Refused.Count} refused, {outcome.OperatorFences} fenced; now {after}");
        _script.Add(script);
        _lines.Add(string.Create(CultureInfo.InvariantCulture, $"{script}; {took.TotalSeconds:0.0} s"));
    }

    /// <summary>Counts a round that could not finish as a failed check (the drill stops there).</summary>
    public void RoundBroken() => _invariantFailures++;

    /// <summary>The figures so far.</summary>
    public ChaosFigures Figures(int writesFailed, ObjectLedger ledger, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        return new ChaosFigures(
            ChaosFigures.CurrentSchema,
            DateTimeOffset.UtcNow,
            options.Seed,
            options.Rounds,
            _rounds,
            options.TimeScale,
            options.Promotion.TotalSeconds,
            new Dictionary<string, int>(_operations, StringComparer.Ordinal),
            new Dictionary<string, int>(_faults, StringComparer.Ordinal),
            _faults.Values.Sum(),
            _runs,
            _resumed,
            _reRun,
            _refused,
            _failed,
            _fences,
            _written,
            writesFailed,
            _objects.Checked,
            _objects.Lost,
            _objects.LostInReportedWindows,
            ledger.LossWindows.Count,
            _splitBrain,
            _invariantFailures,
            Math.Round(elapsed.TotalSeconds, 1),
            _rounds == 0 ? 0 : Math.Round(elapsed.TotalSeconds / _rounds, 2),
            ScriptDigest);
    }

    private static IEnumerable<string> TwoRunsKind(ChaosOperation operation) => operation.Kind switch
    {
        ChaosOperationKind.TwoRunsSameTarget => [FaultKinds.TwoRunsSameTarget],
        ChaosOperationKind.TwoRunsDifferentTargets => [FaultKinds.TwoRunsDifferentTargets],
        _ => [],
    };

    private static void Increment(SortedDictionary<string, int> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;
}
