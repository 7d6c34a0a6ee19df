namespace EfsDr.Core.Exceptions;

/// <summary>What the cloud said when a call failed, as plain text for people and logs. The core never branches on
/// <see cref="Code"/>: what happened is the exception's type.</summary>
/// <param name="Service">The service that answered (efs, route53, states, ssm, ec2).</param>
/// <param name="Code">The provider's own name for the error, shown to people.</param>
/// <param name="Message">The error message.</param>
/// <param name="HttpStatus">The HTTP status, or 0 when no answer arrived.</param>
/// <param name="RequestId">The request id, when the service sent one.</param>
public sealed record CloudError(string Service, string Code, string Message, int HttpStatus, string? RequestId);

/// <summary>A cloud call failed in a way retrying will not mend; the subtypes say what happened to the DR run.</summary>
public class CloudCallFailedException : EfsDrException
{
    /// <summary>Creates the exception from what the cloud said.</summary>
    public CloudCallFailedException(CloudError error, Exception? innerException = null)
        : base(Describe(error), innerException)
    {
        Error = error;
    }

    /// <summary>What the cloud said.</summary>
    public CloudError Error { get; }

    /// <summary>The service that answered.</summary>
    public string Service => Error.Service;

    /// <summary>The provider's name for the error, for people (the core does not branch on it).</summary>
    public string Code => Error.Code;

    /// <summary>The HTTP status, or 0 when no answer arrived.</summary>
    public int HttpStatus => Error.HttpStatus;

    /// <summary>The request id, when the service sent one.</summary>
    public string? RequestId => Error.RequestId;

    private static string Describe(CloudError e) =>
        $"{e.Service} {e.Code} (HTTP {e.HttpStatus}{(e.RequestId is null ? string.Empty : ", request " + e.RequestId)}): {e.Message}";
}

/// <summary>The cloud was busy (throttling or a server error) for longer than the bounded retries: try again later.</summary>
public sealed class CloudBusyException(CloudError error, Exception? innerException = null)
    : CloudCallFailedException(error, innerException);

/// <summary>The region did not answer (connection failure or timeout) after the bounded retries, or within the call deadline.</summary>
public sealed class RegionUnreachableException(CloudError error, Exception? innerException = null)
    : CloudCallFailedException(error, innerException);

/// <summary>Base of the "it does not exist" errors, each of which has its own type.</summary>
public abstract class CloudResourceNotFoundException(CloudError error, Exception? innerException = null)
    : CloudCallFailedException(error, innerException);

/// <summary>A stored parameter (the cluster configuration, the stack's parameters) does not exist in that region.</summary>
public sealed class StoredParameterNotFoundException(CloudError error, Exception? innerException = null)
    : CloudResourceNotFoundException(error, innerException);

/// <summary>The file system does not exist.</summary>
public sealed class FileSystemNotFoundException(CloudError error, Exception? innerException = null)
    : CloudResourceNotFoundException(error, innerException);

/// <summary>The file system takes part in no replication (there is none to delete, or it was never replicated).</summary>
public sealed class NoReplicationException(CloudError error, Exception? innerException = null)
    : CloudResourceNotFoundException(error, innerException);

/// <summary>The mount target does not exist.</summary>
public sealed class MountTargetNotFoundException(CloudError error, Exception? innerException = null)
    : CloudResourceNotFoundException(error, innerException);

/// <summary>The node agent does not know the command on that node (the node adapter turns this into "pending" right after sending).</summary>
public sealed class NodeCommandNotFoundException(CloudError error, Exception? innerException = null)
    : CloudResourceNotFoundException(error, innerException);

/// <summary>The DNS zone does not exist.</summary>
public sealed class DnsZoneNotFoundException(CloudError error, Exception? innerException = null)
    : CloudResourceNotFoundException(error, innerException);

/// <summary>The DNS change does not exist.</summary>
public sealed class DnsChangeNotFoundException(CloudError error, Exception? innerException = null)
    : CloudResourceNotFoundException(error, innerException);

/// <summary>The workflow run does not exist.</summary>
public sealed class RunNotFoundException(CloudError error, Exception? innerException = null)
    : CloudResourceNotFoundException(error, innerException);

/// <summary>The workflow (state machine) does not exist.</summary>
public sealed class WorkflowNotFoundException(CloudError error, Exception? innerException = null)
    : CloudResourceNotFoundException(error, innerException);

/// <summary>The node (its instance) does not exist, or its id is malformed.</summary>
public sealed class NodeNotFoundException(CloudError error, Exception? innerException = null)
    : CloudResourceNotFoundException(error, innerException);

/// <summary>The run name is taken: by a closed run, or by one started with other input.</summary>
public sealed class RunNameTakenException(CloudError error, Exception? innerException = null)
    : CloudCallFailedException(error, innerException);

/// <summary>The file system is already a replica (a replication destination), so it cannot be changed as a primary.</summary>
public sealed class AlreadyAReplicaException(CloudError error, Exception? innerException = null)
    : CloudCallFailedException(error, innerException);

/// <summary>The DNS service rejected the change; <see cref="Messages"/> keeps every reason it gave.</summary>
public sealed class DnsChangeRejectedException : CloudCallFailedException
{
    /// <summary>Creates the exception with every reason the DNS service gave.</summary>
    public DnsChangeRejectedException(CloudError error, IReadOnlyList<string> messages, Exception? innerException = null)
        : base(error with { Message = messages.Count == 0 ? error.Message : string.Join("; ", messages) }, innerException)
    {
        Messages = messages;
    }

    /// <summary>Every reason of the answer, in order.</summary>
    public IReadOnlyList<string> Messages { get; }
}

/// <summary>A paged listing did not end: the service repeated a page marker, or sent more pages than one listing may
/// read. The pages were stopped rather than followed for ever; retrying will not mend a service that loops.</summary>
public sealed class RunawayListingException : CloudCallFailedException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="error">What went wrong (the code says which bound was hit).</param>
    /// <param name="pages">The pages read before the listing was stopped.</param>
    public RunawayListingException(CloudError error, int pages)
        : base(error)
    {
        Pages = pages;
    }

    /// <summary>The pages read before the listing was stopped.</summary>
    public int Pages { get; }
}
