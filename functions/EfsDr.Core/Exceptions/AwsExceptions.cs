namespace EfsDr.Core.Exceptions;

/// <summary>What an AWS error response said.</summary>
/// <param name="Service">The service that answered (efs, route53, states, ssm, ec2).</param>
/// <param name="Code">The error code (for example <c>ReplicationNotFound</c>).</param>
/// <param name="Message">The error message.</param>
/// <param name="HttpStatus">The HTTP status, or 0 when no response arrived.</param>
/// <param name="RequestId">The request id, when the service sent one.</param>
public sealed record AwsErrorDetails(string Service, string Code, string Message, int HttpStatus, string? RequestId);

/// <summary>An AWS call failed with an error that retrying will not mend (a 4xx outside the retry set).</summary>
public class AwsServiceException : EfsDrException
{
    /// <summary>Creates the exception from the error details.</summary>
    public AwsServiceException(AwsErrorDetails details, Exception? innerException = null)
        : base(Describe(details), innerException)
    {
        Details = details;
    }

    /// <summary>The parsed error.</summary>
    public AwsErrorDetails Details { get; }

    /// <summary>The error code.</summary>
    public string ErrorCode => Details.Code;

    /// <summary>The HTTP status, or 0 when no response arrived.</summary>
    public int HttpStatus => Details.HttpStatus;

    /// <summary>The request id, when the service sent one.</summary>
    public string? RequestId => Details.RequestId;

    private static string Describe(AwsErrorDetails d) =>
        $"{d.Service} {d.Code} (HTTP {d.HttpStatus}{(d.RequestId is null ? string.Empty : ", request " + d.RequestId)}): {d.Message}";
}

/// <summary>Throttling or a server error (429, 5xx, a throttling code, PriorRequestNotComplete) that outlasted the bounded retries.</summary>
public sealed class AwsTransientException(AwsErrorDetails details, Exception? innerException = null)
    : AwsServiceException(details, innerException);

/// <summary>No answer from the endpoint (connection failure or per-attempt timeout) after the bounded retries.</summary>
public sealed class AwsUnreachableException(AwsErrorDetails details, Exception? innerException = null)
    : AwsServiceException(details, innerException);

/// <summary>Base of the "it does not exist" errors, each of which has its own type.</summary>
public abstract class AwsNotFoundException(AwsErrorDetails details, Exception? innerException = null)
    : AwsServiceException(details, innerException);

/// <summary>EFS FileSystemNotFound.</summary>
public sealed class FileSystemNotFoundException(AwsErrorDetails details, Exception? innerException = null)
    : AwsNotFoundException(details, innerException);

/// <summary>EFS ReplicationNotFound: the file system takes part in no replication configuration.</summary>
public sealed class ReplicationNotFoundException(AwsErrorDetails details, Exception? innerException = null)
    : AwsNotFoundException(details, innerException);

/// <summary>EFS MountTargetNotFound.</summary>
public sealed class MountTargetNotFoundException(AwsErrorDetails details, Exception? innerException = null)
    : AwsNotFoundException(details, innerException);

/// <summary>SSM InvocationDoesNotExist (normal right after SendCommand).</summary>
public sealed class InvocationDoesNotExistException(AwsErrorDetails details, Exception? innerException = null)
    : AwsNotFoundException(details, innerException);

/// <summary>Route 53 NoSuchHostedZone.</summary>
public sealed class NoSuchHostedZoneException(AwsErrorDetails details, Exception? innerException = null)
    : AwsNotFoundException(details, innerException);

/// <summary>Route 53 NoSuchChange.</summary>
public sealed class NoSuchChangeException(AwsErrorDetails details, Exception? innerException = null)
    : AwsNotFoundException(details, innerException);

/// <summary>Step Functions ExecutionDoesNotExist.</summary>
public sealed class ExecutionDoesNotExistException(AwsErrorDetails details, Exception? innerException = null)
    : AwsNotFoundException(details, innerException);

/// <summary>Step Functions StateMachineDoesNotExist.</summary>
public sealed class StateMachineDoesNotExistException(AwsErrorDetails details, Exception? innerException = null)
    : AwsNotFoundException(details, innerException);

/// <summary>EC2 InvalidInstanceID.NotFound, or an instance id SSM/EC2 did not return.</summary>
public sealed class InstanceNotFoundException(AwsErrorDetails details, Exception? innerException = null)
    : AwsNotFoundException(details, innerException);

/// <summary>Step Functions ExecutionAlreadyExists: the name is taken by a closed execution or one with other input.</summary>
public sealed class ExecutionAlreadyExistsException(AwsErrorDetails details, Exception? innerException = null)
    : AwsServiceException(details, innerException);

/// <summary>EFS ReplicationAlreadyExists: the file system is a replication destination.</summary>
public sealed class ReplicationAlreadyExistsException(AwsErrorDetails details, Exception? innerException = null)
    : AwsServiceException(details, innerException);

/// <summary>Route 53 InvalidChangeBatch; <see cref="Messages"/> keeps every message of the response.</summary>
public sealed class InvalidChangeBatchException : AwsServiceException
{
    /// <summary>Creates the exception with every message Route 53 gave.</summary>
    public InvalidChangeBatchException(AwsErrorDetails details, IReadOnlyList<string> messages, Exception? innerException = null)
        : base(details with { Message = messages.Count == 0 ? details.Message : string.Join("; ", messages) }, innerException)
    {
        Messages = messages;
    }

    /// <summary>Every <c>&lt;Message&gt;</c> of the response, in order.</summary>
    public IReadOnlyList<string> Messages { get; }
}
