using Amazon.Runtime;
using Amazon.Runtime.Internal;
using EfsDr.Aws.Http;

namespace EfsDr.Aws.Sdk;

/// <summary>
/// The SDK's standard retry policy (what is retried, the retry quota, <c>MaxErrorRetry</c>) with the backoff of
/// <see cref="AwsRetryOptions"/> (full jitter over <see cref="AwsRetryOptions.BaseDelay"/>·2ⁿ⁻¹, capped at
/// <see cref="AwsRetryOptions.MaxDelay"/>), so SDK clients and the signed-request pipeline wait alike.
/// </summary>
internal sealed class SdkRetryPolicy(IClientConfig config, AwsRetryOptions options, TimeProvider time, Func<double> random)
    : StandardRetryPolicy(config)
{
    /// <inheritdoc />
    public override Task WaitBeforeRetryAsync(IExecutionContext executionContext)
    {
        ArgumentNullException.ThrowIfNull(executionContext);
        var delay = options.BackoffFor(executionContext.RequestContext.Retries, random());
        return delay <= TimeSpan.Zero
            ? Task.CompletedTask
            : Task.Delay(delay, time, executionContext.RequestContext.CancellationToken);
    }
}
