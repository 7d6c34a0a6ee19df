using System.Net.Http.Headers;
using System.Runtime.ExceptionServices;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.Runtime.Signing;
using EfsDr.Core.Deadlines;
using EfsDr.Core.Exceptions;

namespace EfsDr.Aws.Http;

/// <summary>
/// The one signed-request pipeline under the hand-written EFS, Route 53 and Step Functions clients:
/// endpoint resolution, SigV4 signing (AWSSDK.Core's <see cref="AWSSigV4Signer"/>), a timeout per attempt,
/// bounded retries with exponential backoff and full jitter for the standard retry set only, and typed errors.
/// <para>
/// A call honours the ambient <see cref="CallDeadline"/>, measured on the pipeline's clock: each attempt gets at most
/// the time left, no retry starts unless <see cref="AwsRetryOptions.MinUsefulAttempt"/> is left after its backoff, and
/// a call that runs out of time ends with <see cref="RegionUnreachableException"/> (<c>DeadlineExceeded</c>), or with
/// its last <see cref="CloudBusyException"/> when throttling or a 5xx was the last failure.
/// </para>
/// </summary>
public sealed class SignedRequestPipeline
{
    /// <summary>The error code of a call that ran out of its <see cref="CallDeadline"/>.</summary>
    public const string DeadlineExceededCode = "DeadlineExceeded";

    // CancellationTokenSource timers cannot be longer than this; a longer attempt timeout means none at all.
    private static readonly TimeSpan MaxTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly HttpClient _http;
    private readonly Lazy<AWSCredentials> _credentials;
    private readonly EndpointResolver _endpoints;
    private readonly TimeProvider _time;
    private readonly Func<double> _draw;
    private readonly Action<AwsRetryNotice>? _onRetry;

