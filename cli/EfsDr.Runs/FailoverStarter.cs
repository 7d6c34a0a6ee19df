using System.Globalization;
using System.Text.RegularExpressions;
using EfsDr.Core.Configuration;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;
using EfsDr.Core.Locking;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;

namespace EfsDr.Runs;

/// <summary>How a failover request was answered: a new execution, or one already running for the same target.</summary>
public sealed record StartOutcome(string ExecutionArn, string Name, bool Joined, IReadOnlyList<string> Notes);

/// <summary>A run of the same file system that this one cannot join is in flight (a failover to another target, or a run of
/// the other workflow): this one is refused before anything changes.</summary>
public sealed class RunConflictException(string message) : Exception(message);

/// <summary>
/// Starts a failover execution, or joins the one already running for the same target (one run per protected file system).
/// <list type="bullet">
/// <item>Every region's state machine is asked for RUNNING executions first (an unreachable region is skipped and noted):
/// the same target joins, another target is refused, naming the running execution.</item>
/// <item>The execution name is deterministic: <c>failover-&lt;server&gt;-&lt;n&gt;</c>, where n comes from the run lock's next
/// generation in the target's region, read before the running executions are asked for. Two starts for the same target at once carry the same name, so Step Functions itself
/// keeps one (the same name and input is the same start; other input answers ExecutionAlreadyExists, and the running one is
/// joined). A name taken by a closed execution moves on to <c>-2</c>, <c>-3</c>…, the same walk for every caller.</item>
/// <item>A running reprotect (the run lock is shared: one run per file system, whichever workflow) refuses the failover
/// too, naming it.</item>
/// <item>The workflow's run lock is the guarantee (it also covers console starts); <see cref="JoinTargetOf"/> reads a
/// refusal and names the execution to follow instead.</item>
/// </list>
/// </summary>
/// <param name="executions">Step Functions.</param>
/// <param name="stateMachineIn">The failover state machine in a region, or null.</param>
/// <param name="nextGeneration">The run lock's next generation in the target's region (null when it could not be read).</param>
/// <param name="reprotects">The running reprotects to refuse on; null checks none.</param>
public sealed partial class FailoverStarter(IExecutions executions, Func<string, CancellationToken, Task<string?>> stateMachineIn, Func<CancellationToken, Task<long?>> nextGeneration, RunningRuns? reprotects = null)
{
    private readonly RunningRuns _failovers = new(executions, "failover", stateMachineIn, IsDryRun);

    /// <summary>A starter over the AWS ports: state machines by <paramref name="stateMachineName"/>, and the name's number from
    /// the run lock's next generation of <paramref name="fileSystemName"/> in <paramref name="targetRegion"/>. Running
    /// reprotects of <paramref name="reprotectStateMachineName"/> (the template's default unless given) refuse it.</summary>
    public static FailoverStarter Create(IExecutions executions, IParameters parameters, string stateMachineName, string fileSystemName, string targetRegion, TimeProvider? time = null, string reprotectStateMachineName = "efsdr-reprotect")
    {
        ArgumentNullException.ThrowIfNull(executions);
        var locks = new RunLockService(parameters, executions, time ?? TimeProvider.System);
        return new FailoverStarter(
            executions,
            (region, token) => executions.FindStateMachineAsync(region, stateMachineName, token),
            async token =>
            {
                try
                {
                    var top = await locks.CurrentAsync(fileSystemName, targetRegion, token).ConfigureAwait(false);
                    return (top?.Generation ?? 0) + 1;
                }
                catch (EfsDrException)
                {
                    return null;
                }
            },
            ReprotectStarter.Reprotects(executions, reprotectStateMachineName));
    }

    /// <summary>The running failovers of the state machine named <paramref name="stateMachineName"/>.</summary>
    public static RunningRuns Failovers(IExecutions executions, string stateMachineName)
    {
        ArgumentNullException.ThrowIfNull(executions);
        return new RunningRuns(executions, "failover", (region, token) => executions.FindStateMachineAsync(region, stateMachineName, token), IsDryRun);
    }

    /// <summary>Names tried after the first, when earlier ones belong to closed executions.</summary>
    public const int MaxNameAttempts = 10;

