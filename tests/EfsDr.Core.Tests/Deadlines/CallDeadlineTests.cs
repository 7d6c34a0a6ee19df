using EfsDr.Core.Deadlines;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Core.Tests.Deadlines;

/// <summary>The ambient call deadline: narrowing scopes that restore the previous value and flow with async code.</summary>
public sealed class CallDeadlineTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);

    [Fact]
    public void Current_NoScope_IsNullAndRemainingIsNull()
    {
        Assert.Null(CallDeadline.Current);
        Assert.Null(CallDeadline.Remaining(_time));
    }

    [Fact]
    public void Within_Budget_SetsNowPlusBudgetAndRestoresOnDispose()
    {
        using (CallDeadline.Within(_time, TimeSpan.FromSeconds(15)))
        {
            Assert.Equal(Start.AddSeconds(15), CallDeadline.Current);
            _time.Advance(TimeSpan.FromSeconds(4));
            Assert.Equal(TimeSpan.FromSeconds(11), CallDeadline.Remaining(_time));
        }

        Assert.Null(CallDeadline.Current);
    }

    [Fact]
    public void Until_LaterThanTheOuterDeadline_KeepsTheOuterOne()
    {
        using (CallDeadline.Until(Start.AddSeconds(10)))
        {
            using (CallDeadline.Within(_time, TimeSpan.FromSeconds(15)))
            {
                Assert.Equal(Start.AddSeconds(10), CallDeadline.Current);
            }

            using (CallDeadline.Until(Start.AddSeconds(3)))
            {
                Assert.Equal(Start.AddSeconds(3), CallDeadline.Current);
            }

            Assert.Equal(Start.AddSeconds(10), CallDeadline.Current);
        }
    }

    [Fact]
    public void Remaining_DeadlinePassed_IsZero()
    {
        using (CallDeadline.Within(_time, TimeSpan.FromSeconds(1)))
        {
            _time.Advance(TimeSpan.FromSeconds(5));

            Assert.Equal(TimeSpan.Zero, CallDeadline.Remaining(_time));
        }
    }

    [Fact]
    public void Dispose_Twice_RestoresOnlyOnce()
    {
        using (CallDeadline.Until(Start.AddSeconds(10)))
        {
            var inner = CallDeadline.Until(Start.AddSeconds(5));
            inner.Dispose();
            using (CallDeadline.Until(Start.AddSeconds(7)))
            {
                inner.Dispose();

                Assert.Equal(Start.AddSeconds(7), CallDeadline.Current);
            }
        }
    }

    [Fact]
    public async Task Current_AcrossAwaitAndIntoTasks_FlowsButDoesNotLeakOut()
    {
        DateTimeOffset? seenInTask;
        using (CallDeadline.Within(_time, TimeSpan.FromSeconds(15)))
        {
            await Task.Yield();
            seenInTask = await Task.Run(() => CallDeadline.Current, TestContext.Current.CancellationToken);
        }

        var seenElsewhere = await Task.Run(() => CallDeadline.Current, TestContext.Current.CancellationToken);

        Assert.Equal(Start.AddSeconds(15), seenInTask);
        Assert.Null(seenElsewhere);
    }

    [Fact]
    public void Within_HugeBudget_ClampsToTheLatestInstant()
    {
        using (CallDeadline.Within(_time, TimeSpan.MaxValue))
        {
            Assert.Equal(DateTimeOffset.MaxValue, CallDeadline.Current);
        }
    }

    [Fact]
    public void Within_NegativeBudget_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CallDeadline.Within(_time, TimeSpan.FromSeconds(-1)));
}
