using System.Globalization;
using System.Text.RegularExpressions;
using EfsDr.Core.Configuration;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;
using EfsDr.Core.Locking;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;
using EfsDr.Core.Reprotect;

namespace EfsDr.Runs;

/// <summary>The workflow's state machine is not in the region the run must start in (the stack is not deployed there, or
/// the name is not the template's).</summary>
/// <param name="region">The region searched.</param>
public sealed class StateMachineMissingException(string region) : Exception($"no reprotect state machine in {region}, the primary's region")
{
    /// <summary>The region searched.</summary>
    public string Region { get; } = region;
}

/// <summary>
/// Starts a reprotect execution, or joins the one already running (one run per protected file system, whichever workflow).
/// <list type="bullet">
/// <item>Every region's reprotect and failover state machines are asked for RUNNING executions first (dry runs left out;
/// an unreachable region is skipped and noted): a running reprotect is joined, a running failover refuses this one
/// (<see cref="RunConflictException"/>, naming it) before anything changes.</item>
/// <item>It runs in the primary's region (<see cref="PrimaryLocator"/>): no provable primary, no start.</item>
/// <item>The execution name is deterministic, <c>reprotect-&lt;n&gt;</c> with n the shared run lock's next generation in the
/// primary's region, so two starts at once carry the same name and Step Functions keeps one; a name taken by a closed
/// execution moves on to <c>-2</c>, <c>-3</c>… (<see cref="ExecutionNames.Fit"/> keeps it within 80 characters).</item>
/// </list>
/// </summary>
/// <param name="executions">Step Functions.</param>
/// <param name="reprotects">The reprotect state machine's running executions.</param>
/// <param name="failovers">The failover state machine's running executions.</param>
/// <param name="nextGeneration">The run lock's next generation in a region (null when it could not be read).</param>
public sealed partial class ReprotectStarter(IExecutions executions, RunningRuns reprotects, RunningRuns failovers, Func<string, CancellationToken, Task<long?>> nextGeneration)
{
    /// <summary>A starter over the AWS ports: state machines by name, and the name's number from the run lock of
    /// <paramref name="fileSystemName"/> (shared with the failover).</summary>
    public static ReprotectStarter Create(IExecutions executions, IParameters parameters, string reprotectStateMachineName, string failoverStateMachineName, string fileSystemName, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(executions);
        var locks = new RunLockService(parameters, executions, time ?? TimeProvider.System);
        return new ReprotectStarter(
            executions,
            Reprotects(executions, reprotectStateMachineName),
            FailoverStarter.Failovers(executions, failoverStateMachineName),
            async (region, token) =>
            {
                try
                {
                    var top = await locks.CurrentAsync(fileSystemName, region, token).ConfigureAwait(false);
                    return (top?.Generation ?? 0) + 1;
                }
                catch (EfsDrException)
                {
                    return null;
                }
            });
    }

    /// <summary>The running reprotects of the state machine named <paramref name="stateMachineName"/>.</summary>
    public static RunningRuns Reprotects(IExecutions executions, string stateMachineName)
    {
        ArgumentNullException.ThrowIfNull(executions);
        return new RunningRuns(executions, "reprotect", (region, token) => executions.FindStateMachineAsync(region, stateMachineName, token), IsDryRun);
    }

