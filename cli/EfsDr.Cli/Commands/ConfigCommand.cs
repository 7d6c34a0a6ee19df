using System.CommandLine;
using System.Text.Json.Nodes;
using EfsDr.Aws;
using EfsDr.Core.Configuration;
using EfsDr.Core.Deadlines;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;

namespace EfsDr.Cli.Commands;

/// <summary>
/// <c>efsdr config validate|push|diff</c>. The configuration file is the source: <c>push</c> writes it, validated, to
/// each region's SSM parameter <c>/&lt;stack&gt;/configuration</c> (which the stack's functions read), and <c>diff</c>
/// reports where a region's stored configuration, or the template parameters that repeat parts of it, differ from it.
/// </summary>
public static class ConfigCommand
{
    /// <summary>The most one region's read or write may take, retries included (the SSM adapter's retries fit inside).</summary>
    public static readonly TimeSpan RegionBudget = TimeSpan.FromSeconds(30);

    /// <summary>Builds <c>config</c> with <c>validate</c>, <c>push</c> and <c>diff</c>.</summary>
    public static Command Create(GlobalOptions global, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(global);
        return new Command("config", "Cluster configuration: check it, store it in each region, compare it with what is deployed.")
        {
            CreateValidate(global, output, error),
            CreatePush(global, output, error),
            CreateDiff(global, output, error),
        };
    }

