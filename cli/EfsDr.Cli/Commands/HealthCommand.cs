using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EfsDr.Core.Health;

namespace EfsDr.Cli.Commands;

/// <summary><c>efsdr health</c>: the scheduled health check's findings, read-only, as a table or JSON; exit 6 when one is critical.</summary>
public static class HealthCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(GlobalOptions global, TextWriter output, TextWriter error)
    {
        var document = new Option<string?>("--node-document") { Description = "EfsDr's SSM document name (default: <stack name>-node, as the template names it; see --stack-name)." };
        var command = new Command("health", "Check replication (status, lag against the RPO), names, mount targets, node reachability, the SSM document, DNS and protection. Changes nothing.") { document };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, global, output, error, async (cli, token) =>
        {
            var aws = cli.Aws;
            var report = await new HealthChecker(cli.Configuration, aws.FileSystems, aws.Replications, aws.NodeAgent, aws.Instances, aws.Dns, TimeProvider.System, new HealthCheckOptions(parse.GetValue(document) ?? cli.NodeDocument))
                .CheckAsync(token).ConfigureAwait(false);
            if (cli.Json)
            {
                cli.WriteJson(JsonNode.Parse(JsonSerializer.Serialize(report, HealthJsonContext.Default.HealthReport))!);
            }
            else
            {
                cli.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0} '{1}': replication {2}, lag {3} s (RPO {4} s); healthy {5}, DR ready {6}",
                    report.CheckedAt.ToString("u", CultureInfo.InvariantCulture), report.FileSystemName, report.ReplicationStatus ?? "none",
                    report.ReplicationLagSeconds?.ToString("0", CultureInfo.InvariantCulture) ?? "?", report.RpoSeconds, report.ReplicationHealthy ? "yes" : "NO", report.DrReady ? "yes" : "NO"));
                cli.Out.WriteLine($"{"SEVERITY",-9} {"FINDING",-26} MESSAGE  →  REMEDY");
                foreach (var f in report.Findings)
                {
                    cli.Out.WriteLine($"{f.Severity.ToString().ToUpperInvariant(),-9} {f.Id,-26} {f.Message}{(string.IsNullOrEmpty(f.Remedy) ? string.Empty : "  →  " + f.Remedy)}");
                }
            }

            return report.HasCritical ? ExitCodes.CriticalFinding : ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }
}
