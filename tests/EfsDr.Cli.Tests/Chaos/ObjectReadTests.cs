using EfsDr.Drill.Chaos;

namespace EfsDr.Cli.Tests.Chaos;

/// <summary>How the objects-readable invariant reads the ledger's objects at the record's address.</summary>
public sealed class ObjectReadTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 3, 16, 0, 0, TimeSpan.Zero);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReadAllAsync_FirstObjectTornButTheAddressAnswers_ReadsTheOthersAndReportsOnlyTheFirst()
    {
        // The CI run of 198fab4: the first object to read (inside a data-loss window) was torn and unreadable, the address
        // answered, and the old shortcut counted the next four (outside any window) as lost without reading them.
        var entries = Entries(5);
        var read = new List<string>();

        var problems = await ChaosInvariants.ReadAllAsync(
            (e, _) =>
            {
                lock (read)
                {
                    read.Add(e.Key);
                }

                return Task.FromResult(e.Key == "k0" ? $"{ChaosInvariants.Unreadable} after 3 attempts: ArgumentOutOfRangeException" : null);
            },
            _ => Task.FromResult(true),
            "127.0.0.13",
            entries,
            Token);

        var only = Assert.Single(problems);
        Assert.Equal("k0", only.Entry.Key);
        Assert.Equal(["k0", "k1", "k2", "k3", "k4"], read.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ReadAllAsync_FirstUnreadableAndTheAddressDoesNotAnswer_TheRestNotTriedAndReportedSo()
    {
        var entries = Entries(4);
        var reads = 0;

        var problems = await ChaosInvariants.ReadAllAsync(
            (_, _) =>
            {
                Interlocked.Increment(ref reads);
                return Task.FromResult<string?>($"{ChaosInvariants.Unreadable} after 3 attempts: HttpRequestException");
            },
            _ => Task.FromResult(false),
            "127.0.0.13",
            entries,
            Token);

        Assert.Equal(1, reads);
        Assert.Equal(4, problems.Count);
        Assert.All(problems.Skip(1), p => Assert.Equal($"{ChaosInvariants.Unreadable} (not tried: 127.0.0.13 did not answer the first read)", p.Problem));
    }

    private static List<LedgerEntry> Entries(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new LedgerEntry("chaos", $"k{i}", ObjectLedger.Sha256Of($"content {i}"), At.AddSeconds(i), "127.0.0.13"))];
}
