namespace EfsDr.Core.Deadlines;

/// <summary>
/// The ambient deadline of the calls made on this asynchronous flow: every AWS call that starts while it is set must
/// end, answered or not, by then. A region that is down usually leaves connections unanswered rather than refusing
/// them, so without a deadline a call would retry past the time its caller (a Lambda function, a planner reading
/// another region) can afford to wait.
/// <para>
/// The deadline is an instant, so it means the same thing on every clock that tells the same time; the adapters
/// measure what is left of it on their own <see cref="TimeProvider"/>. It flows with the execution context
/// (<see cref="AsyncLocal{T}"/>): set it with <c>using (CallDeadline.Within(time, budget)) { … }</c> in the method
/// that makes the calls. Scopes only ever narrow it: an inner scope cannot extend an outer deadline.
/// </para>
/// </summary>
public static class CallDeadline
{
    private static readonly AsyncLocal<DateTimeOffset?> Ambient = new();

    /// <summary>The deadline in force on this flow, or null when there is none.</summary>
    public static DateTimeOffset? Current => Ambient.Value;

    /// <summary>Sets the deadline to the earlier of <see cref="Current"/> and <paramref name="deadline"/> until the
    /// returned scope is disposed, which restores the previous value.</summary>
    public static IDisposable Until(DateTimeOffset deadline)
    {
        var previous = Ambient.Value;
        Ambient.Value = previous is { } outer && outer <= deadline ? outer : deadline;
        return new Scope(previous);
    }

    /// <summary>Sets the deadline to <paramref name="budget"/> from now on <paramref name="time"/> (never later than
    /// <see cref="Current"/>) until the returned scope is disposed.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="budget"/> is negative.</exception>
    public static IDisposable Within(TimeProvider time, TimeSpan budget)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(budget, TimeSpan.Zero);
        var now = time.GetUtcNow();
        return Until(budget >= DateTimeOffset.MaxValue - now ? DateTimeOffset.MaxValue : now + budget);
    }

    /// <summary>The time left until <see cref="Current"/> on <paramref name="time"/> (zero once it has passed), or null
    /// when no deadline is set.</summary>
    public static TimeSpan? Remaining(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (Ambient.Value is not { } deadline)
        {
            return null;
        }

        var left = deadline - time.GetUtcNow();
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    /// <summary>Restores the deadline that was in force before the scope began (once, however often disposed).</summary>
    private sealed class Scope(DateTimeOffset? previous) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Ambient.Value = previous;
            }
        }
    }
}
