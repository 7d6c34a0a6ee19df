using System.Globalization;
using EfsDr.Core.Workflows;

namespace EfsDr.Drill.Chaos;

/// <summary>The kinds of fault the chaos drill injects, as the figures name them.</summary>
public static class FaultKinds
{
    /// <summary>AWS calls throttled.</summary>
    public const string Throttling = "throttling";

    /// <summary>AWS calls answered with 5xx.</summary>
    public const string ServerErrors = "5xx";

    /// <summary>Extra latency on every AWS call.</summary>
    public const string Latency = "latency";

    /// <summary>A crash after a step, followed by a re-run of the same request.</summary>
    public const string Crash = "crash-after-step";

    /// <summary>A server's SSM agent offline for a while.</summary>
    public const string NodeOffline = "node-offline";

    /// <summary>The primary's region black-holed (requests accepted, never answered) for a while.</summary>
    public const string RegionDown = "region-down";

    /// <summary>Two runs started at once for the same target.</summary>
    public const string TwoRunsSameTarget = "two-runs-same-target";

    /// <summary>Two runs started at once for different targets.</summary>
    public const string TwoRunsDifferentTargets = "two-runs-different-targets";
}

/// <summary>The faults of one round, drawn from the seeded random sequence (pure: the same operation, state and sequence
/// give the same plan).</summary>
/// <param name="ThrottleRate">Share of AWS calls throttled (0: none).</param>
/// <param name="ServerErrorRate">Share of AWS calls answered with 5xx (0: none).</param>
/// <param name="Latency">Extra latency of every AWS call (zero: none).</param>
/// <param name="CrashAfter">The handler after whose success the next invocation crashes; null: no crash.</param>
/// <param name="OfflineNode">A server whose agent goes offline when the run starts; null: none.</param>
/// <param name="OfflineUntil">The handler whose first invocation brings it back, before that step runs; null: the whole
/// run.</param>
/// <param name="RegionDown">A region black-holed when the run starts; null: none.</param>
/// <param name="RegionDownUntil">The handler whose first invocation brings it back; null: the whole run.</param>
/// <remarks>A temporary fault ends at a step of the run, not after a real-time delay, so that a replay ends it at the same
/// point: the local cloud runs on real elapsed time × scale, and a run reaches a given second at a slightly different step
/// each time.</remarks>
public sealed record FaultPlan(double ThrottleRate, double ServerErrorRate, TimeSpan Latency, string? CrashAfter, string? OfflineNode, string? OfflineUntil, string? RegionDown, string? RegionDownUntil)
{
    /// <summary>No fault.</summary>
    public static FaultPlan None { get; } = new(0, 0, TimeSpan.Zero, null, null, null, null, null);

    /// <summary>The fault kinds this plan injects (the round's operation adds the two-runs kinds).</summary>
    public IReadOnlyList<string> Kinds =>
    [
        .. ThrottleRate > 0 ? [FaultKinds.Throttling] : Array.Empty<string>(),
        .. ServerErrorRate > 0 ? [FaultKinds.ServerErrors] : Array.Empty<string>(),
        .. Latency > TimeSpan.Zero ? [FaultKinds.Latency] : Array.Empty<string>(),
        .. CrashAfter is not null ? [FaultKinds.Crash] : Array.Empty<string>(),
        .. OfflineNode is not null ? [FaultKinds.NodeOffline] : Array.Empty<string>(),
        .. RegionDown is not null ? [FaultKinds.RegionDown] : Array.Empty<string>(),
    ];

    /// <summary>True when the AWS calls get throttling, 5xx or latency.</summary>
    public bool HasServiceFaults => ThrottleRate > 0 || ServerErrorRate > 0 || Latency > TimeSpan.Zero;

