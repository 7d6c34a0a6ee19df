using System.Diagnostics;
using System.Globalization;
using Amazon.Runtime;
using EfsDr.Aws;
using EfsDr.Aws.Http;
using EfsDr.Core.Failover;
using EfsDr.Core.Reprotect;
using EfsDr.LocalCloud.Hosting;

namespace EfsDr.Drill.Chaos;

/// <summary>The chaos drill's outcome.</summary>
/// <param name="Figures">The figures.</param>
/// <param name="Failures">The failed invariants of the round that stopped the drill (empty when every round held).</param>
/// <param name="ReportPath">chaos-report.md.</param>
/// <param name="FiguresPath">chaos-figures.json.</param>
/// <param name="Script">The rounds' script (<see cref="ChaosTally.Script"/>), whose digest the figures carry.</param>
public sealed record ChaosResult(ChaosFigures Figures, IReadOnlyList<InvariantResult> Failures, string ReportPath, string FiguresPath, IReadOnlyList<string> Script)
{
    /// <summary>True when every round's invariants held.</summary>
    public bool Passed => Failures.Count == 0 && Figures.Held && Figures.RoundsRun == Figures.RoundsPlanned;
}

/// <summary>
/// The chaos drill (<c>drill --chaos --seed N --rounds R</c>): on a seeded local world, R rounds, each a random DR operation
/// valid from the current state (or an invalid one that must be refused cleanly) under random faults, with clients writing
/// objects through the record's address between rounds, and the invariants (<see cref="ChaosInvariants"/>) checked after
/// every round. Each round's choices come from a <see cref="Random"/> seeded with <see cref="RoundSeed"/> (the seed and
/// the round's number), and the same round seed drives the local cloud's fault draws (<see cref="FaultInjector.Reseed"/>),
/// keyed by each call's caller and operation and drawn per attempt (<see cref="FaultDraws.PerAttempt"/>) rather than
/// taken in arrival order, so how many times a loop polled, which follows real time, never shifts a draw; temporary
/// faults end at a step of the run, and of two runs for different targets the first passes its run lock before the
/// second starts. So the same seed replays the same rounds, faults, outcomes and states
/// (<see cref="ChaosFigures.ScriptDigest"/> compares two replays; see bench/README.md).
/// </summary>
/// <param name="options">The seed, rounds and world.</param>
/// <param name="output">Where each line goes.</param>
/// <param name="behindEfsDrsBack">What happens to the world behind EfsDr's back after a round's runs, before its check
/// (tests break an invariant with it); null: nothing.</param>
public sealed class ChaosRunner(ChaosOptions options, Action<string> output, Action<DrillWorld, int>? behindEfsDrsBack = null)
{
    /// <summary>The check that a round ran to its end (beside the invariants': a round that throws stops the drill).</summary>
    public const string RoundRan = "round-ran";

    /// <summary>The seed of round <paramref name="round"/> of a drill seeded with <paramref name="seed"/>: the seed of its choices'
    /// <see cref="Random"/> and its fault draws. A pure function, stable across processes.</summary>
    public static int RoundSeed(int seed, int round) =>
        (int)(FaultInjector.DrawOf(seed, "chaos round", round) * int.MaxValue);

