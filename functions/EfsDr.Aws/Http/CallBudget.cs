using EfsDr.Core.Deadlines;

namespace EfsDr.Aws.Http;

/// <summary>
/// What one AWS call may spend: the ambient <see cref="CallDeadline"/> captured when the call starts, measured on the
/// adapter's clock. Without a deadline every question answers "as configured", so the call behaves as before.
/// </summary>
/// <param name="Time">The adapter's clock.</param>
/// <param name="Deadline">The deadline the call started under, or null.</param>
/// <param name="StartedAt">When the call started, on <paramref name="Time"/>.</param>
internal readonly record struct CallBudget(TimeProvider Time, DateTimeOffset? Deadline, DateTimeOffset StartedAt)
{
    /// <summary>The budget of a call starting now under the ambient deadline.</summary>
    public static CallBudget Start(TimeProvider time) => new(time, CallDeadline.Current, time.GetUtcNow());

    /// <summary>The time left (zero once the deadline has passed), or null without a deadline.</summary>
    public TimeSpan? Remaining => Deadline is { } deadline ? Positive(deadline - Time.GetUtcNow()) : null;

    /// <summary>The whole budget, from the start of the call to the deadline (zero without a deadline).</summary>
    public TimeSpan Total => Deadline is { } deadline ? Positive(deadline - StartedAt) : TimeSpan.Zero;

    /// <summary>True when a deadline is set and no time is left.</summary>
    public bool IsSpent => Remaining is { } left && left <= TimeSpan.Zero;

    /// <summary>The timeout of the next attempt: <paramref name="configured"/>, cut to the time left
    /// (<see cref="Timeout.InfiniteTimeSpan"/> or zero configured means no timeout of its own).</summary>
    public TimeSpan AttemptTimeout(TimeSpan configured)
    {
        if (Remaining is not { } left)
        {
            return configured;
        }

        return configured > TimeSpan.Zero && configured <= left ? configured : left;
    }

    /// <summary>True when the attempt that gets <paramref name="timeout"/> is cut short by the deadline.</summary>
    public bool Cuts(TimeSpan timeout, TimeSpan configured) =>
        Deadline is not null && (configured <= TimeSpan.Zero || timeout < configured);

    /// <summary>True when a retry after <paramref name="backoff"/> would still have <paramref name="minAttempt"/> before the deadline.</summary>
    public bool AllowsRetry(TimeSpan backoff, TimeSpan minAttempt) =>
        Remaining is not { } left || backoff + minAttempt <= left;

    private static TimeSpan Positive(TimeSpan span) => span > TimeSpan.Zero ? span : TimeSpan.Zero;
}
