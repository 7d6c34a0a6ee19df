using System.Globalization;
using System.Text;
using EfsDr.Runs;

namespace EfsDr.Drill.Chaos;

/// <summary>Writes the chaos drill's report (chaos-report.md) and figures (chaos-figures.json).</summary>
public static class ChaosReport
{
    /// <summary>The report's file name.</summary>
    public const string ReportFile = "chaos-report.md";

    /// <summary>The figures' file name.</summary>
    public const string FiguresFile = "chaos-figures.json";

    /// <summary>The figures as printed lines (also the report's table).</summary>
    public static IReadOnlyList<string> Summary(ChaosFigures figures)
    {
        ArgumentNullException.ThrowIfNull(figures);
        return
        [
            string.Create(CultureInfo.InvariantCulture, $"chaos drill {(figures.Held && figures.RoundsRun == figures.RoundsPlanned ? "HELD" : "FAILED")}: seed {figures.Seed}, {figures.RoundsRun} of {figures.RoundsPlanned} rounds in {figures.ElapsedSeconds:0.0} s ({figures.SecondsPerRound:0.0} s per round)"),
            $"  operations: {Join(figures.Operations)}",
            string.Create(CultureInfo.InvariantCulture, $"  faults injected: {figures.FaultsInjected} ({Join(figures.FaultsByKind)})"),
            string.Create(CultureInfo.InvariantCulture, $"  runs: {figures.RunsStarted} started, {figures.RunsResumedAfterCrash} resumed after a crash, {figures.RunsReRunAfterFault} re-run after another fault, {figures.RunsRefused} refused, {figures.RunsFailed} failed even re-run; {figures.OperatorFences} ex-primaries fenced by the operator afterwards"),
            string.Create(CultureInfo.InvariantCulture, $"  objects: {figures.ObjectsWritten} acknowledged ({figures.WritesFailed} writes failed, not acknowledged), {figures.ObjectsChecked} checked, {figures.ObjectsLost} lost outside reported windows, {figures.ObjectsLostInReportedWindows} lost inside {figures.LossWindows} reported data-loss windows"),
            string.Create(CultureInfo.InvariantCulture, $"  split-brain moments: {figures.SplitBrainMoments}; invariant failures: {figures.InvariantFailures}"),
            $"  replay: --chaos --seed {figures.Seed.ToString(CultureInfo.InvariantCulture)} gives the same rounds, script digest {figures.ScriptDigest}",
        ];
    }

    /// <summary>Writes both files into <paramref name="directory"/>; returns their full paths.</summary>
    public static (string Report, string Figures) Write(string directory, ChaosFigures figures, IReadOnlyList<string> rounds, IReadOnlyList<InvariantResult> failures)
    {
        ArgumentNullException.ThrowIfNull(figures);
        ArgumentNullException.ThrowIfNull(rounds);
        ArgumentNullException.ThrowIfNull(failures);
        Directory.CreateDirectory(directory);
        var json = Path.GetFullPath(Path.Combine(directory, FiguresFile));
        File.WriteAllText(json, figures.ToJson());
        var md = new StringBuilder();
        md.AppendLine("# EfsDr chaos drill").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Replay: `drill --chaos --seed {figures.Seed} --rounds {figures.RoundsPlanned} --time-scale {figures.TimeScale:0} --promotion-minutes {figures.PromotionSeconds / 60:0.#}`").AppendLine();
        md.AppendLine("| Figure | Value |").AppendLine("|---|---|");
        foreach (var (name, value) in Table(figures))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {RunReport.Cell(value)} |");
        }

        if (failures.Count > 0)
        {
            md.AppendLine().AppendLine("## Failed invariants").AppendLine();
            foreach (var f in failures)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- **{f.Name}**: {f.Evidence}");
            }
        }

        md.AppendLine().AppendLine("## Rounds").AppendLine();
        foreach (var line in rounds)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {line}");
        }

        var path = Path.GetFullPath(Path.Combine(directory, ReportFile));
        File.WriteAllText(path, md.ToString());
        return (path, json);
    }

    private static IEnumerable<(string, string)> Table(ChaosFigures f)
    {
        var i = CultureInfo.InvariantCulture;
        yield return ("seed", f.Seed.ToString(i));
        yield return ("rounds run", $"{f.RoundsRun.ToString(i)} of {f.RoundsPlanned.ToString(i)}");
        yield return ("operations", Join(f.Operations));
        yield return ("faults injected", $"{f.FaultsInjected.ToString(i)} ({Join(f.FaultsByKind)})");
        yield return ("runs started", f.RunsStarted.ToString(i));
        yield return ("runs resumed after a crash", f.RunsResumedAfterCrash.ToString(i));
        yield return ("runs re-run after another fault", f.RunsReRunAfterFault.ToString(i));
        yield return ("runs refused", f.RunsRefused.ToString(i));
        yield return ("runs failed even re-run", f.RunsFailed.ToString(i));
        yield return ("ex-primaries fenced by the operator afterwards", f.OperatorFences.ToString(i));
        yield return ("objects acknowledged", f.ObjectsWritten.ToString(i));
        yield return ("writes not acknowledged", f.WritesFailed.ToString(i));
        yield return ("objects checked", f.ObjectsChecked.ToString(i));
        yield return ("objects lost outside reported windows", f.ObjectsLost.ToString(i));
        yield return ("objects lost in reported windows", $"{f.ObjectsLostInReportedWindows.ToString(i)} ({f.LossWindows.ToString(i)} windows)");
        yield return ("split-brain moments", f.SplitBrainMoments.ToString(i));
        yield return ("invariant failures", f.InvariantFailures.ToString(i));
        yield return ("time scale, promotion", string.Create(i, $"×{f.TimeScale:0}, {f.PromotionSeconds:0} simulated s"));
        yield return ("real time", string.Create(i, $"{f.ElapsedSeconds:0.0} s, {f.SecondsPerRound:0.0} s per round"));
        yield return ("script digest (same seed, same digest)", f.ScriptDigest);
    }

    private static string Join(IReadOnlyDictionary<string, int> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value}")));
}