    /// <summary>Runs the drill; stops at the first round whose invariants fail. Throws only for cancellation or when the
    /// world cannot be started.</summary>
    public async Task<ChaosResult> RunAsync(CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        output(string.Create(CultureInfo.InvariantCulture, $"EfsDr chaos drill: seed {options.Seed}, {options.Rounds} rounds (time scale ×{options.TimeScale:0}, promotion {options.Promotion.TotalMinutes:0.#} simulated min); replay with --chaos --seed {options.Seed} --rounds {options.Rounds}"));
        var cloudOptions = CloudOptions(options);
        await using var cloud = await LocalCloudHost.StartAsync(cloudOptions, cancellationToken: cancellationToken).ConfigureAwait(false);
        cloud.Faults.Draws = FaultDraws.PerAttempt;
        var topology = await LocalTopology.SeedAsync(cloud.Context, line => output("  " + line), cancellationToken).ConfigureAwait(false);
        using var adapters = DrillRunner.ObserverAdapters(cloud, options.TimeScale);
        var world = new DrillWorld(cloud, topology, adapters, new DrillOptions { TimeScale = options.TimeScale, RunTimeout = options.RunTimeout }, output);
        var start = await world.FailoverAsync("start", "server1", null, [], cancellationToken).ConfigureAwait(false);
        if (!start.Succeeded)
        {
            throw new InvalidOperationException($"starting the group on server1 failed: {start.Reason}");
        }

        var ledger = new ObjectLedger();
        var writers = new ChaosWriters(world, ledger);
        await writers.PrepareAsync(cancellationToken).ConfigureAwait(false);
        var tally = new ChaosTally(options);
        var failures = await RoundsAsync(world, ledger, writers, tally, cancellationToken).ConfigureAwait(false);
        var figures = tally.Figures(writers.Failed, ledger, clock.Elapsed);
        var (report, json) = ChaosReport.Write(options.ReportDirectory, figures, tally.Lines, failures);
        output(string.Empty);
        foreach (var line in ChaosReport.Summary(figures))
        {
            output(line);
        }

        output($"report: {report}");
        return new ChaosResult(figures, failures, report, json, [.. tally.Script]);
    }

    /// <summary>The local cloud of the chaos world: the end-to-end tests' quick physical durations (a short promotion, a
    /// quick replication lag, enabling and DNS change) so that a round takes a few real seconds, and the fault injector's
    /// own draws (which calls a throttling rate hits) seeded with the drill's seed.</summary>
    public static LocalCloudOptions CloudOptions(ChaosOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new LocalCloudOptions
        {
            TimeScale = options.TimeScale,
            ReplicationDeletion = options.Promotion,
            ReplicationEnabling = TimeSpan.FromMinutes(1),
            ReplicationLag = TimeSpan.FromSeconds(30),
            DnsPropagation = TimeSpan.FromSeconds(20),
            RandomSeed = options.Seed,
        };
    }

    private async Task<IReadOnlyList<InvariantResult>> RoundsAsync(DrillWorld world, ObjectLedger ledger, ChaosWriters writers, ChaosTally tally, CancellationToken cancellationToken)
    {
        var loop = new Loop(options, output, behindEfsDrsBack, world, ledger, writers, tally);
        for (var n = 1; n <= options.Rounds; n++)
        {
            var failed = await loop.RoundAsync(n, cancellationToken).ConfigureAwait(false);
            if (failed.Count > 0)
            {
                return failed;
            }
        }

        return [];
    }

    /// <summary>The rounds' shared state: the invariants and the last completed run.</summary>
    private sealed class Loop(ChaosOptions options, Action<string> output, Action<DrillWorld, int>? behindEfsDrsBack, DrillWorld world, ObjectLedger ledger, ChaosWriters writers, ChaosTally tally)
    {
        private readonly ChaosInvariants _invariants = new(world, ledger);
        private readonly ChaosRound _round = new(world, output);
        private DateTimeOffset? _lastCompleted;

