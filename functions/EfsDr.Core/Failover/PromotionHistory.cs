using System.Globalization;
using System.Text.Json;
using EfsDr.Core.Deadlines;
using EfsDr.Core.Locking;
using EfsDr.Core.Ports;

namespace EfsDr.Core.Failover;

/// <summary>The stored durations of a file system's recent promotions (the parameter's JSON).</summary>
public sealed record PromotionHistoryRecord
{
    /// <summary>Seconds from the delete request to writable, oldest first, at most <see cref="PromotionHistory.Kept"/>.</summary>
    public IReadOnlyList<int> Seconds { get; set; } = [];

    /// <summary>When the last one was added.</summary>
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>What the history says about the next promotion.</summary>
/// <param name="ExpectedSeconds">The expected promotion, in seconds.</param>
/// <param name="Source">"history (n promotions)" or "default", for people.</param>
/// <param name="Note">Why the history could not be read, when it could not; null otherwise.</param>
public sealed record PromotionExpectation(int ExpectedSeconds, string Source, string? Note);

/// <summary>
/// The durations of a file system's recent promotions, kept in one SSM parameter of the target region
/// (<c>/efsdr/promotion-history/&lt;file system key&gt;/&lt;region&gt;</c>): durable, free at this size, and read once per
/// promotion. Best effort both ways: a history that cannot be read means the default expectation; one that cannot be
/// written is noted in the state; neither fails the run.
/// </summary>
public sealed class PromotionHistory(IParameters parameters, TimeProvider time)
{
    /// <summary>The <see cref="PromotionExpectation.Source"/> of an expectation that no history backs.</summary>
    public const string DefaultSource = "default";

    /// <summary>The root of every history parameter.</summary>
    public const string Root = "/efsdr/promotion-history";

    /// <summary>How many durations are kept.</summary>
    public const int Kept = 10;

    /// <summary>The most a read or a write of the history may take: it must never eat the invocation's time.</summary>
    public static readonly TimeSpan CallBudget = TimeSpan.FromSeconds(5);

    /// <summary>The parameter of <paramref name="fileSystemName"/>'s promotions in <paramref name="region"/>.</summary>
    public static string NameOf(string fileSystemName, string region) => $"{Root}/{RunLockService.KeyOf(fileSystemName)}/{region}";

    /// <summary>
    /// The expectation for a promotion of <paramref name="fileSystemName"/> in <paramref name="region"/>: the most recent
    /// duration (EFS's deletion time depends on the file system and the region pair, which change slowly, so the last one
    /// is the best single guess; the watch's lead and length cover the spread), or
    /// <see cref="PollSchedule.DefaultExpectedPromotionSeconds"/> without history.
    /// </summary>
    public async Task<PromotionExpectation> ExpectAsync(string fileSystemName, string region, CancellationToken cancellationToken)
    {
        var (record, note) = await ReadAsync(fileSystemName, region, cancellationToken).ConfigureAwait(false);
        return record.Seconds.Count == 0
            ? new PromotionExpectation(PollSchedule.DefaultExpectedPromotionSeconds, DefaultSource, note)
            : new PromotionExpectation(record.Seconds[^1], string.Create(CultureInfo.InvariantCulture, $"history ({record.Seconds.Count} promotions)"), null);
    }

    /// <summary>Adds <paramref name="seconds"/> to the history. Returns null when written, else why not.</summary>
    public async Task<string?> RecordAsync(string fileSystemName, string region, int seconds, CancellationToken cancellationToken)
    {
        var (record, _) = await ReadAsync(fileSystemName, region, cancellationToken).ConfigureAwait(false);
        var kept = record.Seconds.Append(Math.Max(1, seconds)).TakeLast(Kept).ToList();
        var value = JsonSerializer.Serialize(new PromotionHistoryRecord { Seconds = kept, UpdatedAt = time.GetUtcNow() }, StateJsonContext.Default.PromotionHistoryRecord);
        try
        {
            using (CallDeadline.Within(time, CallBudget))
            {
                await parameters.PutAsync(region, NameOf(fileSystemName, region), value, cancellationToken).ConfigureAwait(false);
            }

            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return $"promotion history not written ({ex.GetType().Name}): {ex.Message}";
        }
    }

    private async Task<(PromotionHistoryRecord Record, string? Note)> ReadAsync(string fileSystemName, string region, CancellationToken cancellationToken)
    {
        try
        {
            string value;
            using (CallDeadline.Within(time, CallBudget))
            {
                value = await parameters.GetAsync(region, NameOf(fileSystemName, region), cancellationToken).ConfigureAwait(false);
            }

            var record = JsonSerializer.Deserialize(value, StateJsonContext.Default.PromotionHistoryRecord) ?? new PromotionHistoryRecord();
            return (record with { Seconds = [.. (record.Seconds ?? []).Where(s => s > 0)] }, null);
        }
        catch (Exceptions.StoredParameterNotFoundException)
        {
            return (new PromotionHistoryRecord(), null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return (new PromotionHistoryRecord(), $"promotion history not read ({ex.GetType().Name}): {ex.Message}");
        }
    }
}