    /// <summary>Draws the faults of a round running <paramref name="operation"/> from <paramref name="state"/>.</summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item>Throttling, 5xx and latency: each in about a third of rounds, at 5–25 % (rates EfsDr's bounded retries absorb;
    /// a run they still break is re-run, as an operator would).</item>
    /// <item>A crash after a random step of the workflow the operation runs, in about a third of the single-run valid
    /// rounds (an invalid one is refused by its plan, before any step a crash could follow).</item>
    /// <item>A random server offline until the run reaches a random step (in about a quarter of them: the whole run), in
    /// about a fifth of the valid rounds.</item>
    /// <item>The primary's region black-holed until the run reaches a random step (or the whole run), in about 40 % of the unplanned
    /// cross-region failovers: the outage those exist for (they are about one round in twenty-five). Its node is then left
    /// running, cut off, as in a real outage.</item>
    /// </list>
    /// </remarks>
    public static FaultPlan Pick(ChaosOperation operation, DrState state, IReadOnlyList<DrillServer> servers, Random random)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(random);
        var throttle = random.NextDouble() < 0.33 ? Rate(random) : 0;
        var errors = random.NextDouble() < 0.33 ? Rate(random) : 0;
        var latency = random.NextDouble() < 0.33 ? TimeSpan.FromMilliseconds(10 + random.Next(140)) : TimeSpan.Zero;
        var single = operation.Kind is ChaosOperationKind.InRegionFailover or ChaosOperationKind.CrossRegionFailover or ChaosOperationKind.PlannedFailover or ChaosOperationKind.Reprotect;
        var crashDraw = random.NextDouble();
        var handlers = operation.IsReprotect ? ReprotectHandlers : FailoverHandlers;
        var crashStep = handlers[random.Next(handlers.Count)];
        var crash = single && crashDraw < 0.33 ? crashStep : null;
        var offlineDraw = random.NextDouble();
        var offlineServer = servers[random.Next(servers.Count)].Name;
        var offlineUntil = Until(random, handlers);
        var offline = !operation.ExpectRefused && offlineDraw < 0.2 ? offlineServer : null;
        var downDraw = random.NextDouble();
        var downUntil = Until(random, handlers);
        var down = operation.Kind == ChaosOperationKind.CrossRegionFailover && downDraw < 0.4 ? state.PrimaryRegion : null;
        return new FaultPlan(throttle, errors, latency, crash, offline, offline is null ? null : offlineUntil, down, down is null ? null : downUntil);
    }

    /// <summary>The failover's handlers a crash may follow: all but the summary (nothing is left to stop after it) and the
    /// clean-up of a failed run (a run that succeeds never reaches it).</summary>
    public static IReadOnlyList<string> FailoverHandlers { get; } = [.. FailoverWorkflow.Tasks
        .Where(s => s != FailoverWorkflow.SummarizeRun && s != FailoverWorkflow.CleanUpFailedRun).Select(s => s.Handler!)];

    /// <summary>The reprotect's handlers a crash may follow (all but the summary and the clean-up).</summary>
    public static IReadOnlyList<string> ReprotectHandlers { get; } = [.. ReprotectWorkflow.Tasks
        .Where(s => s != ReprotectWorkflow.SummarizeReprotect && s != ReprotectWorkflow.CleanUpFailedRun).Select(s => s.Handler!)];

    /// <inheritdoc/>
    public override string ToString()
    {
        var parts = new List<string>();
        if (ThrottleRate > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"throttling {ThrottleRate:P0}"));
        }

        if (ServerErrorRate > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"5xx {ServerErrorRate:P0}"));
        }

        if (Latency > TimeSpan.Zero)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"latency {Latency.TotalMilliseconds:0} ms"));
        }

        if (CrashAfter is not null)
        {
            parts.Add($"crash after {CrashAfter}");
        }

        if (OfflineNode is not null)
        {
            parts.Add($"{OfflineNode} offline {UntilText(OfflineUntil)}");
        }

        if (RegionDown is not null)
        {
            parts.Add($"{RegionDown} down {UntilText(RegionDownUntil)}");
        }

        return parts.Count == 0 ? "no faults" : string.Join(", ", parts);
    }

    private static double Rate(Random random) => Math.Round(0.05 + (random.NextDouble() * 0.2), 2);

    /// <summary>The step a temporary fault lasts until: one of <paramref name="handlers"/>, or null (the whole run) in about
    /// a quarter of the draws.</summary>
    private static string? Until(Random random, IReadOnlyList<string> handlers)
    {
        var whole = random.NextDouble() < 0.25;
        var handler = handlers[random.Next(handlers.Count)];
        return whole ? null : handler;
    }

    private static string UntilText(string? handler) => handler is null ? "for the whole run" : $"until {handler}";
}
