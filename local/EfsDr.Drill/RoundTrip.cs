using System.Globalization;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Core.Reprotect;
using EfsDr.LocalCloud.Efs;
using EfsDr.Runs;

namespace EfsDr.Drill;

/// <summary>The shape of the protected topology: which region holds the writable primary, which the replica, the
/// replication between them and the copies' epochs. The drill compares the shape after each round trip with the start.</summary>
/// <param name="PrimaryRegion">The region of the one writable copy carrying the Name.</param>
/// <param name="ReplicaRegion">The region of the one replica carrying the Name.</param>
/// <param name="Direction">The replication as "source region (id) → destination region (id) STATUS", or "none".</param>
/// <param name="PrimaryEpoch">The primary's efsdr:epoch (0 before any promotion).</param>
/// <param name="ReplicaEpoch">The replica's efsdr:epoch (0 before any reprotect).</param>
public sealed record TopologyShape(string PrimaryRegion, string ReplicaRegion, string Direction, long PrimaryEpoch, long ReplicaEpoch)
{
    /// <summary>True when <paramref name="other"/> has the same regions and replication direction (ids and epochs aside).</summary>
    public bool SameDirectionAs(TopologyShape other) =>
        other is not null && PrimaryRegion == other.PrimaryRegion && ReplicaRegion == other.ReplicaRegion && Direction.EndsWith(" ENABLED", StringComparison.Ordinal) && other.Direction.EndsWith(" ENABLED", StringComparison.Ordinal);

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"primary {PrimaryRegion} (epoch {PrimaryEpoch}), replica {ReplicaRegion} (epoch {ReplicaEpoch}), {Direction}");
}

