using System.CommandLine;
using System.Text.Json.Nodes;
using EfsDr.Core.Deadlines;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;
using EfsDr.Core.Health;
using EfsDr.Core.Health.Checks;
using EfsDr.Core.Model;
using EfsDr.Runs;

namespace EfsDr.Cli.Commands;

/// <summary><c>efsdr status</c>: the active server, each region's file system and replication (state and lag), running executions.</summary>
public static class StatusCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(GlobalOptions global, TextWriter output, TextWriter error)
    {
        var command = new Command("status", "Show the active server (from DNS), the replication state and lag, and the running executions. Exits 5 when nothing answered.");
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, global, output, error, RunAsync, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext cli, CancellationToken cancellationToken)
    {
        var config = cli.Configuration;
        using var deadline = CallDeadline.Within(TimeProvider.System, CliContext.ReadBudget);
        var aws = cli.Aws;
        var snapshot = await new HealthSnapshotReader(config, aws.FileSystems, aws.Replications, aws.NodeAgent, aws.Instances, aws.Dns, TimeProvider.System)
            .ReadStorageAndDnsAsync(cancellationToken).ConfigureAwait(false);
        var active = DnsHealthCheck.ActiveServer(snapshot)?.Name;
        var result = new JsonObject { ["dns"] = Dns(snapshot, active) };
        var regions = new JsonArray();
        foreach (var region in config.Regions)
        {
            regions.Add((JsonNode)await RegionAsync(cli, snapshot, region, cancellationToken).ConfigureAwait(false));
        }

        result["regions"] = regions;
        var exit = NothingAnswered(snapshot, regions) ? ExitCodes.AwsUnreachable : ExitCodes.Ok;
        if (exit != ExitCodes.Ok)
        {
            await cli.Error.WriteLineAsync("efsdr: no region and no DNS answered: check the network, credentials, --region and --endpoint-url, then try again").ConfigureAwait(false);
        }

        if (cli.Json)
        {
            cli.WriteJson(result);
            return exit;
        }

        cli.Out.WriteLine(result["dns"]?["error"] is { } dnsError
            ? $"active server   unknown ({config.Dns.RecordName} could not be read: {dnsError})"
            : $"active server   {active ?? "unknown"} ({config.Dns.RecordName} → {result["dns"]?["value"] ?? "no record"}, TTL {result["dns"]?["ttl"]?.ToString() ?? "–"})");
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
                cli.Out.WriteLine($"  replication   {rep["source"]} → {rep["destination"]}: {rep["status"]}, lag {(rep["lagSeconds"] is { } lag ? Durations.ForPeople(lag.GetValue<double>()) : "unknown")} (RPO {Durations.ForPeople(rep["rpoSeconds"]?.GetValue<int>())}){(rep["statusMessage"] is { } m ? " — " + m : string.Empty)}");
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

        return exit;
    }

    /// <summary>True when neither DNS nor any region's file systems could be read: the blank status would say nothing.</summary>
    private static bool NothingAnswered(HealthSnapshot snapshot, JsonArray regions) =>
        snapshot.Dns is null && regions.OfType<JsonObject>().All(r => r["error"] is not null);

    /// <summary>The record as the health snapshot read it.</summary>
    private static JsonObject Dns(HealthSnapshot snapshot, string? active)
    {
        var name = snapshot.Configuration.Dns.RecordName;
        if (snapshot.Dns is not { } reading)
        {
            return new JsonObject { ["record"] = name, ["error"] = snapshot.DnsFailure?.Message };
        }

        var ip = reading.Record is { Values.Count: > 0 } r ? r.Values[0] : null;
        return new JsonObject { ["record"] = name, ["value"] = ip, ["ttl"] = reading.Record?.Ttl, ["activeServer"] = active };
    }

    /// <summary>One region: its file systems and replication from the health snapshot, and its running executions.</summary>
    private static async Task<JsonObject> RegionAsync(CliContext cli, HealthSnapshot snapshot, string region, CancellationToken cancellationToken)
    {
        var entry = new JsonObject { ["region"] = region };
        if (!snapshot.ByRegion.TryGetValue(region, out var systems))
        {
            var failure = snapshot.UnreadableRegions[region];
            entry["error"] = (failure.Unreachable ? "unreachable: " : "error: ") + failure.ErrorCode;
            return entry;
        }

        entry["fileSystems"] = new JsonArray([.. systems.Select(f => (JsonNode)new JsonObject
        {
            ["fileSystemId"] = f.FileSystemId,
            ["protection"] = f.Protection.ToString().ToUpperInvariant(),
            ["role"] = f.Tags.TryGetValue(EfsDrTags.Role, out var role) ? role : null,
            ["epoch"] = f.Tags.TryGetValue(EfsDrTags.Epoch, out var epoch) ? epoch : null,
        })]);
        foreach (var configurations in snapshot.Sides.Where(s => string.Equals(s.FileSystem.Region, region, StringComparison.Ordinal)).Select(s => s.Configurations))
        {
            if (configurations is { Count: > 0 })
            {
                entry["replication"] = Replication(snapshot, configurations[0]);
            }
            else if (configurations is not null && !entry.ContainsKey("replication"))
            {
                entry["replication"] = "none";
            }
        }

        try
        {
            // Both workflows' runs: a reprotect holds the same run lock as a failover.
            foreach (var name in new[] { cli.StateMachineName, cli.ReprotectStateMachineName })
            {
                var machine = await cli.Aws.Executions.FindStateMachineAsync(region, name, cancellationToken).ConfigureAwait(false);
                if (machine is not null)
                {
                    var running = await cli.Aws.Executions.ListAsync(machine, ExecutionStatus.Running, null, cancellationToken).ConfigureAwait(false);
                    if (entry["runningExecutions"] is not JsonArray list)
                    {
                        list = new JsonArray();
                        entry["runningExecutions"] = list;
                    }

                    foreach (var e in running.Items)
                    {
                        list.Add((JsonNode)new JsonObject { ["name"] = e.Name, ["startDate"] = e.StartDate.ToString("O") });
                    }
                }
            }
        }
        catch (CloudCallFailedException ex) when (ex is RegionUnreachableException or CloudBusyException)
        {
            entry["error"] = "unreachable: " + ex.Code;
        }

        return entry;
    }

    /// <summary>A configuration with its lag as the health check computes it.</summary>
    private static JsonObject Replication(HealthSnapshot snapshot, ReplicationConfiguration r)
    {
        var d = r.Destination;
        return new JsonObject
        {
            ["source"] = $"{r.SourceFileSystemId} ({r.SourceFileSystemRegion})",
            ["destination"] = $"{d.FileSystemId} ({d.Region})",
            ["status"] = d.Status.ToString().ToUpperInvariant(),
            ["statusMessage"] = d.StatusMessage,
            ["lagSeconds"] = ReplicationAssessment.LagOf(snapshot, d) is { } lag ? Math.Round(lag, 1) : null,
            ["rpoSeconds"] = snapshot.Configuration.RpoSeconds,
        };
    }
}
