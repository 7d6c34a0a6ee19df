using System.Globalization;

namespace EfsDr.Drill.Chaos;

/// <summary>What a chaos round does.</summary>
public enum ChaosOperationKind
{
    /// <summary>An unplanned failover to another server of the primary's region (the file system stays protected).</summary>
    InRegionFailover,

    /// <summary>An unplanned failover into the replica's region (promotion; a data-loss window is reported).</summary>
    CrossRegionFailover,

    /// <summary>A planned failover (failback) into the replica's region, with a proven zero data-loss window.</summary>
    PlannedFailover,

    /// <summary>A reprotect from the primary's region after a cross-region failover.</summary>
    Reprotect,

    /// <summary>The same failover started twice at once: one execution, both starts join it.</summary>
    TwoRunsSameTarget,

    /// <summary>Failovers to two different servers started at once: one is refused before any change.</summary>
    TwoRunsDifferentTargets,

    /// <summary>Invalid: a failover into the old region without a reprotect (refused).</summary>
    FailoverBackWithoutReprotect,

    /// <summary>Invalid: a failover to a server whose agent is offline (refused).</summary>
    FailoverToOfflineNode,

    /// <summary>Invalid: a reprotect of a pair already protected (changes nothing).</summary>
    ReprotectWhenProtected,
}

/// <summary>The DR state the runner picks operations from, read from the world before each round.</summary>
/// <param name="PrimaryRegion">The region of the one writable copy carrying the Name.</param>
/// <param name="Protected">True when the primary replicates (ENABLED) into the copy carrying the Name in the other region.</param>
/// <param name="ActiveServer">The one server serving the application, or null when none (or more than one) does.</param>
/// <param name="ReplicaTagged">True when EfsDr's reprotect has tagged that copy its replica at the primary's epoch: a
/// reprotect then has nothing to do. The seeded pair is protected but not yet tagged (its first reprotect tags it).</param>
public sealed record DrState(string PrimaryRegion, bool Protected, string? ActiveServer, bool ReplicaTagged = false)
{
    /// <summary>True when a reprotect has nothing left to do.</summary>
    public bool FullyProtected => Protected && ReplicaTagged;

    /// <inheritdoc/>
    public override string ToString() => $"primary {PrimaryRegion}, {(FullyProtected ? "protected" : Protected ? "protected (replica not tagged yet)" : "unprotected")}, active {ActiveServer ?? "none"}";
}

/// <summary>One round's operation.</summary>
/// <param name="Kind">What it does.</param>
/// <param name="Target">The failover's target server, or the reprotect's primary region.</param>
/// <param name="SecondTarget">The other target of <see cref="ChaosOperationKind.TwoRunsDifferentTargets"/>.</param>
public sealed record ChaosOperation(ChaosOperationKind Kind, string Target, string? SecondTarget = null)
{
    /// <summary>True when the run must be refused (or, for a reprotect of a protected pair, change nothing).</summary>
    public bool ExpectRefused => Kind is ChaosOperationKind.FailoverBackWithoutReprotect or ChaosOperationKind.FailoverToOfflineNode or ChaosOperationKind.ReprotectWhenProtected;

    /// <summary>True for the operations that move the application without a planned handover: the node there is stopped
    /// first, as EXPRESSCLUSTER does when it gives up on it (unless its region is down).</summary>
    public bool Unplanned => Kind is ChaosOperationKind.InRegionFailover or ChaosOperationKind.CrossRegionFailover or ChaosOperationKind.TwoRunsSameTarget or ChaosOperationKind.TwoRunsDifferentTargets;

    /// <summary>True for a reprotect.</summary>
    public bool IsReprotect => Kind is ChaosOperationKind.Reprotect or ChaosOperationKind.ReprotectWhenProtected;

    /// <summary>kebab-case name, for the figures.</summary>
    public string Name => KebabCase(Kind.ToString());

    /// <inheritdoc/>
    public override string ToString() => SecondTarget is null ? $"{Name} {Target}" : $"{Name} {Target} + {SecondTarget}";

