using System.CommandLine;
using System.Text.Json.Nodes;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;

namespace EfsDr.Cli.Commands;

/// <summary><c>efsdr status</c>: the active server, each region's file system and replication (state and lag), running executions.</summary>
public static class StatusCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(GlobalOptions global, TextWriter output, TextWriter error)
    {
        var command = new Command("status", "Show the active server (from DNS), the replication state and lag, and the running executions.");
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, global, output, error, RunAsync, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext cli, CancellationToken cancellationToken)
    {
        var config = cli.Configuration;
        var aws = cli.Aws;
        var result = new JsonObject();
        string? active = null;
        try
        {
            var record = await aws.Dns.GetRecordAsync(config.Dns.HostedZoneId, config.Dns.RecordName, "A", cancellationToken).ConfigureAwait(false);
            var ip = record is { Values.Count: > 0 } ? record.Values[0] : null;
            active = config.Servers.FirstOrDefault(s => s.PrivateIp == ip)?.Name;
            result["dns"] = new JsonObject { ["record"] = config.Dns.RecordName, ["value"] = ip, ["ttl"] = record?.Ttl, ["activeServer"] = active };
        }
        catch (AwsServiceException ex)
        {
            result["dns"] = new JsonObject { ["record"] = config.Dns.RecordName, ["error"] = ex.Message };
        }

        var regions = new JsonArray();
        foreach (var region in config.Regions)
        {
            var entry = new JsonObject { ["region"] = region };
            try
            {
                var systems = await aws.FileSystems.FindByNameAsync(region, config.FileSystem.Name, cancellationToken).ConfigureAwait(false);
                entry["fileSystems"] = new JsonArray([.. systems.Select(f => (JsonNode)new JsonObject
                {
                    ["fileSystemId"] = f.FileSystemId,
                    ["protection"] = f.Protection.ToString().ToUpperInvariant(),
                    ["role"] = f.Tags.TryGetValue("efsdr:role", out var role) ? role : null,
                    ["epoch"] = f.Tags.TryGetValue("efsdr:epoch", out var epoch) ? epoch : null,
                })]);
                foreach (var fs in systems)
                {
                    try
                    {
                        var replications = await aws.Replications.DescribeReplicationsAsync(region, fs.FileSystemId, cancellationToken).ConfigureAwait(false);
                        var r = replications[0];
                        var d = r.Destination;
                        entry["replication"] = new JsonObject
                        {
                            ["source"] = $"{r.SourceFileSystemId} ({r.SourceFileSystemRegion})",
                            ["destination"] = $"{d.FileSystemId} ({d.Region})",
                            ["status"] = d.Status.ToString().ToUpperInvariant(),
                            ["statusMessage"] = d.StatusMessage,
                            ["lagSeconds"] = d.LastReplicatedTimestamp is { } last ? Math.Round((DateTimeOffset.UtcNow - last).TotalSeconds, 1) : null,
                            ["rpoSeconds"] = config.RpoSeconds,
                        };
                    }
                    catch (ReplicationNotFoundException)
                    {
                        entry["replication"] ??= "none";
                    }
                }

                var machine = await aws.Executions.FindStateMachineAsync(region, cli.StateMachineName, cancellationToken).ConfigureAwait(false);
                if (machine is not null)
                {
                    var running = await aws.Executions.ListAsync(machine, ExecutionStatus.Running, null, cancellationToken).ConfigureAwait(false);
                    entry["runningExecutions"] = new JsonArray([.. running.Items.Select(e => (JsonNode)new JsonObject { ["name"] = e.Name, ["startDate"] = e.StartDate.ToString("O") })]);
                }
            }
            catch (AwsServiceException ex) when (ex is AwsUnreachableException or AwsTransientException)
            {
                entry["error"] = "unreachable: " + ex.ErrorCode;
            }

            regions.Add((JsonNode)entry);
        }

        result["regions"] = regions;
        if (cli.Json)
        {
            cli.WriteJson(result);
            return ExitCodes.Ok;
        }

        cli.Out.WriteLine($"active server   {active ?? "unknown"} ({config.Dns.RecordName} → {result["dns"]?["value"]}, TTL {result["dns"]?["ttl"]})");
        foreach (var region in regions.OfType<JsonObject>())
        {
            cli.Out.WriteLine($"{region["region"]}");
            if (region["error"] is { } e)
            {
                cli.Out.WriteLine($"  {e}");
                continue;
            }

            foreach (var fs in region["fileSystems"]?.AsArray() ?? [])
            {
                cli.Out.WriteLine($"  file system   {fs?["fileSystemId"]} protection {fs?["protection"]}{(fs?["role"] is { } r ? $", efsdr {r} epoch {fs?["epoch"]}" : string.Empty)}");
            }

            if (region["replication"] is JsonObject rep)
            {
                cli.Out.WriteLine($"  replication   {rep["source"]} → {rep["destination"]}: {rep["status"]}, lag {rep["lagSeconds"]?.ToString() ?? "unknown"} s (RPO {rep["rpoSeconds"]} s){(rep["statusMessage"] is { } m ? " — " + m : string.Empty)}");
            }
            else
            {
                cli.Out.WriteLine("  replication   none");
            }

            foreach (var run in region["runningExecutions"]?.AsArray() ?? [])
            {
                cli.Out.WriteLine($"  running       {run?["name"]} since {run?["startDate"]}");
            }
        }

        return ExitCodes.Ok;
    }
}
