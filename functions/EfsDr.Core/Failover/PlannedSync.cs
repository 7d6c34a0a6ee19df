using System.Globalization;
using EfsDr.Core.Deadlines;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;

namespace EfsDr.Core.Failover;

/// <summary>Progress of a planned failover's sync (DeactivateSource, then CheckSync).</summary>
public sealed record SyncState
{
    /// <summary>When the deactivate commands were sent.</summary>
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>The deactivate command of each node of the source region.</summary>
    public IReadOnlyList<NodeDeactivation> Nodes { get; set; } = [];

    /// <summary>T: the first moment every source node was seen deactivated (an upper bound of the commands' end, so a
    /// sync after it carries every write made on the source).</summary>
    public DateTimeOffset? SourceStoppedAt { get; set; }

    /// <summary>The replication's last LastReplicatedTimestamp seen.</summary>
    public DateTimeOffset? LastReplicatedTimestamp { get; set; }

    /// <summary>T − LastReplicatedTimestamp at the last check, in seconds (0 once in sync; null before T is known).</summary>
    public double? LagSeconds { get; set; }

    /// <summary>Checks made so far.</summary>
    public int Checks { get; set; }

    /// <summary>True once LastReplicatedTimestamp is after T.</summary>
    public bool Done { get; set; }

    /// <summary>When the sync was seen complete.</summary>
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>One line for people: where the sync stands.</summary>
    public string Text() => Done
        ? "in sync: last sync after the source stopped"
        : SourceStoppedAt is null
            ? "stopping the source: " + string.Join("; ", Nodes.Select(n => $"{n.Server} {n.Status.ToString().ToLowerInvariant()}"))
            : $"waiting for the replica: {LagSeconds?.ToString("0", CultureInfo.InvariantCulture) ?? "?"} s behind the source's stop";
}

/// <summary>
/// DeactivateSource and CheckSync, the zero-data-loss part of a planned failover: stop the application on every node of
/// the source region (it must succeed), note the moment T they all stopped, and wait until the replication's
/// LastReplicatedTimestamp is after T: then every write made on the source is on the replica.
/// </summary>
public sealed class PlannedSync(FencingService fencing, IReplications replications, TimeProvider time)
{
    /// <summary>Sends deactivate to every node of the source region; a node that could not be sent it fails the run.</summary>
    /// <exception cref="SourceDeactivationFailedException">A node was not sent the command (offline, SSM refused, region down).</exception>
    public async Task<SyncState> DeactivateSourceAsync(FailoverState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var plan = state.Plan;
        var (region, source) = Source(plan);
        var now = time.GetUtcNow();
        using (CallDeadline.Within(time, ExPrimaryFencing.RegionBudget))
        {
            var nodes = await fencing.DeactivateAsync(region, source, plan.RunId, cancellationToken).ConfigureAwait(false);
            ThrowIfAny(nodes, n => n.Status != NodeDeactivationStatus.Pending, plan);
            return new SyncState { StartedAt = now, Nodes = nodes };
        }
    }

    /// <summary>One check: reads the deactivate commands until all succeeded (then T is now), then the replication's
    /// LastReplicatedTimestamp until it is after T.</summary>
    /// <exception cref="SourceDeactivationFailedException">A deactivate command failed.</exception>
    /// <exception cref="ReplicationFailedException">The replication is gone, in ERROR or PAUSED.</exception>
    /// <exception cref="SyncTimeoutException">Not in sync within budgets.syncSeconds.</exception>
    public async Task<SyncState> CheckAsync(FailoverState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var plan = state.Plan;
        var sync = state.Sync ?? throw new InvalidOperationException("CheckSync needs the sync state from DeactivateSource.");
        sync = sync with { Checks = sync.Checks + 1 };
        if (sync.SourceStoppedAt is null)
        {
            sync = await CheckNodesAsync(plan, sync, cancellationToken).ConfigureAwait(false);
        }

        if (sync.SourceStoppedAt is { } stopped)
        {
            sync = await CheckReplicaAsync(plan, sync, stopped, cancellationToken).ConfigureAwait(false);
        }

        return sync.Done ? sync : Budget(plan, sync);
    }

