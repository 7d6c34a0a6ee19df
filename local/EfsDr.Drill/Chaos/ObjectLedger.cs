using System.Security.Cryptography;
using System.Text;

namespace EfsDr.Drill.Chaos;

/// <summary>
/// The chaos drill's record of what clients were promised: every acknowledged write and every data-loss window a run
/// reported. Thread-safe: background writers call <see cref="Acknowledged"/> concurrently while the invariants read it.
/// </summary>
public sealed class ObjectLedger
{
    private readonly Lock _gate = new();
    private readonly List<LedgerEntry> _entries = [];
    private readonly List<LossWindow> _windows = [];

    /// <summary>Every acknowledged write, in the order they were recorded (a copy).</summary>
    public IReadOnlyList<LedgerEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>Every reported data-loss window (a copy).</summary>
    public IReadOnlyList<LossWindow> LossWindows
    {
        get
        {
            lock (_gate)
            {
                return [.. _windows];
            }
        }
    }

    /// <summary>The SHA-256 of <paramref name="text"/> as <see cref="S3Probe.PutAsync"/> stores it (UTF-8), lower-case hex:
    /// what a writer puts in <see cref="LedgerEntry.Sha256"/> and what the check compares a read with.</summary>
    public static string Sha256Of(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>Records a write the application acknowledged.</summary>
    public void Acknowledged(LedgerEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            _entries.Add(entry);
        }
    }

    /// <summary>Records a data-loss window a run reported.</summary>
    /// <exception cref="ArgumentException">The window ends before it starts.</exception>
    public void AddLossWindow(LossWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (window.To < window.From)
        {
            throw new ArgumentException($"the window of {window.RunId} ends ({window.To:O}) before it starts ({window.From:O})", nameof(window));
        }

        lock (_gate)
        {
            _windows.Add(window);
        }
    }

    /// <summary>The first reported window <paramref name="acknowledgedAt"/> lies in, or null.</summary>
    public LossWindow? WindowOf(DateTimeOffset acknowledgedAt)
    {
        lock (_gate)
        {
            return _windows.FirstOrDefault(w => w.Contains(acknowledgedAt));
        }
    }

    /// <summary>
    /// The objects the check must find: per bucket and key the latest acknowledged write, kept when it was acknowledged at
    /// or before <paramref name="cutoff"/> (null: no cutoff). A key rewritten after the cutoff is left out: its content
    /// now is the later write's, which is not promised yet.
    /// </summary>
    public IReadOnlyList<LedgerEntry> Promised(DateTimeOffset? cutoff)
    {
        var latest = new Dictionary<(string Bucket, string Key), LedgerEntry>();
        foreach (var entry in Entries)
        {
            if (!latest.TryGetValue((entry.Bucket, entry.Key), out var known) || entry.AcknowledgedAt >= known.AcknowledgedAt)
            {
                latest[(entry.Bucket, entry.Key)] = entry;
            }
        }

        return [.. latest.Values.Where(e => cutoff is not { } at || e.AcknowledgedAt <= at).OrderBy(e => e.AcknowledgedAt)];
    }
}
