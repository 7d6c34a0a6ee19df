using EfsDr.Core.Configuration;
using EfsDr.Core.Model;

namespace EfsDr.Core.Health;

/// <summary>A file system with the Name, and the configurations its own region lists for it (null: they could not be read).</summary>
/// <param name="FileSystem">The file system.</param>
/// <param name="Configurations">Its replication configurations as its region lists them; empty for none, null when unreadable.</param>
public sealed record ReplicationSide(FileSystem FileSystem, IReadOnlyList<ReplicationConfiguration>? Configurations);

/// <summary>What a look-up by id of a destination that is not among the named file systems found.</summary>
/// <param name="Side">The destination and its configurations; null when it no longer exists.</param>
public sealed record DestinationLookup(ReplicationSide? Side)
{
    /// <summary>The destination no longer exists.</summary>
    public bool Gone => Side is null;
}

/// <summary>A read that failed.</summary>
/// <param name="ErrorCode">The cloud's name for the error, for people.</param>
/// <param name="Message">The exception's message.</param>
/// <param name="Unreachable">True when the endpoint could not be reached (or answered a transient error).</param>
public sealed record ReadFailure(string ErrorCode, string Message, bool Unreachable);

/// <summary>What was read about one server.</summary>
/// <param name="Server">The server.</param>
/// <param name="Instance">Its instance, when it was read.</param>
/// <param name="InstanceMissing">True when the instance does not exist.</param>
/// <param name="Ping">Its SSM ping status, when it was read.</param>
/// <param name="FileSystem">The primary or replica in its region, when there is one.</param>
/// <param name="MountTargets">That file system's mount targets, when they were read.</param>
public sealed record ServerReading(ServerSettings Server, InstanceInfo? Instance, bool InstanceMissing, PingStatus? Ping, FileSystem? FileSystem, IReadOnlyList<MountTarget>? MountTargets);

/// <summary>The DNS record as read (null <paramref name="Record"/>: it does not exist).</summary>
/// <param name="Record">The A record.</param>
public sealed record DnsReading(DnsRecord? Record);

/// <summary>
/// Everything the health check read, once, for the checks of every area to look at: file systems by region, their
/// replication configurations, the destinations looked up by id, the servers, the SSM document and the DNS record.
/// Read-only: the checks are pure functions of it.
/// </summary>
public sealed record HealthSnapshot
{
    /// <summary>The cluster's configuration.</summary>
    public required ClusterConfiguration Configuration { get; init; }

    /// <summary>When the reads began.</summary>
    public required DateTimeOffset Now { get; init; }

    /// <summary>The file systems with the Name, per readable region.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<FileSystem>> ByRegion { get; init; } = new Dictionary<string, IReadOnlyList<FileSystem>>(StringComparer.Ordinal);

    /// <summary>The regions whose file systems could not be listed, and why.</summary>
    public IReadOnlyDictionary<string, ReadFailure> UnreadableRegions { get; init; } = new Dictionary<string, ReadFailure>(StringComparer.Ordinal);

    /// <summary>Every file system with the Name, with the configurations its region lists for it.</summary>
    public IReadOnlyList<ReplicationSide> Sides { get; init; } = [];

    /// <summary>Destinations not among <see cref="Sides"/>, looked up by (region, id); absent when that could not be read.</summary>
    public IReadOnlyDictionary<(string Region, string FileSystemId), DestinationLookup> Destinations { get; init; } = new Dictionary<(string, string), DestinationLookup>();

    /// <summary>What was read about each server (empty when they were not read).</summary>
    public IReadOnlyList<ServerReading> Servers { get; init; } = [];

    /// <summary>Whether EfsDr's SSM document exists, per region where that was read.</summary>
    public IReadOnlyDictionary<string, bool> Documents { get; init; } = new Dictionary<string, bool>(StringComparer.Ordinal);

    /// <summary>The DNS record; null when it could not be read.</summary>
    public DnsReading? Dns { get; init; }

    /// <summary>Why the DNS record could not be read.</summary>
    public ReadFailure? DnsFailure { get; init; }

    /// <summary>The findings of the reads that failed (region-unreachable, check-failed).</summary>
    public IReadOnlyList<HealthFinding> ReadFindings { get; init; } = [];

    /// <summary>The roles told apart from the file systems and replications read (computed on each call: keep it if you use it often).</summary>
    public HealthTopology Topology => HealthTopology.Of(this);
}
