namespace EfsDr.LocalCloud.Tests.Support;

/// <summary>Waits for simulated time by polling with a real-time deadline (never a fixed sleep).</summary>
public static class Eventually
{
    /// <summary>The default deadline.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>Polls <paramref name="condition"/> every 25 ms until it holds; fails the test with <paramref name="what"/> at the deadline.</summary>
    public static async Task True(Func<Task<bool>> condition, string what, TimeSpan? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var until = DateTime.UtcNow + (deadline ?? Deadline);
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"Timed out after {(deadline ?? Deadline).TotalSeconds} s waiting until {what}.");
            }

            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Polls until <paramref name="read"/> returns a value that satisfies <paramref name="accept"/>; returns it.</summary>
    public static async Task<T> Value<T>(Func<Task<T>> read, Func<T, bool> accept, string what, TimeSpan? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(accept);
        T value = default!;
        await True(async () => accept(value = await read()), what, deadline);
        return value;
    }
}
