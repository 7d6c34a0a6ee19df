using EfsDr.Runs;

namespace EfsDr.Drill;

/// <summary>What the drill injects and where it writes its report.</summary>
public sealed record DrillOptions
{
    /// <summary>Share of AWS calls throttled (every service and region).</summary>
    public double ThrottleRate { get; init; }

    /// <summary>Share of AWS calls answered with 5xx.</summary>
    public double ServerErrorRate { get; init; }

    /// <summary>Extra latency per AWS call.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>A region that goes down just before the cross-region failover (e.g. us-east-1).</summary>
    public string? RegionDown { get; init; }

    /// <summary>A server whose SSM agent is offline from the start (its failover must fail, changing nothing).</summary>
    public string? OfflineNode { get; init; }

    /// <summary>A server on which every node command fails.</summary>
    public string? CommandFailureNode { get; init; }

    /// <summary>Slow replication deletion by this factor.</summary>
    public double DeletionSlowdown { get; init; } = 1;

    /// <summary>How long a replication deletion (the promotion) lasts, simulated; null: the local cloud's default
    /// (<see cref="LocalCloud.Hosting.LocalCloudOptions.ReplicationDeletion"/>).</summary>
    public TimeSpan? Promotion { get; init; }

    /// <summary>Simulated seconds per real second.</summary>
    public double TimeScale { get; init; } = 60;

    /// <summary>Where the report goes (drill-report.md and .svg).</summary>
    public string ReportDirectory { get; init; } = Path.Combine("artifacts", "drill");

    /// <summary>How many DR round trips follow the failovers (0–2): round 1 continues from 4.2 (reprotect, planned
    /// failback, reprotect back), round 2 repeats the whole trip with its own cross-region failover.</summary>
    public int RoundTrips { get; init; } = 2;

    /// <summary>The longest one failover may run (real time).</summary>
    public TimeSpan RunTimeout { get; init; } = TimeSpan.FromMinutes(3);
}
