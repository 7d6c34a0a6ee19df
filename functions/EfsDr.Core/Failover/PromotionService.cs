using System.Globalization;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;

namespace EfsDr.Core.Failover;

/// <summary>PromoteReplica and CheckPromotion: delete the replication from the DR region, then wait until EFS made the replica writable.</summary>
public sealed class PromotionService(IFileSystems fileSystems, IReplications replications, TimeProvider time)
{
    /// <summary>Consecutive answers without the replication needed before the deletion counts as finished (Terraform uses 2).</summary>
    public const int NotFoundConfirmations = 2;

    /// <summary>Marks the replica as being promoted, then asks EFS to delete the replication. Safe to run again.</summary>
    public async Task<PromotionState> PromoteAsync(FailoverState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var plan = Require(state);
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

    /// <summary>One check of the promotion; done after two consecutive answers without the replication and protection ENABLED.</summary>
    /// <exception cref="ReplicationFailedException">The replication is in ERROR or PAUSED.</exception>
    /// <exception cref="PromotionTimeoutException">The budget from the start of the promotion is spent.</exception>
    public async Task<PromotionState> CheckAsync(FailoverState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var plan = Require(state);
        var progress = state.Promotion ?? throw new InvalidOperationException("CheckPromotion needs the promotion state from PromoteReplica.");
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

            progress = progress with { NotFoundCount = 0, LastStatus = StateStatuses.From(destination.Status), Protection = null };
        }
        else
        {
            progress = progress with { NotFoundCount = progress.NotFoundCount + 1, LastStatus = ReplicaStatus.Gone, Protection = null };
            if (progress.NotFoundCount >= NotFoundConfirmations)
            {
                var fs = await fileSystems.DescribeAsync(plan.TargetRegion, plan.FileSystemId, cancellationToken).ConfigureAwait(false);
                if (fs.Protection == OverwriteProtection.Enabled)
                {
                    await fileSystems.TagAsync(plan.TargetRegion, plan.FileSystemId, new Dictionary<string, string>
                    {
                        [EfsDrTags.Role] = EfsDrTags.Primary,
                        [EfsDrTags.Epoch] = plan.NextEpoch.ToString(CultureInfo.InvariantCulture),
                        [EfsDrTags.PromotedAt] = now.ToString("O", CultureInfo.InvariantCulture),
                    }, cancellationToken).ConfigureAwait(false);
                    return progress with { Done = true, CompletedAt = now, LastStatus = ReplicaStatus.Writable, Protection = null };
                }

                progress = progress with { Protection = fs.Protection.ToString().ToUpperInvariant() };
            }
        }

        var elapsed = now - progress.StartedAt;
        if (elapsed.TotalSeconds > plan.Budgets.PromotionSeconds)
        {
            throw new PromotionTimeoutException(
                $"{plan.FileSystemId} was not writable {elapsed.TotalMinutes:0.#} min after the delete request (budget {plan.Budgets.PromotionSeconds / 60.0:0.#} min; last status {progress.StatusText()}).");
        }

        return progress;
    }

    private static FailoverPlan Require(FailoverState state)
    {
        var plan = state.Plan;
        if (plan.Action != PlanAction.Promote || plan.SourceFileSystemId is null || plan.DryRun)
        {
            throw new InvalidOperationException($"The plan for {plan.RunId} does not promote (action {plan.Action}, dry run {plan.DryRun}).");
        }

        return plan;
    }
}
