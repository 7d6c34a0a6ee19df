using EfsDr.Core.Deadlines;

namespace EfsDr.Core.Failover;

/// <summary>How a check waits inside its invocation between two checks (a delay on the function's clock in production; tests advance a fake clock).</summary>
/// <param name="delay">How long.</param>
/// <param name="cancellationToken">Ends the pause early.</param>
public delegate Task Pause(TimeSpan delay, CancellationToken cancellationToken);

/// <summary>
/// How the failover's wait loops (promotion, node command, DNS) space their checks: sparse while nothing can be expected,
/// dense near the expected end. The Wait states read the next wait the check computed (<c>$.promotion.nextWaitSeconds</c>,
/// <c>$.node.nextWaitSeconds</c>, <c>$.dns.nextWaitSeconds</c>), so a long wait costs neither compute nor many transitions;
/// a check may also hold its invocation for a few seconds ("watch") where the end is near, bounded per invocation by the
/// Lambda's call deadline and per failover by the hold budgets below (together under 3 minutes of compute).
/// </summary>
public static class PollSchedule
{
    /// <summary>The expected promotion when this file system has no history: EFS documents no bound ("can take several
    /// minutes", delete-replications.html); the seed measured 10–15 minutes, so watching from about 10 minutes is the
    /// earliest useful guess and a shorter promotion is still seen by the sparse checks before it.</summary>
    public const int DefaultExpectedPromotionSeconds = 600;

    /// <summary>The watch starts this long before the expected end (the spread of a file system's promotions).</summary>
    public const int WatchLeadSeconds = 45;

    /// <summary>The longest watch one invocation holds: with <see cref="CheckAllowance"/> inside the 108 s the calls of a
    /// 120 s check function have.</summary>
    public const int WatchMaxSeconds = 95;

    /// <summary>A watch shorter than this is not started: too little of the likely window is left to cover.</summary>
    public const int WatchMinSeconds = 20;

    /// <summary>Between checks while an invocation holds (a watch, a confirmation, a node or DNS hold).</summary>
    public static readonly TimeSpan HoldInterval = TimeSpan.FromSeconds(2);

    /// <summary>Kept after the last check of a hold before the invocation's call deadline: time for that check's calls.</summary>
    public static readonly TimeSpan CheckAllowance = TimeSpan.FromSeconds(10);

    /// <summary>The shortest wait of the sparse approach to the watch: below twice this the wait goes to the watch start at once.</summary>
    public const int MinApproachWaitSeconds = 30;

    /// <summary>The approach waits at most this share of the time since the delete request …</summary>
    public const double ApproachShare = 0.25;

    /// <summary>… or this many seconds, whichever is longer: a promotion shorter than expected is seen within that.</summary>
    public const int MaxApproachWaitSeconds = 180;

    /// <summary>Past the expected end (after the watch): the wait is this share of the time since the delete request …</summary>
    public const double OverdueShare = 0.125;

    /// <summary>… but at least this many seconds …</summary>
    public const int MinOverdueWaitSeconds = 15;

    /// <summary>… and at most this many.</summary>
    public const int MaxOverdueWaitSeconds = 300;

    /// <summary>Past an expected end that came from this file system's history, the wait is at most this many seconds while
    /// the promotion is still near that end (<see cref="HistoryNearSeconds"/>): a history is the middle of an interval as
    /// wide as the previous run's checks were apart, so a promotion can end a few minutes after the watch, and checking
    /// every <see cref="MaxOverdueWaitSeconds"/> would notice it minutes late. The run then records a tight interval, so the
    /// next watch covers the end.</summary>
    public const int HistoryOverdueWaitSeconds = 60;

    /// <summary>How long past an expected end from history the checks stay at <see cref="HistoryOverdueWaitSeconds"/>: a
    /// quarter of the expected promotion, at least <see cref="MaxOverdueWaitSeconds"/>; later, the promotion is far
    /// from its history and the waits grow again.</summary>
    public static int HistoryNearSeconds(int expected) => (int)Math.Max(MaxOverdueWaitSeconds, expected * ApproachShare);

    /// <summary>The most compute the promotion checks may hold in one failover (one full watch and confirmations).</summary>
    public const int PromotionHoldSeconds = 110;

