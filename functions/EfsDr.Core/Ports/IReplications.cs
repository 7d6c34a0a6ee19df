using EfsDr.Core.Model;

namespace EfsDr.Core.Ports;

/// <summary>EFS replication configurations.</summary>
public interface IReplications
{
    /// <summary>The configurations in which <paramref name="fileSystemId"/> is the source or the destination, across all pages.
    /// Empty when it takes part in none.</summary>
    Task<IReadOnlyList<ReplicationConfiguration>> DescribeReplicationsAsync(string region, string fileSystemId, CancellationToken cancellationToken);

    /// <summary>Deletes the configuration whose SOURCE is <paramref name="sourceFileSystemId"/>, calling <paramref name="region"/>
    /// (for failover, the destination's region). Returns when EFS accepted the request; deletion goes on asynchronously.
    /// Throws <see cref="Exceptions.NoReplicationException"/> when there is none to delete.</summary>
    Task DeleteReplicationAsync(string region, string sourceFileSystemId, DeletionMode mode, CancellationToken cancellationToken);

    /// <summary>Creates a configuration from <paramref name="sourceFileSystemId"/> (in <paramref name="region"/>) to a new or an existing file system.</summary>
    Task<ReplicationConfiguration> CreateReplicationAsync(string region, string sourceFileSystemId, ReplicationTarget target, CancellationToken cancellationToken);
}
