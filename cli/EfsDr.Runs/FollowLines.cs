using System.Text.Json;
using EfsDr.Core.Model;
using EfsDr.Core.Workflows;

namespace EfsDr.Runs;

/// <summary>The progress lines of one followed execution: each finished step with its duration (a wait loop's repeats
/// counted, not repeated), failures once, and a "still waiting" line when nothing else was said for a while.</summary>
internal sealed class FollowLines(Action<string> progress, DateTimeOffset now, TimeSpan heartbeatInterval, TimeSpan typicalPromotion)
{
    private readonly Dictionary<string, DateTimeOffset> _entered = new(StringComparer.Ordinal);
    private readonly HashSet<(string?, string?)> _failures = [];
    private string? _last;
    private int _repeats;
    private string? _current;
    private DateTimeOffset? _promotionStarted;
    private (TimeSpan Seconds, string From)? _expectedPromotion;
    private DateTimeOffset _lastOutput = now;

    /// <summary>The workflow, once the history names a state (the failover's description is used until then).</summary>
    public WorkflowDescription? Workflow { get; set; }

    /// <summary>When the next "still waiting" line is due, unless something else is said first.</summary>
    public DateTimeOffset HeartbeatDue => _lastOutput + heartbeatInterval;

    /// <summary>Shows one event, if it is worth a line.</summary>
    public void Show(HistoryEvent e, DateTimeOffset now)
    {
        if (e.StateName is { } state && e.Type.EndsWith("StateEntered", StringComparison.Ordinal))
        {
            _entered[state] = e.Timestamp;
            _current = state;
            if (FailoverDriver.IsPromoting(Workflow, state))
            {
                _promotionStarted ??= e.Timestamp;
            }
        }

        if (e.Type == "TaskStateExited" && FailoverDriver.IsPromoting(Workflow, e.StateName) && ExpectedPromotion(e.Details) is { } expected)
        {
            _expectedPromotion = expected;
        }

        if (FailoverDriver.Describe(e, _current, Workflow) is not { } line)
        {
            return;
        }

        // Lambda and the Task both report one failure: say it once.
        if (FailoverDriver.IsFailure(e) && !_failures.Add((e.Error, RunRecord.Unwrap(e.Cause))))
        {
            return;
        }

        if (e.Type == "TaskStateExited" && e.StateName is { } name && _entered.TryGetValue(name, out var since))
        {
            line += $" ({Durations.ForPeople(e.Timestamp - since)})";
        }

        Say(line, now);
    }

    /// <summary>A wait loop polls many times with the same answer: show the first, count the rest.</summary>
    private void Say(string line, DateTimeOffset now)
    {
        var text = line[(line.IndexOf(' ', 2) + 1)..];
        var key = text[..Math.Max(0, text.LastIndexOf(" (", StringComparison.Ordinal))];
        if (key == _last)
        {
            _repeats++;
            return;
        }

        FlushRepeats();
        _last = key;
        _lastOutput = now;
        progress(line);
    }

    /// <summary>Prints the count of the last line's repeats, if any.</summary>
    public void FlushRepeats()
    {
        if (_repeats > 0)
        {
            progress($"    (× {_repeats + 1})");
        }

        _repeats = 0;
    }

    /// <summary>Prints the "still waiting" line (the current step, the elapsed time and, while promoting, the expected
    /// remaining time) when nothing was said for the heartbeat interval.</summary>
    public void HeartbeatIfDue(DateTimeOffset now, DateTimeOffset started)
    {
        if (now < HeartbeatDue)
        {
            return;
        }

        // The run's own expectation (this file system's promotion history, or the workflow's default) once PromoteReplica
        // said it; the driver's typical figure before that.
        var (expected, label) = _expectedPromotion is { } run
            ? (run.Seconds, $"expected {Durations.ForPeople(run.Seconds)} ({run.From})")
            : (typicalPromotion, $"typically {Durations.ForPeople(typicalPromotion)}");
        var remaining = _promotionStarted is { } p && FailoverDriver.IsPromoting(Workflow, _current)
            ? $", promotion {Durations.ForPeople(now - p)} in, {label}: about {Durations.ForPeople(expected - (now - p) > TimeSpan.Zero ? expected - (now - p) : TimeSpan.Zero)} left"
            : string.Empty;
        progress($"  … {_current ?? "starting"}, {Durations.ForPeople(now - started)} elapsed{remaining}");
        _lastOutput = now;
    }

    /// <summary>The promotion the run expects (<c>promotion.expectedSeconds</c> and <c>expectedFrom</c> in the state a
    /// promotion step left), or null when the output does not say.</summary>
    private static (TimeSpan Seconds, string From)? ExpectedPromotion(string? details)
    {
        if (FailoverDriver.OutputOf(details) is not { } output)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(output);
            return doc.RootElement.TryGetProperty("promotion", out var promotion) && promotion.ValueKind == JsonValueKind.Object
                && promotion.TryGetProperty("expectedSeconds", out var seconds) && seconds.TryGetInt32(out var value) && value > 0
                ? (TimeSpan.FromSeconds(value), promotion.TryGetProperty("expectedFrom", out var from) && from.ValueKind == JsonValueKind.String ? from.GetString()! : "this run's expectation")
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
