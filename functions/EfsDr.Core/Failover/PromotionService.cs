using System.Globalization;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;

namespace EfsDr.Core.Failover;

/// <summary>
/// PromoteReplica and CheckPromotion: delete the replication from the DR region, then wait until EFS made the replica
/// writable, checking sparsely until near the expected end and then watching closely (<see cref="PollSchedule"/>).
/// </summary>
/// <param name="fileSystems">EFS file systems.</param>
/// <param name="replications">EFS replications.</param>
/// <param name="time">The clock.</param>
/// <param name="parameters">Where the promotion history lives; null: no history (the default expectation).</param>
/// <param name="pause">How a check waits while it holds its invocation; null: a delay on <paramref name="time"/>.</param>
public sealed class PromotionService(IFileSystems fileSystems, IReplications replications, TimeProvider time, IParameters? parameters = null, Pause? pause = null)
{
    /// <summary>Consecutive answers without the replication needed before the deletion counts as finished (Terraform uses 2).</summary>
    public const int NotFoundConfirmations = 2;

    private readonly Pause _pause = pause ?? ((delay, token) => Task.Delay(delay, time, token));

    /// <summary>Marks the replica as being promoted, then asks EFS to delete the replication. Safe to run again.</summary>
    public async Task<PromotionState> PromoteAsync(FailoverState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var plan = Require(state);
        var started = await RequestDeletionAsync(state, plan, cancellationToken).ConfigureAwait(false);
        var expectation = parameters is null
            ? new PromotionExpectation(PollSchedule.DefaultExpectedPromotionSeconds, PromotionHistory.DefaultSource, null)
            : await new PromotionHistory(parameters, time).ExpectAsync(plan.FileSystemName, plan.TargetRegion, cancellationToken).ConfigureAwait(false);
        var elapsed = (time.GetUtcNow() - started.StartedAt).TotalSeconds;
        return started with
        {
            ExpectedSeconds = expectation.ExpectedSeconds,
            ExpectedFrom = expectation.Source,
            HistoryNote = expectation.Note,
            NextWaitSeconds = PollSchedule.PromotionWait(elapsed, expectation.ExpectedSeconds, false, plan.Budgets.PromotionSeconds, false),
        };
    }

    private async Task<PromotionState> RequestDeletionAsync(FailoverState state, FailoverPlan plan, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();

        // Tag first: if the run dies after the delete, a re-run still recognises this file system as EfsDr's own.
        await fileSystems.TagAsync(plan.TargetRegion, plan.FileSystemId, new Dictionary<string, string>
        {
            [EfsDrTags.Role] = EfsDrTags.Promoting,
            [EfsDrTags.Epoch] = plan.NextEpoch.ToString(CultureInfo.InvariantCulture),
            [EfsDrTags.Run] = plan.RunId,
            [EfsDrTags.PromotedFrom] = plan.SourceFileSystemId!,
        }, cancellationToken).ConfigureAwait(false);

        var mode = plan.LocalConfigurationOnly ? DeletionMode.LocalConfigurationOnly : DeletionMode.AllConfigurations;
        string? fallback = null;
        var status = ReplicaStatus.Requested;
        if (plan.ReplicationStatus is ReplicaStatus.Deleting or ReplicaStatus.Gone)
        {
            // A delete is already under way (or done) from an earlier run: asking again would only fail.
            return new PromotionState { StartedAt = state.Promotion?.StartedAt ?? now, DeletionMode = mode.WireName(), LastStatus = plan.ReplicationStatus.Value };
        }

        try
        {
            await replications.DeleteReplicationAsync(plan.TargetRegion, plan.SourceFileSystemId!, mode, cancellationToken).ConfigureAwait(false);
        }
        catch (NoReplicationException)
        {
            status = ReplicaStatus.Gone;
        }
        catch (CloudCallFailedException ex) when (mode == DeletionMode.AllConfigurations && ex is not CloudResourceNotFoundException && !string.Equals(plan.SourceRegion, plan.TargetRegion, StringComparison.Ordinal))
        {
            // The other region could not take part: delete only the local side, as EFS documents for that case.
            fallback = $"ALL_CONFIGURATIONS failed ({ex.Code}: {ex.Error.Message})";
            mode = DeletionMode.LocalConfigurationOnly;
            try
            {
                await replications.DeleteReplicationAsync(plan.TargetRegion, plan.SourceFileSystemId!, mode, cancellationToken).ConfigureAwait(false);
            }
            catch (NoReplicationException)
            {
                status = ReplicaStatus.Gone;
            }
        }

        return new PromotionState
        {
            StartedAt = state.Promotion?.StartedAt ?? now,
            DeletionMode = mode.WireName(),
            FallbackReason = fallback,
            LastStatus = status,
        };
    }

