namespace EfsDr.Core.Exceptions;

/// <summary>No copy can be named the current primary: none is writable with the highest epoch, or two writable copies carry
/// the same highest epoch. Nothing was changed.</summary>
public sealed class PrimaryUnknownException(string message)
    : EfsDrException(message);

/// <summary>The other region holds a replication EfsDr did not expect (its copy is a replica of another file system, or the
/// primary replicates somewhere else): reprotecting would break it. Nothing was changed.</summary>
public sealed class ReplicationConflictException(string message)
    : EfsDrException(message);

/// <summary>The new replica did not reach ENABLED and its first completed sync within the reprotect budget.</summary>
public sealed class ReprotectTimeoutException(string message)
    : EfsDrException(message);

/// <summary>The orphaned replication configuration on the ex-primary was still there (DELETING) when the deletion budget was
/// spent: the replica cannot be prepared while it exists. Nothing after the cleanup was changed; run efsdr reprotect again.</summary>
public sealed class OrphanDeletionTimeoutException(string message)
    : EfsDrException(message);
