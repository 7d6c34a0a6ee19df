using Amazon.Runtime;
using EfsDr.Aws.Http;

namespace EfsDr.Aws.Tests.Support;

/// <summary>Builds pipelines over a fake transport with fixed credentials and no endpoint variables.</summary>
public static class TestPipeline
{
    /// <summary>The AWS SigV4 test-suite access key.</summary>
    public const string AccessKey = "AKIDEXAMPLE";

    /// <summary>The AWS SigV4 test-suite secret key.</summary>
    public const string SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    /// <summary>A pipeline over <paramref name="handler"/>, with immediate retries unless options say otherwise.</summary>
    public static SignedRequestPipeline Create(
        HttpMessageHandler handler,
        TimeProvider? time = null,
        AwsRetryOptions? retry = null,
        IReadOnlyDictionary<string, string>? environment = null,
        AWSCredentials? credentials = null,
        Func<double>? random = null,
        Action<AwsRetryNotice>? onRetry = null) =>
        new(
            new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan },
            credentials ?? new BasicAWSCredentials(AccessKey, SecretKey),
            new EndpointResolver(name => environment is not null && environment.TryGetValue(name, out var v) ? v : null),
            retry ?? new AwsRetryOptions { BaseDelay = TimeSpan.Zero, MaxAttempts = 3 },
            time,
            random ?? (() => 0.5),
            onRetry);
}
