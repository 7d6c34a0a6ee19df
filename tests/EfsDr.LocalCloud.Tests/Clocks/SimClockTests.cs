using EfsDr.LocalCloud.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.LocalCloud.Tests.Clocks;

/// <summary>The local cloud's simulated clock on a fake base clock: it reads scale × the base's elapsed time, and its
/// timers fire after their simulated due time ÷ the scale of base time, never before.</summary>
public sealed class SimClockTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 8, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _base = new(Start);

    [Fact]
    public void GetUtcNow_BaseAdvancesOneSecond_IsSixtySecondsLaterAtScaleSixty()
    {
        var clock = new SimClock(_base, 60);

        var atStart = clock.GetUtcNow();
        _base.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(Start, atStart);
        Assert.Equal(Start.AddMinutes(1), clock.GetUtcNow());
        Assert.Equal(Start.AddMinutes(1), clock.Now);
        Assert.Equal((Start, Start, 60.0), (clock.Origin, clock.BaseOrigin, clock.Scale));
    }

    [Fact]
    public void GetElapsedTime_BaseAdvancesHalfASecond_IsTheSimulatedDuration()
    {
        var clock = new SimClock(_base, 600);
        var from = clock.GetTimestamp();

        _base.Advance(TimeSpan.FromMilliseconds(500));

        Assert.Equal(TimeSpan.FromMinutes(5), clock.GetElapsedTime(from));
    }

    [Fact]
    public void CreateTimer_TenSimulatedMinutesAtScaleSixty_FiresAfterTenBaseSecondsAndNotBefore()
    {
        var clock = new SimClock(_base, 60);
        var fired = 0;
        using var timer = clock.CreateTimer(_ => Interlocked.Increment(ref fired), null, TimeSpan.FromMinutes(10), Timeout.InfiniteTimeSpan);

        _base.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        var before = Volatile.Read(ref fired);
        _base.Advance(TimeSpan.FromTicks(1));

        Assert.Equal(0, before);
        Assert.Equal(1, Volatile.Read(ref fired));
        Assert.True(clock.GetUtcNow() >= Start.AddMinutes(10));
    }

    [Fact]
    public void CreateTimer_PeriodAndChange_AreSimulatedDurations()
    {
        var clock = new SimClock(_base, 60);
        var fired = 0;
        using var timer = clock.CreateTimer(_ => Interlocked.Increment(ref fired), null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

        _base.Advance(TimeSpan.FromSeconds(3));
        var periodic = Volatile.Read(ref fired);
        timer.Change(TimeSpan.FromMinutes(30), Timeout.InfiniteTimeSpan);
        _base.Advance(TimeSpan.FromSeconds(29));
        var changedEarly = Volatile.Read(ref fired);
        _base.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(3, periodic);
        Assert.Equal(3, changedEarly);
        Assert.Equal(4, Volatile.Read(ref fired));
    }

    [Fact]
    public async Task Delay_TwoSimulatedMinutesAtScaleSixHundred_CompletesAfterTwoHundredBaseMilliseconds()
    {
        var clock = new SimClock(_base, 600);
        var delay = Task.Delay(TimeSpan.FromMinutes(2), clock, TestContext.Current.CancellationToken);

        _base.Advance(TimeSpan.FromMilliseconds(199));
        var early = delay.IsCompleted;
        _base.Advance(TimeSpan.FromMilliseconds(1));
        await delay.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.False(early);
        Assert.True(delay.IsCompletedSuccessfully);
    }

    [Fact]
    public void CancellationTokenSource_OnTheClock_CancelsAfterTheSimulatedDelay()
    {
        var clock = new SimClock(_base, 60);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120), clock);

        _base.Advance(TimeSpan.FromSeconds(1.9));
        var early = timeout.IsCancellationRequested;
        _base.Advance(TimeSpan.FromSeconds(0.1));

        Assert.False(early);
        Assert.True(timeout.IsCancellationRequested);
    }

    [Fact]
    public void Elapsed_SimulatedDuration_ComparesSimulatedInstants()
    {
        var clock = new SimClock(_base, 60);
        var since = clock.Now;

        _base.Advance(TimeSpan.FromSeconds(11));
        var after11 = clock.Elapsed(since, TimeSpan.FromMinutes(12));
        _base.Advance(TimeSpan.FromSeconds(1));

        Assert.False(after11);
        Assert.True(clock.Elapsed(since, TimeSpan.FromMinutes(12)));
    }

    [Fact]
    public void Constructor_ScaleNotPositive_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimClock(_base, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimClock(_base, double.NaN));
    }
}
