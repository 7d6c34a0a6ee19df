using System.Globalization;
using System.Text;
using EfsDr.Runs;

namespace EfsDr.Drill;

/// <summary>One automated check (the drill's section-4 checks).</summary>
public sealed record DrillCheck(string Id, string Description, bool Passed, string Detail);

/// <summary>What the drill measured beside the runs' histories: the cloud's physical timeline and how its clock relates to
/// simulated time.</summary>
/// <param name="Physical">The physical spans (the local cloud's <see cref="LocalCloud.Hosting.PhysicalTimeline"/>).</param>
/// <param name="SimulatedPerTimestampSecond">Simulated seconds per second of the histories' timestamps.</param>
/// <param name="PromotionSeconds">The configured replication deletion, simulated seconds.</param>
/// <param name="DeletionSlowdown">The <c>--slow-deletion</c> factor.</param>
public sealed record DrillMeasurement(IReadOnlyList<PhysicalSpan> Physical, double SimulatedPerTimestampSecond, double PromotionSeconds, double DeletionSlowdown);

/// <summary>Writes the drill report: markdown with the checks and per-run figures (<see cref="RunReport"/>, and in simulated
/// time <see cref="RunFigures"/>), an SVG timeline of the steps, and the figures as JSON (<see cref="DrillFigures"/>).</summary>
public static class DrillReport
{
    /// <summary>The JSON figures' file name, next to the report.</summary>
    public const string FiguresFile = "drill-figures.json";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Writes drill-report.md, drill-timeline.svg and drill-figures.json; returns the first two paths.
    /// <paramref name="timeScale"/> is the local cloud's (simulated seconds per wall second); <paramref name="measurement"/>
    /// what the drill measured beside the histories (none: no physical timeline, and timestamps in real time scaled by
    /// <paramref name="timeScale"/>).</summary>
    public static (string Report, string Timeline) Write(string directory, IReadOnlyList<DrillCheck> checks, IReadOnlyList<RunRecord> runs, TimeSpan elapsed, IReadOnlyDictionary<string, int> requests, double timeScale = 60, DrillMeasurement? measurement = null)
    {
        ArgumentNullException.ThrowIfNull(checks);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(requests);
        measurement ??= new DrillMeasurement([], timeScale, 0, 1);
        var k = measurement.SimulatedPerTimestampSecond;
        Directory.CreateDirectory(directory);
        var svgPath = Path.GetFullPath(Path.Combine(directory, "drill-timeline.svg"));
        File.WriteAllText(svgPath, RunReport.Svg(runs, k));
        var figures = runs.Select(r => RunFigures.Of(r, measurement.Physical, k)).ToList();
        var json = new DrillFigures(DrillFigures.CurrentSchema, DateTimeOffset.UtcNow, timeScale, k, measurement.PromotionSeconds, measurement.DeletionSlowdown, figures);
        File.WriteAllText(Path.Combine(directory, FiguresFile), json.ToJson());
        var md = new StringBuilder();
        md.AppendLine("# EfsDr drill report").AppendLine();
        md.AppendLine(Invariant, $"{checks.Count(c => c.Passed)} of {checks.Count} checks passed; the drill took {elapsed.TotalSeconds:0.0} s (local cloud, simulated AWS durations scaled ×{timeScale:0}).").AppendLine();
        md.AppendLine("## Checks (the article's section 4)").AppendLine();
        md.AppendLine("| | Check | Result |").AppendLine("|---|---|---|");
        foreach (var c in checks)
        {
            md.AppendLine(Invariant, $"| {(c.Passed ? "✔" : "✘")} {c.Id} | {RunReport.Cell(c.Description)} | {RunReport.Cell(c.Detail)} |");
        }

        md.AppendLine().Append(RunReport.FiguresMarkdown(figures, $"Runs in simulated time (what production would take and spend; ×{timeScale:0})"));
        md.Append(RunReport.Markdown(runs, "Runs by the executions' own timestamps (failovers, planned failbacks and reprotects)"));
        md.AppendLine("## AWS calls answered by the local cloud").AppendLine();
        md.AppendLine(string.Join(", ", requests.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key} {r.Value}"))).AppendLine();
        var mdPath = Path.GetFullPath(Path.Combine(directory, "drill-report.md"));
        File.WriteAllText(mdPath, md.ToString());
        return (mdPath, svgPath);
    }
}
