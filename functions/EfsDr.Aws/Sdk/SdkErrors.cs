using System.Net.Sockets;
using Amazon.Runtime;
using EfsDr.Aws.Http;
using EfsDr.Core.Exceptions;

namespace EfsDr.Aws.Sdk;

/// <summary>
/// Turns what the AWS SDK throws into EfsDr's exceptions, the same way the signed-request pipeline does:
/// service errors through <see cref="AwsErrors.ToException"/> (typed not-found errors, <see cref="AwsTransientException"/>
/// for the retry set), no answer into <see cref="AwsUnreachableException"/>, and the caller's cancellation unchanged.
/// </summary>
public static class SdkErrors
{
    /// <summary>Runs one SDK call and rethrows its failure as EfsDr's exception (see <see cref="Translate"/>).</summary>
    /// <exception cref="AwsServiceException">The call failed; the subtype says how.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<T> InvokeAsync<T>(AwsServiceInfo service, string operation, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(service, operation, ex, cancellationToken) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>
    /// EfsDr's exception for an SDK failure, or null when <paramref name="exception"/> must propagate as it is
    /// (the caller's cancellation, EfsDr's own exceptions, argument errors).
    /// </summary>
    public static Exception? Translate(AwsServiceInfo service, string operation, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(exception);
        if (cancellationToken.IsCancellationRequested && Causes(exception).Any(e => e is OperationCanceledException))
        {
            return exception is OperationCanceledException ? null : new OperationCanceledException(exception.Message, exception, cancellationToken);
        }

        if (exception is AmazonServiceException { StatusCode: > 0 } answered)
        {
            return FromResponse(service, answered);
        }

        if (Causes(exception).FirstOrDefault(IsNoAnswer) is { } cause)
        {
            var code = cause is TimeoutException or OperationCanceledException ? "RequestTimeout" : "ConnectionFailure";
            return new AwsUnreachableException(new AwsErrorDetails(service.ErrorService, code, $"{operation}: {cause.Message}", 0, null), exception);
        }

        return exception switch
        {
            AmazonServiceException service0 => FromResponse(service, service0),
            AmazonClientException client => new AwsServiceException(new AwsErrorDetails(service.ErrorService, "ClientError", $"{operation}: {client.Message}", 0, null), client),
            _ => null,
        };
    }

    private static AwsServiceException FromResponse(AwsServiceInfo service, AmazonServiceException ex)
    {
        var status = (int)ex.StatusCode;
        var code = string.IsNullOrWhiteSpace(ex.ErrorCode) ? status.ToString(System.Globalization.CultureInfo.InvariantCulture) : ex.ErrorCode;
        var message = ex.Message ?? string.Empty;
        var requestId = string.IsNullOrEmpty(ex.RequestId) ? null : ex.RequestId;
        return AwsErrors.ToException(service.ErrorService, status, new AwsErrorResponse(code, message, requestId, message.Length == 0 ? [] : [message]), ex);
    }

    /// <summary>True for the failures that mean no answer came: connection errors and per-attempt timeouts.</summary>
    private static bool IsNoAnswer(Exception e) =>
        e is HttpRequestException or IOException or SocketException or TimeoutException or OperationCanceledException;

    private static IEnumerable<Exception> Causes(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}
