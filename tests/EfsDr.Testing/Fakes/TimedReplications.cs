using EfsDr.Core.Model;
using EfsDr.Core.Ports;

namespace EfsDr.Testing.Fakes;

/// <summary>EFS over <see cref="InMemoryCloud"/> finishing a replication's deletion at <see cref="End"/>: the first
/// describe at or after it finds the replication gone.</summary>
public sealed class TimedReplications(InMemoryCloud cloud, TimeProvider time, DateTimeOffset end) : IReplications
{
    /// <summary>When the deletion finishes.</summary>
    public DateTimeOffset End => end;

    /// <inheritdoc />
    public Task<IReadOnlyList<ReplicationConfiguration>> DescribeReplicationsAsync(string region, string fileSystemId, CancellationToken cancellationToken)
    {
        if (time.GetUtcNow() >= end && cloud.Replications.FirstOrDefault(r => r.Destination.FileSystemId == fileSystemId) is { } replication)
        {
            cloud.CompleteDeletion(replication.SourceFileSystemId);
        }

        return cloud.DescribeReplicationsAsync(region, fileSystemId, cancellationToken);
    }

    /// <inheritdoc />
    public Task DeleteReplicationAsync(string region, string sourceFileSystemId, DeletionMode mode, CancellationToken cancellationToken) =>
        cloud.DeleteReplicationAsync(region, sourceFileSystemId, mode, cancellationToken);

    /// <inheritdoc />
    public Task<ReplicationConfiguration> CreateReplicationAsync(string region, string sourceFileSystemId, ReplicationTarget target, CancellationToken cancellationToken) =>
        cloud.CreateReplicationAsync(region, sourceFileSystemId, target, cancellationToken);
}
