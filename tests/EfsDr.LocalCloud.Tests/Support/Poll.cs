namespace EfsDr.LocalCloud.Tests.Support;

/// <summary>Waiting on real time with a deadline instead of fixed sleeps.</summary>
public static class Poll
{
    /// <summary>Polls <paramref name="probe"/> every 25 ms until it returns a value or <paramref name="timeout"/> passes.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(probe);
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                throw new TimeoutException($"{what}: not within {timeout.TotalSeconds} s");
            }

            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Polls a condition every 25 ms until it holds or <paramref name="timeout"/> passes; true when it held.</summary>
    public static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (!condition())
        {
            if (DateTimeOffset.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(25, TestContext.Current.CancellationToken);
        }

        return true;
    }
}
