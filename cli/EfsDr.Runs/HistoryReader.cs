using EfsDr.Core.Model;
using EfsDr.Core.Paging;
using EfsDr.Core.Ports;

namespace EfsDr.Runs;

/// <summary>
/// One execution's history, read incrementally. The first read takes every page, oldest first; each later read asks for
/// the newest events (GetExecutionHistory with reverseOrder and a small maxResults) and pages back only until it meets an
/// event it already holds, so a poll costs one call unless more events arrived than fit one page. The whole history is
/// never read twice. Event ids are "numbered sequentially, starting at one" (botocore stepfunctions service-2.json,
/// HistoryEvent.id): the new events are complete when their ids run on from the last one held without a gap.
/// </summary>
public sealed class HistoryReader(IExecutions executions, string executionArn)
{
    /// <summary>The smallest page a later read asks for.</summary>
    public const int MinPageSize = 50;

    /// <summary>The largest page GetExecutionHistory allows.</summary>
    public const int MaxPageSize = 1000;

    private static readonly HashSet<string> EndEvents = new(StringComparer.Ordinal) { "ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted" };

    private readonly List<HistoryEvent> _events = [];
    private bool _read;

    /// <summary>Every event read so far, oldest first.</summary>
    public IReadOnlyList<HistoryEvent> Events => _events;

    /// <summary>True once the history holds the execution's end (succeeded, failed, timed out or aborted).</summary>
    public bool Ended { get; private set; }

    /// <summary>The page size of the next later read: twice what the last read brought plus <see cref="MinPageSize"/>, so
    /// that a busy execution (or a burst of events) still costs one call a poll and a quiet one transfers little.</summary>
    public int PageSize { get; private set; } = MinPageSize;

    /// <summary>GetExecutionHistory calls made so far.</summary>
    public int Calls { get; private set; }

    /// <summary>True for the event that ends an execution.</summary>
    public static bool IsEnd(HistoryEvent e) => EndEvents.Contains(e?.Type ?? string.Empty);

    /// <summary>Reads what is new since the last read (everything, the first time); returns it, oldest first.</summary>
    public async Task<IReadOnlyList<HistoryEvent>> ReadNewAsync(CancellationToken cancellationToken)
    {
        var fresh = _read ? await NewerAsync(cancellationToken).ConfigureAwait(false) : await AllAsync(cancellationToken).ConfigureAwait(false);
        _read = true;
        _events.AddRange(fresh);
        Ended |= fresh.Any(IsEnd);
        PageSize = Math.Min((2 * fresh.Count) + MinPageSize, MaxPageSize);
        return fresh;
    }

    private async Task<List<HistoryEvent>> AllAsync(CancellationToken cancellationToken)
    {
        var all = new List<HistoryEvent>();
        var pages = new PageMarkers("states", "GetExecutionHistory");
        string? token = null;
        do
        {
            Calls++;
            var page = await executions.GetHistoryPageAsync(executionArn, token, cancellationToken).ConfigureAwait(false);
            all.AddRange(page.Items);
            token = pages.After(page.NextToken);
        }
        while (token is not null);

        return all;
    }

    /// <summary>The events after the last one held, newest pages first, until the pages reach an event already held and
    /// the new ids have no gap (or the history has no more pages).</summary>
    private async Task<List<HistoryEvent>> NewerAsync(CancellationToken cancellationToken)
    {
        var last = _events.Count == 0 ? 0 : _events[^1].Id;
        var fresh = new Dictionary<long, HistoryEvent>();
        var pages = new PageMarkers("states", "GetExecutionHistory");
        var size = PageSize;
        string? token = null;
        do
        {
            Calls++;
            var page = await executions.GetLatestHistoryPageAsync(executionArn, size, token, cancellationToken).ConfigureAwait(false);
            foreach (var e in page.Items.Where(e => e.Id > last))
            {
                fresh.TryAdd(e.Id, e);
            }

            if (page.Items.Any(e => e.Id <= last) && fresh.Count == (fresh.Count == 0 ? 0 : fresh.Keys.Max() - last))
            {
                break;
            }

            token = pages.After(page.NextToken);
        }
        while (token is not null);

        return [.. fresh.Values.OrderBy(e => e.Id)];
    }
}
