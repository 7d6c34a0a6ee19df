using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Amazon.S3;
using EfsDr.Core.Failover;
using EfsDr.Core.Workflows;
using EfsDr.LocalCloud.Efs;

namespace EfsDr.Drill.Chaos;

/// <summary>
/// The chaos drill's invariants, checked after every round against the emulators' state (read directly, not through the
/// AWS APIs: faults injected into those never blind a check) and, for objects, through the application at the record's
/// address, as a client reads them. Each check names what it looked at; a failed one says exactly what is wrong.
/// One check at a time: the runner calls <see cref="CheckAsync"/> after each round, never concurrently.
/// </summary>
/// <remarks>
/// <para><b>Which objects.</b> Those acknowledged up to <see cref="RoundFacts.LastCompletedRunEndedAt"/>; when no run has
/// completed yet (null), every object acknowledged before the check started: an acknowledged write must survive whatever
/// happened since, failed and refused runs included, so checking more is never wrong. A key rewritten after the cutoff
/// is left out (its content is the later write's, not promised yet).</para>
/// <para><b>Reading less.</b> An object read back with its checksum is not read again while the same node serves the same
/// file system with the same protection, role and epoch at the record's address: only a run rewrites a primary's data
/// (writers add new keys; faults touch the control plane, not the data), and every run that could lose or replace data
/// (a failover promotes another copy or moves the record, a reprotect turns a copy into a replica) changes one of those.
/// Then every object is read again. Objects found missing are read again every check.</para>
/// <para><b>Lost.</b> Missing (404), different content, or unreadable after retries at the record's address. Acknowledged
/// inside a reported window (<see cref="ObjectLedger.WindowOf"/>): lost-in-window, counted and listed, not a failure.</para>
/// </remarks>
public sealed class ChaosInvariants(DrillWorld world, ObjectLedger ledger)
{
    /// <summary>Every object acknowledged before the last completed run is readable with the same checksum at the record's
    /// address, except those acknowledged inside a reported loss window (counted and reported as lost-in-window).</summary>
    public const string ObjectsReadable = "objects-readable";

    /// <summary>Exactly one writable file system carries the cluster's Name; every other copy is a replica, fenced
    /// (read-only) or renamed <c>-diverged-</c>.</summary>
    public const string OneWriter = "one-writer";

    /// <summary>The record points at the node that has the primary mounted and runs the application; at most one node
    /// serves the application.</summary>
    public const string RecordAtServingNode = "record-at-serving-node";

    /// <summary>No execution of a DR state machine (failover, reprotect) is RUNNING.</summary>
    public const string NoRunLeft = "no-run-left";

    /// <summary>Each refused run changed nothing: alone, the world before and after is the same; beside another run, its
    /// history entered no mutating step (<see cref="StepEffects"/>).</summary>
    public const string RefusedChangedNothing = "refused-changed-nothing";

    /// <summary>Reads at once through the application: enough to check thousands of objects in a second or two on loopback
    /// without queueing the node's S3 server behind the writers.</summary>
    private const int ParallelReads = 8;

    private const int ReadAttempts = 3;
    private const int Listed = 20;
    private const string Diverged = "-diverged-";

    /// <summary>How the problem of an object that could not be read at all starts.</summary>
    public const string Unreadable = "unreadable";

    private readonly HashSet<(string Bucket, string Key, string Sha256)> _verified = [];
    private string? _verifiedOn;
    private int _splitBrainMoments;

    /// <summary>The last object check (the figures' "objects checked / lost").</summary>
    public ObjectCheck LastObjectCheck { get; private set; } = new(0, 0, 0, []);

    /// <summary>Checks (and samples, <see cref="SampleSplitBrain"/>) that saw two writable copies carrying the Name or two
    /// nodes serving the application.</summary>
    public int SplitBrainMoments => Volatile.Read(ref _splitBrainMoments);

    private string Name => world.Topology.Configuration.FileSystem.Name;

