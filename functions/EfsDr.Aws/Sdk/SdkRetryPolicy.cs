using Amazon.Runtime;
using Amazon.Runtime.Internal;
using EfsDr.Aws.Http;
using EfsDr.Core.Deadlines;

namespace EfsDr.Aws.Sdk;

/// <summary>
/// The SDK's standard retry policy (what is retried, the retry quota, <c>MaxErrorRetry</c>) with the backoff of
/// <see cref="AwsRetryOptions"/> (full jitter over <see cref="AwsRetryOptions.BaseDelay"/>·2ⁿ⁻¹, capped at
/// <see cref="AwsRetryOptions.MaxDelay"/>), so SDK clients and the signed-request pipeline wait alike. Under a
/// <see cref="CallDeadline"/> it declines a retry whose backoff would leave less than
/// <see cref="AwsRetryOptions.MinUsefulAttempt"/> before the deadline, so the SDK rethrows the last failure at once.
/// </summary>
internal sealed class SdkRetryPolicy(IClientConfig config, AwsRetryOptions options, TimeProvider time, Func<double> random)
    : StandardRetryPolicy(config)
{
    // The backoff drawn when the retry was decided, kept on the request for WaitBeforeRetryAsync.
    private const string BackoffKey = "EfsDr.Backoff";

    /// <inheritdoc />
    public override async Task<bool> RetryForExceptionAsync(IExecutionContext executionContext, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(executionContext);
        if (!await base.RetryForExceptionAsync(executionContext, exception).ConfigureAwait(false))
        {
            return false;
        }

        // The SDK counts Retries up after this decision, so the coming retry is number Retries + 1.
        var request = executionContext.RequestContext;
        var backoff = options.BackoffFor(request.Retries + 1, random());
        if (!CallBudget.Start(time).AllowsRetry(backoff, options.MinUsefulAttempt))
        {
            return false;
        }

        request.ContextAttributes[BackoffKey] = backoff;
        return true;
    }

    /// <inheritdoc />
    public override Task WaitBeforeRetryAsync(IExecutionContext executionContext)
    {
        ArgumentNullException.ThrowIfNull(executionContext);
        var request = executionContext.RequestContext;
        TimeSpan delay;
        if (request.ContextAttributes.TryGetValue(BackoffKey, out var drawn) && drawn is TimeSpan decided)
        {
            request.ContextAttributes.Remove(BackoffKey);
            delay = decided;
        }
        else
        {
            // A retry the SDK decided without asking RetryForExceptionAsync (a clock-skew correction).
            delay = options.BackoffFor(request.Retries, random());
        }

        return delay <= TimeSpan.Zero
            ? Task.CompletedTask
            : Task.Delay(delay, time, request.CancellationToken);
    }
}