    /// <summary>The most compute the node-command checks may hold in one failover.</summary>
    public const int NodeHoldSeconds = 20;

    /// <summary>The most compute the DNS checks may hold in one failover (Route 53 changes "generally propagate … within 60 seconds").</summary>
    public const int DnsHoldSeconds = 30;

    /// <summary>The most one node or DNS check holds its invocation.</summary>
    public const int LoopHoldPerCheckSeconds = 10;

    /// <summary>The first wait of the node and DNS loops: the node script and a Route 53 change take seconds at best.</summary>
    public const int FirstLoopWaitSeconds = 3;

    /// <summary>The budget of compute held by the whole failover's wait loops; the other invocations each take about a second.</summary>
    public const int FailoverHoldSeconds = PromotionHoldSeconds + NodeHoldSeconds + DnsHoldSeconds;

    /// <summary>The next wait of the promotion loop.</summary>
    /// <param name="elapsed">Seconds since the delete request.</param>
    /// <param name="expected">The expected promotion, in seconds.</param>
    /// <param name="watchTaken">True once the watch ran, or can no longer run (hold budget spent).</param>
    /// <param name="budget">budgets.promotionSeconds: no wait ends past it, so a check happens at the budget.</param>
    /// <param name="pendingConfirmation">The last answer had no replication: confirm it soon.</param>
    /// <param name="expectedFromHistory">True when <paramref name="expected"/> came from this file system's history.</param>
    public static int PromotionWait(double elapsed, int expected, bool watchTaken, int budget, bool pendingConfirmation, bool expectedFromHistory = false)
    {
        double wait;
        if (pendingConfirmation)
        {
            wait = HoldInterval.TotalSeconds;
        }
        else if (!watchTaken && elapsed < expected - WatchLeadSeconds)
        {
            // Halve the gap to the watch start, never waiting longer than a quarter of the time so far (at least 3 min):
            // a promotion shorter than expected is still seen soon after it ends.
            var gap = expected - WatchLeadSeconds - elapsed;
            wait = gap <= 2 * MinApproachWaitSeconds ? gap : Math.Min(gap / 2, Math.Max(MaxApproachWaitSeconds, elapsed * ApproachShare));
        }
        else
        {
            var near = expectedFromHistory && elapsed < expected + HistoryNearSeconds(expected);
            wait = Math.Clamp(elapsed * OverdueShare, MinOverdueWaitSeconds, near ? HistoryOverdueWaitSeconds : MaxOverdueWaitSeconds);
        }

        if (!pendingConfirmation && elapsed < budget)
        {
            wait = Math.Min(wait, budget - elapsed);
        }

        return Seconds(wait);
    }

    /// <summary>The next wait of the node or DNS loop: half the time since it started, from
    /// <see cref="FirstLoopWaitSeconds"/> up to the configured poll interval.</summary>
    public static int LoopWait(double elapsed, int poll) =>
        Seconds(Math.Min(Math.Max(poll, 1), Math.Max(FirstLoopWaitSeconds, elapsed / 2)));

    /// <summary>The first wait of the node and DNS loops, never longer than the configured poll interval.</summary>
    public static int FirstLoopWait(int poll) => Math.Clamp(FirstLoopWaitSeconds, 1, Math.Max(poll, 1));

    /// <summary>
    /// Until when an invocation that started at <paramref name="startedAt"/> may hold for at most <paramref name="hold"/>:
    /// never past its calls' deadline less <see cref="CheckAllowance"/>. Null outside a Lambda invocation (no call
    /// deadline), where a check never holds.
    /// </summary>
    public static DateTimeOffset? HoldUntil(DateTimeOffset startedAt, TimeSpan hold)
    {
        if (CallDeadline.Current is not { } deadline || hold <= TimeSpan.Zero)
        {
            return null;
        }

        var byDeadline = deadline - CheckAllowance;
        var byHold = startedAt + hold;
        return byHold < byDeadline ? byHold : byDeadline;
    }

    /// <summary>A wait the Wait state accepts: whole seconds, at least 1.</summary>
    private static int Seconds(double seconds) => (int)Math.Clamp(Math.Ceiling(seconds), 1, int.MaxValue);
}
