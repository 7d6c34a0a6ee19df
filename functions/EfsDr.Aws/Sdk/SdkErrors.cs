using System.Net.Sockets;
using Amazon.Runtime;
using EfsDr.Aws.Http;
using EfsDr.Core.Deadlines;
using EfsDr.Core.Exceptions;

namespace EfsDr.Aws.Sdk;

/// <summary>
/// Turns what the AWS SDK throws into EfsDr's exceptions, the same way the signed-request pipeline does:
/// service errors through <see cref="AwsErrorMapper.ToException"/> (typed not-found errors, <see cref="CloudBusyException"/>
/// for the retry set), no answer into <see cref="RegionUnreachableException"/>, and the caller's cancellation unchanged.
/// </summary>
public static class SdkErrors
{
    // CancellationTokenSource timers cannot be longer than this; a deadline further away gets no timer at all.
    private static readonly TimeSpan MaxTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>Runs one SDK call and rethrows its failure as EfsDr's exception (see <see cref="Translate"/>), on the
    /// system clock.</summary>
    /// <exception cref="CloudCallFailedException">The call failed; the subtype says how.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Task<T> InvokeAsync<T>(AwsServiceInfo service, string operation, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        InvokeAsync(service, operation, TimeProvider.System, call, cancellationToken);

    /// <summary>
    /// Runs one SDK call under the ambient <see cref="CallDeadline"/>, measured on <paramref name="time"/>: the call's
    /// token is cancelled at the deadline, and a call cut off that way ends with <see cref="RegionUnreachableException"/>
    /// (code <see cref="SignedRequestPipeline.DeadlineExceededCode"/>). Any other failure is rethrown as EfsDr's
    /// exception (see <see cref="Translate"/>).
    /// </summary>
    /// <exception cref="CloudCallFailedException">The call failed; the subtype says how.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<T> InvokeAsync<T>(AwsServiceInfo service, string operation, TimeProvider time, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(call);
        var budget = CallBudget.Start(time);
        if (budget.IsSpent)
        {
            throw DeadlineExceeded(service, operation, budget, null);
        }

        using var deadline = DeadlineSource(budget);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await call(linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested && ex is not CloudCallFailedException)
        {
            throw DeadlineExceeded(service, operation, budget, ex);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested && ex.CancellationToken != cancellationToken)
        {
            // The SDK saw the linked token; the caller is told about its own.
            throw new OperationCanceledException(ex.Message, ex, cancellationToken);
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
            return new RegionUnreachableException(new CloudError(service.ErrorService, code, $"{operation}: {cause.Message}", 0, null), exception);
        }

        return exception switch
        {
            AmazonServiceException service0 => FromResponse(service, service0),
            AmazonClientException client => new CloudCallFailedException(new CloudError(service.ErrorService, "ClientError", $"{operation}: {client.Message}", 0, null), client),
            _ => null,
        };
    }

    /// <summary>A source cancelled when the budget's deadline passes on its clock; never, without a deadline.</summary>
    private static CancellationTokenSource DeadlineSource(CallBudget budget) =>
        budget.Remaining is { } left && left <= MaxTimer ? new CancellationTokenSource(left, budget.Time) : new CancellationTokenSource();

    /// <summary>The failure of a call cut off by its deadline: a throttling or 5xx answer stays
    /// <see cref="CloudBusyException"/>; anything else is <see cref="RegionUnreachableException"/> (DeadlineExceeded).</summary>
    private static CloudCallFailedException DeadlineExceeded(AwsServiceInfo service, string operation, CallBudget budget, Exception? cause)
    {
        if (cause is AmazonServiceException { StatusCode: > 0 } answered && FromResponse(service, answered) is CloudBusyException transient)
        {
            return transient;
        }

        return new RegionUnreachableException(
            new CloudError(
                service.ErrorService,
                SignedRequestPipeline.DeadlineExceededCode,
                $"{operation}: no answer from {service.ErrorService} within the call deadline of {budget.Total.TotalSeconds:0.#} s",
                0,
                null),
            cause);
    }

    private static CloudCallFailedException FromResponse(AwsServiceInfo service, AmazonServiceException ex)
    {
        var status = (int)ex.StatusCode;
        var code = string.IsNullOrWhiteSpace(ex.ErrorCode) ? status.ToString(System.Globalization.CultureInfo.InvariantCulture) : ex.ErrorCode;
        var message = ex.Message ?? string.Empty;
        var requestId = string.IsNullOrEmpty(ex.RequestId) ? null : ex.RequestId;
        return AwsErrorMapper.ToException(service.ErrorService, status, new AwsErrorResponse(code, message, requestId, message.Length == 0 ? [] : [message]), ex);
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
