namespace EfsDr.Core.Exceptions;

/// <summary>No file system in the target region has exactly the protected Name.</summary>
public sealed class FileSystemNameNotFoundException(string name, string region)
    : EfsDrException($"No file system named exactly '{name}' in {region}.");

/// <summary>More than one file system in the target region has exactly the protected Name.</summary>
public sealed class AmbiguousFileSystemNameException(string name, string region, IEnumerable<string> ids)
    : EfsDrException($"More than one file system is named exactly '{name}' in {region}: {string.Join(", ", ids)}. Rename or delete the stale one.");

/// <summary>The target file system is writable but not known to be current: it could be a stale ex-primary.</summary>
public sealed class StaleFileSystemException(string message)
    : EfsDrException(message);

/// <summary>The target instance is not Online in SSM; nothing was changed.</summary>
public sealed class TargetNodeOfflineException(string message)
    : EfsDrException(message);

/// <summary>No available mount target in the target instance's availability zone; nothing was changed.</summary>
public sealed class MountTargetUnavailableException(string message)
    : EfsDrException(message);

/// <summary>The replication is in ERROR or PAUSED; its status message says why.</summary>
public sealed class ReplicationFailedException(string message)
    : EfsDrException(message);

/// <summary>The replica did not become writable within the promotion budget.</summary>
public sealed class PromotionTimeoutException(string message)
    : EfsDrException(message);

/// <summary>The node command failed, timed out or was cancelled; the message ends with the node's stderr.</summary>
public sealed class NodeCommandFailedException(string message)
    : EfsDrException(message);

/// <summary>The node did not report within the node-command budget.</summary>
public sealed class NodeCommandTimeoutException(string message)
    : EfsDrException(message);

/// <summary>The DNS change did not reach INSYNC within its budget.</summary>
public sealed class DnsChangeTimeoutException(string message)
    : EfsDrException(message);

/// <summary>The file system in the target region is not in the <c>available</c> state.</summary>
public sealed class FileSystemUnavailableException(string message)
    : EfsDrException(message);

/// <summary>The replica has never completed a sync, so promoting it would expose an incomplete copy.</summary>
public sealed class ReplicaNotSyncedException(string message)
    : EfsDrException(message);

/// <summary>A region could not be read, so a copy there with a higher epoch cannot be ruled out; the target is not a replica, so
/// the run is refused unless the operator accepts the risk (input <c>acceptUnverifiedEpochs</c>). Nothing was changed.</summary>
public sealed class EpochsUnverifiedException(string message)
    : EfsDrException(message);

/// <summary>A planned failover cannot be made: the replication is not ENABLED, or the input declares the source region
/// unavailable. Nothing was changed (an unplanned failover is still possible).</summary>
public sealed class PlannedFailoverUnavailableException(string message)
    : EfsDrException(message);

/// <summary>The replica did not catch up with the moment the source stopped within the sync budget; the source's node
/// is stopped, the replication is intact.</summary>
public sealed class SyncTimeoutException(string message)
    : EfsDrException(message);

/// <summary>A planned failover could not stop the application on every node of the source region, so it cannot prove
/// that nothing is written there any more; the file systems were not changed and the source is still the primary.</summary>
public sealed class SourceDeactivationFailedException(string message)
    : EfsDrException(message);

/// <summary>A planned failover cannot be made because the source region does not answer (a planned move must stop the
/// source and see the sync). Nothing was changed; <c>--planned-if-possible</c> falls back to an unplanned failover.</summary>
public sealed class PlannedFailoverSourceDownException(string message)
    : EfsDrException(message);

/// <summary>A planned failover cannot be made because the target is not a replica (nothing to sync: the group's first
/// start, or a move within the source's region). Nothing was changed; <c>--planned-if-possible</c> falls back to an
/// ordinary failover.</summary>
public sealed class PlannedFailoverNotReplicaException(string message)
    : EfsDrException(message);
