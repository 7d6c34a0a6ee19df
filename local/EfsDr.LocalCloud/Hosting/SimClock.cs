namespace EfsDr.LocalCloud.Hosting;

/// <summary>
/// The local cloud's simulated clock: it starts at the base clock's "now" and runs <see cref="Scale"/> times faster.
/// Every timestamp the cloud shows, every simulated duration (replication deletion, DNS propagation, Wait states, a
/// handler's budget and its retries' backoff) and every timer of its components is on this clock, so they agree with one
/// another: a 12-minute deletion is 12 minutes between its timestamps, and a handler's 120 s budget is 120 simulated
/// seconds. Timers made here fire after their due time divided by the scale on the base clock.
/// <para>
/// Mapping: simulated = <see cref="Origin"/> + (base now − <see cref="BaseOrigin"/>) × <see cref="Scale"/>. The Step
/// Functions engine (local/sfn/engine-server.mjs) gets the same three numbers and applies the same mapping to the
/// system clock, so its event timestamps line up with the cloud's.
/// </para>
/// </summary>
public sealed class SimClock : TimeProvider
{
    private readonly long _baseOriginTimestamp;

    /// <summary>A clock that starts at <paramref name="baseTime"/>'s now and runs <paramref name="scale"/> times faster.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="scale"/> is not positive.</exception>
    public SimClock(TimeProvider baseTime, double scale)
    {
        ArgumentNullException.ThrowIfNull(baseTime);
        Scale = scale > 0 && double.IsFinite(scale) ? scale : throw new ArgumentOutOfRangeException(nameof(scale), "scale must be positive");
        Base = baseTime;
        BaseOrigin = baseTime.GetUtcNow();
        Origin = BaseOrigin;
        _baseOriginTimestamp = baseTime.GetTimestamp();
    }

    /// <summary>Simulated seconds per real (base) second.</summary>
    public double Scale { get; }

    /// <summary>The real clock underneath. Only for cadences that are no simulated duration (a poller's tick); timestamps
    /// and simulated delays use this clock itself.</summary>
    public TimeProvider Base { get; }

    /// <summary>The simulated time at <see cref="BaseOrigin"/>.</summary>
    public DateTimeOffset Origin { get; }

    /// <summary>The base clock's time when this clock started.</summary>
    public DateTimeOffset BaseOrigin { get; }

    /// <summary>This clock, for APIs that take a <see cref="TimeProvider"/>.</summary>
    public TimeProvider Time => this;

    /// <summary>Simulated now.</summary>
    public DateTimeOffset Now => GetUtcNow();

    /// <inheritdoc />
    public override long TimestampFrequency => Base.TimestampFrequency;

    /// <summary>True once <paramref name="simulated"/> has passed since <paramref name="since"/> (a simulated instant).</summary>
    public bool Elapsed(DateTimeOffset since, TimeSpan simulated) => Now - since >= simulated;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() =>
        Origin + TimeSpan.FromTicks((long)((Base.GetUtcNow() - BaseOrigin).Ticks * Scale));

    /// <inheritdoc />
    /// <remarks>Counted from this clock's start, so that scaling cannot overflow; elapsed times are simulated.</remarks>
    public override long GetTimestamp() => (long)((Base.GetTimestamp() - _baseOriginTimestamp) * Scale);

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new ScaledTimer(Base.CreateTimer(callback, state, ToBase(dueTime), ToBase(period)), this);
    }

    /// <summary>The base time a simulated duration takes: rounded up, so that a timer never fires before its simulated
    /// due time; infinite stays infinite.</summary>
    internal TimeSpan ToBase(TimeSpan simulated) =>
        simulated == Timeout.InfiniteTimeSpan || simulated <= TimeSpan.Zero ? simulated : TimeSpan.FromTicks((long)Math.Ceiling(simulated.Ticks / Scale));

    /// <summary>A base timer whose <see cref="Change"/> takes simulated durations.</summary>
    private sealed class ScaledTimer(ITimer inner, SimClock clock) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(clock.ToBase(dueTime), clock.ToBase(period));

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
