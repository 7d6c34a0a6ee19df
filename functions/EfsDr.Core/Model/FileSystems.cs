namespace EfsDr.Core.Model;

/// <summary>EFS replication overwrite protection (EFS <c>FileSystemProtection.ReplicationOverwriteProtection</c>).</summary>
public enum OverwriteProtection
{
    /// <summary>The value was absent or not one EfsDr knows.</summary>
    Unknown = 0,
    /// <summary>Writable; cannot be a replication destination.</summary>
    Enabled,
    /// <summary>May become a destination; read-only.</summary>
    Disabled,
    /// <summary>Currently a replication destination; read-only.</summary>
    Replicating,
}

/// <summary>A file system as EfsDr needs to see it.</summary>
/// <param name="Region">The region the file system lives in.</param>
/// <param name="FileSystemId">The <c>fs-…</c> id.</param>
/// <param name="Arn">The file system ARN.</param>
/// <param name="Name">The value of its Name tag, or null when it has none.</param>
/// <param name="LifeCycleState">creating, available, updating, deleting, deleted or error.</param>
/// <param name="Protection">Replication overwrite protection.</param>
/// <param name="AvailabilityZoneName">Set for One Zone file systems only.</param>
/// <param name="NumberOfMountTargets">Mount targets the file system has.</param>
/// <param name="CreationTime">When it was created.</param>
/// <param name="Tags">All tags, keyed by tag key.</param>
public sealed record FileSystem(
    string Region,
    string FileSystemId,
    string Arn,
    string? Name,
    string LifeCycleState,
    OverwriteProtection Protection,
    string? AvailabilityZoneName,
    int NumberOfMountTargets,
    DateTimeOffset CreationTime,
    IReadOnlyDictionary<string, string> Tags)
{
    /// <summary>True when the file system's lifecycle state is <c>available</c>.</summary>
    public bool IsAvailable => string.Equals(LifeCycleState, "available", StringComparison.Ordinal);

    /// <summary>True when the file system is encrypted at rest.</summary>
    public bool Encrypted { get; init; }

    /// <summary>The creation token it was created with (EFS's idempotency key), when known.</summary>
    public string? CreationToken { get; init; }
}

/// <summary>What to create a file system with. <paramref name="CreationToken"/> (at most 64 ASCII characters) makes the
/// creation idempotent: creating again with the same token returns the file system created first.</summary>
/// <param name="CreationToken">EFS's idempotency key.</param>
/// <param name="Encrypted">Encrypt at rest (with the region's default EFS key: a KMS key of another region cannot be used).</param>
/// <param name="Tags">Tags to create it with.</param>
/// <param name="AvailabilityZoneName">Set for a One Zone file system only.</param>
public sealed record FileSystemToCreate(string CreationToken, bool Encrypted, IReadOnlyDictionary<string, string> Tags, string? AvailabilityZoneName = null)
{
    /// <summary>The longest creation token EFS accepts.</summary>
    public const int MaxTokenLength = 64;
}

/// <summary>A mount target of a file system.</summary>
public sealed record MountTarget(
    string MountTargetId,
    string FileSystemId,
    string SubnetId,
    string LifeCycleState,
    string? IpAddress,
    string? AvailabilityZoneName,
    string? AvailabilityZoneId)
{
    /// <summary>True when the mount target's lifecycle state is <c>available</c>.</summary>
    public bool IsAvailable => string.Equals(LifeCycleState, "available", StringComparison.Ordinal);
}

/// <summary>What to create a mount target with.</summary>
public sealed record MountTargetRequest(string FileSystemId, string SubnetId, IReadOnlyList<string> SecurityGroups, string? IpAddress = null);
