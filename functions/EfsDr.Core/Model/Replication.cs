namespace EfsDr.Core.Model;

/// <summary>EFS replication destination status.</summary>
public enum ReplicationStatus
{
    /// <summary>A value EfsDr does not know.</summary>
    Unknown = 0,
    /// <summary>Healthy.</summary>
    Enabled,
    /// <summary>Being created.</summary>
    Enabling,
    /// <summary>Being deleted.</summary>
    Deleting,
    /// <summary>Failed and unrecoverable.</summary>
    Error,
    /// <summary>Paused; see the status message.</summary>
    Paused,
    /// <summary>Being paused.</summary>
    Pausing,
}

/// <summary>The destination side of a replication configuration.</summary>
public sealed record ReplicationDestination(
    ReplicationStatus Status,
    string FileSystemId,
    string Region,
    DateTimeOffset? LastReplicatedTimestamp,
    string? StatusMessage,
    string? OwnerId,
    string? RoleArn);

/// <summary>A replication configuration as EFS describes it.</summary>
public sealed record ReplicationConfiguration(
    string SourceFileSystemId,
    string SourceFileSystemRegion,
    string SourceFileSystemArn,
    string OriginalSourceFileSystemArn,
    DateTimeOffset CreationTime,
    IReadOnlyList<ReplicationDestination> Destinations,
    string? SourceFileSystemOwnerId)
{
    /// <summary>The single destination EFS supports.</summary>
    public ReplicationDestination Destination => Destinations.Count > 0
        ? Destinations[0]
        : throw new InvalidOperationException("A replication configuration without a destination.");
}

/// <summary>How DeleteReplicationConfiguration removes the configuration.</summary>
public enum DeletionMode
{
    /// <summary>Delete on both sides (the default).</summary>
    AllConfigurations,
    /// <summary>Delete only the local side; for when the other region cannot be reached.</summary>
    LocalConfigurationOnly,
}

/// <summary>The wire names of <see cref="DeletionMode"/> (EFS <c>deletionMode</c> values, also kept in the promotion state).</summary>
public static class DeletionModes
{
    /// <summary>ALL_CONFIGURATIONS or LOCAL_CONFIGURATION_ONLY.</summary>
    public static string WireName(this DeletionMode mode) =>
        mode == DeletionMode.LocalConfigurationOnly ? "LOCAL_CONFIGURATION_ONLY" : "ALL_CONFIGURATIONS";
}

/// <summary>Where to replicate to: a new file system (no id) or an existing one.</summary>
public sealed record ReplicationTarget(
    string Region,
    string? FileSystemId = null,
    string? AvailabilityZoneName = null,
    string? KmsKeyId = null,
    string? RoleArn = null);