    /// <summary>Checks every invariant after round <see cref="RoundFacts.Round"/>; never throws for a failed check (a check
    /// that cannot look fails with the reason), only for cancellation.</summary>
    public async Task<IReadOnlyList<InvariantResult>> CheckAsync(RoundFacts facts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(facts);
        SampleSplitBrain();
        var oneWriter = Guard(OneWriter, CheckOneWriter);
        var record = Guard(RecordAtServingNode, CheckRecord);
        var noRunLeft = Guard(NoRunLeft, CheckNoRunLeft);
        var refused = Guard(RefusedChangedNothing, () => CheckRefused(facts.Refused));
        InvariantResult objects;
        try
        {
            objects = await CheckObjectsAsync(facts.LastCompletedRunEndedAt, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Nothing was checked this time: the figures must not carry the last check's counts over.
            LastObjectCheck = new ObjectCheck(0, 0, 0, []);
            objects = new InvariantResult(ObjectsReadable, false, $"the check could not look: {ex.GetType().Name}: {ex.Message}");
        }

        return [objects, oneWriter, record, noRunLeft, refused];
    }

    /// <summary>Looks once for a split brain (two writable copies carrying the Name, or two nodes serving) and counts it in
    /// <see cref="SplitBrainMoments"/>; the runner may sample during a round too. Thread-safe.</summary>
    /// <returns>True when one was seen.</returns>
    public bool SampleSplitBrain()
    {
        var split = NamedWriters().Count > 1 || world.ServersServing().Count > 1;
        if (split)
        {
            Interlocked.Increment(ref _splitBrainMoments);
        }

        return split;
    }

    private static InvariantResult Guard(string name, Func<InvariantResult> check)
    {
        try
        {
            return check();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new InvariantResult(name, false, $"the check could not look: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private List<FileSystemSnapshot> AllFileSystems() =>
        [.. world.Topology.Configuration.Regions.SelectMany(world.Cloud.Context.Efs.FileSystems)];

    private List<FileSystemSnapshot> NamedWriters() =>
        [.. world.Topology.Configuration.Regions.SelectMany(world.CopiesNamed).Where(f => f.Writable)];

    private InvariantResult CheckOneWriter()
    {
        var all = AllFileSystems();
        var writers = all.Where(f => f.Name == Name && f.Writable).ToList();
        // A writable copy EfsDr promoted that no longer carries the Name, and was not kept -diverged-, is a writer too.
        var strays = all.Where(f => f.Writable && f.Name != Name && f.Name?.Contains(Diverged, StringComparison.Ordinal) != true && EfsDrTags.PromotedByEfsDr(f.Tags)).ToList();
        var listing = "copies: " + string.Join("; ", all.Select(f => Describe(f, writers, strays)));
        if (writers.Count == 1 && strays.Count == 0)
        {
            return new(OneWriter, true, $"one writable file system named {Name}: {writers[0].FileSystemId} ({writers[0].Region}); {listing}");
        }

        var problems = new List<string>();
        if (writers.Count != 1)
        {
            problems.Add(writers.Count == 0
                ? $"no writable file system is named {Name}"
                : $"{writers.Count} writable file systems are named {Name}: {string.Join(", ", writers.Select(w => $"{w.FileSystemId} ({w.Region})"))}");
        }

        if (strays.Count > 0)
        {
            problems.Add($"writable, promoted by EfsDr, neither named {Name} nor {Diverged}: {string.Join(", ", strays.Select(s => $"{s.FileSystemId} ({s.Region}) '{s.Name}'"))}");
        }

        return new(OneWriter, false, $"{string.Join("; ", problems)}. {listing}");
    }

    private string Describe(FileSystemSnapshot f, List<FileSystemSnapshot> writers, List<FileSystemSnapshot> strays)
    {
        var role = f.Tags.GetValueOrDefault(EfsDrTags.Role, "none");
        var kind = writers.Contains(f) ? "writer"
            : strays.Contains(f) ? "STRAY WRITER"
            : f.Name?.Contains(Diverged, StringComparison.Ordinal) == true ? "diverged"
            : f.Name != Name ? "not a copy of the cluster"
            : f.Protection == "REPLICATING" ? "replica"
            : EfsDrTags.IsFenced(f.Tags) ? "fenced"
            : "read-only";
        return $"{f.FileSystemId} ({f.Region}) '{f.Name}' {(f.Writable ? "writable" : "read-only")} {f.Protection}, role {role} → {kind}";
    }

    private InvariantResult CheckRecord()
    {
        var context = world.Cloud.Context;
        var record = context.Route53.Record(world.Topology.HostedZoneId, LocalTopology.RecordName, "A");
        var servers = world.Topology.Servers.Select(s => (Server: s, Mounts: context.Ssm.Mounts(s.InstanceId), Pid: context.Ssm.ApplicationPid(s.InstanceId))).ToList();
        var writers = NamedWriters();
        var nodes = "nodes: " + string.Join("; ", servers.Select(s =>
            $"{s.Server.Name} {s.Server.Address} ({s.Server.Region}): {(s.Mounts.Count == 0 ? "nothing mounted" : "mounts " + string.Join(", ", s.Mounts.Select(m => $"{m.FileSystemId} ({m.Region})")))}, {(s.Pid is { } pid ? "application pid " + pid.ToString(CultureInfo.InvariantCulture) : "application stopped")}"));
        var problems = new List<string>();
        string? target = null;
        if (record is not { Values: [var address] })
        {
            problems.Add(record is null ? $"{LocalTopology.RecordName} has no A record" : $"{LocalTopology.RecordName} holds {record.Values.Count} values [{string.Join(", ", record.Values)}], not one");
        }
        else if (servers.FirstOrDefault(s => s.Server.Address == address) is not { Server: not null } node)
        {
            problems.Add($"the record points at {address}, no server's address");
        }
        else
        {
            target = $"{LocalTopology.RecordName} A {address} (TTL {record.Ttl?.ToString(CultureInfo.InvariantCulture) ?? "none"}) → {node.Server.Name}";
            if (!node.Mounts.Any(m => writers.Any(w => w.FileSystemId == m.FileSystemId && w.Region == m.Region)))
            {
                problems.Add($"{node.Server.Name} has not mounted the primary (writable, named {Name}: {(writers.Count == 0 ? "none" : string.Join(", ", writers.Select(w => w.FileSystemId)))})");
            }

            if (node.Pid is null)
            {
                problems.Add($"{node.Server.Name} does not run the application");
            }
        }

        var serving = servers.Where(s => s.Pid is not null).Select(s => s.Server.Name).ToList();
        if (serving.Count > 1)
        {
            problems.Add($"{serving.Count} nodes serve the application: {string.Join(", ", serving)}");
        }

        return problems.Count == 0
            ? new(RecordAtServingNode, true, $"{target}, which has the primary mounted and is the only node serving; {nodes}")
            : new(RecordAtServingNode, false, $"{string.Join("; ", problems)}. {target ?? "record: " + string.Join(", ", record?.Values ?? [])}; {nodes}");
    }

    private InvariantResult CheckNoRunLeft()
    {
        var topology = world.Topology;
        var machines = topology.StateMachineArns.Values.Concat(topology.ReprotectStateMachineArns.Values)
            .Select(WorkflowDescription.MachineName).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var executions = world.Cloud.Context.StepFunctions.Executions
            .Where(e => WorkflowDescription.MachineName(e.StateMachineArn) is { } name && machines.Contains(name))
            .ToList();
        var counts = string.Join(", ", executions.GroupBy(e => e.Status, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}"));
        var seen = $"{executions.Count} execution(s) of {string.Join(", ", machines.Order(StringComparer.Ordinal))} in every region{(executions.Count == 0 ? string.Empty : ": " + counts)}";
        var running = executions.Where(e => e.Status == "RUNNING").ToList();
        return running.Count == 0
            ? new(NoRunLeft, true, $"none RUNNING; {seen}")
            : new(NoRunLeft, false, $"{running.Count} RUNNING: {string.Join("; ", running.Select(e => $"{e.ExecutionArn} (started {e.StartDate:O}, last state entered {LastState(e.ExecutionArn)})"))}; {seen}");
    }

    private string LastState(string executionArn) =>
        world.Cloud.Context.StepFunctions.StatesEntered(executionArn) is { Count: > 0 } states ? states[^1] : "none";

    private InvariantResult CheckRefused(IReadOnlyList<RefusedRun> refused)
    {
        ArgumentNullException.ThrowIfNull(refused);
        if (refused.Count == 0)
        {
            return new(RefusedChangedNothing, true, "no run was refused this round");
        }

        var verdicts = refused.Select(Verdict).ToList();
        var failed = verdicts.Where(v => !v.Passed).Select(v => v.Text).ToList();
        return failed.Count == 0
            ? new(RefusedChangedNothing, true, $"{refused.Count} refused run(s) changed nothing: {string.Join("; ", verdicts.Select(v => v.Text))}")
            : new(RefusedChangedNothing, false, $"{failed.Count} of {refused.Count} refused run(s) changed something: {string.Join("; ", failed)}");
    }

    private (bool Passed, string Text) Verdict(RefusedRun run)
    {
        var who = string.IsNullOrEmpty(run.ExecutionArn) ? $"a run refused before it started ({run.Error})" : $"{run.ExecutionArn} ({run.Error})";
        if (run.RanAlone)
        {
            var changes = run.Before.Differences(run.After);
            var path = !string.IsNullOrEmpty(run.ExecutionArn) && world.Cloud.Context.StepFunctions.StatesEntered(run.ExecutionArn) is { } history
                ? $" (states entered: {string.Join(" → ", history)})"
                : string.Empty;
            return changes.Count == 0
                ? (true, $"{who} ran alone: the world is as before{path}")
                : (false, $"{who} ran alone and the world changed: {string.Join(" | ", changes)}{path}");
        }

        if (string.IsNullOrEmpty(run.ExecutionArn))
        {
            return (true, $"{who}: no execution ran");
        }

        var states = world.Cloud.Context.StepFunctions.StatesEntered(run.ExecutionArn);
        if (states is null)
        {
            return (false, $"{who}: no such execution in the local cloud");
        }

        var kind = WorkflowDescription.Of(run.ExecutionArn).Kind;
        var mutating = states.Where(s => StepEffects.IsMutating(kind, s)).Distinct(StringComparer.Ordinal).ToList();
        var entered = string.Join(" → ", states);
        return mutating.Count == 0
            ? (true, $"{who} ran beside another run and entered only steps that change nothing: {entered}")
            : (false, $"{who} ran beside another run and entered mutating step(s) {string.Join(", ", mutating)} (states entered: {entered})");
    }

    private async Task<InvariantResult> CheckObjectsAsync(DateTimeOffset? lastCompletedRunEndedAt, CancellationToken cancellationToken)
    {
        // Without a completed run, everything acknowledged before the check started: an acknowledged write must survive
        // whatever happened since, runs that failed or were refused included.
        var cutoff = lastCompletedRunEndedAt ?? world.Cloud.Context.Clock.GetUtcNow();
        var scope = lastCompletedRunEndedAt is null ? $"acknowledged before the check ({cutoff:O}; no run completed yet)" : $"acknowledged up to the end of the last completed run ({cutoff:O})";
        var promised = ledger.Promised(cutoff);
        if (promised.Count == 0)
        {
            LastObjectCheck = new ObjectCheck(0, 0, 0, []);
            return new(ObjectsReadable, true, $"no object {scope}");
        }

        using var s3 = await world.S3AtRecordAsync(cancellationToken).ConfigureAwait(false);
        var primary = PrimaryBehind(s3.Address);
        if (primary is null || primary != _verifiedOn)
        {
            // Who serves, or what it serves, changed: a failover may lose writes, a reprotect may turn a copy into a replica.
            _verified.Clear();
            _verifiedOn = primary;
        }

        var toRead = promised.Where(e => !_verified.Contains((e.Bucket, e.Key, e.Sha256))).ToList();
        var problems = await ReadAllAsync(s3, toRead, cancellationToken).ConfigureAwait(false);
        if (primary is not null)
        {
            var bad = problems.Select(p => p.Entry).ToHashSet();
            _verified.UnionWith(toRead.Where(e => !bad.Contains(e)).Select(e => (e.Bucket, e.Key, e.Sha256)));
        }

        return ObjectVerdict(promised.Count, toRead.Count, problems, $"{promised.Count} object(s) {scope} checked at {s3.Address} ({primary ?? "no single file system mounted there"})");
    }

    private static Task<List<(LedgerEntry Entry, string Problem)>> ReadAllAsync(S3Probe s3, List<LedgerEntry> entries, CancellationToken cancellationToken) =>
        ReadAllAsync((e, token) => ProblemReadingAsync(s3, e, token), s3.AnswersAsync, s3.Address, entries, cancellationToken);

    /// <summary>Reads every entry with <paramref name="read"/> (the problem of one, or null when it reads back),
    /// <see cref="ParallelReads"/> at once; returns what is wrong with each that does not read back. The first is read
    /// alone: when it is unreadable and the address does not answer at all (<paramref name="answers"/>), every object is
    /// unreadable for the same reason, and retrying each of thousands would take minutes. When the address answers, the
    /// first object alone was unreadable (e.g. torn by a copy cut off inside a data-loss window) and the others are read.</summary>
    public static async Task<List<(LedgerEntry Entry, string Problem)>> ReadAllAsync(Func<LedgerEntry, CancellationToken, Task<string?>> read, Func<CancellationToken, Task<bool>> answers, string address, IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(answers);
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return [];
        }

        var first = await read(entries[0], cancellationToken).ConfigureAwait(false);
        if (first?.StartsWith(Unreadable, StringComparison.Ordinal) == true && !await answers(cancellationToken).ConfigureAwait(false))
        {
            return [.. entries.Select((e, i) => (e, i == 0 ? first : $"{Unreadable} (not tried: {address} did not answer the first read)"))];
        }

        var problems = new ConcurrentBag<(LedgerEntry Entry, string Problem)>();
        if (first is not null)
        {
            problems.Add((entries[0], first));
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(entries.Skip(1), options, async (entry, token) =>
        {
            if (await read(entry, token).ConfigureAwait(false) is { } problem)
            {
                problems.Add((entry, problem));
            }
        }).ConfigureAwait(false);
        return [.. problems];
    }

    private InvariantResult ObjectVerdict(int promised, int read, List<(LedgerEntry Entry, string Problem)> problems, string seen)
    {
        var classified = problems.OrderBy(p => p.Entry.AcknowledgedAt).Select(p => (p.Entry, p.Problem, Window: ledger.WindowOf(p.Entry.AcknowledgedAt))).ToList();
        var lost = classified.Where(p => p.Window is null).ToList();
        var inWindows = classified.Where(p => p.Window is not null).ToList();
        LastObjectCheck = new ObjectCheck(promised, lost.Count, inWindows.Count, [.. lost.Select(l => $"{l.Entry.Bucket}/{l.Entry.Key}")]);
        var evidence = $"{seen}: {read} read now, {promised - read} verified before on the same primary; {inWindows.Count} lost inside reported windows"
            + (inWindows.Count == 0 ? string.Empty : ": " + List(inWindows.Select(p => $"{p.Entry.Bucket}/{p.Entry.Key} ({p.Problem}; acknowledged {p.Entry.AcknowledgedAt:O}, window of {p.Window!.RunId} {p.Window.From:O}–{p.Window.To:O})")));
        return lost.Count == 0
            ? new(ObjectsReadable, true, evidence)
            : new(ObjectsReadable, false, $"{lost.Count} lost outside every reported window: {List(lost.Select(p => $"{p.Entry.Bucket}/{p.Entry.Key} ({p.Problem}; acknowledged {p.Entry.AcknowledgedAt:O} by {p.Entry.Address})"))}. {evidence}");
    }

    private static string List(IEnumerable<string> items)
    {
        var all = items.ToList();
        return all.Count <= Listed ? string.Join(", ", all) : $"{string.Join(", ", all.Take(Listed))} and {all.Count - Listed} more";
    }

    /// <summary>What is wrong reading <paramref name="entry"/>: missing, different, or unreadable; null when it reads back
    /// with the acknowledged checksum. Errors other than 404 are retried (the application on loopback may be busy).</summary>
    private static async Task<string?> ProblemReadingAsync(S3Probe s3, LedgerEntry entry, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var sha = ObjectLedger.Sha256Of(await s3.GetAsync(entry.Bucket, entry.Key, cancellationToken).ConfigureAwait(false));
                return sha == entry.Sha256 ? null : $"content differs: sha256 {sha[..12]}… ≠ acknowledged {entry.Sha256[..Math.Min(12, entry.Sha256.Length)]}…";
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                return $"missing: 404 {ex.ErrorCode}";
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                if (attempt == ReadAttempts)
                {
                    return $"{Unreadable} after {ReadAttempts} attempts: {ex.GetType().Name}: {ex.Message}";
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Who serves at <paramref name="address"/> and what it serves: the node, its one mounted file system, that
    /// file system's protection, role and epoch; null when the address is no node's or the node has not exactly one mount.
    /// An object verified there stays there until one of these changes: nothing but a run rewrites a primary's data.</summary>
    private string? PrimaryBehind(string address)
    {
        var context = world.Cloud.Context;
        if (world.Topology.Servers.FirstOrDefault(s => s.Address == address) is not { } server || context.Ssm.Mounts(server.InstanceId) is not [var mount])
        {
            return null;
        }

        var fs = context.Efs.FileSystems(mount.Region).FirstOrDefault(f => f.FileSystemId == mount.FileSystemId);
        return fs is null
            ? null
            : $"{server.Name}: {fs.FileSystemId} ({fs.Region}) {fs.Protection}, role {fs.Tags.GetValueOrDefault(EfsDrTags.Role, "none")}, epoch {EfsDrTags.EpochOf(fs.Tags).ToString(CultureInfo.InvariantCulture)}";
    }
}

/// <summary>
/// Which steps of the DR workflows (<see cref="FailoverWorkflow"/>, <see cref="ReprotectWorkflow"/>) can change the world a
/// refused run must leave alone. The descriptions do not say, so the read-only Tasks are listed here, each with why; every
/// other Task is listed as mutating, and a test fails when a workflow gains a Task in neither list. Choices call nothing;
/// Pass, Succeed and Fail states belong to no step and call nothing either.
/// </summary>
public static class StepEffects
{
    /// <summary>The failover's Tasks that change nothing a refused run must leave alone, with why.</summary>
    public static IReadOnlyDictionary<string, string> ReadOnlyFailoverTasks { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [FailoverWorkflow.PlanFailover.StateName] = "reads the configuration, the file systems, the record and the nodes, and decides; writes nothing",
        [FailoverWorkflow.AcquireRunLock.StateName] = "writes only EfsDr's own run lock (a Parameter Store entry, not the protected world); a run refused because another holds it writes nothing",
        [FailoverWorkflow.ReleaseRunLock.StateName] = "deletes only this run's own lock entry",
        [FailoverWorkflow.SummarizeRun.StateName] = "builds the run's output from its state; calls nothing",
        [FailoverWorkflow.CleanUpFailedRun.StateName] = "puts back only what this run changed (the TTL when $.ttl.lowered, its own lock): after no mutating step, nothing",
    };

    /// <summary>The failover's Tasks that change the world (a wait loop's check is listed too: it is reached only after a
    /// mutating step, and CheckPromotion tags the promoted copy primary).</summary>
    public static IReadOnlySet<string> MutatingFailoverTasks { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        FailoverWorkflow.LowerDnsTtl.StateName, FailoverWorkflow.DeactivateSource.StateName, FailoverWorkflow.CheckSync.StateName,
        FailoverWorkflow.DeactivateOldPrimary.StateName, FailoverWorkflow.PromoteReplica.StateName, FailoverWorkflow.CheckPromotion.StateName,
        FailoverWorkflow.FenceOldPrimary.StateName, FailoverWorkflow.ActivateNode.StateName, FailoverWorkflow.CheckNodeCommand.StateName,
        FailoverWorkflow.SwitchDns.StateName, FailoverWorkflow.CheckDns.StateName,
    };

    /// <summary>The reprotect's Tasks that change nothing a refused run must leave alone, with why.</summary>
    public static IReadOnlyDictionary<string, string> ReadOnlyReprotectTasks { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [ReprotectWorkflow.PlanReprotect.StateName] = "reads the file systems and replications, and decides; writes nothing",
        [ReprotectWorkflow.AcquireRunLock.StateName] = "writes only EfsDr's own run lock (the failover's, in Parameter Store); a run refused because another holds it writes nothing",
        [ReprotectWorkflow.ReleaseRunLock.StateName] = "deletes only this run's own lock entry",
        [ReprotectWorkflow.SummarizeReprotect.StateName] = "builds the run's output from its state; calls nothing",
        [ReprotectWorkflow.CleanUpFailedRun.StateName] = "releases only this run's own lock",
    };

    /// <summary>The reprotect's Tasks that change the world (its wait loops' checks too: reached only after a mutating step).</summary>
    public static IReadOnlySet<string> MutatingReprotectTasks { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        ReprotectWorkflow.CleanUpOrphanedConfiguration.StateName, ReprotectWorkflow.CheckOrphanDeletion.StateName, ReprotectWorkflow.KeepDivergedCopy.StateName,
        ReprotectWorkflow.EnsureReplica.StateName, ReprotectWorkflow.CheckReplica.StateName, ReprotectWorkflow.DisableProtection.StateName,
        ReprotectWorkflow.CreateReplication.StateName, ReprotectWorkflow.TagReplica.StateName, ReprotectWorkflow.CreateMountTargets.StateName,
        ReprotectWorkflow.CheckSync.StateName,
    };

    /// <summary>The read-only Tasks of a workflow.</summary>
    public static IReadOnlyDictionary<string, string> ReadOnlyTasks(WorkflowKind kind) => kind == WorkflowKind.Reprotect ? ReadOnlyReprotectTasks : ReadOnlyFailoverTasks;

    /// <summary>The mutating Tasks of a workflow.</summary>
    public static IReadOnlySet<string> MutatingTasks(WorkflowKind kind) => kind == WorkflowKind.Reprotect ? MutatingReprotectTasks : MutatingFailoverTasks;

    /// <summary>True when entering the ASL state <paramref name="stateName"/> of workflow <paramref name="kind"/> may change the
    /// world: a state of a Task not listed read-only (an unknown Task counts as mutating). Choices and states of no step
    /// (Pass, Succeed, Fail) change nothing.</summary>
    public static bool IsMutating(WorkflowKind kind, string stateName)
    {
        var description = kind == WorkflowKind.Reprotect ? ReprotectWorkflow.Description : FailoverWorkflow.Description;
        var step = description.Find(stateName);
        return step is not null && step.Kind != StepKind.Choice && !ReadOnlyTasks(kind).ContainsKey(step.StateName);
    }
}
