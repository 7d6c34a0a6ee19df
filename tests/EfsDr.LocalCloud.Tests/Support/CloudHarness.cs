using Amazon.Runtime;
using EfsDr.Aws;
using EfsDr.Aws.Http;
using EfsDr.LocalCloud.Hosting;

namespace EfsDr.LocalCloud.Tests.Support;

/// <summary>A running local cloud and EfsDr's real AWS adapters pointed at it.</summary>
public sealed class CloudHarness : IAsyncDisposable
{
    private readonly List<IDisposable> _owned = [];

    private CloudHarness(LocalCloudHost cloud)
    {
        Cloud = cloud;
        Aws = Adapters(new AwsRetryOptions { MaxAttempts = 2, BaseDelay = TimeSpan.Zero });
    }

    /// <summary>The cloud.</summary>
    public LocalCloudHost Cloud { get; }

    /// <summary>The adapters, with two attempts and no backoff.</summary>
    public AwsAdapters Aws { get; }

    /// <summary>Everything the emulators share.</summary>
    public LocalCloudContext Context => Cloud.Context;

    /// <summary>Starts a cloud (simulated time 600 times faster unless the options say otherwise) on <paramref name="time"/>
    /// (the system clock by default). The harness's adapters are clients of the cloud, as the CLI is: they run on that base
    /// clock, not on the cloud's simulated one (whose 20 s attempt timeout would be 33 real ms).</summary>
    public static async Task<CloudHarness> StartAsync(LocalCloudOptions? options = null, TimeProvider? time = null) =>
        new(await LocalCloudHost.StartAsync(options ?? new LocalCloudOptions { TimeScale = 600 }, time: time, cancellationToken: TestContext.Current.CancellationToken));

    /// <summary>More adapters on the same cloud and clock (other retry settings); disposed with the harness.</summary>
    public AwsAdapters Adapters(AwsRetryOptions retry, Action<AwsRetryNotice>? onRetry = null)
    {
        var adapters = new AwsAdapters(
            new BasicAWSCredentials("local", "local"),
            new EndpointResolver(n => n == "AWS_ENDPOINT_URL" ? Cloud.Endpoint.ToString() : null),
            retry,
            Cloud.Context.Clock.Base,
            onRetry);
        _owned.Add(adapters);
        return adapters;
    }

    /// <summary>A signed-request pipeline for calls the adapters do not make (CREATE/DELETE changes, raw listings).</summary>
    public SignedRequestPipeline Pipeline()
    {
        var http = new HttpClient();
        _owned.Add(http);
        return new SignedRequestPipeline(
            http,
            new BasicAWSCredentials("local", "local"),
            new EndpointResolver(n => n == "AWS_ENDPOINT_URL" ? Cloud.Endpoint.ToString() : null),
            new AwsRetryOptions { MaxAttempts = 2, BaseDelay = TimeSpan.Zero },
            Cloud.Context.Clock.Base);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        await Cloud.DisposeAsync();
    }
}
