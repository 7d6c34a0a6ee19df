using Amazon.Runtime;
using EfsDr.Aws.Http;
using EfsDr.Aws.Sdk;

namespace EfsDr.Aws.Tests.Support;

/// <summary>Builds SDK client factories over a fake transport, or over moto, with no real endpoint variables.</summary>
public static class TestSdkClients
{
    /// <summary>A factory whose clients send through <paramref name="handler"/>, with immediate retries unless options say otherwise.</summary>
    public static SdkClientFactory Create(
        HttpMessageHandler handler,
        AwsRetryOptions? retry = null,
        IReadOnlyDictionary<string, string>? environment = null) =>
        new(
            new BasicAWSCredentials(TestPipeline.AccessKey, TestPipeline.SecretKey),
            new EndpointResolver(name => environment is not null && environment.TryGetValue(name, out var v) ? v : null),
            retry ?? new AwsRetryOptions { BaseDelay = TimeSpan.Zero, MaxAttempts = 3 },
            new MessageHandlerHttpClientFactory(handler),
            random: () => 0.5);

    /// <summary>A factory whose every endpoint is moto (skips, or fails under CI, when moto is absent).</summary>
    public static SdkClientFactory Moto(MotoServerFixture moto)
    {
        var endpoint = moto.Require().ToString();
        return new SdkClientFactory(
            MotoServerFixture.Credentials,
            new EndpointResolver(name => name == "AWS_ENDPOINT_URL" ? endpoint : null),
            new AwsRetryOptions { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(50), AttemptTimeout = TimeSpan.FromSeconds(30) });
    }
}
