using System.Net.Http.Headers;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.Runtime.Signing;
using EfsDr.Core.Exceptions;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace EfsDr.Aws.Http;

/// <summary>
/// The one signed-request pipeline under the hand-written EFS, Route 53 and Step Functions clients:
/// endpoint resolution, SigV4 signing (AWSSDK.Core's <see cref="AWSSigV4Signer"/>), a timeout per attempt,
/// bounded retries with exponential backoff and full jitter for the standard retry set only, and typed errors.
/// </summary>
public sealed class SignedRequestPipeline
{
    private readonly HttpClient _http;
    private readonly Lazy<AWSCredentials> _credentials;
    private readonly EndpointResolver _endpoints;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _resilience;

    /// <summary>Creates the pipeline.</summary>
    /// <param name="http">The transport. Its own timeout is not used; each attempt has <see cref="AwsRetryOptions.AttemptTimeout"/>.</param>
    /// <param name="credentials">The credentials; null resolves the default AWS chain on first use.</param>
    /// <param name="endpoints">The endpoint resolver.</param>
    /// <param name="retry">Retry and timeout settings.</param>
    /// <param name="time">The clock used for signing dates, backoff and timeouts.</param>
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
        var draw = random ?? Random.Shared.NextDouble;
        var options = Retry;
        var builder = new ResiliencePipelineBuilder { TimeProvider = _time };
        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(options.MaxAttempts - 1, 0),
                ShouldHandle = new PredicateBuilder().Handle<AwsTransientException>().Handle<AwsUnreachableException>().Handle<TimeoutRejectedException>(),
                DelayGenerator = args => new ValueTask<TimeSpan?>(options.BackoffFor(args.AttemptNumber + 1, draw())),
                OnRetry = args =>
                {
                    onRetry?.Invoke(new AwsRetryNotice(
                        args.AttemptNumber + 1,
                        args.RetryDelay,
                        args.Outcome.Exception is AwsServiceException aws ? aws.ErrorCode : args.Outcome.Exception?.GetType().Name ?? "unknown",
                        args.Outcome.Exception is AwsServiceException status ? status.HttpStatus : 0));
                    return default;
                },
            });
        }

        _resilience = builder.AddTimeout(options.AttemptTimeout).Build();
    }

    /// <summary>The retry settings in force.</summary>
    public AwsRetryOptions Retry { get; }

    /// <summary>The endpoint resolver in use.</summary>
    public EndpointResolver Endpoints => _endpoints;

    /// <summary>Sends a request and returns its 2xx response, or throws a typed <see cref="AwsServiceException"/>.</summary>
    /// <exception cref="AwsTransientException">Throttling or 5xx outlasted the retries.</exception>
    /// <exception cref="AwsUnreachableException">No answer (connection failure or timeout) after the retries.</exception>
    /// <exception cref="AwsServiceException">Any other error response (never retried), or one of its typed subclasses.</exception>
    /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
    public async Task<AwsResponse> SendAsync(AwsServiceInfo service, string region, AwsRequest request, IAwsErrorReader errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(errors);
        var baseUri = _endpoints.Resolve(service, region);
        var uri = new Uri(baseUri, BasePath(baseUri) + request.PathAndQuery().TrimStart('/'));
        try
        {
            return await _resilience.ExecuteAsync(
                async token => await AttemptAsync(service, region, uri, request, errors, token).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new AwsUnreachableException(
                new AwsErrorDetails(service.ErrorService, "RequestTimeout", $"{request.Operation}: no answer from {uri.Host} within {Retry.AttemptTimeout.TotalSeconds:0.#} s, {Retry.MaxAttempts} attempts", 0, null),
                ex);
        }
    }

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
            throw new AwsUnreachableException(new AwsErrorDetails(service.ErrorService, "ConnectionFailure", $"{request.Operation}: {ex.Message}", 0, null), ex);
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
            throw AwsErrors.ToException(service.ErrorService, status, error);
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
}
