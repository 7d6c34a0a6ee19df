using System.Globalization;
using System.Text;
using EfsDr.Core.Workflows;
using EfsDr.Runs;

namespace EfsDr.Drill;

/// <summary>One automated check (the drill's section-4 checks).</summary>
public sealed record DrillCheck(string Id, string Description, bool Passed, string Detail);

/// <summary>Writes the drill report: markdown with the checks and per-run figures (<see cref="RunReport"/>), and an SVG
/// timeline of the steps.</summary>
public static class DrillReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Writes drill-report.md and drill-timeline.svg; returns their paths. <paramref name="timeScale"/> is the local
    /// cloud's (simulated seconds per wall second): the waits on AWS are also given in simulated time.</summary>
    public static (string Report, string Timeline) Write(string directory, IReadOnlyList<DrillCheck> checks, IReadOnlyList<RunRecord> runs, TimeSpan elapsed, IReadOnlyDictionary<string, int> requests, double timeScale = 60)
    {
        ArgumentNullException.ThrowIfNull(checks);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(requests);
        Directory.CreateDirectory(directory);
        var svgPath = Path.GetFullPath(Path.Combine(directory, "drill-timeline.svg"));
        File.WriteAllText(svgPath, RunReport.Svg(runs));
        var md = new StringBuilder();
        md.AppendLine("# EfsDr drill report").AppendLine();
        md.AppendLine(Invariant, $"{checks.Count(c => c.Passed)} of {checks.Count} checks passed; the drill took {elapsed.TotalSeconds:0.0} s (local cloud, simulated AWS durations scaled).").AppendLine();
        md.AppendLine("## Checks (the article's section 4)").AppendLine();
        md.AppendLine("| | Check | Result |").AppendLine("|---|---|---|");
        foreach (var c in checks)
        {
            md.AppendLine(Invariant, $"| {(c.Passed ? "✔" : "✘")} {c.Id} | {RunReport.Cell(c.Description)} | {RunReport.Cell(c.Detail)} |");
        }

        md.Append(RunReport.Markdown(runs, "Runs (failovers, planned failbacks and reprotects)"));
        md.Append(SimulatedWaits(runs, timeScale));
        md.AppendLine("## AWS calls answered by the local cloud").AppendLine();
        md.AppendLine(string.Join(", ", requests.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key} {r.Value}"))).AppendLine();
        var mdPath = Path.GetFullPath(Path.Combine(directory, "drill-report.md"));
        File.WriteAllText(mdPath, md.ToString());
        return (mdPath, svgPath);
    }

    /// <summary>Each run's waits on AWS in simulated time (what they stand for in production): the wall seconds of the
    /// table above times <paramref name="timeScale"/>. Only the waits are scaled; the orchestration's own work is not.</summary>
    public static string SimulatedWaits(IReadOnlyList<RunRecord> runs, double timeScale)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var md = new StringBuilder();
        md.AppendLine(Invariant, $"## Waits in simulated time (×{timeScale:0})").AppendLine();
        md.AppendLine("| Run | Workflow | Promotion | Sync wait | DNS |").AppendLine("|---|---|---|---|---|");
        foreach (var r in runs)
        {
            var reprotect = r.Workflow == WorkflowKind.Reprotect;
            var promotion = reprotect ? "–" : Simulated(RunReport.StepSeconds(r.Summary, FailoverWorkflow.PromoteReplica), timeScale);
            var dns = reprotect ? "–" : Simulated(RunReport.StepSeconds(r.Summary, FailoverWorkflow.SwitchDns), timeScale);
            md.AppendLine(Invariant, $"| {RunReport.Cell(r.Label)} | {(reprotect ? "reprotect" : r.Summary?.Plan.Planned == true ? "planned failover" : "failover")} | {promotion} | {Simulated(RunReport.SyncWaitSeconds(r), timeScale)} | {dns} |");
        }

        return md.AppendLine().ToString();
    }

    private static string Simulated(double wallSeconds, double timeScale) => Durations.ForPeople(TimeSpan.FromSeconds(wallSeconds * timeScale));
}
