using Amazon.Runtime;

namespace EfsDr.Aws.Sdk;

/// <summary>
/// An SDK <see cref="HttpClientFactory"/> over one <see cref="HttpMessageHandler"/> (a fake transport in tests, or a
/// decorated handler). Like the SDK's own factory it applies <see cref="IClientConfig.Timeout"/> to each client,
/// so <see cref="Http.AwsRetryOptions.AttemptTimeout"/> still bounds every attempt.
/// </summary>
/// <param name="handler">The handler; it is shared by every client and never disposed here.</param>
public sealed class MessageHandlerHttpClientFactory(HttpMessageHandler handler) : HttpClientFactory
{
    private readonly HttpMessageHandler _handler = handler ?? throw new ArgumentNullException(nameof(handler));

    /// <inheritdoc />
    public override HttpClient CreateHttpClient(IClientConfig clientConfig)
    {
        ArgumentNullException.ThrowIfNull(clientConfig);
        var client = new HttpClient(_handler, disposeHandler: false);
        if (clientConfig.Timeout is { } timeout)
        {
            client.Timeout = timeout;
        }

        return client;
    }
}
