using System.Text.Json.Serialization;
using EfsDr.Core.Configuration;

namespace EfsDr.Core.Health;

/// <summary>How bad a finding is.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FindingSeverity>))]
public enum FindingSeverity
{
    /// <summary>For the record; nothing to do.</summary>
    Info,

    /// <summary>Worth fixing; a failover would still work.</summary>
    Warning,

    /// <summary>A failover now would fail or lose more than the RPO, or the data is at risk.</summary>
    Critical,
}

/// <summary>One thing the health check found.</summary>
/// <param name="Id">A stable identifier (see <see cref="HealthFindingIds"/>).</param>
/// <param name="Severity">How bad it is.</param>
/// <param name="Message">What was found.</param>
/// <param name="Remedy">What to do about it (empty for Info).</param>
public sealed record HealthFinding(string Id, FindingSeverity Severity, string Message, string Remedy);

/// <summary>The stable ids of the findings.</summary>
public static class HealthFindingIds
{
    /// <summary>A region (or Route 53) could not be read.</summary>
    public const string RegionUnreachable = "region-unreachable";
    /// <summary>A call failed with an error other than unreachable.</summary>
    public const string CheckFailed = "check-failed";
    /// <summary>No file system with the Name in a region.</summary>
    public const string NameMissing = "name-missing";
    /// <summary>More than one file system with the Name in a region.</summary>
    public const string NameDuplicate = "name-duplicate";
    /// <summary>The replica is not found by its Name in its region.</summary>
    public const string ReplicaUntagged = "replica-untagged";
    /// <summary>A second writable file system with the Name: a stale ex-primary.</summary>
    public const string StalePrimary = "stale-primary";
    /// <summary>No primary could be told apart.</summary>
    public const string PrimaryUnknown = "primary-unknown";
    /// <summary>The primary takes part in no replication.</summary>
    public const string ReplicationMissing = "replication-missing";
    /// <summary>The source's region lists a configuration whose destination takes part in no replication, is not REPLICATING or is gone.</summary>
    public const string ReplicationOrphaned = "replication-orphaned";
    /// <summary>The destination's side of the configuration could not be read, so replication is not counted as healthy.</summary>
    public const string ReplicationUnverified = "replication-unverified";
    /// <summary>The replication's status is not ENABLED.</summary>
    public const string ReplicationStatus = "replication-status";
    /// <summary>The replica never completed a sync.</summary>
    public const string ReplicationNeverSynced = "replication-never-synced";
    /// <summary>The lag is above the RPO.</summary>
    public const string ReplicationLag = "replication-lag";
    /// <summary>Replication is ENABLED and within the RPO.</summary>
    public const string ReplicationOk = "replication-ok";
    /// <summary>The source's protection is not ENABLED.</summary>
    public const string ProtectionSource = "protection-source";
    /// <summary>The replica's protection is not REPLICATING.</summary>
    public const string ProtectionReplica = "protection-replica";
    /// <summary>A file system is not in the available state.</summary>
    public const string FileSystemUnavailable = "file-system-unavailable";
    /// <summary>A server's instance does not exist or is not running.</summary>
    public const string InstanceNotRunning = "instance-not-running";
    /// <summary>No available mount target in a server's AZ.</summary>
    public const string MountTargetMissing = "mount-target-missing";
    /// <summary>A node's SSM agent is not Online.</summary>
    public const string NodeOffline = "node-offline";
    /// <summary>EfsDr's SSM document is missing in a region.</summary>
    public const string DocumentMissing = "ssm-document-missing";
    /// <summary>The DNS record does not exist.</summary>
    public const string DnsMissing = "dns-record-missing";
    /// <summary>The DNS record points at no server of the cluster.</summary>
    public const string DnsForeign = "dns-not-cluster";
    /// <summary>The DNS record's TTL is not the configured one.</summary>
    public const string DnsTtl = "dns-ttl";
    /// <summary>Which server the record names.</summary>
    public const string DnsActive = "dns-active";
}

/// <summary>What the health check saw: figures for the metrics and the findings, worst first.</summary>
public sealed record HealthReport
{
    /// <summary>When the check ran.</summary>
    public DateTimeOffset CheckedAt { get; init; }

    /// <summary>The protected file system's Name.</summary>
    public string FileSystemName { get; init; } = string.Empty;

    /// <summary>The writable source, when one was told apart.</summary>
    public string? PrimaryFileSystemId { get; init; }

    /// <summary>The source's region.</summary>
    public string? PrimaryRegion { get; init; }

    /// <summary>The replication destination, when there is one.</summary>
    public string? ReplicaFileSystemId { get; init; }

    /// <summary>The destination's region.</summary>
    public string? ReplicaRegion { get; init; }

    /// <summary>ENABLED, ENABLING, PAUSED, ERROR, DELETING, PAUSING, UNKNOWN, or NONE when there is no replication (null when it could not be read).</summary>
    public string? ReplicationStatus { get; init; }

    /// <summary>now − LastReplicatedTimestamp, when known.</summary>
    public double? ReplicationLagSeconds { get; init; }

    /// <summary>The configured RPO.</summary>
    public int RpoSeconds { get; init; }

    /// <summary>Replication is ENABLED, the lag is within the RPO, and the destination's region confirms its side.</summary>
    public bool ReplicationHealthy { get; init; }

    /// <summary>No critical finding: a failover now is expected to work within the RPO.</summary>
    public bool DrReady { get; init; }

    /// <summary>The findings, critical first.</summary>
    public IReadOnlyList<HealthFinding> Findings { get; init; } = [];

    /// <summary>True when any finding is critical.</summary>
    public bool HasCritical => Findings.Any(f => f.Severity == FindingSeverity.Critical);

    /// <summary>How many findings have <paramref name="severity"/>.</summary>
    public int Count(FindingSeverity severity) => Findings.Count(f => f.Severity == severity);
}

/// <summary>What the check looks at besides the configuration.</summary>
/// <param name="NodeDocument">EfsDr's SSM Command document.</param>
/// <param name="CheckDocument">False to skip the document check.</param>
public sealed record HealthCheckOptions(string NodeDocument = StackNames.DefaultNodeDocument, bool CheckDocument = true);

/// <summary>Source-generated JSON of the health report (camelCase, nulls left out).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = false)]
[JsonSerializable(typeof(HealthReport))]
public sealed partial class HealthJsonContext : JsonSerializerContext;
