using System.CommandLine;
using System.Globalization;
using EfsDr.Drill.Chaos;
using EfsDr.Runs;

namespace EfsDr.Drill;

/// <summary><c>efsdr-drill</c> (<c>dotnet run --project local/EfsDr.Drill</c>): the whole failover on the local cloud, with the
/// article's checks and a report.</summary>
public static class DrillCommand
{
    /// <summary>What the drill does, for help.</summary>
    public const string Description = "Run a DR drill on the local cloud: the article's section 4 (in-region and cross-region failover) and the DR round trip (reprotect, planned failback, reprotect back; twice) as automated checks.";

    /// <summary>Exit code: an option's value is out of range (one line per problem on stderr, naming the option).</summary>
    public const int ExitUsage = 2;

    /// <summary>Exit code: a check failed.</summary>
    public const int ExitCheckFailed = 3;

    /// <summary>The range of <c>--promotion-minutes</c> (simulated minutes).</summary>
    public const int MinPromotionMinutes = 1, MaxPromotionMinutes = 120;

    /// <summary>Builds the command <c>drill</c>; problems with options go to <paramref name="error"/> (stderr when null).</summary>
    public static Command Create(TextWriter output, TextWriter? error = null) => AddTo(new Command("drill", Description), output, error);

    /// <summary>Gives <paramref name="command"/> the drill's options and runs the drill as its action (the root command of
    /// efsdr-drill is the drill).</summary>
    public static T AddTo<T>(T command, TextWriter output, TextWriter? error = null)
        where T : Command
    {
        ArgumentNullException.ThrowIfNull(command);
        var throttle = new Option<double>("--throttle") { Description = "Share of AWS calls throttled (0–1), every service and region." };
        var serverErrors = new Option<double>("--server-errors") { Description = "Share of AWS calls answered with 5xx (0–1)." };
        var latency = new Option<int>("--latency-ms") { Description = "Extra latency of every AWS call, in ms." };
        var regionDown = new Option<string?>("--region-down") { Description = "A region that goes down before the cross-region failover (us-east-1)." };
        var offlineNode = new Option<string?>("--offline-node") { Description = "A server whose SSM agent is offline (server1, server2 or server3)." };
        var commandFailure = new Option<string?>("--command-failure") { Description = "A server on which every node command fails." };
        var slowDeletion = new Option<double>("--slow-deletion") { Description = "Multiply the replication deletion time (default 1).", DefaultValueFactory = _ => 1 };
        var promotion = new Option<double?>("--promotion-minutes") { Description = $"How long the replication's deletion (the promotion) lasts, in simulated minutes, {MinPromotionMinutes}–{MaxPromotionMinutes} (default: the local cloud's 12)." };
        var timeScale = new Option<double>("--time-scale") { Description = "Simulated seconds per real second (default 60).", DefaultValueFactory = _ => 60 };
        var roundTrips = new Option<int>("--round-trips") { Description = "DR round trips after the failovers, 0–2 (default 2): reprotect, planned failback, reprotect back; the second with its own cross-region failover.", DefaultValueFactory = _ => 2 };
        var report = new Option<string?>("--report") { Description = "Report folder (default artifacts/drill; with --chaos artifacts/chaos)." };
        var chaos = new Option<bool>("--chaos") { Description = "Run the chaos drill instead: random DR operations under random faults, the invariants checked after every round (the fault options above do not apply; the drill picks its own)." };
        var seed = new Option<int?>("--seed") { Description = "With --chaos: the seed of every choice (operations, targets, faults and which calls they hit, objects), 0 or more; the same seed replays the same rounds, compared by the printed script digest (default: from the clock, printed)." };
        var rounds = new Option<int?>("--rounds") { Description = $"With --chaos: how many rounds, {ChaosOptions.MinRounds}–{ChaosOptions.MaxRounds} (default {ChaosOptions.DefaultRounds})." };
        foreach (var option in new Option[] { throttle, serverErrors, latency, regionDown, offlineNode, commandFailure, slowDeletion, promotion, timeScale, roundTrips, report, chaos, seed, rounds })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var errors = new List<string>();
            var options = new DrillOptions
            {
                ThrottleRate = Rate(parse.GetValue(throttle), "--throttle", errors),
                ServerErrorRate = Rate(parse.GetValue(serverErrors), "--server-errors", errors),
                Latency = TimeSpan.FromMilliseconds(parse.GetValue(latency) is var ms and >= 0 and <= 10_000 ? ms : Fail(errors, "--latency-ms: must be 0–10000")),
                RegionDown = parse.GetValue(regionDown) is { Length: > 0 } r ? (r == "us-east-1" ? r : Fail<string>(errors, "--region-down: only us-east-1 (the primary region) can go down in the drill")) : null,
                OfflineNode = Server(parse.GetValue(offlineNode), "--offline-node", errors),
                CommandFailureNode = Server(parse.GetValue(commandFailure), "--command-failure", errors),
                DeletionSlowdown = parse.GetValue(slowDeletion) is var f and >= 0.1 and <= 20 ? f : Fail(errors, "--slow-deletion: must be 0.1–20"),
                Promotion = PromotionLength(parse.GetValue(promotion), errors),
                TimeScale = parse.GetValue(timeScale) is var s and >= 1 and <= 10_000 ? s : Fail(errors, "--time-scale: must be 1–10000"),
                RoundTrips = parse.GetValue(roundTrips) is var n and >= 0 and <= 2 ? n : Fail<int>(errors, "--round-trips: must be 0, 1 or 2"),
                ReportDirectory = parse.GetValue(report) ?? Path.Combine("artifacts", "drill"),
            };
            var chaosOptions = parse.GetValue(chaos)
                ? Chaos(parse.GetValue(seed), parse.GetValue(rounds), parse.GetValue(promotion), options, parse.GetValue(report), errors)
                : NotChaos(parse.GetValue(seed), parse.GetValue(rounds), errors);
            if (errors.Count > 0)
            {
                foreach (var e in errors)
                {
                    await (error ?? Console.Error).WriteLineAsync(e).ConfigureAwait(false);
                }

                return ExitUsage;
            }

            if (chaosOptions is not null)
            {
                var chaosResult = await new ChaosRunner(chaosOptions, line => output.WriteLine(line)).RunAsync(cancellationToken).ConfigureAwait(false);
                return chaosResult.Passed ? 0 : ExitCheckFailed;
            }

            var result = await new DrillRunner(options, line => output.WriteLine(line)).RunAsync(cancellationToken).ConfigureAwait(false);
            return result.Passed ? 0 : ExitCheckFailed;
        });
        return command;
    }

    /// <summary>The chaos drill's options from the command line's; problems go to <paramref name="errors"/>.</summary>
    private static ChaosOptions Chaos(int? seed, int? rounds, double? promotion, DrillOptions drill, string? report, List<string> errors) => new()
    {
        Seed = seed switch
        {
            null => Environment.TickCount & int.MaxValue,
            >= 0 => seed.Value,
            _ => Fail<int>(errors, $"--seed: must be 0 or more (got {seed.Value.ToString(CultureInfo.InvariantCulture)})"),
        },
        Rounds = rounds switch
        {
            null => ChaosOptions.DefaultRounds,
            >= ChaosOptions.MinRounds and <= ChaosOptions.MaxRounds => rounds.Value,
            _ => Fail<int>(errors, $"--rounds: must be {ChaosOptions.MinRounds}–{ChaosOptions.MaxRounds} (got {rounds.Value.ToString(CultureInfo.InvariantCulture)})"),
        },
        TimeScale = drill.TimeScale,
        Promotion = promotion is null ? ChaosOptions.DefaultPromotion : drill.Promotion ?? ChaosOptions.DefaultPromotion,
        ReportDirectory = report ?? Path.Combine("artifacts", "chaos"),
    };

    /// <summary>Without --chaos, --seed and --rounds mean nothing: say so rather than ignore them.</summary>
    private static ChaosOptions? NotChaos(int? seed, int? rounds, List<string> errors)
    {
        if (seed is not null)
        {
            errors.Add("--seed: only with --chaos");
        }

        if (rounds is not null)
        {
            errors.Add("--rounds: only with --chaos");
        }

        return null;
    }

    private static TimeSpan? PromotionLength(double? minutes, List<string> errors) => minutes switch
    {
        null => null,
        >= MinPromotionMinutes and <= MaxPromotionMinutes => TimeSpan.FromMinutes(minutes.Value),
        _ => Fail<TimeSpan?>(errors, $"--promotion-minutes: must be {MinPromotionMinutes}–{MaxPromotionMinutes} simulated minutes (got {minutes.Value.ToString(CultureInfo.InvariantCulture)})"),
    };

    private static string? Server(string? value, string name, List<string> errors) =>
        value is null || LocalTopology.Servers.Any(s => s.Name == value) ? value : Fail<string>(errors, $"{name}: '{value}' is not a server of the drill (server1, server2, server3)");

    private static double Rate(double value, string name, List<string> errors) =>
        value is >= 0 and <= 1 ? value : Fail(errors, $"{name}: must be between 0 and 1 (got {value.ToString(CultureInfo.InvariantCulture)})");

    private static double Fail(List<string> errors, string message) => Fail<double>(errors, message);

    private static T Fail<T>(List<string> errors, string message)
    {
        errors.Add(message);
        return default!;
    }
}
