using EfsDr.Drill;
using EfsDr.Drill.Chaos;

namespace EfsDr.Cli.Tests.EndToEnd;

/// <summary>The short seeded chaos drill CI runs (issue 12), and a broken invariant reported with its evidence.</summary>
[Trait("Category", "EndToEnd")]
public sealed class ChaosEndToEndTests
{
    /// <summary>The CI drill's seed: its ten rounds take about half a minute and include refused runs and faults.</summary>
    public const int Seed = 20261203;

    /// <summary>The replay test's seed: its six rounds (about 15 s) run two runs for different targets, throttling, 5xx, a
    /// node offline for a whole run and one offline until a step of the run, which the run reaches only when re-run.</summary>
    public const int ReplaySeed = 8;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RunAsync_TenSeededRounds_EveryInvariantHeldAndTheFiguresAddUp()
    {
        LocalWorld.RequireNodeTooling();
        var directory = Path.Combine(Path.GetTempPath(), "efsdr-chaos-" + Guid.NewGuid().ToString("N")[..8]);
        var lines = new List<string>();
        void Output(string line)
        {
            lock (lines)
            {
                lines.Add(line);
            }
        }

        var result = await new ChaosRunner(new ChaosOptions { Seed = Seed, Rounds = 10, ReportDirectory = directory }, Output).RunAsync(Token);

        var transcript = string.Join('\n', lines);
        var f = result.Figures;
        Assert.True(result.Passed, $"{string.Join("; ", result.Failures.Select(x => $"{x.Name}: {x.Evidence}"))}\n{transcript}");
        Assert.Equal((10, 10, 0, 0, 0), (f.RoundsRun, f.Operations.Values.Sum(), f.ObjectsLost, f.SplitBrainMoments, f.InvariantFailures));
        Assert.True(f.RunsRefused > 0, transcript);
        Assert.True(f.FaultsInjected > 0, transcript);
        Assert.Equal(f.FaultsInjected, f.FaultsByKind.Values.Sum());
        Assert.True(f.ObjectsWritten > 0 && f.RunsStarted >= 10, transcript);
        Assert.True(f.ObjectsLostInReportedWindows <= f.ObjectsWritten);
        Assert.Equal(10, lines.Count(l => l.StartsWith("round ", StringComparison.Ordinal) && l.Contains($"(seed {Seed})", StringComparison.Ordinal)));
        Assert.Equal(f.Seed, ChaosFigures.FromJson(await File.ReadAllTextAsync(result.FiguresPath, Token))!.Seed);
        Assert.Contains($"--seed {Seed} --rounds 10", await File.ReadAllTextAsync(result.ReportPath, Token), StringComparison.Ordinal);
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task RunAsync_SameSeedTwice_TheSameScriptRoundForRound()
    {
        LocalWorld.RequireNodeTooling();
        var directory = Path.Combine(Path.GetTempPath(), "efsdr-chaos-" + Guid.NewGuid().ToString("N")[..8]);
        var options = new ChaosOptions { Seed = ReplaySeed, Rounds = 6, ReportDirectory = directory };

        var first = await new ChaosRunner(options, _ => { }).RunAsync(Token);
        var second = await new ChaosRunner(options, _ => { }).RunAsync(Token);

        // The seed's six rounds include two runs for different targets and a fault that ends at a step of the run, whose
        // outcomes (which run wins, whether a step saw the node offline) are what a replay used to change.
        Assert.True(first.Passed && second.Passed);
        Assert.Contains(first.Script, l => l.Contains("two-runs-different-targets", StringComparison.Ordinal));
        Assert.Contains(first.Script, l => l.Contains(" until ", StringComparison.Ordinal));
        Assert.Equal(first.Script, second.Script);
        Assert.Equal(first.Figures.ScriptDigest, second.Figures.ScriptDigest);
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task RunAsync_AWritableCopyWithTheNameMadeAfterRound2_StopsThereWithTheEvidenceAndTheSeed()
    {
        LocalWorld.RequireNodeTooling();
        var directory = Path.Combine(Path.GetTempPath(), "efsdr-chaos-" + Guid.NewGuid().ToString("N")[..8]);
        var lines = new List<string>();
        string? rogue = null;
        void Output(string line)
        {
            lock (lines)
            {
                lines.Add(line);
            }
        }

        void Tamper(DrillWorld world, int round)
        {
            if (round == 2)
            {
                rogue = world.Cloud.Context.Efs.CreateFileSystem("us-west-2", world.Topology.Configuration.FileSystem.Name);
            }
        }

        var result = await new ChaosRunner(new ChaosOptions { Seed = Seed, Rounds = 10, ReportDirectory = directory }, Output, Tamper).RunAsync(Token);

        var transcript = string.Join('\n', lines);
        Assert.False(result.Passed, transcript);
        Assert.Equal((2, 1), (result.Figures.RoundsRun, result.Figures.InvariantFailures));
        var failure = Assert.Single(result.Failures, f => f.Name == ChaosInvariants.OneWriter);
        Assert.Contains(rogue!, failure.Evidence, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith($"✘ one-writer after round 2 (seed {Seed})", StringComparison.Ordinal) && l.Contains(rogue!, StringComparison.Ordinal));
        Assert.Contains(rogue!, await File.ReadAllTextAsync(result.ReportPath, Token), StringComparison.Ordinal);
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task CheckAsync_ASecondWritableCopyWithTheNameMadeBehindEfsDrsBack_OneWriterFailsNamingBoth()
    {
        await using var world = await LocalWorld.StartAsync(Token);
        var invariants = new ChaosInvariants(world.World, new ObjectLedger());
        var clean = await invariants.CheckAsync(new RoundFacts(1, [], null), Token);
        Assert.True(clean.Single(r => r.Name == ChaosInvariants.OneWriter).Passed, clean.Single(r => r.Name == ChaosInvariants.OneWriter).Evidence);

        // Someone creates a writable file system carrying the cluster's Name in the replica's region.
        var rogue = world.Cloud.Context.Efs.CreateFileSystem("us-west-2", world.World.Topology.Configuration.FileSystem.Name);
        var results = await invariants.CheckAsync(new RoundFacts(2, [], null), Token);

        var oneWriter = results.Single(r => r.Name == ChaosInvariants.OneWriter);
        Assert.False(oneWriter.Passed);
        Assert.Contains(rogue, oneWriter.Evidence, StringComparison.Ordinal);
        Assert.Contains(world.World.Topology.PrimaryFileSystemId, oneWriter.Evidence, StringComparison.Ordinal);
    }
}
