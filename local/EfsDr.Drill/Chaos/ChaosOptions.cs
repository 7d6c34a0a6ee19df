namespace EfsDr.Drill.Chaos;

/// <summary>How the chaos drill runs (<c>drill --chaos</c>).</summary>
public sealed record ChaosOptions
{
    /// <summary>The range of <c>--rounds</c>.</summary>
    public const int MinRounds = 1, MaxRounds = 10_000;

    /// <summary>The default number of rounds (the bench's long run).</summary>
    public const int DefaultRounds = 200;

    /// <summary>The default promotion for chaos, simulated: short, as in the end-to-end tests' worlds, so that a round takes
    /// a few real seconds (the chaos figures are counts, not times).</summary>
    public static readonly TimeSpan DefaultPromotion = TimeSpan.FromMinutes(2);

    /// <summary>The seed of every choice the runner makes (operations, targets, faults, their timing, the objects written).</summary>
    public int Seed { get; init; }

    /// <summary>How many rounds to run.</summary>
    public int Rounds { get; init; } = DefaultRounds;

    /// <summary>Simulated seconds per real second.</summary>
    public double TimeScale { get; init; } = 60;

    /// <summary>How long a replication deletion (the promotion) lasts, simulated.</summary>
    public TimeSpan Promotion { get; init; } = DefaultPromotion;

    /// <summary>Background writers between rounds.</summary>
    public int Writers { get; init; } = 2;

    /// <summary>Where chaos-report.md and chaos-figures.json go.</summary>
    public string ReportDirectory { get; init; } = Path.Combine("artifacts", "chaos");

    /// <summary>The longest one run may take (real time).</summary>
    public TimeSpan RunTimeout { get; init; } = TimeSpan.FromMinutes(3);
}
