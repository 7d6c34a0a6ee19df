using System.Collections.Frozen;
using EfsDr.Core.Exceptions;

namespace EfsDr.Aws.Http;

/// <summary>What an AWS error response said.</summary>
/// <param name="Service">The service that answered (efs, route53, states, ssm, ec2).</param>
/// <param name="Code">The AWS error code (for example <c>ReplicationNotFound</c>).</param>
/// <param name="Message">The error message.</param>
/// <param name="HttpStatus">The HTTP status, or 0 when no response arrived.</param>
/// <param name="RequestId">The request id, when the service sent one.</param>
public sealed record AwsErrorDetails(string Service, string Code, string Message, int HttpStatus, string? RequestId)
{
    /// <summary>The same, as the core's plain description of a failed cloud call.</summary>
    public CloudError ToCloudError() => new(Service, Code, Message, HttpStatus, RequestId);
}

/// <summary>
/// The one place where AWS error codes become the core's DR errors: which errors are retried (the AWS SDKs' standard
/// retry set, ending as <see cref="CloudBusyException"/> when they outlast the retries), and which domain error each
/// AWS code means (EFS FileSystemNotFound → <see cref="FileSystemNotFoundException"/>, ReplicationNotFound →
/// <see cref="NoReplicationException"/>, SSM InvocationDoesNotExist → <see cref="NodeCommandNotFoundException"/>,
/// Route 53 NoSuchHostedZone → <see cref="DnsZoneNotFoundException"/>, Step Functions ExecutionDoesNotExist →
/// <see cref="RunNotFoundException"/>, EC2 InvalidInstanceID.NotFound → <see cref="NodeNotFoundException"/>, …).
/// Any other code becomes a plain <see cref="CloudCallFailedException"/>.
/// </summary>
public static class AwsErrorMapper
{
    /// <summary>HTTP statuses that are transient whatever the code: 429 and the retryable 5xx.</summary>
    public static FrozenSet<int> RetryableStatuses { get; } = new[] { 429, 500, 502, 503, 504, 509 }.ToFrozenSet();

    /// <summary>Throttling and transient codes of botocore's standard retry mode (retries/standard.py, _retry.json).</summary>
    public static FrozenSet<string> RetryableCodes { get; } = new[]
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException", "RequestTimeout", "RequestTimeoutException",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The AWS codes that have a domain error of their own, and how each is made.</summary>
    public static FrozenDictionary<string, Func<CloudError, IReadOnlyList<string>, Exception?, CloudCallFailedException>> DomainErrors { get; } =
        new Dictionary<string, Func<CloudError, IReadOnlyList<string>, Exception?, CloudCallFailedException>>(StringComparer.Ordinal)
        {
            ["FileSystemNotFound"] = (e, _, i) => new FileSystemNotFoundException(e, i),
            ["ReplicationNotFound"] = (e, _, i) => new NoReplicationException(e, i),
            ["MountTargetNotFound"] = (e, _, i) => new MountTargetNotFoundException(e, i),
            ["ReplicationAlreadyExists"] = (e, _, i) => new AlreadyAReplicaException(e, i),
            ["ParameterNotFound"] = (e, _, i) => new StoredParameterNotFoundException(e, i),
            ["InvocationDoesNotExist"] = (e, _, i) => new NodeCommandNotFoundException(e, i),
            ["NoSuchHostedZone"] = (e, _, i) => new DnsZoneNotFoundException(e, i),
            ["NoSuchChange"] = (e, _, i) => new DnsChangeNotFoundException(e, i),
            ["InvalidChangeBatch"] = (e, m, i) => new DnsChangeRejectedException(e, m, i),
            ["ExecutionDoesNotExist"] = (e, _, i) => new RunNotFoundException(e, i),
            ["ExecutionAlreadyExists"] = (e, _, i) => new RunNameTakenException(e, i),
            ["StateMachineDoesNotExist"] = (e, _, i) => new WorkflowNotFoundException(e, i),
            ["InvalidInstanceID.NotFound"] = (e, _, i) => new NodeNotFoundException(e, i),
            ["InvalidInstanceID.Malformed"] = (e, _, i) => new NodeNotFoundException(e, i),
            ["InvalidInstanceId"] = (e, _, i) => new NodeNotFoundException(e, i),
        }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>True when the standard retry mode retries this status or code.</summary>
    public static bool IsRetryable(int httpStatus, string code) =>
        RetryableStatuses.Contains(httpStatus) || RetryableCodes.Contains(code);

    /// <summary>The domain error for an error response.</summary>
    public static CloudCallFailedException ToException(string service, int httpStatus, AwsErrorResponse error, Exception? inner = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        return ToException(new AwsErrorDetails(service, error.Code, error.Message, httpStatus, error.RequestId), error.Messages, inner);
    }

    /// <summary>The domain error for <paramref name="details"/>: <see cref="CloudBusyException"/> for the retry set,
    /// the code's own domain error when it has one, else <see cref="CloudCallFailedException"/>.</summary>
    /// <param name="details">The parsed error.</param>
    /// <param name="messages">Every message of the response (Route 53 may give several).</param>
    /// <param name="inner">The cause, if any.</param>
    public static CloudCallFailedException ToException(AwsErrorDetails details, IReadOnlyList<string> messages, Exception? inner = null)
    {
        ArgumentNullException.ThrowIfNull(details);
        ArgumentNullException.ThrowIfNull(messages);
        var error = details.ToCloudError();
        if (IsRetryable(details.HttpStatus, details.Code))
        {
            return new CloudBusyException(error, inner);
        }

        return DomainErrors.TryGetValue(details.Code, out var make) ? make(error, messages, inner) : new CloudCallFailedException(error, inner);
    }

    /// <summary>No answer from <paramref name="service"/> (connection failure, timeout, deadline): the region is unreachable.</summary>
    public static RegionUnreachableException Unreachable(string service, string code, string message, Exception? inner = null) =>
        new(new CloudError(service, code, message, 0, null), inner);
}