    private static Command CreateValidate(GlobalOptions global, TextWriter output, TextWriter error)
    {
        var file = new Argument<string>("FILE") { Description = "A cluster configuration JSON file." };
        var validate = new Command("validate", "Check a cluster configuration; every problem names its field.") { file };
        validate.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, global, output, error, (cli, _) =>
        {
            var path = parse.GetValue(file)!;
            if (Read(cli, path) is not { } configuration)
            {
                return Task.FromResult(ExitCodes.Usage);
            }

            if (cli.Json)
            {
                cli.WriteJson(new JsonObject { ["valid"] = true, ["servers"] = configuration.Servers.Count, ["regions"] = new JsonArray([.. configuration.Regions.Select(r => (JsonNode)r)]) });
            }
            else
            {
                cli.Out.WriteLine($"{path}: valid ({configuration.Servers.Count} servers in {string.Join(", ", configuration.Regions)}; file system '{configuration.FileSystem.Name}')");
            }

            return Task.FromResult(ExitCodes.Ok);
        }, cancellationToken));
        return validate;
    }

    private static Command CreatePush(GlobalOptions global, TextWriter output, TextWriter error)
    {
        var file = new Argument<string?>("FILE") { Description = "The cluster configuration JSON file (default: --config).", Arity = ArgumentArity.ZeroOrOne };
        var push = new Command("push", "Validate the configuration, then write it to the SSM parameter /<stack>/configuration in --region, or in every region of the configuration. The stack's functions read it there.") { file };
        push.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, global, output, error, async (cli, token) =>
        {
            var path = parse.GetValue(file) ?? cli.ConfigPath;
            var text = CliContext.ReadConfigurationText(path, "FILE");
            if (Read(cli, path, text) is not { } configuration)
            {
                return ExitCodes.Usage;
            }

            var results = new JsonArray();
            var exit = ExitCodes.Ok;
            foreach (var region in Regions(parse, global, configuration))
            {
                var outcome = await TryAsync(() => cli.Aws.Parameters.PutAsync(region, cli.ConfigurationParameter, text, token)).ConfigureAwait(false);
                var line = outcome is null
                    ? $"{region}: pushed {path} to {cli.ConfigurationParameter} ({EfsDrJson.DescribeSize(System.Text.Encoding.UTF8.GetByteCount(text))})"
                    : $"{region}: NOT pushed: {outcome.Value.Reason}; run efsdr config push again once it answers";
                exit = Math.Max(exit, outcome?.Exit ?? ExitCodes.Ok);
                if (!cli.Json)
                {
                    (outcome is null ? cli.Out : cli.Error).WriteLine(line);
                }

                results.Add((JsonNode)new JsonObject { ["region"] = region, ["parameter"] = cli.ConfigurationParameter, ["pushed"] = outcome is null, ["reason"] = outcome?.Reason });
            }

            if (cli.Json)
            {
                cli.WriteJson(new JsonObject { ["file"] = path, ["regions"] = results });
            }

            return exit;
        }, cancellationToken));
        return push;
    }

    private static Command CreateDiff(GlobalOptions global, TextWriter output, TextWriter error)
    {
        var file = new Argument<string?>("FILE") { Description = "The cluster configuration JSON file (default: --config).", Arity = ArgumentArity.ZeroOrOne };
        var diff = new Command("diff", $"Compare the configuration file with each region's stored configuration (/<stack>/configuration) and with the template parameters that repeat it (the stack records them in /<stack>/stack-parameters). Exits {ExitCodes.Drift} on a difference. Changes nothing.") { file };
        diff.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, global, output, error, async (cli, token) =>
        {
            var path = parse.GetValue(file) ?? cli.ConfigPath;
            if (Read(cli, path) is not { } configuration)
            {
                return ExitCodes.Usage;
            }

            var reports = new List<RegionDrift>();
            foreach (var region in Regions(parse, global, configuration))
            {
                reports.Add(await DiffAsync(cli, region, configuration, token).ConfigureAwait(false));
            }

            Print(cli, path, reports);
            return reports.Any(r => r.Problems.Count > 0) ? ExitCodes.Drift : reports.Max(r => r.Exit);
        }, cancellationToken));
        return diff;
    }

    /// <summary>What one region holds against the file.</summary>
    private sealed record RegionDrift(string Region, IReadOnlyList<string> Problems, string? Unreadable = null, int Exit = ExitCodes.Ok);

    private static async Task<RegionDrift> DiffAsync(CliContext cli, string region, ClusterConfiguration file, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        string? stored = null, stack = null;
        var outcome = await TryAsync(async () => stored = await cli.Aws.Parameters.GetAsync(region, cli.ConfigurationParameter, cancellationToken).ConfigureAwait(false), notFound: true).ConfigureAwait(false)
            ?? await TryAsync(async () => stack = await cli.Aws.Parameters.GetAsync(region, StackNames.StackParametersParameter(cli.StackName), cancellationToken).ConfigureAwait(false), notFound: true).ConfigureAwait(false);
        if (outcome is { Exit: not ExitCodes.Ok } failed)
        {
            return new RegionDrift(region, [], failed.Reason, failed.Exit);
        }

        if (stored is null)
        {
            problems.Add($"{cli.ConfigurationParameter} does not exist: run efsdr config push --region {region}");
        }
        else
        {
            try
            {
                problems.AddRange(ConfigurationDrift.Compare(file, EfsDrJson.ParseConfiguration(stored, AwsRegions.IsKnown))
                    .Select(d => $"{d.Field}: file {Shown(d.FileValue)}, stored {Shown(d.DeployedValue)}: run efsdr config push --region {region}"));
            }
            catch (InvalidConfigurationException ex)
            {
                problems.Add($"{cli.ConfigurationParameter} is not a valid configuration ({ClusterConfigurationValidator.Shorten(ex.Message)}): run efsdr config push --region {region}");
            }
        }

        var recorded = ConfigurationDrift.ParseStackParameters(stack);
        if (recorded is null)
        {
            problems.Add($"{StackNames.StackParametersParameter(cli.StackName)} {(stack is null ? "does not exist" : "is not readable")}: is the stack deployed in {region} as '{cli.StackName}' (--stack-name)?");
        }
        else
        {
            problems.AddRange(ConfigurationDrift.Compare(file, recorded, region)
                .Select(d => $"template parameter {d.Field}: file {Shown(d.FileValue)}, stack {Shown(d.DeployedValue)}: deploy the stack in {region} with the file's value"));
        }

        return new RegionDrift(region, problems);
    }

    private static void Print(CliContext cli, string path, List<RegionDrift> reports)
    {
        if (cli.Json)
        {
            cli.WriteJson(new JsonObject
            {
                ["file"] = path,
                ["parameter"] = cli.ConfigurationParameter,
                ["drift"] = reports.Any(r => r.Problems.Count > 0),
                ["regions"] = new JsonArray([.. reports.Select(r => (JsonNode)new JsonObject
                {
                    ["region"] = r.Region,
                    ["status"] = r.Unreadable is not null ? "unreadable" : r.Problems.Count > 0 ? "drift" : "same",
                    ["differences"] = new JsonArray([.. r.Problems.Select(p => (JsonNode)p)]),
                    ["reason"] = r.Unreadable,
                })]),
            });
            return;
        }

        foreach (var report in reports)
        {
            if (report.Unreadable is not null)
            {
                cli.Error.WriteLine($"efsdr: {report.Region}: could not be read ({report.Unreadable}); not compared");
                continue;
            }

            cli.Out.WriteLine(report.Problems.Count == 0
                ? $"{report.Region}: same as {path} ({cli.ConfigurationParameter} and the stack's parameters)"
                : $"{report.Region}: {report.Problems.Count} difference{(report.Problems.Count == 1 ? string.Empty : "s")} from {path}");
            foreach (var problem in report.Problems)
            {
                cli.Out.WriteLine("  " + problem);
            }
        }
    }

    /// <summary>Reads and validates a file; on an invalid configuration writes every problem (one line each) and
    /// returns null. Missing files, directories and oversized files are <see cref="UsageException"/>s.</summary>
    private static ClusterConfiguration? Read(CliContext cli, string path, string? text = null)
    {
        try
        {
            return EfsDrJson.ParseConfiguration(text ?? CliContext.ReadConfigurationText(path, "FILE"), AwsRegions.IsKnown);
        }
        catch (InvalidConfigurationException ex)
        {
            if (cli.Json)
            {
                cli.WriteJson(new JsonObject { ["valid"] = false, ["errors"] = new JsonArray([.. ex.Errors.Select(e => (JsonNode)new JsonObject { ["field"] = e.Field, ["message"] = e.Message })]) });
            }
            else
            {
                foreach (var e in ex.Errors)
                {
                    cli.Error.WriteLine($"{ClusterConfigurationValidator.Shorten(path)}: {e.Field}: {e.Message}");
                }
            }

            return null;
        }
    }

    /// <summary>--region when given (it must host a server of the configuration), else every region of the configuration.</summary>
    private static IReadOnlyList<string> Regions(ParseResult parse, GlobalOptions global, ClusterConfiguration configuration)
    {
        if (parse.GetValue(global.Region) is not { } region)
        {
            return configuration.Regions;
        }

        return configuration.Regions.Contains(region, StringComparer.Ordinal)
            ? [region]
            : throw new UsageException($"--region: '{ClusterConfigurationValidator.Shorten(region)}' hosts no server of this configuration ({string.Join(", ", configuration.Regions)}); give one of those, or leave --region out for all of them");
    }

    /// <summary>Runs one region's call within <see cref="RegionBudget"/>: null when it worked; otherwise the exit code
    /// and reason (ParameterNotFound counts as worked when <paramref name="notFound"/> says so).</summary>
    private static async Task<(int Exit, string Reason)?> TryAsync(Func<Task> call, bool notFound = false)
    {
        using var deadline = CallDeadline.Within(TimeProvider.System, RegionBudget);
        try
        {
            await call().ConfigureAwait(false);
            return null;
        }
        catch (StoredParameterNotFoundException) when (notFound)
        {
            return null;
        }
        catch (CloudCallFailedException ex) when (ex is RegionUnreachableException or CloudBusyException)
        {
            return (ExitCodes.AwsUnreachable, $"{ex.GetType().Name}: {ClusterConfigurationValidator.Shorten(ex.Message)}");
        }
        catch (CloudCallFailedException ex)
        {
            return (ExitCodes.Unexpected, $"{ex.GetType().Name}: {ClusterConfigurationValidator.Shorten(ex.Message)}");
        }
    }

    private static string Shown(string? value) => value is null ? "(none)" : ClusterConfigurationValidator.Shorten(value);
}
