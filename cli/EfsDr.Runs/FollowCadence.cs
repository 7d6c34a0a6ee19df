namespace EfsDr.Runs;

/// <summary>
/// How long a follower waits between history reads: <see cref="Min"/> while steps change, growing by
/// <see cref="Growth"/> after each read that brought nothing new, up to <see cref="Max"/>, and back to <see cref="Min"/>
/// as soon as a read brings new events. A failover's long parts are waits (a promotion of 10–15 minutes that the workflow
/// checks every so often): there the follower reads every few seconds at most, well below one call per second and
/// GetExecutionHistory's account-wide quota (a token bucket that refills at a few calls per second, shared by every
/// waiting node; https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
/// </summary>
public sealed record FollowCadence
{
    /// <summary>The wait while steps change (the default: 1 s).</summary>
    public TimeSpan Min { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait, during a long quiet stretch (the default: 10 s).</summary>
    public TimeSpan Max { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How much the wait grows after a read with nothing new (the default: 1.5×).</summary>
    public double Growth { get; init; } = 1.5;

    /// <summary>The wait after a read, given the wait before it (null after the first read) and whether the read brought
    /// new events: <see cref="Min"/> when it did, else the previous wait grown, at most <see cref="Max"/>.</summary>
    public TimeSpan Next(TimeSpan? previous, bool changed)
    {
        if (changed || previous is null)
        {
            return Min;
        }

        var grown = TimeSpan.FromTicks((long)(Math.Max(previous.Value.Ticks, Min.Ticks) * Growth));
        return grown > Max ? Max : grown;
    }
}
