namespace EfsDr.Aws.Http;

/// <summary>Bounded retries with exponential backoff and full jitter, and a timeout on each attempt.</summary>
public sealed record AwsRetryOptions
{
    /// <summary>Attempts in all, the first included (AWS standard mode uses 3; DR calls get a little more patience).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The backoff base: retry n waits a random time in [0, min(MaxDelay, BaseDelay·2ⁿ⁻¹)).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The most one backoff may wait (AWS standard mode: 20 s).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The timeout of one attempt, response body included. Under a <see cref="EfsDr.Core.Deadlines.CallDeadline"/>
    /// an attempt gets the smaller of this and the time left.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Under a <see cref="EfsDr.Core.Deadlines.CallDeadline"/>, the least time a retry must still have after its
    /// backoff; a retry that would have less is not started and the call ends at once with its last failure.</summary>
    public TimeSpan MinUsefulAttempt { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The defaults.</summary>
    public static AwsRetryOptions Default { get; } = new();

    /// <summary>The full-jitter delay before retry number <paramref name="retry"/> (1-based), for a random draw in [0,1).</summary>
    public TimeSpan BackoffFor(int retry, double random)
    {
        var exponent = Math.Min(Math.Max(retry - 1, 0), 30);
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(ceiling * Math.Clamp(random, 0, 1));
    }
}

/// <summary>One retry about to happen: which retry (1-based), how long it waits, and what failed.</summary>
public sealed record AwsRetryNotice(int Retry, TimeSpan Delay, string ErrorCode, int HttpStatus);