    /// <summary>Starts or joins a reprotect (not a dry run) with <paramref name="input"/> in the region
    /// <paramref name="primary"/> finds, asked only once no run is in the way.</summary>
    /// <exception cref="RunConflictException">A failover is running.</exception>
    /// <exception cref="PrimaryNotProvenException">No copy is provably the primary.</exception>
    public async Task<StartOutcome> StartOrJoinAsync(ClusterConfiguration configuration, Func<CancellationToken, Task<PrimaryCopy>> primary, string input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(primary);
        var notes = new List<string>();
        foreach (var region in configuration.Regions.Order(StringComparer.Ordinal))
        {
            if (await reprotects.FirstInAsync(region, notes, cancellationToken).ConfigureAwait(false) is { } running)
            {
                return new StartOutcome(running.ExecutionArn, running.Name, true, notes);
            }

            if (await failovers.FirstInAsync(region, notes, cancellationToken).ConfigureAwait(false) is { } failover)
            {
                var target = FailoverStarter.TargetOf(failover.Input);
                throw new RunConflictException(
                    $"a failover to {target ?? "a server"} is running: {failover.ExecutionArn} (started {failover.StartDate:u}). " +
                    $"One run per file system: wait for it (efsdr failover --to {target} --wait), then reprotect; nothing was changed.");
            }
        }

        var found = await primary(cancellationToken).ConfigureAwait(false);
        var machine = await reprotects.StateMachineInAsync(found.Region, cancellationToken).ConfigureAwait(false)
            ?? throw new StateMachineMissingException(found.Region);
        return await StartNamedAsync(machine, found.Region, input, notes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The execution a refused reprotect should follow instead: a <c>RunInProgressException</c> naming a RUNNING
    /// reprotect; null otherwise (a failover holding the lock is a refusal, not a join).</summary>
    public async Task<string?> JoinTargetOf(Execution refused, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(refused);
        if (!string.Equals(refused.Error, nameof(RunInProgressException), StringComparison.Ordinal) || ExecutionArnPattern().Match(refused.Cause ?? string.Empty) is not { Success: true } match)
        {
            return null;
        }

        var other = match.Value;
        if (string.Equals(other, refused.ExecutionArn, StringComparison.Ordinal) || !string.Equals(MachineOf(other), MachineOf(refused.ExecutionArn), StringComparison.Ordinal))
        {
            return null;
        }

        var described = await executions.DescribeAsync(other, cancellationToken).ConfigureAwait(false);
        return described.Status == ExecutionStatus.Running ? other : null;
    }

    /// <summary>The deterministic name of the <paramref name="attempt"/>-th (1-based) try at <paramref name="generation"/>,
    /// made to fit Step Functions' 80 characters (see <see cref="ExecutionNames.Fit"/>).</summary>
    public static string NameFor(long generation, int attempt) => ExecutionNames.Fit(
        $"reprotect-{generation.ToString(CultureInfo.InvariantCulture)}{(attempt > 1 ? "-" + attempt.ToString(CultureInfo.InvariantCulture) : string.Empty)}");

    /// <summary>True when a reprotect input asks for a dry run (an input that is not a reprotect request is not one).</summary>
    public static bool IsDryRun(string? input)
    {
        try
        {
            return input is not null && ReprotectJson.ParseRequest(input).DryRun;
        }
        catch (EfsDrException)
        {
            return false;
        }
    }

    private async Task<StartOutcome> StartNamedAsync(string machine, string region, string input, List<string> notes, CancellationToken cancellationToken)
    {
        var generation = FailoverStarter.GenerationOrMinute(await nextGeneration(region, cancellationToken).ConfigureAwait(false), notes);

        // Looked for again after the generation was read (the region is known only once the primary is): a duplicate
        // that took the lock before the read is RUNNING now and is joined; one that takes it after was named from the
        // same generation, and Step Functions keeps one of the two. Without this look a duplicate that started between
        // the first look and the read was not joined but doubled (the failover's case: chaos drill, 2026-12-03, round 90).
        if (await reprotects.FirstInAsync(region, notes, cancellationToken).ConfigureAwait(false) is { } running)
        {
            return new StartOutcome(running.ExecutionArn, running.Name, true, notes);
        }

        for (var attempt = 1; attempt <= FailoverStarter.MaxNameAttempts; attempt++)
        {
            var name = NameFor(generation, attempt);
            try
            {
                var started = await executions.StartAsync(machine, name, input, cancellationToken).ConfigureAwait(false);
                return new StartOutcome(started.ExecutionArn, name, false, notes);
            }
            catch (RunNameTakenException)
            {
                var arn = FailoverStarter.ExecutionArn(machine, name);
                var existing = await executions.DescribeAsync(arn, cancellationToken).ConfigureAwait(false);
                if (existing.Status == ExecutionStatus.Running)
                {
                    return new StartOutcome(arn, name, true, notes);
                }
            }
        }

        throw new InvalidOperationException($"{FailoverStarter.MaxNameAttempts} reprotect execution names at generation {generation} are taken by closed executions");
    }

    private static string? MachineOf(string executionArn)
    {
        var parts = executionArn.Split(':');
        return parts.Length > 7 ? string.Join(':', parts[..7]) : null;
    }

    [GeneratedRegex(@"arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+")]
    private static partial Regex ExecutionArnPattern();
}
