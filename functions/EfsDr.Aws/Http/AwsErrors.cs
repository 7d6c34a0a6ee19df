using System.Collections.Frozen;
using EfsDr.Core.Exceptions;

namespace EfsDr.Aws.Http;

/// <summary>Which errors are retried (the AWS SDKs' standard retry set) and which typed exception each error becomes.</summary>
public static class AwsErrors
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

    private static readonly FrozenDictionary<string, Func<AwsErrorDetails, IReadOnlyList<string>, AwsServiceException>> Typed =
        new Dictionary<string, Func<AwsErrorDetails, IReadOnlyList<string>, AwsServiceException>>(StringComparer.Ordinal)
        {
            ["FileSystemNotFound"] = (d, _) => new FileSystemNotFoundException(d),
            ["ReplicationNotFound"] = (d, _) => new ReplicationNotFoundException(d),
            ["MountTargetNotFound"] = (d, _) => new MountTargetNotFoundException(d),
            ["ReplicationAlreadyExists"] = (d, _) => new ReplicationAlreadyExistsException(d),
            ["InvocationDoesNotExist"] = (d, _) => new InvocationDoesNotExistException(d),
            ["NoSuchHostedZone"] = (d, _) => new NoSuchHostedZoneException(d),
            ["NoSuchChange"] = (d, _) => new NoSuchChangeException(d),
            ["InvalidChangeBatch"] = (d, m) => new InvalidChangeBatchException(d, m),
            ["ExecutionDoesNotExist"] = (d, _) => new ExecutionDoesNotExistException(d),
            ["ExecutionAlreadyExists"] = (d, _) => new ExecutionAlreadyExistsException(d),
            ["StateMachineDoesNotExist"] = (d, _) => new StateMachineDoesNotExistException(d),
            ["InvalidInstanceID.NotFound"] = (d, _) => new InstanceNotFoundException(d),
            ["InvalidInstanceID.Malformed"] = (d, _) => new InstanceNotFoundException(d),
            ["InvalidInstanceId"] = (d, _) => new InstanceNotFoundException(d),
        }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>True when the standard retry mode retries this status or code.</summary>
    public static bool IsRetryable(int httpStatus, string code) =>
        RetryableStatuses.Contains(httpStatus) || RetryableCodes.Contains(code);

    /// <summary>The typed exception for an error response.</summary>
    public static AwsServiceException ToException(string service, int httpStatus, AwsErrorResponse error, Exception? inner = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        var details = new AwsErrorDetails(service, error.Code, error.Message, httpStatus, error.RequestId);
        if (IsRetryable(httpStatus, error.Code))
        {
            return new AwsTransientException(details, inner);
        }

        return Typed.TryGetValue(error.Code, out var make) ? make(details, error.Messages) : new AwsServiceException(details, inner);
    }
}