    /// <summary>
    /// One invocation of CheckPromotion: one check, or, near the expected end, a watch that checks every 2 s while the
    /// hold allows. Done after two consecutive answers without the replication (a second one is asked for 2 s after the
    /// first, inside the invocation when it may hold) and protection ENABLED. Sets the next wait.
    /// </summary>
    /// <exception cref="ReplicationFailedException">The replication is in ERROR or PAUSED.</exception>
    /// <exception cref="PromotionTimeoutException">The budget from the start of the promotion is spent and the last
    /// answer still showed the replication (an answer without it is always confirmed first).</exception>
    public Task<PromotionState> CheckAsync(FailoverState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        return CheckAsync(state.Plan, state.Promotion, cancellationToken);
    }

    /// <summary>CheckPromotion from only what it reads: the plan and the promotion's progress (the handler parses no more
    /// of the state than this; see <see cref="CheckAsync(FailoverState, CancellationToken)"/>).</summary>
    public async Task<PromotionState> CheckAsync(FailoverPlan plan, PromotionState? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        Require(plan);
        progress = progress ?? throw new InvalidOperationException("CheckPromotion needs the promotion state from PromoteReplica.");
        var startedAt = time.GetUtcNow();
        var expected = progress.ExpectedSeconds > 0 ? progress.ExpectedSeconds : PollSchedule.DefaultExpectedPromotionSeconds;
        var holdLeft = TimeSpan.FromSeconds(Math.Max(0, PollSchedule.PromotionHoldSeconds - progress.HeldSeconds));
        var holdUntil = PollSchedule.HoldUntil(startedAt, holdLeft);
        var watchUntil = WatchUntil(progress, expected, startedAt, holdUntil);
        progress = progress with { Watched = progress.Watched || watchUntil is not null || holdLeft.TotalSeconds < PollSchedule.WatchMinSeconds };

        while (true)
        {
            progress = await CheckOnceAsync(plan, progress, cancellationToken).ConfigureAwait(false);
            var next = time.GetUtcNow() + PollSchedule.HoldInterval;
            var confirm = Owed(progress) && holdUntil is { } h && next <= h;
            var watch = watchUntil is { } w && next <= w;
            if (progress.Done || !(confirm || watch))
            {
                break;
            }

            await _pause(PollSchedule.HoldInterval, cancellationToken).ConfigureAwait(false);
        }

        var now = time.GetUtcNow();
        progress = progress with { HeldSeconds = progress.HeldSeconds + (now - startedAt).TotalSeconds };
        if (progress.Done)
        {
            return await RecordAsync(plan, progress, cancellationToken).ConfigureAwait(false);
        }

        var elapsed = (now - progress.StartedAt).TotalSeconds;
        var pending = Owed(progress);
        if (elapsed >= plan.Budgets.PromotionSeconds && !pending)
        {
            throw new PromotionTimeoutException(
                $"{plan.FileSystemId} was not writable {elapsed / 60:0.#} min after the delete request (budget {plan.Budgets.PromotionSeconds / 60.0:0.#} min; last status {progress.StatusText()}).");
        }

        return progress with { NextWaitSeconds = PollSchedule.PromotionWait(elapsed, expected, progress.Watched, plan.Budgets.PromotionSeconds, pending, progress.ExpectedFrom is { } from && from != PromotionHistory.DefaultSource) };
    }

    /// <summary>True when the last answer had no replication and its confirming answer is still owed.</summary>
    private static bool Owed(PromotionState progress) => progress.NotFoundCount is > 0 and < NotFoundConfirmations;

    /// <summary>Until when this invocation watches: from <see cref="PollSchedule.WatchLeadSeconds"/> before the expected
    /// end, once per promotion, for at most <see cref="PollSchedule.WatchMaxSeconds"/> and the hold left; null: no watch.</summary>
    private static DateTimeOffset? WatchUntil(PromotionState progress, int expected, DateTimeOffset now, DateTimeOffset? holdUntil)
    {
        if (progress.Watched || holdUntil is not { } until || (now - progress.StartedAt).TotalSeconds < expected - PollSchedule.WatchLeadSeconds)
        {
            return null;
        }

        var byLength = now + TimeSpan.FromSeconds(PollSchedule.WatchMaxSeconds);
        var end = byLength < until ? byLength : until;
        return (end - now).TotalSeconds >= PollSchedule.WatchMinSeconds ? end : null;
    }

