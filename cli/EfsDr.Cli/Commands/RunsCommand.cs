using System.CommandLine;
using System.Text.Json.Nodes;
using EfsDr.Core.Deadlines;
using EfsDr.Core.Model;
using EfsDr.Runs;

namespace EfsDr.Cli.Commands;

/// <summary><c>efsdr runs</c> and <c>efsdr report RUN</c>.</summary>
public static class RunsCommand
{
    /// <summary>Builds <c>runs</c>.</summary>
    public static Command Create(GlobalOptions global, TextWriter output, TextWriter error)
    {
        var max = new Option<int>("--max") { Description = "At most this many runs in all, the newest across regions (1–1000, default 20).", DefaultValueFactory = _ => 20, HelpName = "n" };
        var command = new Command("runs", "List recent runs (failovers and reprotects) across the cluster's regions (or --region), newest first; an unreachable region is marked, not fatal.") { max };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, global, output, error, async (cli, token) =>
        {
            var limit = parse.GetValue(max);
            if (limit is < 1 or > 1000)
            {
                throw new UsageException("--max: must be 1–1000");
            }

            using var deadline = CallDeadline.Within(TimeProvider.System, CliContext.ReadBudget);
            var regions = Regions(cli);
            var listing = await RunLister.ListAsync(cli.Aws.Executions, [cli.StateMachineName, cli.ReprotectStateMachineName], regions, limit, token).ConfigureAwait(false);
            WriteListing(cli, listing);

            // What was found is worth exit 0 even with a region down; with no region answering there is nothing to show.
            return listing.RegionsRead == 0 && regions.Count > 0 ? ExitCodes.AwsUnreachable : ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static void WriteListing(CliContext cli, RunListing listing)
    {
        var rows = new JsonArray([.. listing.Runs.Select(r => (JsonNode)new JsonObject
        {
            ["region"] = r.Region,
            ["name"] = r.Execution.Name,
            ["status"] = r.Execution.Status.ToString().ToUpperInvariant(),
            ["startDate"] = r.Execution.StartDate.ToString("O"),
            ["durationSeconds"] = r.Execution.StopDate is { } stop ? Math.Round((stop - r.Execution.StartDate).TotalSeconds, 1) : null,
            ["executionArn"] = r.Execution.ExecutionArn,
        })]);
        if (cli.Json)
        {
            cli.WriteJson(new JsonObject
            {
                ["runs"] = rows,
                ["unreachableRegions"] = new JsonArray([.. listing.Unreachable.Select(u => (JsonNode)new JsonObject { ["region"] = u.Region, ["reason"] = u.Reason })]),
            });
            return;
        }

        foreach (var r in rows)
        {
            cli.Out.WriteLine($"{r!["startDate"],-34} {r["region"],-10} {r["status"],-10} {(r["durationSeconds"] is { } d ? Durations.ForPeople(d.GetValue<double>()) : "…"),12}  {r["name"]}");
        }

        foreach (var u in listing.Unreachable)
        {
            cli.Out.WriteLine($"{u.Region}: unreachable ({u.Reason}) — runs there not listed");
        }
    }

    /// <summary>Builds <c>report</c>.</summary>
    public static Command CreateReport(GlobalOptions global, TextWriter output, TextWriter error)
    {
        var run = new Argument<string>("RUN") { Description = "The run's name (as in efsdr runs; a reprotect's reprotect-N) or execution ARN." };
        var format = new Option<string>("--format") { Description = "markdown (default) or svg.", DefaultValueFactory = _ => "markdown", HelpName = "markdown|svg" };
        var command = new Command("report", "Per-step timings, RTO, data-loss window and sync wait of one run (a failover or a reprotect), as markdown or an SVG timeline.") { run, format };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, global, output, error, async (cli, token) =>
        {
            var kind = parse.GetValue(format);
            if (kind is not ("markdown" or "svg"))
            {
                throw new UsageException($"--format: '{kind}' is not markdown or svg");
            }

            using var deadline = CallDeadline.Within(TimeProvider.System, CliContext.ReadBudget);
            var name = parse.GetValue(run)!;
            var arn = await FindAsync(cli, name, token).ConfigureAwait(false);
            if (arn is null)
            {
                return ExitCodes.AwsUnreachable;
            }

            Execution execution;
            List<HistoryEvent> history;
            try
            {
                // One DescribeExecution and one read of each history page: a report costs a handful of calls, once.
                execution = await cli.Aws.Executions.DescribeAsync(arn, token).ConfigureAwait(false);
                history = await FailoverDriver.HistoryAsync(cli.Aws.Executions, arn, token).ConfigureAwait(false);
            }
            catch (Exception ex) when (RunLister.IsUnreachable(ex))
            {
                var failure = UnreachableRegion.From(RunLister.RegionOf(arn) ?? "the run's region", ex);
                await cli.Error.WriteLineAsync($"efsdr: {failure.Region}: unreachable ({failure.Reason}) — run {name} is there and cannot be read now").ConfigureAwait(false);
                return ExitCodes.AwsUnreachable;
            }

            var workflow = Core.Workflows.WorkflowDescription.Of(execution.StateMachineArn, history).Kind;
            var summary = execution.Status == ExecutionStatus.Succeeded && workflow == Core.Workflows.WorkflowKind.Failover ? Core.Failover.EfsDrJson.ParseSummary(execution.Output) : null;
            var reprotect = workflow == Core.Workflows.WorkflowKind.Reprotect && execution.Status == ExecutionStatus.Succeeded ? RunRecord.ParseReprotectSummary(execution.Output) : null;
            var target = reprotect?.Replica ?? summary?.ActiveServer ?? "?";
            var record = new RunRecord(execution.Name, target, execution, history, summary) { Workflow = workflow };
            if (cli.Json)
            {
                cli.WriteJson(new JsonObject
                {
                    ["name"] = execution.Name,
                    ["status"] = execution.Status.ToString().ToUpperInvariant(),
                    ["rtoSeconds"] = Math.Round(record.Duration.TotalSeconds, 3),
                    ["transitions"] = record.Transitions,
                    ["lambdaInvocations"] = record.LambdaInvocations,
                    ["overheadSeconds"] = Math.Round(RunReport.OverheadSeconds(record), 3),
                    ["phases"] = new JsonArray([.. RunReport.Timeline(record).Select(b => (JsonNode)new JsonObject { ["phase"] = b.Phase, ["startSeconds"] = Math.Round(b.StartSeconds, 3), ["endSeconds"] = Math.Round(b.EndSeconds, 3) })]),
                    ["summary"] = summary is null ? null : System.Text.Json.JsonSerializer.SerializeToNode(summary, Core.Failover.StateJsonContext.Default.RunSummary),
                    ["workflow"] = workflow.ToString().ToLowerInvariant(),
                    ["syncWaitSeconds"] = Math.Round(RunReport.SyncWaitSeconds(record), 3),
                    ["reprotect"] = reprotect is null ? null : System.Text.Json.JsonSerializer.SerializeToNode(reprotect, Core.Reprotect.ReprotectStateJsonContext.Default.ReprotectSummary),
                });
            }
            else
            {
                cli.Out.Write(kind == "svg" ? RunReport.Svg([record]) : $"# EfsDr run {execution.Name}\n" + RunReport.Markdown([record], "Run", execution.Name + ".svg"));
            }

            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    private static IReadOnlyList<string> Regions(CliContext cli) =>
        cli.Parse.GetValue<string?>("--region") is { } region ? [region] : cli.Configuration.Regions;

    /// <summary>The run's ARN: given, or found by name in the regions that answer. Null (after one line on stderr) when it was not
    /// found and a region that could hold it did not answer; a usage error when every region answered and none has it.</summary>
    private static async Task<string?> FindAsync(CliContext cli, string run, CancellationToken cancellationToken)
    {
        if (run.StartsWith("arn:", StringComparison.Ordinal))
        {
            return run;
        }

        var regions = Regions(cli);
        // Reprotect runs are named reprotect-N (or reprotect-plan-… for a dry run) and live in the reprotect state machine.
        var machine = run.StartsWith("reprotect-", StringComparison.Ordinal) ? cli.ReprotectStateMachineName : cli.StateMachineName;
        var lookup = await RunLister.FindByNameAsync(cli.Aws.Executions, machine, regions, run, cancellationToken).ConfigureAwait(false);
        if (lookup.ExecutionArn is not null)
        {
            foreach (var u in lookup.Unreachable)
            {
                await cli.Error.WriteLineAsync($"efsdr: note: {u.Region}: unreachable ({u.Reason}) — not searched").ConfigureAwait(false);
            }

            return lookup.ExecutionArn;
        }

        if (lookup.Unreachable.Count == 0)
        {
            throw new UsageException($"RUN: no run named '{run}' (see efsdr runs)");
        }

        var searched = regions.Where(r => lookup.Unreachable.All(u => u.Region != r)).ToList();
        await cli.Error.WriteLineAsync(
            $"efsdr: RUN: no run named '{run}' in {(searched.Count == 0 ? "any region that answered" : string.Join(", ", searched))}; "
            + string.Join("; ", lookup.Unreachable.Select(u => $"{u.Region}: unreachable ({u.Reason})"))
            + " — it may be there").ConfigureAwait(false);
        return null;
    }
}