    /// <summary>Starts or joins a failover (not a dry run) to <paramref name="target"/> with <paramref name="input"/>.</summary>
    /// <exception cref="RunConflictException">A failover to another server, or a reprotect, is running.</exception>
    public async Task<StartOutcome> StartOrJoinAsync(ClusterConfiguration configuration, ServerSettings target, string input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(target);
        var notes = new List<string>();

        // The name's generation is read BEFORE looking for running runs: a duplicate that takes the lock after this read
        // was named from the same generation (Step Functions keeps one of the two), and one that took it before is
        // RUNNING when we look. Read after the look, it could name a second execution (chaos drill, 2026-12-03, round 90).
        var generation = await GenerationAsync(notes, cancellationToken).ConfigureAwait(false);
        foreach (var region in configuration.Regions.Order(StringComparer.Ordinal))
        {
            var noted = notes.Count;
            var running = await _failovers.FirstInAsync(region, notes, cancellationToken).ConfigureAwait(false);
            if (running is null)
            {
                // A region already noted (unreachable, or without the stack) is not asked again.
                if (reprotects is not null && notes.Count == noted && await reprotects.FirstInAsync(region, notes, cancellationToken).ConfigureAwait(false) is { } reprotect)
                {
                    throw new RunConflictException(
                        $"a reprotect is running: {reprotect.ExecutionArn} (started {reprotect.StartDate:u}). " +
                        "One run per file system: wait for it (efsdr reprotect --wait) before failing over; nothing was changed.");
                }

                continue;
            }

            var runningTarget = TargetOf(running.Input);
            if (string.Equals(runningTarget, target.Name, StringComparison.Ordinal))
            {
                return new StartOutcome(running.ExecutionArn, running.Name, true, notes);
            }

            throw new RunConflictException(
                $"a failover to {runningTarget ?? "another server"} is running: {running.ExecutionArn} (started {running.StartDate:u}). " +
                $"One run per file system: wait for it (efsdr failover --to {runningTarget} --wait) before starting another; nothing was changed.");
        }

        var machine = await stateMachineIn(target.Region, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"no failover state machine in {target.Region}");
        return await StartNamedAsync(machine, target.Name, generation, input, notes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The execution a refused run should follow instead: a <c>RunInProgressException</c> naming a RUNNING
    /// execution for the same target; null otherwise.</summary>
    public async Task<string?> JoinTargetOf(Execution refused, string targetServer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(refused);
        if (!string.Equals(refused.Error, nameof(RunInProgressException), StringComparison.Ordinal) || ExecutionArnPattern().Match(refused.Cause ?? string.Empty) is not { Success: true } match)
        {
            return null;
        }

        var other = match.Value;
        if (string.Equals(other, refused.ExecutionArn, StringComparison.Ordinal))
        {
            return null;
        }

        var described = await executions.DescribeAsync(other, cancellationToken).ConfigureAwait(false);
        return described.Status == ExecutionStatus.Running && string.Equals(TargetOf(described.Input), targetServer, StringComparison.Ordinal) ? other : null;
    }

    /// <summary>The deterministic name of the <paramref name="attempt"/>-th (1-based) try for <paramref name="server"/>, made to
    /// fit Step Functions' 80 characters (see <see cref="ExecutionNames.Fit"/>).</summary>
    public static string NameFor(string server, long generation, int attempt) => ExecutionNames.Fit(
        $"failover-{server}-{generation.ToString(CultureInfo.InvariantCulture)}{(attempt > 1 ? "-" + attempt.ToString(CultureInfo.InvariantCulture) : string.Empty)}");

    /// <summary>The generation the execution's name carries: <paramref name="read"/> (the run lock's next generation), or,
    /// when the lock could not be read, the minute (it keeps concurrent starts together; the workflow's lock still
    /// decides), noted.</summary>
    internal static long GenerationOrMinute(long? read, List<string> notes)
    {
        if (read is { } generation)
        {
            return generation;
        }

        notes.Add("the run lock could not be read; the execution is named by the minute");
        return long.Parse(DateTimeOffset.UtcNow.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private async Task<long> GenerationAsync(List<string> notes, CancellationToken cancellationToken) =>
        GenerationOrMinute(await nextGeneration(cancellationToken).ConfigureAwait(false), notes);

    private async Task<StartOutcome> StartNamedAsync(string machine, string server, long generation, string input, List<string> notes, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxNameAttempts; attempt++)
        {
            var name = NameFor(server, generation, attempt);
            try
            {
                var started = await executions.StartAsync(machine, name, input, cancellationToken).ConfigureAwait(false);
                return new StartOutcome(started.ExecutionArn, name, false, notes);
            }
            catch (RunNameTakenException)
            {
                var arn = ExecutionArn(machine, name);
                var existing = await executions.DescribeAsync(arn, cancellationToken).ConfigureAwait(false);
                if (existing.Status == ExecutionStatus.Running)
                {
                    return new StartOutcome(arn, name, true, notes);
                }
            }
        }

        throw new InvalidOperationException($"{MaxNameAttempts} execution names for {server} at generation {generation} are taken by closed executions");
    }

    /// <summary>The execution ARN of <paramref name="name"/> under <paramref name="stateMachineArn"/>.</summary>
    public static string ExecutionArn(string stateMachineArn, string name)
    {
        ArgumentNullException.ThrowIfNull(stateMachineArn);
        return stateMachineArn.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal) + ":" + name;
    }

    /// <summary>The input's targetServer, or null.</summary>
    public static string? TargetOf(string? input) => EfsDrJson.ReadRequest(input)?.TargetServer;

    /// <summary>True when the input asks for a dry run.</summary>
    public static bool IsDryRun(string? input) => EfsDrJson.ReadRequest(input)?.DryRun == true;

    [GeneratedRegex(@"arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+")]
    private static partial Regex ExecutionArnPattern();
}
