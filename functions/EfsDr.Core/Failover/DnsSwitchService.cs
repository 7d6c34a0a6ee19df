using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;

namespace EfsDr.Core.Failover;

/// <summary>LowerDnsTtl, SwitchDns and CheckDns: point the record at the target node.</summary>
/// <param name="dns">Route 53.</param>
/// <param name="time">The clock.</param>
/// <param name="pause">How a check waits while it holds its invocation; null: a delay on <paramref name="time"/>.</param>
public sealed class DnsSwitchService(IDnsRecords dns, TimeProvider time, Pause? pause = null)
{
    private readonly Pause _pause = pause ?? ((delay, token) => Task.Delay(delay, time, token));

    /// <summary>Best effort: sets the failover TTL on the current record so caches expire before the flip. Never throws, except on cancellation.</summary>
    public async Task<TtlState> LowerTtlAsync(FailoverState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var settings = state.Plan.Dns;
        var now = time.GetUtcNow();
        try
        {
            var record = await dns.GetRecordAsync(settings.HostedZoneId, settings.RecordName, "A", cancellationToken).ConfigureAwait(false);
            if (record is null || record.Values.Count != 1)
            {
                return new TtlState { Note = record is null ? "no A record yet; nothing to lower" : "the record has several values; left as it is", At = now };
            }

            if (record.Values[0] == state.Plan.TargetIp)
            {
                return new TtlState { Note = "the record already points at the target", At = now };
            }

            if (record.Ttl is { } ttl && ttl <= settings.FailoverTtl)
            {
                return new TtlState { Note = $"TTL is already {ttl} s", At = now };
            }

            await dns.UpsertARecordAsync(settings.HostedZoneId, settings.RecordName, record.Values[0], settings.FailoverTtl, $"EfsDr {state.Plan.RunId}: lower TTL before failover", cancellationToken).ConfigureAwait(false);
            return new TtlState { Lowered = true, At = now };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new TtlState { Note = $"not lowered: {ex.Message}", At = now };
        }
    }

    /// <summary>Best effort after a failed run: puts back the normal TTL that <see cref="LowerTtlAsync"/> lowered, on whatever
    /// value the record holds now. Returns what was done, for the failure's Cause; null when this run lowered nothing.
    /// Never throws, except on cancellation.</summary>
    public async Task<string?> RestoreTtlAsync(FailoverState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Ttl is not { Lowered: true })
        {
            return null;
        }

        var settings = state.Plan.Dns;
        try
        {
            var record = await dns.GetRecordAsync(settings.HostedZoneId, settings.RecordName, "A", cancellationToken).ConfigureAwait(false);
            if (record is null || record.Values.Count != 1)
            {
                return $"TTL not restored: the record {(record is null ? "is gone" : "has several values")}";
            }

            if (record.Ttl == settings.Ttl)
            {
                return $"TTL is back at {settings.Ttl} s";
            }

            await dns.UpsertARecordAsync(settings.HostedZoneId, settings.RecordName, record.Values[0], settings.Ttl, $"EfsDr {state.Plan.RunId}: restore TTL after a failed run", cancellationToken).ConfigureAwait(false);
            return $"TTL restored to {settings.Ttl} s";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return $"TTL NOT restored ({ex.GetType().Name}): set {settings.RecordName}'s TTL back to {settings.Ttl} s by hand";
        }
    }

    /// <summary>UPSERTs the record to the target's IP with the normal TTL, or skips when it already points there.</summary>
    public async Task<DnsState> SwitchAsync(FailoverState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var plan = state.Plan;
        var now = time.GetUtcNow();
        var record = await dns.GetRecordAsync(plan.Dns.HostedZoneId, plan.Dns.RecordName, "A", cancellationToken).ConfigureAwait(false);
        var previous = record is null ? null : string.Join(",", record.Values);
        if (record is not null && record.Values.Count == 1 && record.Values[0] == plan.TargetIp && record.Ttl == plan.Dns.Ttl)
        {
            return new DnsState { StartedAt = now, PreviousValue = previous, Skipped = true, Done = true, CompletedAt = now, NextWaitSeconds = 1 };
        }

        var change = await dns.UpsertARecordAsync(plan.Dns.HostedZoneId, plan.Dns.RecordName, plan.TargetIp, plan.Dns.Ttl, $"EfsDr {plan.RunId}: fail over to {plan.TargetServer}", cancellationToken).ConfigureAwait(false);
        var done = change.Status == DnsChangeStatus.InSync;
        return new DnsState
        {
            ChangeId = change.ChangeId,
            StartedAt = now,
            PreviousValue = previous,
            Done = done,
            CompletedAt = done ? now : null,
            // WaitForDns follows SwitchDns even when the change is already INSYNC: never a 0 s wait.
            NextWaitSeconds = done ? 1 : PollSchedule.FirstLoopWait(plan.Waits.DnsSeconds),
        };
    }

    /// <summary>One invocation of CheckDns: a check, repeated every 2 s for a few seconds while the DNS hold allows
    /// (<see cref="PollSchedule.DnsHoldSeconds"/>); done at INSYNC. Sets the next wait.</summary>
    /// <exception cref="DnsChangeTimeoutException">Not INSYNC within the DNS budget.</exception>
    public Task<DnsState> CheckAsync(FailoverState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        return CheckAsync(state.Plan, state.Dns, cancellationToken);
    }

    /// <summary>CheckDns from only what it reads: the plan and the DNS change's progress.</summary>
    public async Task<DnsState> CheckAsync(FailoverPlan plan, DnsState? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        progress = progress ?? throw new InvalidOperationException("CheckDns needs the DNS state from SwitchDns.");
        if (progress.Done || progress.ChangeId is null)
        {
            return progress with { Done = true, NextWaitSeconds = 0 };
        }

        var startedAt = time.GetUtcNow();
        var hold = Math.Min(PollSchedule.LoopHoldPerCheckSeconds, PollSchedule.DnsHoldSeconds - progress.HeldSeconds);
        var holdUntil = PollSchedule.HoldUntil(startedAt, TimeSpan.FromSeconds(Math.Max(0, hold)));
        while (true)
        {
            var now = time.GetUtcNow();
            var change = await dns.GetChangeAsync(progress.ChangeId, cancellationToken).ConfigureAwait(false);
            progress = progress with { Checks = progress.Checks + 1 };
            if (change.Status == DnsChangeStatus.InSync)
            {
                progress = progress with { Done = true, CompletedAt = now, NextWaitSeconds = 0 };
                break;
            }

            if (holdUntil is not { } until || time.GetUtcNow() + PollSchedule.HoldInterval > until)
            {
                break;
            }

            await _pause(PollSchedule.HoldInterval, cancellationToken).ConfigureAwait(false);
        }

        var end = time.GetUtcNow();
        progress = progress with { HeldSeconds = progress.HeldSeconds + (end - startedAt).TotalSeconds };
        if (progress.Done)
        {
            return progress;
        }

        var elapsed = end - progress.StartedAt;
        return elapsed.TotalSeconds > plan.Budgets.DnsSeconds
            ? throw new DnsChangeTimeoutException($"Change {progress.ChangeId} for {plan.Dns.RecordName} was still PENDING after {elapsed.TotalSeconds:0} s.")
            : progress with { NextWaitSeconds = PollSchedule.LoopWait(elapsed.TotalSeconds, plan.Waits.DnsSeconds) };
    }
}