    private async Task<SyncState> CheckNodesAsync(FailoverPlan plan, SyncState sync, CancellationToken cancellationToken)
    {
        using (CallDeadline.Within(time, ExPrimaryFencing.RegionBudget))
        {
            var nodes = await fencing.CheckDeactivationAsync(sync.Nodes, cancellationToken).ConfigureAwait(false);
            ThrowIfAny(nodes, n => n.Status == NodeDeactivationStatus.Failed, plan);
            var stopped = nodes.All(n => n.Status == NodeDeactivationStatus.Deactivated);
            return sync with { Nodes = nodes, SourceStoppedAt = stopped ? time.GetUtcNow() : null };
        }
    }

    private async Task<SyncState> CheckReplicaAsync(FailoverPlan plan, SyncState sync, DateTimeOffset stopped, CancellationToken cancellationToken)
    {
        var all = await replications.DescribeReplicationsAsync(plan.TargetRegion, plan.FileSystemId, cancellationToken).ConfigureAwait(false);
        var destination = all.SelectMany(r => r.Destinations).FirstOrDefault(d => string.Equals(d.FileSystemId, plan.FileSystemId, StringComparison.Ordinal))
            ?? throw new ReplicationFailedException($"{plan.FileSystemId} in {plan.TargetRegion} is no longer a replica of {plan.SourceFileSystemId}: the planned failover cannot prove the sync. Nothing was promoted; the source's nodes are stopped.");
        if (destination.Status is ReplicationStatus.Error or ReplicationStatus.Paused or ReplicationStatus.Pausing)
        {
            throw new ReplicationFailedException($"the replication to {plan.FileSystemId} is {destination.Status.ToString().ToUpperInvariant()}: {destination.StatusMessage ?? "no status message"}. Nothing was promoted; the source's nodes are stopped.");
        }

        var last = destination.LastReplicatedTimestamp;
        if (last is { } synced && synced > stopped)
        {
            var now = time.GetUtcNow();
            return sync with { LastReplicatedTimestamp = synced, LagSeconds = 0, Done = true, CompletedAt = now };
        }

        return sync with { LastReplicatedTimestamp = last, LagSeconds = last is { } l ? (stopped - l).TotalSeconds : null };
    }

    private SyncState Budget(FailoverPlan plan, SyncState sync)
    {
        var elapsed = time.GetUtcNow() - sync.StartedAt;
        return elapsed.TotalSeconds > plan.Budgets.SyncSeconds
            ? throw new SyncTimeoutException(
                $"The replica {plan.FileSystemId} did not catch up with the stopped source within {plan.Budgets.SyncSeconds.ToString(CultureInfo.InvariantCulture)} s ({sync.Text()}). " +
                "Nothing was promoted and the source is still the primary, but its nodes are stopped: fail over to a source-region server to restart it, or retry the planned failover.")
            : sync;
    }

    private static (string Region, string FileSystemId) Source(FailoverPlan plan) =>
        plan.Planned && plan.SourceRegion is { } region && plan.SourceFileSystemId is { } source
            ? (region, source)
            : throw new InvalidOperationException("DeactivateSource and CheckSync run only for a planned promotion with a known source.");

    private static void ThrowIfAny(IReadOnlyList<NodeDeactivation> nodes, Func<NodeDeactivation, bool> bad, FailoverPlan plan)
    {
        var failed = nodes.Where(bad).ToList();
        if (failed.Count > 0)
        {
            throw new SourceDeactivationFailedException(
                $"Planned failover stopped: the application could not be stopped on {string.Join("; ", failed.Select(n => $"{n.Server} ({n.Detail})"))} in {plan.SourceRegion}, " +
                $"so writes there cannot be ruled out. Nothing was promoted; {plan.SourceFileSystemId} is still the primary. Fix the node, or fail over without --planned.");
        }
    }
}