    /// <summary>"TwoRunsSameTarget" → "two-runs-same-target".</summary>
    public static string KebabCase(string pascal)
    {
        ArgumentNullException.ThrowIfNull(pascal);
        return string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString(CultureInfo.InvariantCulture)));
    }
}

/// <summary>Which operations are valid from a state, and the seeded choice among them (pure: the same state and random
/// sequence give the same operation).</summary>
public static class ChaosOperations
{
    /// <summary>The share of rounds that try an invalid operation when one exists.</summary>
    public const double InvalidShare = 0.25;

    /// <summary>The operations that must succeed from <paramref name="state"/>.</summary>
    public static IReadOnlyList<ChaosOperation> Valid(DrState state, IReadOnlyList<DrillServer> servers)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(servers);
        var inRegion = servers.Where(s => s.Region == state.PrimaryRegion && s.Name != state.ActiveServer).Select(s => s.Name).ToList();
        var across = state.Protected ? servers.Where(s => s.Region != state.PrimaryRegion).Select(s => s.Name).ToList() : [];
        var all = new List<ChaosOperation>();
        all.AddRange(inRegion.Select(t => new ChaosOperation(ChaosOperationKind.InRegionFailover, t)));
        all.AddRange(across.Select(t => new ChaosOperation(ChaosOperationKind.CrossRegionFailover, t)));
        all.AddRange(across.Select(t => new ChaosOperation(ChaosOperationKind.PlannedFailover, t)));
        if (!state.FullyProtected)
        {
            all.Add(new ChaosOperation(ChaosOperationKind.Reprotect, state.PrimaryRegion));
        }

        var targets = inRegion.Concat(across).ToList();
        all.AddRange(targets.Select(t => new ChaosOperation(ChaosOperationKind.TwoRunsSameTarget, t)));
        for (var i = 0; i < targets.Count; i++)
        {
            for (var j = i + 1; j < targets.Count; j++)
            {
                all.Add(new ChaosOperation(ChaosOperationKind.TwoRunsDifferentTargets, targets[i], targets[j]));
            }
        }

        return all;
    }

    /// <summary>The operations that must be refused (or change nothing) from <paramref name="state"/>.</summary>
    public static IReadOnlyList<ChaosOperation> Invalid(DrState state, IReadOnlyList<DrillServer> servers)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(servers);
        var all = new List<ChaosOperation>();
        if (!state.Protected)
        {
            all.AddRange(servers.Where(s => s.Region != state.PrimaryRegion).Select(s => new ChaosOperation(ChaosOperationKind.FailoverBackWithoutReprotect, s.Name)));
        }
        else if (state.FullyProtected)
        {
            all.Add(new ChaosOperation(ChaosOperationKind.ReprotectWhenProtected, state.PrimaryRegion));
        }

        all.AddRange(Valid(state, servers).Where(o => o.Kind is ChaosOperationKind.InRegionFailover or ChaosOperationKind.CrossRegionFailover)
            .Select(o => new ChaosOperation(ChaosOperationKind.FailoverToOfflineNode, o.Target)));
        return all;
    }

    /// <summary>Picks the round's operation: an invalid one in about <see cref="InvalidShare"/> of rounds, else a valid
    /// kind uniformly (so that a rare kind such as the reprotect is not drowned by the many failover targets), then a
    /// target uniformly.</summary>
    public static ChaosOperation Pick(DrState state, IReadOnlyList<DrillServer> servers, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var invalid = Invalid(state, servers);
        var pool = invalid.Count > 0 && random.NextDouble() < InvalidShare ? invalid : Valid(state, servers);
        if (pool.Count == 0)
        {
            throw new InvalidOperationException($"no operation is possible from {state}");
        }

        var kinds = pool.Select(o => o.Kind).Distinct().ToList();
        var kind = kinds[random.Next(kinds.Count)];
        var ofKind = pool.Where(o => o.Kind == kind).ToList();
        return ofKind[random.Next(ofKind.Count)];
    }
}
