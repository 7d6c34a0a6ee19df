// RUNNER's stand-ins for the INVARIANTS seam (issue 12), so that the chaos runner builds and runs before the
// chaos-invariants branch lands. The lead deletes this file when merging ObjectLedger.cs, ChaosInvariants.cs,
// WorldFingerprint.cs and InvariantModels.cs. Only the seam's signatures, with the simplest honest implementations: a
// check this stub does not do says so in its evidence ("stub: not checked").
using System.Globalization;
using EfsDr.Core.Failover;

namespace EfsDr.Drill.Chaos;

/// <summary>One named invariant's verdict after a round.</summary>
public sealed record InvariantResult(string Name, bool Passed, string Evidence);

/// <summary>One acknowledged write.</summary>
public sealed record LedgerEntry(string Bucket, string Key, string Sha256, DateTimeOffset AcknowledgedAt, string Address);

/// <summary>A reported data-loss window.</summary>
public sealed record LossWindow(string RunId, DateTimeOffset From, DateTimeOffset To);

/// <summary>A run that was (expected to be) refused, with the world before and after it.</summary>
public sealed record RefusedRun(string ExecutionArn, string Error, WorldFingerprint Before, WorldFingerprint After, bool RanAlone);

/// <summary>What the runner tells the invariants about the round that just ended.</summary>
public sealed record RoundFacts(int Round, IReadOnlyList<RefusedRun> Refused, DateTimeOffset? LastCompletedRunEndedAt);

/// <summary>What the object check found.</summary>
public sealed record ObjectCheck(int Checked, int Lost, int LostInReportedWindows, IReadOnlyList<string> LostKeys);

/// <summary>The acknowledged writes and reported loss windows (thread-safe).</summary>
public sealed class ObjectLedger
{
    private readonly Lock _gate = new();
    private readonly List<LedgerEntry> _entries = [];
    private readonly List<LossWindow> _windows = [];

    /// <summary>Records an acknowledged write.</summary>
    public void Acknowledged(LedgerEntry entry)
    {
        lock (_gate)
        {
            _entries.Add(entry);
        }
    }

    /// <summary>Records a reported loss window.</summary>
    public void AddLossWindow(LossWindow window)
    {
        lock (_gate)
        {
            _windows.Add(window);
        }
    }

    /// <summary>Every acknowledged write.</summary>
    public IReadOnlyList<LedgerEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>Every reported window.</summary>
    public IReadOnlyList<LossWindow> LossWindows
    {
        get
        {
            lock (_gate)
            {
                return [.. _windows];
            }
        }
    }
}

/// <summary>What a refused run must not change: file systems, mounts, serving nodes and the record.</summary>
public sealed class WorldFingerprint
{
    private readonly IReadOnlyList<string> _lines;

    private WorldFingerprint(IReadOnlyList<string> lines) => _lines = lines;

    /// <summary>Reads the world as the emulators hold it.</summary>
    public static WorldFingerprint Capture(DrillWorld world)
    {
        ArgumentNullException.ThrowIfNull(world);
        var context = world.Cloud.Context;
        var lines = new List<string>();
        foreach (var region in world.Topology.Configuration.Regions)
        {
            foreach (var fs in context.Efs.FileSystems(region).OrderBy(f => f.FileSystemId, StringComparer.Ordinal))
            {
                var replication = context.Efs.Replication(region, fs.FileSystemId);
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{region} {fs.FileSystemId} '{fs.Name}' {fs.Protection} writable={fs.Writable} role={fs.Tags.GetValueOrDefault(EfsDrTags.Role)} epoch={fs.Tags.GetValueOrDefault(EfsDrTags.Epoch)} replication={replication?.SourceFileSystemId}->{replication?.DestinationFileSystemId} {replication?.Status}"));
            }
        }

        foreach (var server in world.Topology.Servers)
        {
            lines.Add($"{server.Name} mounts=[{string.Join(",", context.Ssm.Mounts(server.InstanceId).Select(m => m.FileSystemId))}] serving={context.Ssm.ApplicationPid(server.InstanceId) is not null}");
        }

        var record = context.Route53.Record(world.Topology.HostedZoneId, LocalTopology.RecordName, "A");
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"record {string.Join(",", record?.Values ?? [])} ttl {record?.Ttl}"));
        return new WorldFingerprint(lines);
    }

    /// <summary>One line per change; empty when nothing changed.</summary>
    public IReadOnlyList<string> Differences(WorldFingerprint later)
    {
        ArgumentNullException.ThrowIfNull(later);
        return [.. _lines.Except(later._lines, StringComparer.Ordinal).Select(l => "before: " + l), .. later._lines.Except(_lines, StringComparer.Ordinal).Select(l => "after: " + l)];
    }
}

/// <summary>The invariants after each round (stub: one writer, record at the serving node, refused runs; objects are
/// counted, not read).</summary>
public sealed class ChaosInvariants(DrillWorld world, ObjectLedger ledger)
{
    /// <summary>Objects readable.</summary>
    public const string ObjectsReadable = "objects-readable";

    /// <summary>One writer.</summary>
    public const string OneWriter = "one-writer";

    /// <summary>Record at the serving node.</summary>
    public const string RecordAtServingNode = "record-at-serving-node";

    /// <summary>No run left.</summary>
    public const string NoRunLeft = "no-run-left";

    /// <summary>Refused runs changed nothing.</summary>
    public const string RefusedChangedNothing = "refused-changed-nothing";

    /// <summary>The last object check.</summary>
    public ObjectCheck LastObjectCheck { get; private set; } = new(0, 0, 0, []);

    /// <summary>Rounds seen with two writable Name copies or two serving nodes.</summary>
    public int SplitBrainMoments { get; private set; }

    /// <summary>Checks the invariants.</summary>
    public Task<IReadOnlyList<InvariantResult>> CheckAsync(RoundFacts facts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var name = world.Topology.Configuration.FileSystem.Name;
        var writable = world.Topology.Configuration.Regions.SelectMany(world.CopiesNamed).Where(f => f.Writable && f.Protection == "ENABLED").ToList();
        var serving = world.ServersServing();
        if (writable.Count > 1 || serving.Count > 1)
        {
            SplitBrainMoments++;
        }

        var record = world.Cloud.Context.Route53.Record(world.Topology.HostedZoneId, LocalTopology.RecordName, "A")?.Values is [var value, ..] ? value : null;
        var atServing = serving is [var one] && world.Topology.Server(one).Address == record;
        var changed = facts.Refused.Where(r => r.RanAlone).Select(r => (r, d: r.Before.Differences(r.After))).Where(x => x.d.Count > 0).ToList();
        LastObjectCheck = new ObjectCheck(0, 0, 0, []);
        IReadOnlyList<InvariantResult> results =
        [
            new(ObjectsReadable, true, $"stub: not checked ({ledger.Entries.Count} acknowledged)"),
            new(OneWriter, writable.Count == 1, $"{writable.Count} writable copies named {name}: {string.Join(", ", writable.Select(w => $"{w.FileSystemId} ({w.Region})"))}"),
            new(RecordAtServingNode, atServing, $"record {record}; serving [{string.Join(", ", serving)}]"),
            new(NoRunLeft, true, "stub: not checked"),
            new(RefusedChangedNothing, changed.Count == 0, changed.Count == 0 ? $"{facts.Refused.Count} refused run(s) changed nothing" : string.Join("; ", changed.Select(c => $"{c.r.ExecutionArn}: {string.Join(" | ", c.d)}"))),
        ];
        return Task.FromResult(results);
    }
}