    /// <summary>One DescribeReplicationConfigurations; on a confirmed absence, the protection, and the primary tags.</summary>
    private async Task<PromotionState> CheckOnceAsync(FailoverPlan plan, PromotionState progress, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        progress = progress with { Checks = progress.Checks + 1 };

        // An empty answer: the file system takes part in no replication (any more).
        var all = await replications.DescribeReplicationsAsync(plan.TargetRegion, plan.FileSystemId, cancellationToken).ConfigureAwait(false);
        var configuration = all.FirstOrDefault(r => r.Destinations.Any(d => string.Equals(d.FileSystemId, plan.FileSystemId, StringComparison.Ordinal)));

        if (configuration is not null)
        {
            var destination = configuration.Destination;
            if (destination.Status is ReplicationStatus.Error or ReplicationStatus.Paused)
            {
                throw new ReplicationFailedException(
                    $"Replication of {configuration.SourceFileSystemId} to {destination.FileSystemId} is {destination.Status.ToString().ToUpperInvariant()}: {destination.StatusMessage ?? "no status message"}");
            }

            return progress with { NotFoundCount = 0, LastStatus = StateStatuses.From(destination.Status), Protection = null, LastSeenAt = now, GoneAt = null };
        }

        progress = progress with { NotFoundCount = progress.NotFoundCount + 1, LastStatus = ReplicaStatus.Gone, Protection = null, GoneAt = progress.GoneAt ?? now };
        if (progress.NotFoundCount < NotFoundConfirmations)
        {
            return progress;
        }

        var fs = await fileSystems.DescribeAsync(plan.TargetRegion, plan.FileSystemId, cancellationToken).ConfigureAwait(false);
        if (fs.Protection != OverwriteProtection.Enabled)
        {
            return progress with { Protection = fs.Protection.ToString().ToUpperInvariant() };
        }

        await fileSystems.TagAsync(plan.TargetRegion, plan.FileSystemId, new Dictionary<string, string>
        {
            [EfsDrTags.Role] = EfsDrTags.Primary,
            [EfsDrTags.Epoch] = plan.NextEpoch.ToString(CultureInfo.InvariantCulture),
            [EfsDrTags.PromotedAt] = now.ToString("O", CultureInfo.InvariantCulture),
        }, cancellationToken).ConfigureAwait(false);
        return progress with { Done = true, CompletedAt = now, LastStatus = ReplicaStatus.Writable, Protection = null, NextWaitSeconds = 0 };
    }

    /// <summary>Best effort: adds this promotion's duration to the history, for the next run's expectation. EFS finished
    /// between the last answer that showed the replication and the first that did not; the midpoint is recorded, not the
    /// confirmation's time, which a sparse check can put minutes late (the next run would then watch too late, after
    /// the end: measured on the drill, a 5-minute promotion recorded as 6:15 was noticed 34 s late the next time).</summary>
    private async Task<PromotionState> RecordAsync(FailoverPlan plan, PromotionState progress, CancellationToken cancellationToken)
    {
        if (parameters is null || progress.CompletedAt is not { } completed)
        {
            return progress;
        }

        var seconds = (int)Math.Round(FinishedAround(progress, completed).TotalSeconds);
        var note = await new PromotionHistory(parameters, time).RecordAsync(plan.FileSystemName, plan.TargetRegion, seconds, cancellationToken).ConfigureAwait(false);
        return note is null ? progress : progress with { HistoryNote = note };
    }

    /// <summary>The middle of the interval in which EFS finished, from the delete request.</summary>
    internal static TimeSpan FinishedAround(PromotionState progress, DateTimeOffset completed)
    {
        var after = progress.LastSeenAt ?? progress.StartedAt;
        var before = progress.GoneAt ?? completed;
        return after + ((before > after ? before - after : TimeSpan.Zero) / 2) - progress.StartedAt;
    }

    private static FailoverPlan Require(FailoverState state) => Require(state.Plan);

    private static FailoverPlan Require(FailoverPlan plan)
    {
        if (plan.Action != PlanAction.Promote || plan.SourceFileSystemId is null || plan.DryRun)
        {
            throw new InvalidOperationException($"The plan for {plan.RunId} does not promote (action {plan.Action}, dry run {plan.DryRun}).");
        }

        return plan;
    }
}
