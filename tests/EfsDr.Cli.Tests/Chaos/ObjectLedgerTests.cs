using EfsDr.Core.Failover;
using EfsDr.Drill.Chaos;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Cli.Tests.Chaos;

public sealed class ObjectLedgerTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    private static LedgerEntry Entry(string key, DateTimeOffset at, string text = "x") =>
        new("test", key, ObjectLedger.Sha256Of(text), at, "127.0.0.11");

    [Fact]
    public async Task Acknowledged_FromManyWritersAtOnceWhileRead_KeepsEveryEntry()
    {
        var ledger = new ObjectLedger();
        using var start = new Barrier(9);
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(() =>
        {
            start.SignalAndWait(TestContext.Current.CancellationToken);
            for (var i = 0; i < 2000; i++)
            {
                ledger.Acknowledged(Entry($"w{w}-{i}", Start.AddMilliseconds(i)));
                if (i % 500 == 0)
                {
                    ledger.AddLossWindow(new LossWindow($"run-{w}-{i}", Start, Start.AddSeconds(1)));
                }
            }
        }, TestContext.Current.CancellationToken)).ToList();
        var reader = Task.Run(() =>
        {
            start.SignalAndWait(TestContext.Current.CancellationToken);
            var seen = 0;
            while (writers.Any(w => !w.IsCompleted))
            {
                // Reading while writers add must neither throw nor see an entry twice.
                var entries = ledger.Entries;
                Assert.Equal(entries.Count, entries.Select(e => e.Key).Distinct(StringComparer.Ordinal).Count());
                Assert.True(entries.Count >= seen);
                seen = entries.Count;
                _ = ledger.Promised(null);
            }
        }, TestContext.Current.CancellationToken);

        await Task.WhenAll([.. writers, reader]);

        Assert.Equal(16000, ledger.Entries.Count);
        Assert.Equal(16000, ledger.Entries.Select(e => e.Key).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(32, ledger.LossWindows.Count);
    }

    [Fact]
    public void WindowOf_WritesAroundAReportedWindow_ClassifiesOnlyThoseInsideBothEndsIncluded()
    {
        var clock = new FakeTimeProvider(Start);
        var ledger = new ObjectLedger();
        var before = clock.GetUtcNow();
        clock.Advance(TimeSpan.FromSeconds(10));
        var from = clock.GetUtcNow();
        clock.Advance(TimeSpan.FromSeconds(5));
        var inside = clock.GetUtcNow();
        clock.Advance(TimeSpan.FromSeconds(5));
        var to = clock.GetUtcNow();
        clock.Advance(TimeSpan.FromTicks(1));
        var after = clock.GetUtcNow();
        ledger.AddLossWindow(new LossWindow("failover-1", from, to));

        Assert.Null(ledger.WindowOf(before));
        Assert.Equal("failover-1", ledger.WindowOf(from)?.RunId);
        Assert.Equal("failover-1", ledger.WindowOf(inside)?.RunId);
        Assert.Equal("failover-1", ledger.WindowOf(to)?.RunId);
        Assert.Null(ledger.WindowOf(after));
    }

    [Fact]
    public void WindowOf_NoWindowReported_IsNull()
    {
        var ledger = new ObjectLedger();
        ledger.Acknowledged(Entry("a", Start));

        Assert.Null(ledger.WindowOf(Start));
    }

    [Fact]
    public void WindowOf_TwoWindows_ReturnsTheOneContainingTheWrite()
    {
        var ledger = new ObjectLedger();
        ledger.AddLossWindow(new LossWindow("first", Start, Start.AddSeconds(10)));
        ledger.AddLossWindow(new LossWindow("second", Start.AddMinutes(5), Start.AddMinutes(6)));

        Assert.Equal("second", ledger.WindowOf(Start.AddMinutes(5).AddSeconds(30))?.RunId);
        Assert.Null(ledger.WindowOf(Start.AddMinutes(2)));
    }

    [Fact]
    public void AddLossWindow_EndingBeforeItStarts_Throws()
    {
        var ledger = new ObjectLedger();

        Assert.Throws<ArgumentException>(() => ledger.AddLossWindow(new LossWindow("bad", Start, Start.AddSeconds(-1))));
        Assert.Empty(ledger.LossWindows);
    }

    [Fact]
    public void Promised_CutoffBetweenWrites_KeepsOnlyWritesUpToTheCutoffIncluded()
    {
        var clock = new FakeTimeProvider(Start);
        var ledger = new ObjectLedger();
        ledger.Acknowledged(Entry("early", clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromSeconds(1));
        var cutoff = clock.GetUtcNow();
        ledger.Acknowledged(Entry("at-cutoff", cutoff));
        clock.Advance(TimeSpan.FromSeconds(1));
        ledger.Acknowledged(Entry("late", clock.GetUtcNow()));

        Assert.Equal(["early", "at-cutoff"], ledger.Promised(cutoff).Select(e => e.Key));
        Assert.Equal(["early", "at-cutoff", "late"], ledger.Promised(null).Select(e => e.Key));
    }

    [Fact]
    public void Promised_KeyRewritten_KeepsOnlyTheLatestWrite()
    {
        var ledger = new ObjectLedger();
        ledger.Acknowledged(Entry("k", Start, "one"));
        ledger.Acknowledged(Entry("k", Start.AddSeconds(1), "two"));

        var promised = Assert.Single(ledger.Promised(null));
        Assert.Equal(ObjectLedger.Sha256Of("two"), promised.Sha256);
    }

    [Fact]
    public void Promised_KeyRewrittenAfterTheCutoff_LeavesItOut()
    {
        var ledger = new ObjectLedger();
        ledger.Acknowledged(Entry("k", Start, "one"));
        ledger.Acknowledged(Entry("k", Start.AddSeconds(10), "two"));

        Assert.Empty(ledger.Promised(Start.AddSeconds(5)));
    }

    [Fact]
    public void Sha256Of_Abc_IsTheKnownDigest()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ObjectLedger.Sha256Of("abc"));
    }
}
