using System.Diagnostics;

namespace EfsDr.Aws.Tests.Support;

/// <summary>Polls a condition with a deadline (no fixed sleeps): for continuations that run after a fake clock advanced.</summary>
public static class Eventually
{
    /// <summary>Waits until <paramref name="condition"/> holds, or fails after <paramref name="seconds"/> of real time.</summary>
    public static async Task TrueAsync(Func<bool> condition, string what, double seconds = 10)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed.TotalSeconds > seconds)
            {
                Assert.Fail($"Not true within {seconds} s: {what}");
            }

            await Task.Yield();
        }
    }
}
