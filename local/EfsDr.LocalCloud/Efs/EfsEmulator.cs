using EfsDr.LocalCloud.Hosting;

namespace EfsDr.LocalCloud.Efs;

/// <summary>What a test or the drill can see of a file system.</summary>
public sealed record FileSystemSnapshot(string Region, string FileSystemId, string? Name, string Protection, IReadOnlyDictionary<string, string> Tags, string DataDirectory, bool Writable);

/// <summary>What a test or the drill can see of a replication configuration.</summary>
public sealed record ReplicationSnapshot(string SourceRegion, string SourceFileSystemId, string DestinationRegion, string DestinationFileSystemId, string Status, DateTimeOffset? LastReplicatedTimestamp);

/// <summary>EFS (REST-JSON 2015-02-01). STUB: to be implemented.</summary>
public sealed class EfsEmulator(LocalCloudContext context) : IServiceEmulator
{
    /// <inheritdoc />
    public string SigningName => "elasticfilesystem";

    internal LocalCloudContext Context { get; } = context;

    /// <inheritdoc />
    public Task<AwsAnswer> HandleAsync(AwsCall call, CancellationToken cancellationToken) =>
        Task.FromResult(AwsAnswer.JsonError(501, "NotImplemented", "EFS emulator not implemented yet", restJson: true));

    /// <inheritdoc />
    public AwsAnswer Throttled() => AwsAnswer.JsonError(429, "TooManyRequests", "Rate exceeded", restJson: true);

    /// <inheritdoc />
    public AwsAnswer ServerError() => AwsAnswer.JsonError(500, "InternalServerError", "Injected server error", restJson: true);

    /// <summary>Creates an available, writable file system tagged Name=<paramref name="name"/>; returns its id.</summary>
    public string CreateFileSystem(string region, string name, string? availabilityZoneName = null) => throw new NotImplementedException();

    /// <summary>Adds or overwrites tags.</summary>
    public void TagFileSystem(string region, string fileSystemId, IReadOnlyDictionary<string, string> tags) => throw new NotImplementedException();

    /// <summary>Creates an available mount target; returns its id.</summary>
    public string CreateMountTarget(string region, string fileSystemId, string subnetId, string availabilityZoneName) => throw new NotImplementedException();

    /// <summary>Replicates to a NEW file system in <paramref name="destinationRegion"/> (as the console does); returns its id.
    /// The replica has no Name tag until one is added (as in the article).</summary>
    public string CreateReplica(string sourceRegion, string sourceFileSystemId, string destinationRegion, string? destinationAvailabilityZone = null) => throw new NotImplementedException();

    /// <summary>Every file system of a region.</summary>
    public IReadOnlyList<FileSystemSnapshot> FileSystems(string region) => throw new NotImplementedException();

    /// <summary>The replication a file system takes part in, or null.</summary>
    public ReplicationSnapshot? Replication(string region, string fileSystemId) => throw new NotImplementedException();
}
