using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using EfsDr.Core.Deadlines;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Reprotect;
using EfsDr.Runs;

namespace EfsDr.Cli.Commands;

/// <summary>
/// <c>efsdr reprotect</c>: start (or join) the reprotect execution in the primary's region, so the other region gets a
/// replica again. <c>--overwrite-diverged</c> replicates into an ex-primary that was not fenced, overwriting what it holds
/// that the primary lacks; it is only honoured after a dry run has shown what would be overwritten, so without
/// <c>--dry-run</c> this invocation runs that dry run first and prints its plan before starting.
/// </summary>
public static class ReprotectCommand
{
    /// <summary>The longest a --reason may be.</summary>
    public const int MaxReasonLength = 256;

    /// <summary>Builds <c>reprotect</c>.</summary>
    public static Command Create(GlobalOptions global, TextWriter output, TextWriter error)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Plan only: which file system would become the replica and how, what would be overwritten or kept, and the warnings. Changes nothing; always waits for the plan." };
        var overwrite = new Option<bool>("--overwrite-diverged")
        {
            Description = "Replicate into an ex-primary that was NOT fenced at failover time anyway (EFS copies only the differences), overwriting the writes it took after the failover. Without it such a copy is renamed -diverged- and kept, and a new file system becomes the replica. Without --dry-run, efsdr first runs the dry run and prints what would be overwritten, then starts.",
        };
        var reason = new Option<string?>("--reason") { Description = $"Why (kept in the run's input; at most {MaxReasonLength} characters, no control characters).", HelpName = "text" };
        var wait = new Option<bool>("--wait") { Description = "Wait for the end (ENABLED and a first completed sync), showing progress; Ctrl-C stops waiting, never the execution." };
        var timeout = new Option<string>("--timeout") { Description = "Longest wait with --wait or --dry-run (90s, 45m, 1h30m; default 1h). A first sync into a new file system copies everything and may take longer: the execution goes on.", DefaultValueFactory = _ => "1h", HelpName = "duration" };
        var command = new Command("reprotect", "Protect the primary again after a failover: replicate it into the other region, into the ex-primary (only the differences) or into a new file system (keeping an unfenced ex-primary as -diverged-). Runs in the primary's region; joins a running reprotect; refused while a failover runs.")
        {
            dryRun, overwrite, reason, wait, timeout,
        };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, global, output, error, (cli, token) =>
            RunAsync(cli, new ReprotectArguments(parse.GetValue(dryRun), parse.GetValue(overwrite), parse.GetValue(reason), parse.GetValue(wait), CliContext.ParseDuration(parse.GetValue(timeout)!, "--timeout")), token), cancellationToken));
        return command;
    }

    /// <summary>What the command line asked for.</summary>
    internal sealed record ReprotectArguments(bool DryRun, bool OverwriteDiverged, string? Reason, bool Wait, TimeSpan Timeout)
    {
        /// <summary>The execution input; the same arguments always give the same text, so concurrent starts are one start.</summary>
        public string Input(bool dryRun) => ReprotectJson.SerializeRequest(new ReprotectRequest { DryRun = dryRun, OverwriteDiverged = OverwriteDiverged, Reason = Reason });
    }

    /// <summary>Checks the arguments that need no AWS: one line naming the field (exit 2), nothing sent.</summary>
    internal static void Validate(ReprotectArguments args)
    {
        if (args.Reason is { } reason && (reason.Length > MaxReasonLength || reason.Any(char.IsControl)))
        {
            throw new UsageException($"--reason: must be at most {MaxReasonLength} characters without control characters (no newlines or tabs)");
        }
    }

    private static async Task<int> RunAsync(CliContext cli, ReprotectArguments args, CancellationToken cancellationToken)
    {
        Validate(args);
        _ = cli.Configuration;
        using var deadline = CallDeadline.Within(TimeProvider.System, args.Timeout + CliContext.ReadBudget);
        if (args.DryRun || args.OverwriteDiverged)
        {
            // --overwrite-diverged is honoured only once the plan has shown, here, what it would overwrite.
            var planned = await DryRunAsync(cli, args, cancellationToken).ConfigureAwait(false);
            if (args.DryRun || planned != ExitCodes.Ok)
            {
                return planned;
            }

            Say(cli, "starting the reprotect the plan above describes (--overwrite-diverged)");
        }

        StartOutcome outcome;
        try
        {
            outcome = await Starter(cli).StartOrJoinAsync(cli.Configuration, token => PrimaryLocator.FindAsync(cli.Aws.FileSystems, cli.Configuration, token), args.Input(dryRun: false), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RunConflictException or PrimaryNotProvenException)
        {
            return await RefuseAsync(cli, ex).ConfigureAwait(false);
        }
        catch (StateMachineMissingException ex)
        {
            throw new UsageException($"--reprotect-state-machine: no state machine named '{cli.ReprotectStateMachineName}' in {ex.Region}, the primary's region; is the EfsDr stack deployed there?");
        }

        cli.Announce(outcome, outcome.Joined ? $"joining the running reprotect: {outcome.Name}" : $"started {outcome.Name} in {RunLister.RegionOf(outcome.ExecutionArn)}");
        if (!args.Wait)
        {
            return cli.WriteStarted(outcome);
        }

        return await WaitAsync(cli, outcome, args, dryRun: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A dry run in the primary's region, waited for and printed (to stderr with --output json when a real run follows).</summary>
    private static async Task<int> DryRunAsync(CliContext cli, ReprotectArguments args, CancellationToken cancellationToken)
    {
        PrimaryCopy primary;
        try
        {
            primary = await PrimaryLocator.FindAsync(cli.Aws.FileSystems, cli.Configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (PrimaryNotProvenException ex)
        {
            return await RefuseAsync(cli, ex).ConfigureAwait(false);
        }

        var machine = await cli.Aws.Executions.FindStateMachineAsync(primary.Region, cli.ReprotectStateMachineName, cancellationToken).ConfigureAwait(false)
            ?? throw new UsageException($"--reprotect-state-machine: no state machine named '{cli.ReprotectStateMachineName}' in {primary.Region}, the primary's region; is the EfsDr stack deployed there?");
        var name = ExecutionNames.Fit($"reprotect-plan-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}");
        var started = await cli.Aws.Executions.StartAsync(machine, name, args.Input(dryRun: true), cancellationToken).ConfigureAwait(false);
        Say(cli, $"planning in {primary.Region} (primary {primary.FileSystemId}, epoch {primary.Epoch}): {name}");
        return await WaitAsync(cli, new StartOutcome(started.ExecutionArn, name, false, []), args, dryRun: true, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> WaitAsync(CliContext cli, StartOutcome outcome, ReprotectArguments args, bool dryRun, CancellationToken cancellationToken)
    {
        var driver = new FailoverDriver(cli.Aws.Executions, TimeProvider.System);
        var (arn, name, joined) = (outcome.ExecutionArn, outcome.Name, outcome.Joined);
        var waitEnds = DateTimeOffset.UtcNow + args.Timeout;
        try
        {
            var run = await driver.FollowAsync(arn, name, "reprotect", line => Say(cli, line), args.Timeout, cancellationToken).ConfigureAwait(false);
            if (!run.Succeeded && !dryRun && await Starter(cli).JoinTargetOf(run.Execution, cancellationToken).ConfigureAwait(false) is { } other)
            {
                // Another start (the console, a second operator) won the run lock: follow that one.
                (arn, name, joined) = (other, other[(other.LastIndexOf(':') + 1)..], true);
                Say(cli, $"joining the running reprotect: {name}");
                run = await driver.FollowAsync(arn, name, "reprotect", line => Say(cli, line), args.Timeout, cancellationToken).ConfigureAwait(false);
            }

            Report(cli, run, joined, dryRun, toError: dryRun && !args.DryRun);
            return run.Succeeded ? ExitCodes.Ok : ExitCodes.RunFailed;
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is RegionUnreachableException && DateTimeOffset.UtcNow >= waitEnds))
        {
            var what = ex is TimeoutException ? ex.Message : $"{arn} still running after {Durations.ForPeople(args.Timeout)}; it goes on";
            await cli.Error.WriteLineAsync($"efsdr: {what}: follow it with efsdr report {name}, or wait again (efsdr reprotect --wait joins it) with a longer --timeout").ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(new JsonObject { ["executionArn"] = arn, ["name"] = name, ["joined"] = joined, ["status"] = "RUNNING", ["timedOutWaiting"] = true });
            }

            return ExitCodes.WaitTimeout;
        }
    }

    /// <summary>A refusal before anything started: its own line and exit code (5 when a region could not be read, else 3).</summary>
    private static async Task<int> RefuseAsync(CliContext cli, Exception refusal)
    {
        var code = refusal is PrimaryNotProvenException { Unreachable: true } ? ExitCodes.AwsUnreachable : ExitCodes.RunFailed;
        await cli.Error.WriteLineAsync($"efsdr: refused: {ErrorBoundary.OneLine(refusal.Message).TrimEnd('.', ' ')} (exit {code})").ConfigureAwait(false);
        if (cli.Json)
        {
            cli.WriteJson(new JsonObject { ["status"] = "REFUSED", ["reason"] = refusal.Message, ["exitCode"] = code });
        }

        return code;
    }

    private static ReprotectStarter Starter(CliContext cli) =>
        ReprotectStarter.Create(cli.Aws.Executions, cli.Aws.Parameters, cli.ReprotectStateMachineName, cli.StateMachineName, cli.Configuration.FileSystem.Name);

    /// <summary>A progress line: to stderr with --output json, so stdout stays one JSON document.</summary>
    private static void Say(CliContext cli, string line) => cli.Say(line);

    private static void Report(CliContext cli, RunRecord run, bool joined, bool dryRun, bool toError)
    {
        if (cli.Json && !toError)
        {
            cli.WriteJson(new JsonObject
            {
                ["executionArn"] = run.Execution.ExecutionArn,
                ["name"] = run.Execution.Name,
                ["joined"] = joined,
                ["dryRun"] = dryRun,
                ["status"] = run.Execution.Status.ToString().ToUpperInvariant(),
                ["error"] = run.Execution.Error,
                ["cause"] = run.Succeeded ? null : RunRecord.Unwrap(run.Execution.Cause),
                ["durationSeconds"] = Math.Round(run.Duration.TotalSeconds, 3),
                ["plan"] = run.ReprotectPlan is { } plan ? JsonSerializer.SerializeToNode(plan, ReprotectStateJsonContext.Default.ReprotectPlan) : null,
                ["summary"] = run.Reprotect is { } summary ? JsonSerializer.SerializeToNode(summary, ReprotectStateJsonContext.Default.ReprotectSummary) : null,
            });
            return;
        }

        var writer = cli.Json ? cli.Error : cli.Out;
        foreach (var line in dryRun ? PlanLines(run.ReprotectPlan) : SummaryLines(run))
        {
            writer.WriteLine(line);
        }
    }

    /// <summary>The dry run's plan for people: which file system becomes the replica and how, and why; what would be
    /// overwritten or kept; the warnings. Empty without a plan (the run failed before it).</summary>
    internal static IEnumerable<string> PlanLines(ReprotectPlan? plan)
    {
        if (plan is null)
        {
            yield break;
        }

        yield return string.Empty;
        yield return "Plan (nothing was changed):";
        yield return $"  primary         {plan.PrimaryFileSystemId} ({plan.PrimaryRegion}, epoch {plan.Epoch})";
        yield return $"  replica         {ReplicaOf(plan)} ({plan.ReplicaRegion}) — {ReprotectJson.WireName(plan.Action)}";
        yield return $"  why             {plan.Decision}";
        if (plan.OrphanedConfigurationSourceId is { } orphan)
        {
            yield return $"  clean up        the orphaned replication configuration of {orphan} in {plan.ReplicaRegion}";
        }

        yield return plan.Overwrites is { } overwrites ? $"  OVERWRITES      {overwrites}" : "  overwrites      nothing";
        if (plan.KeptFileSystemId is { } kept)
        {
            yield return $"  keeps           {kept} as '{plan.DivergedName}' in {plan.ReplicaRegion} (never deleted by EfsDr)";
        }

        foreach (var warning in plan.Warnings)
        {
            yield return $"  warning         {warning}";
        }
    }

    /// <summary>The real run's summary for people: primary, replica, action, the kept copy, the last replicated time, the steps.</summary>
    internal static IEnumerable<string> SummaryLines(RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Reprotect is not { } summary)
        {
            yield break;
        }

        yield return string.Empty;
        yield return "Summary:";
        yield return $"  primary         {summary.Primary}";
        yield return $"  replica         {summary.Replica} — {ReprotectJson.WireName(summary.Action)}";
        yield return $"  why             {summary.Decision}";
        yield return $"  kept            {summary.Kept ?? "nothing (no diverged copy)"}";
        yield return $"  last replicated {summary.LastReplicatedTimestamp?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "–"} (every change made on the primary before it is on the replica)";
        foreach (var step in summary.Steps)
        {
            yield return $"  step            {step}";
        }

        yield return $"  duration        {Durations.ForPeople(run.Duration)}";
    }

    private static string ReplicaOf(ReprotectPlan plan) => plan.Action switch
    {
        ReprotectAction.IntoNewFileSystem => plan.ReplicaFileSystemId is { } created ? $"the new file system {created}" : "a new file system",
        _ => plan.ReplicaFileSystemId ?? plan.ExPrimaryFileSystemId ?? "–",
    };
}
