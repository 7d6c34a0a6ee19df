using EfsDr.Drill.Chaos;

namespace EfsDr.Cli.Tests.Chaos;

/// <summary><c>drill --chaos</c>'s options: a value out of range is one line naming the option, exit 2, nothing started;
/// and the figures' JSON and report (no cloud needed).</summary>
public sealed class ChaosOptionsTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("--rounds", "0", "--rounds: must be 1–10000 (got 0)")]
    [InlineData("--rounds", "10001", "--rounds: must be 1–10000 (got 10001)")]
    [InlineData("--seed", "-1", "--seed: must be 0 or more (got -1)")]
    [InlineData("--promotion-minutes", "0", "--promotion-minutes: must be 1–120 simulated minutes (got 0)")]
    public async Task Drill_ChaosOptionOutOfRange_OneLineNamingItExit2NothingStarted(string option, string value, string expected)
    {
        var (exit, output, error) = await DrillAsync("--chaos", option, value);

        Assert.Equal(2, exit);
        Assert.Equal([expected], error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Empty(output);
    }

    [Theory]
    [InlineData("--seed", "3")]
    [InlineData("--rounds", "10")]
    public async Task Drill_SeedOrRoundsWithoutChaos_RefusedExit2NothingStarted(string option, string value)
    {
        var (exit, output, error) = await DrillAsync(option, value);

        Assert.Equal(2, exit);
        Assert.Equal($"{option}: only with --chaos", error.Trim());
        Assert.Empty(output);
    }

    [Fact]
    public void Figures_ToJsonAndBack_SameFiguresCamelCase()
    {
        var figures = Figures();

        var json = figures.ToJson();
        var back = ChaosFigures.FromJson(json)!;

        Assert.Contains("\"objectsLostInReportedWindows\": 2", json, StringComparison.Ordinal);
        Assert.Equal(figures.FaultsByKind, back.FaultsByKind);
        Assert.Equal(figures with { Operations = back.Operations, FaultsByKind = back.FaultsByKind }, back);
    }

    [Fact]
    public void Write_Figures_ReportWithSeedReplayLineAndEveryFigure()
    {
        var directory = Path.Combine(Path.GetTempPath(), "efsdr-chaos-" + Guid.NewGuid().ToString("N")[..8]);

        var (report, json) = ChaosReport.Write(directory, Figures(), ["round 1/10 (seed 5): reprotect us-west-2 → us-east-1 Succeeded"], [new InvariantResult("one-writer", false, "2 writable copies")]);

        var text = File.ReadAllText(report);
        Assert.Contains("`drill --chaos --seed 5 --rounds 10 --time-scale 60 --promotion-minutes 2`", text, StringComparison.Ordinal);
        Assert.Contains("| objects lost outside reported windows | 0 |", text, StringComparison.Ordinal);
        Assert.Contains("| faults injected | 7 (5xx 3, crash-after-step 4) |", text, StringComparison.Ordinal);
        Assert.Contains("- **one-writer**: 2 writable copies", text, StringComparison.Ordinal);
        Assert.Contains("| script digest (same seed, same digest) | 5e0f |", text, StringComparison.Ordinal);
        Assert.Equal(5, ChaosFigures.FromJson(File.ReadAllText(json))!.Seed);
        Assert.StartsWith("chaos drill HELD: seed 5, 10 of 10 rounds", ChaosReport.Summary(Figures())[0], StringComparison.Ordinal);
        Directory.Delete(directory, recursive: true);
    }

    private static ChaosFigures Figures() => new(
        ChaosFigures.CurrentSchema, new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero), 5, 10, 10, 60, 120,
        new Dictionary<string, int> { ["reprotect"] = 4, ["cross-region-failover"] = 6 },
        new Dictionary<string, int> { ["5xx"] = 3, ["crash-after-step"] = 4 },
        7, 14, 3, 1, 2, 0, 1, 60, 0, 60, 0, 2, 3, 0, 0, 40, 4, "5e0f");

    private static async Task<(int Exit, string Out, string Err)> DrillAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await Drill.Program.BuildRoot(output, error).Parse(args).InvokeAsync(cancellationToken: Token);
        return (exit, output.ToString(), error.ToString());
    }
}