        /// <summary>One round: the choice (printed with the seed), the writers, the operation under its faults, the check.
        /// Returns the failed checks (empty: go on).</summary>
        public async Task<IReadOnlyList<InvariantResult>> RoundAsync(int n, CancellationToken cancellationToken)
        {
            var state = Observe(world);
            var seed = RoundSeed(options.Seed, n);
            var random = new Random(seed);
            var operation = ChaosOperations.Pick(state, world.Topology.Servers, random);
            var faults = FaultPlan.Pick(operation, state, world.Topology.Servers, random);
            var burst = ChaosWriters.Plan(n, options.Writers, random);
            world.Cloud.Faults.Reseed(seed);
            var choice = string.Create(CultureInfo.InvariantCulture, $"round {n}/{options.Rounds} (seed {options.Seed}): {operation} | {faults} | from {state}");
            output(string.Empty);
            output(choice);
            var written = await writers.WriteAsync(burst, cancellationToken).ConfigureAwait(false);
            var started = Stopwatch.StartNew();
            RoundOutcome outcome;
            try
            {
                outcome = await _round.RunAsync(n, operation, faults, state, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A round that could not finish (a run not ended within its timeout, a node command that never answered)
                // stops the drill like a failed invariant: the seed replays it.
                world.Cloud.Faults.Clear();
                tally.RoundBroken();
                return Report(n, [new InvariantResult(RoundRan, false, $"round {n} ({operation}) did not finish: {ex.GetType().Name}: {ex.Message}")]);
            }

            behindEfsDrsBack?.Invoke(world, n);
            var results = await CheckAsync(n, outcome, cancellationToken).ConfigureAwait(false);
            var failed = results.Concat(outcome.Problems).Where(r => !r.Passed).ToList();
            tally.Add(operation, faults, outcome, written, _invariants, failed.Count, choice, started.Elapsed, Observe(world));
            output(string.Create(CultureInfo.InvariantCulture, $"  {written} objects written; {outcome.Runs.Count} run(s): {string.Join(", ", outcome.Runs.Select(r => $"{r.TargetServer} {r.Execution.Status}{(r.Succeeded ? string.Empty : " " + r.Execution.Error)}"))}; {outcome.Refused.Count} refused; invariants: {string.Join(", ", results.Select(r => (r.Passed ? "✔ " : "✘ ") + r.Name))} ({started.Elapsed.TotalSeconds:0.0} s)"));
            return Report(n, failed);
        }

        /// <summary>Gives the invariants the round's loss windows, refused runs and last completed run, and checks them.</summary>
        private Task<IReadOnlyList<InvariantResult>> CheckAsync(int n, RoundOutcome outcome, CancellationToken cancellationToken)
        {
            foreach (var window in outcome.LossWindows)
            {
                ledger.AddLossWindow(window);
            }

            _lastCompleted = outcome.Runs.Where(r => r.Succeeded).Select(r => r.Execution.StopDate).Max() ?? _lastCompleted;
            return _invariants.CheckAsync(new RoundFacts(n, outcome.Refused, _lastCompleted), cancellationToken);
        }

        /// <summary>Prints each failure with the round, its evidence and the seed.</summary>
        private List<InvariantResult> Report(int n, List<InvariantResult> failed)
        {
            foreach (var f in failed)
            {
                output($"✘ {f.Name} after round {n} (seed {options.Seed}): {f.Evidence}");
            }

            return failed;
        }
    }

    /// <summary>The DR state as the emulators hold it: the region of the one writable copy carrying the Name (else the
    /// region of the serving server), whether it replicates ENABLED into the copy carrying the Name in the other region (and
    /// whether EfsDr tagged that copy its replica at the primary's epoch), and the one serving server.</summary>
    public static DrState Observe(DrillWorld world)
    {
        ArgumentNullException.ThrowIfNull(world);
        var regions = world.Topology.Configuration.Regions;
        var writable = regions.SelectMany(world.CopiesNamed).Where(c => c.Protection == "ENABLED" && c.Writable).ToList();
        var serving = world.ServersServing();
        var active = serving is [var one] ? one : null;
        var primary = writable is [var w] ? w : null;
        var region = primary?.Region ?? (active is null ? regions[0] : world.Topology.Server(active).Region);
        var other = regions.FirstOrDefault(r => r != region);
        var replica = other is null ? [] : world.CopiesNamed(other);
        var replication = primary is null ? null : world.Cloud.Context.Efs.Replication(primary.Region, primary.FileSystemId);
        var replicaCopy = replica is [var r] ? r : null;
        var protectedPair = replication is { Status: "ENABLED" } && replicaCopy is not null && replication.DestinationFileSystemId == replicaCopy.FileSystemId;
        var tagged = protectedPair && replicaCopy!.Tags.GetValueOrDefault(EfsDrTags.Role) == ReprotectTags.Replica && EfsDrTags.EpochOf(replicaCopy.Tags) == EfsDrTags.EpochOf(primary!.Tags);
        return new DrState(region, protectedPair, active, tagged);
    }
}
