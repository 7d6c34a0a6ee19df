using System.Collections.Concurrent;
using Amazon;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.Runtime.Internal;
using Amazon.SimpleSystemsManagement;
using EfsDr.Aws.Http;
using EndpointResolver = EfsDr.Aws.Http.EndpointResolver;

namespace EfsDr.Aws.Sdk;

/// <summary>
/// Builds the AWS SDK clients EfsDr uses (SSM and EC2), one per region and service, configured like the
/// hand-written clients: the endpoint from <see cref="EndpointResolver"/>, the standard retry mode with
/// <see cref="AwsRetryOptions.MaxAttempts"/> attempts and <see cref="AwsRetryOptions"/>'s backoff, and
/// <see cref="AwsRetryOptions.AttemptTimeout"/> per attempt.
/// </summary>
public sealed class SdkClientFactory : IDisposable
{
    private readonly Lazy<AWSCredentials> _credentials;
    private readonly EndpointResolver _endpoints;
    private readonly HttpClientFactory? _httpClientFactory;
    private readonly RetrySettings _retry;
    private readonly ConcurrentDictionary<string, Lazy<IAmazonSimpleSystemsManagement>> _ssm = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<IAmazonEC2>> _ec2 = new(StringComparer.Ordinal);

    /// <summary>Creates the factory.</summary>
    /// <param name="credentials">The credentials; null resolves the default AWS chain on first use.</param>
    /// <param name="endpoints">The endpoint resolver (<c>AWS_ENDPOINT_URL_SSM</c>, <c>AWS_ENDPOINT_URL_EC2</c>, <c>AWS_ENDPOINT_URL</c>).</param>
    /// <param name="retry">Attempts, backoff and per-attempt timeout.</param>
    /// <param name="httpClientFactory">Creates the SDK's <see cref="HttpClient"/>s (tests inject a fake transport with
    /// <see cref="MessageHandlerHttpClientFactory"/>); null lets the SDK build its own.</param>
    /// <param name="time">The clock the retry backoff waits on and the <see cref="EfsDr.Core.Deadlines.CallDeadline"/> is measured on.</param>
    /// <param name="random">Draws in [0,1) for the backoff jitter; <see cref="Random.Shared"/> by default.</param>
    public SdkClientFactory(
        AWSCredentials? credentials,
        EndpointResolver endpoints,
        AwsRetryOptions? retry = null,
        HttpClientFactory? httpClientFactory = null,
        TimeProvider? time = null,
        Func<double>? random = null)
    {
        _credentials = credentials is null
            ? new Lazy<AWSCredentials>(() => DefaultAWSCredentialsIdentityResolver.GetCredentials(null), LazyThreadSafetyMode.PublicationOnly)
            : new Lazy<AWSCredentials>(credentials);
        _endpoints = endpoints ?? throw new ArgumentNullException(nameof(endpoints));
        _httpClientFactory = httpClientFactory;
        _retry = new RetrySettings(retry ?? AwsRetryOptions.Default, time ?? TimeProvider.System, random ?? Random.Shared.NextDouble);
    }

    /// <summary>The retry settings in force.</summary>
    public AwsRetryOptions Retry => _retry.Options;

    /// <summary>The clock the backoff waits on and the <see cref="EfsDr.Core.Deadlines.CallDeadline"/> is measured on.</summary>
    public TimeProvider Time => _retry.Time;

    /// <summary>The SSM client for <paramref name="region"/> (created once, then reused).</summary>
    /// <exception cref="ArgumentException">The region is not a region name, or a configured endpoint is not an http(s) URL.</exception>
    public IAmazonSimpleSystemsManagement Ssm(string region)
    {
        ArgumentNullException.ThrowIfNull(region);
        if (_ssm.TryGetValue(region, out var cached))
        {
            return cached.Value;
        }

        // Validation and credential resolution happen outside the cache, so a failure is not remembered.
        var config = Configure(new AmazonSimpleSystemsManagementConfig(), AwsServiceInfo.Ssm, region);
        var credentials = _credentials.Value;
        return _ssm.GetOrAdd(region, new Lazy<IAmazonSimpleSystemsManagement>(() => new SsmClient(credentials, config, _retry))).Value;
    }

    /// <summary>The EC2 client for <paramref name="region"/> (created once, then reused).</summary>
    /// <exception cref="ArgumentException">The region is not a region name, or a configured endpoint is not an http(s) URL.</exception>
    public IAmazonEC2 Ec2(string region)
    {
        ArgumentNullException.ThrowIfNull(region);
        if (_ec2.TryGetValue(region, out var cached))
        {
            return cached.Value;
        }

        var config = Configure(new AmazonEC2Config(), AwsServiceInfo.Ec2, region);
        var credentials = _credentials.Value;
        return _ec2.GetOrAdd(region, new Lazy<IAmazonEC2>(() => new Ec2Client(credentials, config, _retry))).Value;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var client in _ssm.Values.Where(c => c.IsValueCreated))
        {
            client.Value.Dispose();
        }

        foreach (var client in _ec2.Values.Where(c => c.IsValueCreated))
        {
            client.Value.Dispose();
        }

        _ssm.Clear();
        _ec2.Clear();
    }

    private T Configure<T>(T config, AwsServiceInfo service, string region)
        where T : ClientConfig
    {
        // Validates the region and the configured endpoint before any client exists.
        _endpoints.Resolve(service, region);

        // Our resolver alone decides the endpoint; the SDK must not read AWS_ENDPOINT_URL* or ~/.aws/config itself.
        config.IgnoreConfiguredEndpointUrls = true;
        if (_endpoints.ConfiguredEndpoint(service) is { } configured)
        {
            config.ServiceURL = configured.ToString();
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        config.RetryMode = RequestRetryMode.Standard;
        config.MaxErrorRetry = Math.Max(_retry.Options.MaxAttempts - 1, 0);
        config.Timeout = _retry.Options.AttemptTimeout;
        if (_httpClientFactory is not null)
        {
            config.HttpClientFactory = _httpClientFactory;
        }

        return config;
    }

    /// <summary>What the SDK clients' retry handler needs.</summary>
    private sealed record RetrySettings(AwsRetryOptions Options, TimeProvider Time, Func<double> Random)
    {
        public RetryHandler Handler(IClientConfig config) => new(new SdkRetryPolicy(config, Options, Time, Random));
    }

    /// <summary>The SSM client with the standard retry policy waiting <see cref="AwsRetryOptions"/>' backoff.</summary>
    private sealed class SsmClient(AWSCredentials credentials, AmazonSimpleSystemsManagementConfig config, RetrySettings retry)
        : AmazonSimpleSystemsManagementClient(credentials, config)
    {
        protected override void CustomizeRuntimePipeline(RuntimePipeline pipeline)
        {
            base.CustomizeRuntimePipeline(pipeline);
            pipeline.ReplaceHandler<RetryHandler>(retry.Handler(Config));
        }
    }

    /// <summary>The EC2 client with the standard retry policy waiting <see cref="AwsRetryOptions"/>' backoff.</summary>
    private sealed class Ec2Client(AWSCredentials credentials, AmazonEC2Config config, RetrySettings retry)
        : AmazonEC2Client(credentials, config)
    {
        protected override void CustomizeRuntimePipeline(RuntimePipeline pipeline)
        {
            base.CustomizeRuntimePipeline(pipeline);
            pipeline.ReplaceHandler<RetryHandler>(retry.Handler(Config));
        }
    }
}
