using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using EfsDr.Cli.Runs;
using EfsDr.Core.Model;

namespace EfsDr.Cli.Commands;

/// <summary><c>efsdr runs</c> and <c>efsdr report RUN</c>.</summary>
public static class RunsCommand
{
    /// <summary>Builds <c>runs</c>.</summary>
    public static Command Create(GlobalOptions global, TextWriter output, TextWriter error)
    {
        var max = new Option<int>("--max") { Description = "At most this many runs per region (default 20).", DefaultValueFactory = _ => 20 };
        var command = new Command("runs", "List recent failover runs in each region (or --region), newest first.") { max };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, global, output, error, async (cli, token) =>
        {
            var limit = parse.GetValue(max);
            if (limit is < 1 or > 1000)
            {
                throw new UsageException("--max: must be 1–1000");
            }

            var rows = new JsonArray();
            foreach (var region in Regions(cli))
            {
                var machine = await cli.Aws.Executions.FindStateMachineAsync(region, cli.StateMachineName, token).ConfigureAwait(false);
                if (machine is null)
                {
                    continue;
                }

                var page = await cli.Aws.Executions.ListAsync(machine, null, null, token).ConfigureAwait(false);
                foreach (var e in page.Items.OrderByDescending(e => e.StartDate).Take(limit))
                {
                    rows.Add((JsonNode)new JsonObject
                    {
                        ["region"] = region,
                        ["name"] = e.Name,
                        ["status"] = e.Status.ToString().ToUpperInvariant(),
                        ["startDate"] = e.StartDate.ToString("O"),
                        ["durationSeconds"] = e.StopDate is { } stop ? Math.Round((stop - e.StartDate).TotalSeconds, 1) : null,
                        ["executionArn"] = e.ExecutionArn,
                    });
                }
            }

            if (cli.Json)
            {
                cli.WriteJson(rows);
            }
            else
            {
                foreach (var r in rows)
                {
                    cli.Out.WriteLine($"{r!["startDate"],-34} {r["region"],-10} {r["status"],-10} {r["durationSeconds"]?.ToString() ?? "…",8} s  {r["name"]}");
                }
            }

            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    /// <summary>Builds <c>report</c>.</summary>
    public static Command CreateReport(GlobalOptions global, TextWriter output, TextWriter error)
    {
        var run = new Argument<string>("RUN") { Description = "The run's name (as in efsdr runs) or execution ARN." };
        var format = new Option<string>("--format") { Description = "markdown (default) or svg.", DefaultValueFactory = _ => "markdown" };
        var command = new Command("report", "Per-step timings, RTO and data-loss window of one run, as markdown or an SVG timeline.") { run, format };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, global, output, error, async (cli, token) =>
        {
            var kind = parse.GetValue(format);
            if (kind is not ("markdown" or "svg"))
            {
                throw new UsageException($"--format: '{kind}' is not markdown or svg");
            }

            var arn = await FindAsync(cli, parse.GetValue(run)!, token).ConfigureAwait(false);
            var execution = await cli.Aws.Executions.DescribeAsync(arn, token).ConfigureAwait(false);
            var history = await FailoverDriver.HistoryAsync(cli.Aws.Executions, arn, token).ConfigureAwait(false);

            JsonElement? summary = execution.Status == ExecutionStatus.Succeeded && !string.IsNullOrEmpty(execution.Output) ? JsonDocument.Parse(execution.Output).RootElement.Clone() : null;
            var target = summary is { } s && s.TryGetProperty("activeServer", out var a) ? a.GetString() ?? "?" : "?";
            var record = new RunRecord(execution.Name, target, execution, history, summary);
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
                    ["summary"] = summary is { } sum ? JsonNode.Parse(sum.GetRawText()) : null,
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

    private static IEnumerable<string> Regions(CliContext cli) =>
        cli.Parse.GetValue<string?>("--region") is { } region ? [region] : cli.Configuration.Regions;

    private static async Task<string> FindAsync(CliContext cli, string run, CancellationToken cancellationToken)
    {
        if (run.StartsWith("arn:", StringComparison.Ordinal))
        {
            return run;
        }

        foreach (var region in Regions(cli))
        {
            var machine = await cli.Aws.Executions.FindStateMachineAsync(region, cli.StateMachineName, cancellationToken).ConfigureAwait(false);
            if (machine is null)
            {
                continue;
            }

            string? token = null;
            do
            {
                var page = await cli.Aws.Executions.ListAsync(machine, null, token, cancellationToken).ConfigureAwait(false);
                if (page.Items.FirstOrDefault(e => e.Name == run) is { } found)
                {
                    return found.ExecutionArn;
                }

                token = page.NextToken;
            }
            while (token is not null);
        }

        throw new UsageException($"RUN: no run named '{run}' (see efsdr runs)");
    }
}
