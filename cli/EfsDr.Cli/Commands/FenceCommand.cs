using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EfsDr.Core.Failover;

namespace EfsDr.Cli.Commands;

/// <summary>
/// <c>efsdr fence [--dry-run]</c>: one writer after a failover. Finds the unfenced ex-primaries (writable copies with the
/// Name and a lower epoch than the primary), deactivates the servers of their region and fences each (protection
/// DISABLED, read-only, tagged fenced). It never deletes anything.
/// </summary>
public static class FenceCommand
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>Builds the command.</summary>
    public static Command Create(GlobalOptions global, TextWriter output, TextWriter error)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would be deactivated and fenced; change nothing." };
        var nodeTimeout = new Option<string>("--node-timeout") { Description = "Longest wait for the servers to deactivate before fencing anyway (90s, 5m; default 5m).", DefaultValueFactory = _ => "5m" };
        var document = new Option<string?>("--node-document") { Description = "EfsDr's SSM document name (default: <stack name>-node, as the template names it; see --stack-name)." };
        var command = new Command("fence", "After a failover whose ex-primary was not fenced: stop the application on the ex-primary's servers and make the ex-primary read-only (protection DISABLED, tagged efsdr:role=fenced). Deletes nothing.")
        {
            dryRun, nodeTimeout, document,
        };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, global, output, error, (cli, token) =>
            RunAsync(cli, parse.GetValue(dryRun), CliContext.ParseDuration(parse.GetValue(nodeTimeout)!, "--node-timeout"), parse.GetValue(document) ?? cli.NodeDocument, token), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext cli, bool dryRun, TimeSpan nodeTimeout, string document, CancellationToken cancellationToken)
    {
        var aws = cli.Aws;
        var fencing = new FencingService(cli.Configuration, aws.FileSystems, aws.NodeAgent, document, TimeProvider.System);
        var survey = await fencing.FindUnfencedAsync(cancellationToken).ConfigureAwait(false);
        var runId = $"efsdr-fence-{DateTimeOffset.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
        var results = new List<FencingResult>();
        Say(cli, Headline(survey));
        if (survey.Unfenced.Count == 0)
        {
            Say(cli, survey.Unreachable.Count == 0 ? "nothing to fence" : "nothing to fence in the regions that answered");
        }

        foreach (var copy in survey.Unfenced)
        {
            if (dryRun)
            {
                Say(cli, $"{copy.FileSystemId} ({copy.Region}, epoch {copy.Epoch}): unfenced ex-primary. Would deactivate {Servers(cli, copy.Region, survey)}, then set protection DISABLED (read-only) and tag {EfsDrTags.Role}={EfsDrTags.Fenced}, {EfsDrTags.FencedEpoch}={survey.Primary!.Epoch}.");
                continue;
            }

            Say(cli, $"{copy.FileSystemId} ({copy.Region}, epoch {copy.Epoch}): unfenced ex-primary; fencing for {survey.Primary!.FileSystemId} (epoch {survey.Primary.Epoch})");
            var nodes = await DeactivateAsync(cli, fencing, copy, survey.Primary, runId, nodeTimeout, cancellationToken).ConfigureAwait(false);
            var result = await fencing.FenceAsync(copy.Region, copy.FileSystemId, survey.Primary.Epoch, runId, cancellationToken).ConfigureAwait(false) with { Nodes = nodes };
            Say(cli, $"  {(result.Fenced ? "fenced" : "NOT fenced")}: {result.Detail}");
            results.Add(result);
        }

        if (cli.Json)
        {
            var json = JsonSerializer.SerializeToNode(survey, FencingJsonContext.Default.FencingSurvey)!.AsObject();
            json["dryRun"] = dryRun;
            json["runId"] = results.Count == 0 ? null : runId;
            json["results"] = JsonSerializer.SerializeToNode(results, FencingJsonContext.Default.IReadOnlyListFencingResult);
            cli.WriteJson(json);
        }

        return Exit(cli, survey, results, dryRun);
    }

    private static async Task<IReadOnlyList<NodeDeactivation>> DeactivateAsync(CliContext cli, FencingService fencing, FileSystemCopy copy, FileSystemCopy primary, string runId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (string.Equals(copy.Region, primary.Region, StringComparison.Ordinal))
        {
            Say(cli, $"  servers of {copy.Region} not deactivated: that region also holds the primary");
            return [];
        }

        var nodes = await fencing.DeactivateAsync(copy.Region, copy.FileSystemId, runId, cancellationToken).ConfigureAwait(false);
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (nodes.Any(n => n.Status == NodeDeactivationStatus.Pending) && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(CheckInterval, cancellationToken).ConfigureAwait(false);
            nodes = await fencing.CheckDeactivationAsync(nodes, cancellationToken).ConfigureAwait(false);
        }

        foreach (var node in nodes)
        {
            var state = node.Status == NodeDeactivationStatus.Pending ? $"still pending after {timeout.TotalSeconds:0} s (fencing anyway)" : Label(node.Status);
            Say(cli, $"  {node.Server,-10} {state}: {node.Detail}");
        }

        return nodes;
    }

    private static int Exit(CliContext cli, FencingSurvey survey, List<FencingResult> results, bool dryRun)
    {
        var unreachable = false;
        foreach (var region in survey.Unreachable)
        {
            Warn(cli, $"{region.Region} unreachable ({region.Reason}): nothing there was changed; run efsdr fence again once it answers");
            unreachable = true;
        }

        foreach (var result in results.Where(r => r.RegionUnreachable))
        {
            Warn(cli, $"{result.FileSystemId} ({result.Region}): {result.Detail}");
            unreachable = true;
        }

        foreach (var node in results.SelectMany(r => r.Nodes).Where(n => n.RegionUnreachable))
        {
            Warn(cli, $"{node.Server} ({node.Region}) not deactivated: {node.Detail}; run efsdr fence again once SSM there answers");
            unreachable = true;
        }

        foreach (var node in results.SelectMany(r => r.Nodes).Where(n => n.Status is not NodeDeactivationStatus.Deactivated && !n.RegionUnreachable))
        {
            Warn(cli, $"{node.Server} ({node.Region}) was not deactivated ({Label(node.Status)}); its file system is read-only now, but check that {cli.Configuration.Application.Unit} is stopped there");
        }

        if (unreachable)
        {
            return ExitCodes.AwsUnreachable;
        }

        if (results.FirstOrDefault(r => !r.Fenced) is { } refused)
        {
            Warn(cli, $"{refused.FileSystemId} ({refused.Region}) was not fenced: {refused.Detail}");
            return ExitCodes.Unexpected;
        }

        if (dryRun && survey.Unfenced.Count > 0)
        {
            Say(cli, "dry run: nothing was changed");
        }

        return ExitCodes.Ok;
    }

    private static string Headline(FencingSurvey survey) => survey.Primary is { } primary
        ? $"'{survey.FileSystemName}': primary {primary.FileSystemId} ({primary.Region}, epoch {primary.Epoch}); {survey.Unfenced.Count} unfenced ex-primar{(survey.Unfenced.Count == 1 ? "y" : "ies")}"
        : $"'{survey.FileSystemName}': {survey.Note}";

    private static string Servers(CliContext cli, string region, FencingSurvey survey) =>
        string.Equals(region, survey.Primary?.Region, StringComparison.Ordinal)
            ? "no server (the region also holds the primary)"
            : $"{string.Join(", ", cli.Configuration.Servers.Where(s => s.Region == region).Select(s => s.Name))} (stop {cli.Configuration.Application.Unit}, unmount {cli.Configuration.FileSystem.MountPoint})";

    private static string Label(NodeDeactivationStatus status) => status switch
    {
        NodeDeactivationStatus.Deactivated => "deactivated",
        NodeDeactivationStatus.Failed => "FAILED",
        NodeDeactivationStatus.NotSent => "not sent",
        _ => "pending",
    };

    private static void Say(CliContext cli, string line) => cli.Say(line);

    private static void Warn(CliContext cli, string line) => cli.Error.WriteLine("efsdr: " + line);
}