/// <summary>
/// The DR round trip after a cross-region failover to server3: reprotect us-west-2 → us-east-1, a planned failback to
/// server1 with a proven zero data-loss window, and a reprotect back to the original direction. Round 1 follows the
/// drill's 4.2 (checks 4.3–4.5); round 2 repeats the whole trip, its own cross-region failover included (checks R2.2–R2.5).
/// </summary>
internal sealed class RoundTrip(
    DrillWorld world,
    Func<string, string, Func<Task<string>>, Task> check,
    Action<string, string, bool, string> record,
    List<RunRecord> runs,
    Action<string> output)
{
    private const string Bucket = "test";
    private readonly SeededTopology _topology = world.Topology;

    /// <summary>The objects written so far, with their content; every one must be readable wherever the record points.</summary>
    public Dictionary<string, string> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>The topology's shape now, read from the emulator.</summary>
    public TopologyShape Shape()
    {
        var copies = _topology.Configuration.Regions.SelectMany(world.CopiesNamed).ToList();
        var writable = copies.Where(c => c.Protection == "ENABLED" && c.Writable).ToList();
        var replicas = copies.Where(c => !c.Writable && c.Protection is "REPLICATING" or "DISABLED").ToList();
        var primary = writable is [var w] ? w : null;
        var replica = replicas is [var r] ? r : null;
        var replication = primary is null ? null : world.Cloud.Context.Efs.Replication(primary.Region, primary.FileSystemId);
        var direction = replication is null ? "no replication" : $"{replication.SourceRegion} ({replication.SourceFileSystemId}) → {replication.DestinationRegion} ({replication.DestinationFileSystemId}) {replication.Status}";
        return new TopologyShape(
            primary?.Region ?? $"{writable.Count} writable copies",
            replica?.Region ?? $"{replicas.Count} replicas",
            replica is not null && replication?.DestinationFileSystemId == replica.FileSystemId ? direction : $"{direction} (not into the named replica)",
            primary is null ? 0 : EpochOf(primary),
            replica is null ? 0 : EpochOf(replica));
    }

    /// <summary>Round 2's cross-region failover (as 4.2): upload, wait for the replica, stop server1, fail over to server3.</summary>
    public async Task CrossRegionAsync(string prefix, CancellationToken cancellationToken)
    {
        output(string.Empty);
        output($"{prefix}.2 failover across regions again: server1 → server3");
        var key = $"{prefix.ToLowerInvariant()}-before-failover.txt";
        DateTimeOffset uploaded = default;
        await check($"{prefix}.2.1", $"upload {key} at the DNS record's address (server1)", async () =>
        {
            var put = await PutAsync(key, "written on server1", "server1", cancellationToken).ConfigureAwait(false);
            uploaded = world.Cloud.Context.Clock.Now; // once acknowledged (see DrillRunner's 4.2.1); the cloud's simulated time
            return put;
        }).ConfigureAwait(false);
        await check($"{prefix}.2.2", $"wait until replication has copied {key}", async () =>
        {
            var replica = world.NamedCopy("us-west-2").FileSystemId;
            var last = await world.WaitForReplicationAfterAsync("us-west-2", replica, uploaded, cancellationToken).ConfigureAwait(false);
            return $"{replica}: LastReplicatedTimestamp {last:O}";
        }).ConfigureAwait(false);
        output("• stop the group on server1");
        await world.DeactivateAsync("server1", cancellationToken).ConfigureAwait(false);
        var run = await world.FailoverAsync($"{prefix}.2 to server3", "server3", null, runs, cancellationToken).ConfigureAwait(false);
        record($"{prefix}.2.3", "failover to server3 succeeds", run.Succeeded, run.Succeeded ? $"{run.Duration.TotalSeconds:0.0} s, data-loss window {Window(run)}" : run.Reason);
        await check($"{prefix}.2.4", "every file written so far is readable at the DNS record's address (server3)", () => ReadAllAsync("server3", cancellationToken)).ConfigureAwait(false);
        await check($"{prefix}.2.5", "the ex-primary in us-east-1 is fenced (read-only, tagged), nothing serves there", () => Task.FromResult(Fenced(run, "us-east-1"))).ConfigureAwait(false);
        await check($"{prefix}.2.6", $"upload {prefix.ToLowerInvariant()}-on-server3.txt to server3 (the promoted file system is writable)", () => PutAsync($"{prefix.ToLowerInvariant()}-on-server3.txt", "written on server3", "server3", cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Reprotect us-west-2 → us-east-1 (4.3 / R2.3): replication ENABLED that way and the first sync done.</summary>
    /// <returns>The run's summary, or null when it failed.</returns>
    public async Task<ReprotectSummary?> ReprotectIntoUsEast1Async(string prefix, CancellationToken cancellationToken)
    {
        output(string.Empty);
        output($"{prefix}.3 reprotect: us-west-2 → us-east-1");
        var run = await world.ReprotectAsync($"{prefix}.3 reprotect us-west-2 → us-east-1", "us-west-2", "drill: reprotect after the failover to server3", runs, cancellationToken).ConfigureAwait(false);
        var summary = run.Reprotect;
        record($"{prefix}.3.1", "reprotect from us-west-2 succeeds", summary is not null, summary is null ? run.Reason : $"{run.Duration.TotalSeconds:0.0} s, {summary.Action}: {Shorten(summary.Decision)}");
        await check($"{prefix}.3.2", "replication us-west-2 → us-east-1 is ENABLED (read through the EFS API)", () => DirectionAsync("us-west-2", "us-east-1", cancellationToken)).ConfigureAwait(false);
        await check($"{prefix}.3.3", "after the first sync the us-east-1 copy holds every file (read in the emulator's data folder of that copy)", () => Task.FromResult(Holds("us-east-1"))).ConfigureAwait(false);
        return summary;
    }

    /// <summary>The planned failback to server1 (4.4 / R2.4): an upload on server3 just before, every file on server1 at
    /// the record's address, and a data-loss window of 0 s, proven.</summary>
    public async Task FailBackAsync(string prefix, CancellationToken cancellationToken)
    {
        output(string.Empty);
        output($"{prefix}.4 planned failback: server3 → server1");
        var key = prefix == "4" ? "test4.txt" : $"{prefix.ToLowerInvariant()}-before-failback.txt";
        await check($"{prefix}.4.1", $"upload {key} on server3 just before the failback", () => PutAsync(key, "written on server3 just before the failback", "server3", cancellationToken)).ConfigureAwait(false);
        var run = await world.FailoverAsync($"{prefix}.4 planned failback to server1", "server1", null, runs, cancellationToken, DrillWorld.Input("server1", "drill: planned failback", planned: true)).ConfigureAwait(false);
        record($"{prefix}.4.2", "the planned failover to server1 succeeds", run.Succeeded, run.Succeeded ? $"{run.Duration.TotalSeconds:0.0} s" : run.Reason);
        await check($"{prefix}.4.3", $"every file ({string.Join(", ", Files.Keys)}) is readable on server1 at the DNS record's address", () => ReadAllAsync("server1", cancellationToken)).ConfigureAwait(false);
        await check($"{prefix}.4.4", "the data-loss window is 0 s, proven (the last sync after the source stopped)", () => Task.FromResult(ZeroWindow(run))).ConfigureAwait(false);
    }

    /// <summary>Reprotect back us-east-1 → us-west-2 (4.5 / R2.5): the topology is the start's, with advanced epochs.</summary>
    public async Task ReprotectBackAsync(string prefix, TopologyShape start, TopologyShape before, CancellationToken cancellationToken)
    {
        output(string.Empty);
        output($"{prefix}.5 reprotect back: us-east-1 → us-west-2");
        var run = await world.ReprotectAsync($"{prefix}.5 reprotect us-east-1 → us-west-2", "us-east-1", "drill: reprotect back to the original direction", runs, cancellationToken).ConfigureAwait(false);
        var summary = run.Reprotect;
        record($"{prefix}.5.1", "reprotect from us-east-1 succeeds", summary is not null, summary is null ? run.Reason : $"{run.Duration.TotalSeconds:0.0} s, {summary.Action}: {Shorten(summary.Decision)}");
        await check($"{prefix}.5.2", "replication us-east-1 → us-west-2 is ENABLED and the us-west-2 copy holds every file", async () =>
            $"{await DirectionAsync("us-east-1", "us-west-2", cancellationToken).ConfigureAwait(false)}; {Holds("us-west-2")}").ConfigureAwait(false);
        await check($"{prefix}.5.3", "the topology is the start's: one writable primary in us-east-1 and one replica in us-west-2 carry the Name, the same direction, epochs advanced, only server1 serves", () => Task.FromResult(SameAsStart(start, before))).ConfigureAwait(false);
    }

    private string SameAsStart(TopologyShape start, TopologyShape before)
    {
        var now = Shape();
        var serving = world.ServersServing();
        var named = _topology.Configuration.Regions.ToDictionary(r => r, r => world.CopiesNamed(r).Count, StringComparer.Ordinal);
        return now.SameDirectionAs(start) && named.Values.All(n => n == 1) && now.PrimaryEpoch > before.PrimaryEpoch && now.ReplicaEpoch == now.PrimaryEpoch && serving is ["server1"]
            ? $"start: {start}; now: {now}; serving: server1"
            : throw new InvalidOperationException($"start: {start}; before this round: {before}; now: {now}; copies named per region: {string.Join(", ", named.Select(n => $"{n.Key} {n.Value}"))}; serving: [{string.Join(", ", serving)}]");
    }

    private async Task<string> DirectionAsync(string source, string destination, CancellationToken cancellationToken)
    {
        var primary = world.NamedCopy(source).FileSystemId;
        var all = await world.Adapters.Replications.DescribeReplicationsAsync(source, primary, cancellationToken).ConfigureAwait(false);
        var outgoing = all.FirstOrDefault(r => r.SourceFileSystemId == primary) ?? throw new InvalidOperationException($"{primary} ({source}) replicates nowhere");
        var to = outgoing.Destination;
        var replica = world.NamedCopy(destination).FileSystemId;
        return to.Status == ReplicationStatus.Enabled && to.Region == destination && to.FileSystemId == replica
            ? $"{primary} ({source}) → {to.FileSystemId} ({destination}) ENABLED, last sync {to.LastReplicatedTimestamp:O}"
            : throw new InvalidOperationException($"{primary} ({source}) → {to.FileSystemId} ({to.Region}) {to.Status}; the copy named in {destination} is {replica}");
    }

    /// <summary>Every file written so far is in the data folder of the copy carrying the Name in <paramref name="region"/>.</summary>
    private string Holds(string region)
    {
        var copy = world.NamedCopy(region);
        var missing = Files.Keys.Where(key => !Contains(copy, key)).ToList();
        return missing.Count == 0
            ? $"{copy.FileSystemId} ({region}) holds {string.Join(", ", Files.Keys)}"
            : throw new InvalidOperationException($"{copy.FileSystemId} ({region}) lacks {string.Join(", ", missing)}");
    }

    /// <summary>True when <paramref name="copy"/>'s data folder has an object stored under <paramref name="key"/>.</summary>
    public static bool Contains(FileSystemSnapshot copy, string key)
    {
        ArgumentNullException.ThrowIfNull(copy);
        return Directory.Exists(copy.DataDirectory)
            && Directory.EnumerateFiles(copy.DataDirectory, "*", SearchOption.AllDirectories).Any(f => Path.GetRelativePath(copy.DataDirectory, f).Contains(key, StringComparison.Ordinal));
    }

    private async Task<string> PutAsync(string key, string text, string expected, CancellationToken cancellationToken)
    {
        using var s3 = await world.S3AtRecordAsync(cancellationToken).ConfigureAwait(false);
        if (s3.Address != _topology.Server(expected).Address)
        {
            throw new InvalidOperationException($"the record points at {s3.Address}, not {expected}");
        }

        await s3.PutAsync(Bucket, key, text, cancellationToken).ConfigureAwait(false);
        Files[key] = text;
        return $"uploaded to {s3.Address} ({expected})";
    }

    private async Task<string> ReadAllAsync(string expected, CancellationToken cancellationToken)
    {
        using var s3 = await world.S3AtRecordAsync(cancellationToken).ConfigureAwait(false);
        if (s3.Address != _topology.Server(expected).Address)
        {
            throw new InvalidOperationException($"the record points at {s3.Address}, not {expected}");
        }

        foreach (var (key, text) in Files)
        {
            var read = await s3.GetAsync(Bucket, key, cancellationToken).ConfigureAwait(false);
            if (read != text)
            {
                throw new InvalidOperationException($"{key} on {expected} reads '{read}', not '{text}'");
            }
        }

        return $"{Files.Count} files read from {s3.Address} ({expected})";
    }

    private string Fenced(RunRecord run, string region)
    {
        var ex = run.Summary?.ExPrimary ?? throw new InvalidOperationException($"the run summary has no exPrimary ({run.Execution.Status} {run.Execution.Error})");
        var copy = world.Cloud.Context.Efs.FileSystems(region).Single(f => f.FileSystemId == ex.FileSystemId);
        var serving = world.ServersServing().Where(s => _topology.Server(s).Region == region).ToList();
        return ex.Fenced && copy.Protection == "DISABLED" && !copy.Writable && serving.Count == 0
            ? $"{copy.FileSystemId}: {ex.Detail}"
            : throw new InvalidOperationException($"{copy.FileSystemId}: protection {copy.Protection}, serving on [{string.Join(", ", serving)}]; summary: {ex}");
    }

    private static string ZeroWindow(RunRecord run) =>
        run.Summary is { DataLossWindowSeconds: 0, DataLossProven: true } summary
            ? $"{RunReport.DataLossText(summary)}"
            : throw new InvalidOperationException($"window {run.Summary?.DataLossWindowSeconds?.ToString(CultureInfo.InvariantCulture) ?? "none"}, proven {run.Summary?.DataLossProven}");

    private static string Window(RunRecord run) =>
        run.Summary is { } summary ? RunReport.DataLossText(summary) : "–";

    private static long EpochOf(FileSystemSnapshot copy) =>
        copy.Tags.TryGetValue(EfsDrTags.Epoch, out var text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch) ? epoch : 0;

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
