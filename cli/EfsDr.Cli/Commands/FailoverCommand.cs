using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EfsDr.Core.Configuration;
using EfsDr.Core.Deadlines;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Runs;

namespace EfsDr.Cli.Commands;

/// <summary><c>efsdr failover</c> and <c>efsdr plan</c>: start (or join) the failover execution in the target's region.</summary>
public static class FailoverCommand
{
    /// <summary>Builds <c>failover</c>.</summary>
    public static Command Create(GlobalOptions global, TextWriter output, TextWriter error)
    {
        var to = new Option<string>("--to") { Description = "The server to make active (server1 …).", Required = true, HelpName = "server" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Plan only: change nothing." };
        var sourceDown = new Option<bool>("--source-region-unavailable") { Description = "The source region is down: delete only the local side of the replication." };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the run's input and tags; at most 256 characters, no control characters).", HelpName = "text" };
        var accept = new Option<bool>("--accept-unverified-epochs") { Description = "Mount a target that is not a replica even though a region could not be read, accepting that a newer copy there would be abandoned (the plan lists what)." };
        var planned = PlannedOption();
        var plannedIfPossible = new Option<bool>("--planned-if-possible")
        {
            Description = "As --planned, but when the plan finds the source region not answering or the target not a replica (nothing to sync), fail over without --planned instead. Needs --wait.",
        };
        var wait = new Option<bool>("--wait") { Description = "Wait for the end, showing progress; Ctrl-C stops waiting, never the execution." };
        var timeout = new Option<string>("--timeout") { Description = "Longest wait with --wait (90s, 45m, 1h30m; default 1h).", DefaultValueFactory = _ => "1h", HelpName = "duration" };
        var command = new Command("failover", "Fail over to a server: promote the replica if needed, activate the node, switch DNS. Joins a running failover to the same server instead of starting another.")
        {
            to, dryRun, sourceDown, reason, accept, planned, plannedIfPossible, wait, timeout,
        };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, global, output, error, (cli, token) =>
            RunAsync(cli, new FailoverArguments(parse.GetValue(to)!, parse.GetValue(dryRun), parse.GetValue(sourceDown), parse.GetValue(reason), parse.GetValue(accept), parse.GetValue(wait), CliContext.ParseDuration(parse.GetValue(timeout)!, "--timeout"))
            {
                Planned = parse.GetValue(planned) || parse.GetValue(plannedIfPossible),
                FallBackToUnplanned = parse.GetValue(plannedIfPossible),
            }, token), cancellationToken));
        return command;
    }

    /// <summary>Builds <c>plan</c>: a dry run that waits and shows the plan.</summary>
    public static Command CreatePlan(GlobalOptions global, TextWriter output, TextWriter error)
    {
        var to = new Option<string>("--to") { Description = "The server a failover would make active.", Required = true, HelpName = "server" };
        var planned = PlannedOption();
        var command = new Command("plan", "Dry run: what a failover to the server would change, the data-loss window and the pre-flight results. Changes nothing.") { to, planned };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, global, output, error, (cli, token) =>
            RunAsync(cli, new FailoverArguments(parse.GetValue(to)!, DryRun: true, SourceDown: false, Reason: "efsdr plan", AcceptUnverified: false, Wait: true, TimeSpan.FromMinutes(10)) { Planned = parse.GetValue(planned) }, token), cancellationToken));
        return command;
    }

    private static Option<bool> PlannedOption() => new("--planned")
    {
        Description = "Planned move, zero data loss: stop the source's application, wait until the replica has every write made before that, then fail over. Needs the source region to answer and replication ENABLED; otherwise refused, changing nothing.",
    };

    private sealed record FailoverArguments(string Target, bool DryRun, bool SourceDown, string? Reason, bool AcceptUnverified, bool Wait, TimeSpan Timeout)
    {
        public bool Planned { get; init; }

        public bool FallBackToUnplanned { get; init; }
    }

    /// <summary>The errors of a planned run's plan after which --planned-if-possible fails over without --planned.</summary>
    private static readonly string[] FallbackErrors = [nameof(PlannedFailoverSourceDownException), nameof(PlannedFailoverNotReplicaException)];

    private static async Task<int> RunAsync(CliContext cli, FailoverArguments args, CancellationToken cancellationToken)
    {
        if (args.Reason is { } reason && (reason.Length > 256 || reason.Any(char.IsControl)))
        {
            throw new UsageException("--reason: must be at most 256 characters without control characters (no newlines or tabs)");
        }

        if (args.FallBackToUnplanned && (!args.Wait || args.DryRun))
        {
            throw new UsageException("--planned-if-possible: needs --wait (it reads the plan's answer) and cannot be combined with --dry-run");
        }

        var server = cli.Server(args.Target);

        var input = Input(server.Name, args);
        StartOutcome outcome;
        if (args.DryRun)
        {
            var machine = await cli.StateMachineAsync(server.Region, cancellationToken).ConfigureAwait(false);
            var name = ExecutionNames.Fit($"plan-{server.Name}-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}");
            outcome = new StartOutcome((await cli.Aws.Executions.StartAsync(machine, name, input, cancellationToken).ConfigureAwait(false)).ExecutionArn, name, false, []);
        }
        else
        {
            try
            {
                outcome = await Starter(cli, server).StartOrJoinAsync(cli.Configuration, server, input, cancellationToken).ConfigureAwait(false);
            }
            catch (RunConflictException ex)
            {
                await cli.Error.WriteLineAsync("efsdr: refused: " + ex.Message).ConfigureAwait(false);
                return ExitCodes.RunFailed;
            }
        }

        cli.Announce(outcome, outcome.Joined ? $"joining the running failover to {server.Name}: {outcome.Name}" : $"started {outcome.Name} in {server.Region}");
        if (!args.Wait)
        {
            return cli.WriteStarted(outcome);
        }

        return await WaitAsync(cli, server, outcome, args, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> WaitAsync(CliContext cli, ServerSettings server, StartOutcome outcome, FailoverArguments args, CancellationToken cancellationToken)
    {
        var driver = new FailoverDriver(cli.Aws.Executions, TimeProvider.System);
        var (arn, name, joined) = (outcome.ExecutionArn, outcome.Name, outcome.Joined);

        // No call outlives --timeout: one cut off by it is the wait timing out, not AWS failing.
        using var deadline = CallDeadline.Within(TimeProvider.System, args.Timeout);
        var waitEnds = DateTimeOffset.UtcNow + args.Timeout;
        try
        {
            var run = await driver.FollowAsync(arn, name, server.Name, line => Say(cli, line), args.Timeout, cancellationToken).ConfigureAwait(false);
            if (!run.Succeeded && !args.DryRun && await Starter(cli, server).JoinTargetOf(run.Execution, server.Name, cancellationToken).ConfigureAwait(false) is { } other)
            {
                // Another start for the same target won the run lock (the console, a second node): follow that one.
                (arn, name, joined) = (other, other[(other.LastIndexOf(':') + 1)..], true);
                Say(cli, $"joining the running failover to {server.Name}: {name}");
                run = await driver.FollowAsync(arn, name, server.Name, line => Say(cli, line), args.Timeout, cancellationToken).ConfigureAwait(false);
            }

            if (!run.Succeeded && args.FallBackToUnplanned && FallbackErrors.Contains(run.Execution.Error, StringComparer.Ordinal))
            {
                Say(cli, $"planned move not possible ({run.Execution.Error}): failing over to {server.Name} without --planned");
                var unplanned = args with { Planned = false, FallBackToUnplanned = false };
                StartOutcome restart;
                try
                {
                    restart = await Starter(cli, server).StartOrJoinAsync(cli.Configuration, server, Input(server.Name, unplanned), cancellationToken).ConfigureAwait(false);
                }
                catch (RunConflictException ex)
                {
                    await cli.Error.WriteLineAsync("efsdr: refused: " + ex.Message).ConfigureAwait(false);
                    return ExitCodes.RunFailed;
                }

                (arn, name, joined) = (restart.ExecutionArn, restart.Name, restart.Joined);
                Say(cli, joined ? $"joining the running failover to {server.Name}: {name}" : $"started {name} in {server.Region}");
                run = await driver.FollowAsync(arn, name, server.Name, line => Say(cli, line), args.Timeout, cancellationToken).ConfigureAwait(false);
            }

            Report(cli, run, joined, args.DryRun);
            return run.Succeeded ? ExitCodes.Ok : ExitCodes.RunFailed;
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is RegionUnreachableException && DateTimeOffset.UtcNow >= waitEnds))
        {
            var what = ex is TimeoutException ? ex.Message : $"{arn} still running after {Durations.ForPeople(args.Timeout)}; it goes on";
            await cli.Error.WriteLineAsync($"efsdr: {what}: follow it with efsdr report {name}, or wait again with a longer --timeout").ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(new JsonObject { ["executionArn"] = arn, ["name"] = name, ["joined"] = joined, ["status"] = "RUNNING", ["timedOutWaiting"] = true });
            }

            return ExitCodes.WaitTimeout;
        }
    }

    private static FailoverStarter Starter(CliContext cli, ServerSettings target) =>
        FailoverStarter.Create(cli.Aws.Executions, cli.Aws.Parameters, cli.StateMachineName, cli.Configuration.FileSystem.Name, target.Region, reprotectStateMachineName: cli.ReprotectStateMachineName);

    /// <summary>The execution input; the same arguments always give the same text, so concurrent starts are one start.</summary>
    private static string Input(string server, FailoverArguments args) => EfsDrJson.SerializeRequest(new FailoverRequest
    {
        TargetServer = server,
        DryRun = args.DryRun,
        SourceRegionUnavailable = args.SourceDown,
        AcceptUnverifiedEpochs = args.AcceptUnverified,
        Planned = args.Planned,
        Reason = args.Reason,
    });

    /// <summary>A summary value for people: "–" when absent.</summary>
    private static string Text(string? value) => string.IsNullOrEmpty(value) ? "–" : value;


    private static void Say(CliContext cli, string line) => cli.Say(line);

    private static void Report(CliContext cli, RunRecord run, bool joined, bool dryRun)
    {
        var summary = run.Summary;
        if (cli.Json)
        {
            cli.WriteJson(new JsonObject
            {
                ["executionArn"] = run.Execution.ExecutionArn,
                ["name"] = run.Execution.Name,
                ["joined"] = joined,
                ["status"] = run.Execution.Status.ToString().ToUpperInvariant(),
                ["error"] = run.Execution.Error,
                ["cause"] = run.Succeeded ? null : RunRecord.Unwrap(run.Execution.Cause),
                ["durationSeconds"] = Math.Round(run.Duration.TotalSeconds, 3),
                ["summary"] = summary is null ? null : JsonSerializer.SerializeToNode(summary, StateJsonContext.Default.RunSummary),
            });
            return;
        }

        if (summary is null)
        {
            return;
        }

        var plan = summary.Plan;
        cli.Out.WriteLine();
        cli.Out.WriteLine(dryRun ? "Plan (nothing was changed):" : "Summary:");
        cli.Out.WriteLine($"  target          {Text(plan.TargetServer)} ({Text(plan.TargetRegion)}, {Text(plan.TargetAvailabilityZone)}), {Text(plan.TargetIp)}");
        cli.Out.WriteLine($"  file system     {Text(plan.FileSystemId)} — {EfsDrJson.WireName(plan.Action)}: {Text(plan.Decision)}");
        cli.Out.WriteLine($"  data-loss window {RunReport.DataLossText(summary)}");
        foreach (var check in plan.Preflight)
        {
            cli.Out.WriteLine($"  pre-flight      {check}");
        }

        foreach (var warning in plan.Warnings)
        {
            cli.Out.WriteLine($"  warning         {warning}");
        }

        if (!dryRun)
        {
            foreach (var step in summary.Steps)
            {
                cli.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "  {0,-15} {1}", step.Step, Durations.ForPeople(step.Seconds)));
            }

            cli.Out.WriteLine($"  RTO             {Durations.ForPeople(summary.RecoveryTimeSeconds)}; active server {Text(summary.ActiveServer)}");
        }

        foreach (var risk in plan.AcceptedRisks)
        {
            cli.Out.WriteLine($"  ACCEPTED RISK   {risk}");
        }

        if (RunReport.ExPrimaryLine(summary) is { } exPrimary)
        {
            cli.Out.WriteLine($"  ex-primary      {exPrimary}");
        }
    }
}
