using System.CommandLine;
using System.Text.Json.Nodes;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;

namespace EfsDr.Cli.Commands;

/// <summary><c>efsdr config validate FILE</c>.</summary>
public static class ConfigCommand
{
    /// <summary>Builds <c>config</c> with <c>validate</c>.</summary>
    public static Command Create(GlobalOptions global, TextWriter output, TextWriter error)
    {
        var file = new Argument<string>("FILE") { Description = "A cluster configuration JSON file." };
        var validate = new Command("validate", "Check a cluster configuration; every problem names its field.") { file };
        validate.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, global, output, error, (cli, _) =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                throw new UsageException($"FILE: {path} does not exist");
            }

            try
            {
                var configuration = EfsDrJson.ParseConfiguration(File.ReadAllText(path));
                if (cli.Json)
                {
                    cli.WriteJson(new JsonObject { ["valid"] = true, ["servers"] = configuration.Servers.Count, ["regions"] = new JsonArray([.. configuration.Regions.Select(r => (JsonNode)r)]) });
                }
                else
                {
                    cli.Out.WriteLine($"{path}: valid ({configuration.Servers.Count} servers in {string.Join(", ", configuration.Regions)}; file system '{configuration.FileSystem.Name}')");
                }

                return Task.FromResult(ExitCodes.Ok);
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
                        cli.Error.WriteLine($"{path}: {e.Field}: {e.Message}");
                    }
                }

                return Task.FromResult(ExitCodes.Usage);
            }
        }, cancellationToken));
        return new Command("config", "Cluster configuration.") { validate };
    }
}
