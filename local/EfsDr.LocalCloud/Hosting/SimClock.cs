namespace EfsDr.LocalCloud.Hosting;

/// <summary>Real time, with simulated durations shortened by the time scale. Timestamps stay real.</summary>
public sealed class SimClock(TimeProvider time, double scale)
{
    /// <summary>The real clock.</summary>
    public TimeProvider Time { get; } = time;

    /// <summary>Simulated seconds per real second.</summary>
    public double Scale { get; } = scale <= 0 ? throw new ArgumentOutOfRangeException(nameof(scale), "scale must be positive") : scale;

    /// <summary>Now.</summary>
    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>The real time a simulated duration takes.</summary>
    public TimeSpan Real(TimeSpan simulated) => TimeSpan.FromTicks((long)(simulated.Ticks / Scale));

    /// <summary>True once <paramref name="simulated"/> has passed (in real time, scaled) since <paramref name="since"/>.</summary>
    public bool Elapsed(DateTimeOffset since, TimeSpan simulated) => Now - since >= Real(simulated);
}
