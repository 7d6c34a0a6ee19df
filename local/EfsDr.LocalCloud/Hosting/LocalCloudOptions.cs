namespace EfsDr.LocalCloud.Hosting;

/// <summary>How the local cloud simulates AWS. Durations are SIMULATED: the cloud runs on a simulated clock
/// (<see cref="SimClock"/>) <see cref="TimeScale"/> times faster than real time, and so do Step Functions Wait states.</summary>
public sealed record LocalCloudOptions
{
    /// <summary>Where file system data, node sandboxes and logs live; a new temp folder when null.</summary>
    public string? RootDirectory { get; init; }

    /// <summary>Simulated seconds per real second (60: a simulated minute takes one real second).</summary>
    public double TimeScale { get; init; } = 60;

    /// <summary>How far a replica lags behind its source (EFS: most changes within a minute, RPO 15 min).</summary>
    public TimeSpan ReplicationLag { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a new replication stays ENABLING.</summary>
    public TimeSpan ReplicationEnabling { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long DeleteReplicationConfiguration stays DELETING (the seed measured 10–15 min).</summary>
    public TimeSpan ReplicationDeletion { get; init; } = TimeSpan.FromMinutes(12);

    /// <summary>How long a Route 53 change stays PENDING.</summary>
    public TimeSpan DnsPropagation { get; init; } = TimeSpan.FromSeconds(40);

    /// <summary>The repository root (for node/efsdr-node.sh, statemachine/, node_modules/); found from the binaries when null.</summary>
    public string? RepositoryRoot { get; init; }

    /// <summary>Seed of the fault injector's random draws, for repeatable runs.</summary>
    public int RandomSeed { get; init; } = 20261127;
}