    /// <summary>Creates the pipeline.</summary>
    /// <param name="http">The transport. Its own timeout is not used; each attempt has <see cref="AwsRetryOptions.AttemptTimeout"/>.</param>
    /// <param name="credentials">The credentials; null resolves the default AWS chain on first use.</param>
    /// <param name="endpoints">The endpoint resolver.</param>
    /// <param name="retry">Retry and timeout settings.</param>
    /// <param name="time">The clock used for signing dates, backoff, timeouts and the <see cref="CallDeadline"/>.</param>
    /// <param name="random">Draws in [0,1) for the jitter; <see cref="Random.Shared"/> by default.</param>
    /// <param name="onRetry">Told about every retry before its backoff starts (for logs and tests).</param>
    public SignedRequestPipeline(
        HttpClient http,
        AWSCredentials? credentials,
        EndpointResolver endpoints,
        AwsRetryOptions? retry = null,
        TimeProvider? time = null,
        Func<double>? random = null,
        Action<AwsRetryNotice>? onRetry = null)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _credentials = credentials is null
            ? new Lazy<AWSCredentials>(() => DefaultAWSCredentialsIdentityResolver.GetCredentials(null))
            : new Lazy<AWSCredentials>(credentials);
        _endpoints = endpoints ?? throw new ArgumentNullException(nameof(endpoints));
        _time = time ?? TimeProvider.System;
        Retry = retry ?? AwsRetryOptions.Default;
        _draw = random ?? Random.Shared.NextDouble;
        _onRetry = onRetry;
    }

    /// <summary>The retry settings in force.</summary>
    public AwsRetryOptions Retry { get; }

    /// <summary>The endpoint resolver in use.</summary>
    public EndpointResolver Endpoints => _endpoints;

    /// <summary>Sends a request and returns its 2xx response, or throws a typed <see cref="CloudCallFailedException"/>.</summary>
    /// <exception cref="CloudBusyException">Throttling or 5xx outlasted the retries or the <see cref="CallDeadline"/>.</exception>
    /// <exception cref="RegionUnreachableException">No answer (connection failure or timeout) after the retries, or none
    /// before the <see cref="CallDeadline"/> (code <see cref="DeadlineExceededCode"/>).</exception>
    /// <exception cref="CloudCallFailedException">Any other error response (never retried), or one of its typed subclasses.</exception>
    /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
    public async Task<AwsResponse> SendAsync(AwsServiceInfo service, string region, AwsRequest request, IAwsErrorReader errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(errors);
        var baseUri = _endpoints.Resolve(service, region);
        var call = new Call(service, region, new Uri(baseUri, BasePath(baseUri) + request.PathAndQuery().TrimStart('/')), request, errors);
        var budget = CallBudget.Start(_time);
        if (budget.IsSpent)
        {
            throw DeadlineExceeded(call, budget, 0, null);
        }

        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var timeout = budget.AttemptTimeout(Retry.AttemptTimeout);
            Exception failure;
            try
            {
                return await TimedAttemptAsync(call, timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (AttemptTimeoutException ex)
            {
                failure = ex;
            }
            catch (CloudCallFailedException ex) when (ex is CloudBusyException or RegionUnreachableException)
            {
                failure = ex;
            }

            if (failure is AttemptTimeoutException && budget.Cuts(timeout, Retry.AttemptTimeout))
            {
                ExceptionDispatchInfo.Throw(DeadlineExceeded(call, budget, attempt, failure));
            }

            if (attempt >= Retry.MaxAttempts)
            {
                ExceptionDispatchInfo.Throw(Exhausted(call, failure));
            }

            var delay = Retry.BackoffFor(attempt, _draw());
            if (!budget.AllowsRetry(delay, Retry.MinUsefulAttempt))
            {
                ExceptionDispatchInfo.Throw(DeadlineExceeded(call, budget, attempt, failure));
            }

            _onRetry?.Invoke(Notice(attempt, delay, failure));
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One attempt, cancelled after <paramref name="timeout"/> on the pipeline's clock.</summary>
    /// <exception cref="AttemptTimeoutException">The timeout ran out (not the caller's token).</exception>
    private async Task<AwsResponse> TimedAttemptAsync(Call call, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = timeout > TimeSpan.Zero && timeout <= MaxTimer ? new CancellationTokenSource(timeout, _time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            return await AttemptAsync(call.Service, call.Region, call.Uri, call.Request, call.Errors, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new AttemptTimeoutException(timeout, ex);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested && ex.CancellationToken != cancellationToken)
        {
            // The transport saw the linked token; the caller is told about its own.
            throw new OperationCanceledException(ex.Message, ex, cancellationToken);
        }
    }

    /// <summary>The failure of a call whose attempts are used up: a timeout becomes <see cref="RegionUnreachableException"/>
    /// (<c>RequestTimeout</c>); a typed AWS failure stays what it is.</summary>
    private Exception Exhausted(Call call, Exception failure) => failure is AttemptTimeoutException
        ? new RegionUnreachableException(
            new CloudError(call.Service.ErrorService, "RequestTimeout", $"{call.Request.Operation}: no answer from {call.Uri.Host} within {Retry.AttemptTimeout.TotalSeconds:0.#} s, {Retry.MaxAttempts} attempts", 0, null),
            failure)
        : failure;

    /// <summary>The failure of a call that ran out of its <see cref="CallDeadline"/>: the last throttling or 5xx error
    /// as it was, anything else (no answer, connection failure, no time at all) as <see cref="RegionUnreachableException"/>
    /// with code <see cref="DeadlineExceededCode"/>.</summary>
    private static Exception DeadlineExceeded(Call call, CallBudget budget, int attempts, Exception? last)
    {
        if (last is CloudBusyException)
        {
            return last;
        }

        var lastCode = last is null ? "none" : Code(last);
        return new RegionUnreachableException(
            new CloudError(
                call.Service.ErrorService,
                DeadlineExceededCode,
                $"{call.Request.Operation}: no answer from {call.Uri.Host} within the call deadline of {budget.Total.TotalSeconds:0.#} s ({attempts} attempt(s), last failure: {lastCode})",
                0,
                null),
            last);
    }

    private static AwsRetryNotice Notice(int attempt, TimeSpan delay, Exception failure) =>
        new(attempt, delay, Code(failure), failure is CloudCallFailedException aws ? aws.HttpStatus : 0);

    private static string Code(Exception failure) => failure switch
    {
        CloudCallFailedException aws => aws.Code,
        AttemptTimeoutException => "RequestTimeout",
        _ => failure.GetType().Name,
    };

    private async Task<AwsResponse> AttemptAsync(AwsServiceInfo service, string region, Uri uri, AwsRequest request, IAwsErrorReader errors, CancellationToken token)
    {
        using var message = await SignAsync(service, region, uri, request, token).ConfigureAwait(false);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, token).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new RegionUnreachableException(new CloudError(service.ErrorService, "ConnectionFailure", $"{request.Operation}: {ex.Message}", 0, null), ex);
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                return new AwsResponse(response.StatusCode, body, ErrorHeaders.RequestId(response.Headers));
            }

            var error = errors.Read(status, response.Headers, body);
            throw AwsErrorMapper.ToException(service.ErrorService, status, error);
        }
    }

    /// <summary>Builds the signed HTTP request (public for the signing tests).</summary>
    public async Task<HttpRequestMessage> SignAsync(AwsServiceInfo service, string region, Uri uri, AwsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(request);
        var signing = new AWSSigningRequest { HttpMethod = request.Method, RequestUri = uri, Content = request.Body ?? [] };
        if (request.ContentType is not null)
        {
            signing.Headers["Content-Type"] = request.ContentType;
        }

        foreach (var (name, value) in request.Headers)
        {
            signing.Headers[name] = value;
        }

        var signed = await AWSSigV4Signer.SignAsync(
            signing,
            new AWSSigV4Parameters
            {
                Credentials = _credentials.Value,
                Region = RegionEndpoint.GetBySystemName(service.SigningRegion(region)),
                Service = service.SigningName,
                SignedAt = _time.GetUtcNow().UtcDateTime,
            },
            cancellationToken).ConfigureAwait(false);

        var message = new HttpRequestMessage(request.Method, uri);
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            if (request.ContentType is not null)
            {
                message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType);
            }
        }

        foreach (var (name, value) in request.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        foreach (var (name, value) in signed.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        return message;
    }

    private static string BasePath(Uri baseUri)
    {
        var path = baseUri.AbsolutePath;
        return path.EndsWith('/') ? path : path + "/";
    }

    /// <summary>One call's fixed parts.</summary>
    private sealed record Call(AwsServiceInfo Service, string Region, Uri Uri, AwsRequest Request, IAwsErrorReader Errors);

    /// <summary>An attempt got no answer within its timeout.</summary>
    private sealed class AttemptTimeoutException(TimeSpan timeout, Exception innerException)
        : TimeoutException($"No answer within {timeout.TotalSeconds:0.###} s.", innerException);
}
