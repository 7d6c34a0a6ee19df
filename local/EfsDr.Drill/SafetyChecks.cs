using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Core.Reprotect;
using EfsDr.Runs;

namespace EfsDr.Drill;

/// <summary>
/// The drill's safety checks after the cross-region failover (4.2): one writer (the ex-primary fenced, or plainly reported
/// NOT fenced while its region is down, its writes after the cut-over found, and fenced once the region answers) and
/// epochs decide (a failover back into the old region without reprotect is refused, with nothing mounted and DNS
/// untouched).
/// </summary>
internal sealed class SafetyChecks(
    DrillWorld world,
    SeededTopology topology,
    Func<string, string, Func<Task<string>>, Task> check,
    Action<string> output)
{
    private const string Bucket = "test";
    private const string ZombieKey = "zombie-after-cut-over.txt";

    /// <summary>Runs the checks; <paramref name="regionDown"/> is the black-holed region, if any (it is restored here).</summary>
    public async Task RunAsync(RunRecord toServer3, string? regionDown, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(toServer3);
        // Real time, as the files' write times it is compared with (the run's StopDate is on the cloud's simulated clock);
        // the run has ended, so a write on the ex-primary from now on comes after the cut-over.
        var cutOver = DateTimeOffset.UtcNow;
        if (regionDown is null)
        {
            await check("4.2.7", "the ex-primary is fenced: read-only and tagged fenced, the application stopped on server1 and server2", () => Task.FromResult(Fenced(toServer3))).ConfigureAwait(false);
        }
        else
        {
            await check("4.2.7", $"the run says plainly that the ex-primary is NOT fenced while {regionDown} is down, and what fences it", () => Task.FromResult(ReportedNotFenced(toServer3))).ConfigureAwait(false);
            await check("4.2.8", "the isolated, unfenced ex-primary still takes a write through server2, the node that serves the us-east-1 copy since 4.1 (the issue's \"through server1\": the ex-primary's live node; a zombie write, to be detected and kept)", () => ZombieWriteAsync(cancellationToken)).ConfigureAwait(false);
            world.Cloud.Faults.RestoreRegion(regionDown);
            output($"  {regionDown} answers again");
        }

        await check("4.2.9", "a failover back to server1 without reprotect is refused: nothing mounted on server1, DNS untouched", () => RefusedBackAsync(cancellationToken)).ConfigureAwait(false);
        if (regionDown is not null)
        {
            await check("4.2.10", "the ex-primary's writes after the cut-over are detected and kept", () => Task.FromResult(ZombieWrites(cutOver))).ConfigureAwait(false);
            await check("4.2.11", $"once {regionDown} answers, efsdr fence stops server2 (the zombie writer) and leaves the ex-primary read-only and tagged, the zombie write kept", () => FenceNowAsync(cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>After the reprotect that followed the outage (4.3.4): the ex-primary, fenced only after the zombie write
    /// (4.2.11, not by the run that promoted the primary), is not taken for the replica: the zombie write survives in the
    /// <c>-diverged-</c> copy, the copy carrying the Name in us-east-1 holds the cluster's data (us-west-2's) and not the
    /// zombie write, and only server3 serves.</summary>
    public Task DivergedKeptAsync(ReprotectSummary? summary) =>
        check("4.3.4", "the zombie write survives in the -diverged- file system, the cluster continues from us-west-2's data, only one node serves the Name", () => Task.FromResult(DivergedKept(summary)));

    private string DivergedKept(ReprotectSummary? summary)
    {
        if (summary is not { Action: ReprotectAction.IntoNewFileSystem, Kept: not null })
        {
            throw new InvalidOperationException($"the reprotect did not keep the unfenced ex-primary: {summary?.Action.ToString() ?? "no summary"} ({summary?.Decision})");
        }

        var prefix = topology.Configuration.FileSystem.Name + "-diverged-";
        var diverged = world.Cloud.Context.Efs.FileSystems("us-east-1").Where(f => f.Name?.StartsWith(prefix, StringComparison.Ordinal) == true).ToList();
        var named = world.NamedCopy("us-east-1");
        var serving = world.ServersServing();
        return diverged is [var kept] && kept.FileSystemId == topology.PrimaryFileSystemId && RoundTrip.Contains(kept, ZombieKey) && !RoundTrip.Contains(named, ZombieKey)
            && RoundTrip.Contains(named, "test3.txt") && serving is ["server3"]
            ? $"{ZombieKey} kept on {kept.FileSystemId} '{kept.Name}'; the new replica {named.FileSystemId} carries the Name, holds test3.txt and not the zombie write; serving: server3 only"
            : throw new InvalidOperationException($"diverged copies [{string.Join(", ", diverged.Select(d => $"{d.FileSystemId} '{d.Name}'"))}]; named copy {named.FileSystemId} (zombie {RoundTrip.Contains(named, ZombieKey)}); serving [{string.Join(", ", serving)}]");
    }

    private string Fenced(RunRecord run)
    {
        var exPrimary = ExPrimary(run);
        var copy = Copy("us-east-1", topology.PrimaryFileSystemId);
        var running = ServersServing("us-east-1");
        return exPrimary.Fenced && copy.Protection == "DISABLED" && !copy.Writable && copy.Tags.GetValueOrDefault(EfsDrTags.Role) == EfsDrTags.Fenced && running.Count == 0
            ? $"{copy.FileSystemId}: {exPrimary.Detail}"
            : throw new InvalidOperationException($"ex-primary {copy.FileSystemId}: protection {copy.Protection}, role {copy.Tags.GetValueOrDefault(EfsDrTags.Role, "none")}, serving on [{string.Join(", ", running)}]; summary: {exPrimary}");
    }

    private string ReportedNotFenced(RunRecord run)
    {
        var exPrimary = ExPrimary(run);
        var detail = exPrimary.Detail;
        return !exPrimary.Fenced && detail.Contains("NOT fenced", StringComparison.Ordinal) && detail.Contains("efsdr fence", StringComparison.Ordinal)
            && exPrimary.FileSystemId == topology.PrimaryFileSystemId
            ? $"{topology.PrimaryFileSystemId}: {detail}"
            : throw new InvalidOperationException($"the summary does not report the unfenced ex-primary: {exPrimary}");
    }

    private async Task<string> ZombieWriteAsync(CancellationToken cancellationToken)
    {
        using var s3 = new S3Probe(topology.Server("server2").Address);
        await s3.PutAsync(Bucket, ZombieKey, "written on server2 after the cut-over", cancellationToken).ConfigureAwait(false);
        return $"server2 ({s3.Address}) accepted {ZombieKey} on {topology.PrimaryFileSystemId}";
    }

    private async Task<string> RefusedBackAsync(CancellationToken cancellationToken)
    {
        var server1 = topology.Server("server1");
        var before = world.Cloud.Context.Route53.Record(topology.HostedZoneId, LocalTopology.RecordName, "A");
        var run = await world.FailoverAsync("back to server1 without reprotect", "server1", "drill: failover back without reprotect", [], cancellationToken).ConfigureAwait(false);
        var after = world.Cloud.Context.Route53.Record(topology.HostedZoneId, LocalTopology.RecordName, "A");
        var mounts = world.Cloud.Context.Ssm.Mounts(server1.InstanceId);
        if (run.Execution.Status != ExecutionStatus.Failed || run.Execution.Error is not ("StaleFileSystemException" or "EpochsUnverifiedException"))
        {
            throw new InvalidOperationException($"the failover back was not refused: {run.Execution.Status} {run.Execution.Error}");
        }

        if (mounts.Count > 0 || world.Cloud.Context.Ssm.ApplicationPid(server1.InstanceId) is not null)
        {
            throw new InvalidOperationException($"server1 has {string.Join(", ", mounts.Select(m => m.FileSystemId))} mounted after the refusal");
        }

        return before is not null && after is not null && before.Values.SequenceEqual(after.Values) && before.Ttl == after.Ttl
            ? $"{run.Execution.Error}: {Shorten(RunRecord.Unwrap(run.Execution.Cause))}"
            : throw new InvalidOperationException($"DNS changed: {(before?.Values.Count > 0 ? before.Values[0] : null)} ttl {before?.Ttl} → {(after?.Values.Count > 0 ? after.Values[0] : null)} ttl {after?.Ttl}");
    }

    /// <summary>Objects on the ex-primary, written after the cut-over, that the new primary does not hold.</summary>
    private string ZombieWrites(DateTimeOffset cutOver)
    {
        var exPrimary = Copy("us-east-1", topology.PrimaryFileSystemId).DataDirectory;
        var primary = Copy("us-west-2", topology.ReplicaFileSystemId).DataDirectory;
        var zombies = Directory.EnumerateFiles(exPrimary, "*", SearchOption.AllDirectories)
            .Where(f => File.GetLastWriteTimeUtc(f) >= cutOver.UtcDateTime.AddSeconds(-1))
            .Select(f => Path.GetRelativePath(exPrimary, f))
            .Where(relative => !File.Exists(Path.Combine(primary, relative)))
            .Where(relative => relative.Contains(ZombieKey, StringComparison.Ordinal))
            .ToList();
        return zombies.Count > 0
            ? $"{zombies.Count} file(s) written on {topology.PrimaryFileSystemId} after the cut-over and missing on {topology.ReplicaFileSystemId}: {string.Join(", ", zombies)} (kept on the ex-primary; never copied over by EfsDr)"
            : throw new InvalidOperationException($"the zombie write {ZombieKey} was not found on the ex-primary");
    }

    /// <summary><c>efsdr fence</c>'s service, as the CLI runs it: deactivates the ex-primary's nodes and fences the copy.</summary>
    private async Task<string> FenceNowAsync(CancellationToken cancellationToken)
    {
        var fencing = new FencingService(topology.Configuration, world.Adapters.FileSystems, world.Adapters.NodeAgent, LocalTopology.NodeDocument, TimeProvider.System);
        var survey = await fencing.FindUnfencedAsync(cancellationToken).ConfigureAwait(false);
        var target = survey.Unfenced.SingleOrDefault() ?? throw new InvalidOperationException($"no unfenced ex-primary found ({survey.Note})");
        var nodes = await fencing.DeactivateAsync(target.Region, target.FileSystemId, "drill-fence", cancellationToken).ConfigureAwait(false);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (nodes.Any(n => n.Status == NodeDeactivationStatus.Pending) && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            nodes = await fencing.CheckDeactivationAsync(nodes, cancellationToken).ConfigureAwait(false);
        }

        var result = await fencing.FenceAsync(target.Region, target.FileSystemId, survey.Primary!.Epoch, "drill-fence", cancellationToken).ConfigureAwait(false);
        var copy = Copy(target.Region, target.FileSystemId);
        var serving = ServersServing(target.Region);
        return result.Fenced && copy.Protection == "DISABLED" && serving.Count == 0 && File.Exists(Directory.EnumerateFiles(copy.DataDirectory, "*", SearchOption.AllDirectories).FirstOrDefault(f => f.Contains(ZombieKey, StringComparison.Ordinal)) ?? string.Empty)
            ? $"{target.FileSystemId}: {result.Detail}; {string.Join(", ", nodes.Select(n => $"{n.Server} {n.Status.ToString().ToLowerInvariant()}"))}; the zombie write is kept"
            : throw new InvalidOperationException($"{target.FileSystemId}: fenced {result.Fenced} ({result.Detail}), protection {copy.Protection}, serving on [{string.Join(", ", serving)}]");
    }

    private List<string> ServersServing(string region) =>
        [.. topology.Servers.Where(s => s.Region == region && world.Cloud.Context.Ssm.ApplicationPid(s.InstanceId) is not null).Select(s => s.Name)];

    private EfsDr.LocalCloud.Efs.FileSystemSnapshot Copy(string region, string id) =>
        world.Cloud.Context.Efs.FileSystems(region).Single(f => f.FileSystemId == id);

    private static ExPrimaryStatus ExPrimary(RunRecord run) =>
        run.Summary?.ExPrimary ?? throw new InvalidOperationException($"the run summary has no exPrimary ({run.Execution.Status} {run.Execution.Error})");

    private static string Shorten(string text) => text.Length <= 240 ? text : text[..240] + "…";
}
