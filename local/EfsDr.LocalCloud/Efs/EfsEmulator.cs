using System.Security.Cryptography;
using EfsDr.LocalCloud.Hosting;

namespace EfsDr.LocalCloud.Efs;

/// <summary>What a test or the drill can see of a file system.</summary>
public sealed record FileSystemSnapshot(string Region, string FileSystemId, string? Name, string Protection, IReadOnlyDictionary<string, string> Tags, string DataDirectory, bool Writable);

/// <summary>What a test or the drill can see of a replication configuration.</summary>
public sealed record ReplicationSnapshot(string SourceRegion, string SourceFileSystemId, string DestinationRegion, string DestinationFileSystemId, string Status, DateTimeOffset? LastReplicatedTimestamp);

/// <summary>
/// EFS (REST-JSON 2015-02-01): file systems, tags, mount targets, overwrite protection and replication.
/// </summary>
/// <remarks>
/// <para>Every file system has a data folder <c>{Root}/efs/{region}/{fs-id}</c>. A replication mirrors the source's folder into
/// the destination's on one background timer: ENABLING lasts <see cref="LocalCloudOptions.ReplicationEnabling"/>, then the first
/// copy is taken and the status becomes ENABLED with <c>LastReplicatedTimestamp</c> = the moment that copy started; later copies
/// follow every <see cref="LocalCloudOptions.ReplicationLag"/>. All durations are simulated (see <see cref="SimClock"/>).
/// No copy is taken while either region is unreachable (<see cref="ServiceFaults.Unreachable"/>), as in a regional outage.</para>
/// <para>A replication configuration exists on two sides, the source's region and the destination's. DeleteReplicationConfiguration
/// puts the side(s) it reaches into DELETING for <see cref="LocalCloudOptions.ReplicationDeletion"/> × <see cref="FaultInjector.DeletionSlowdown"/>;
/// then that side is gone (ReplicationNotFound from its region) and, on the destination's side, the file system becomes writable
/// (protection ENABLED). No copy is taken once a side is DELETING. As EFS may, the end of a deletion moves what a copy cut off in
/// flight wrote (<see cref="FaultInjector.InterruptReplicationCopiesAfterFiles"/>), and any file the last complete copy did not leave
/// as it is, into <c>efs-replication-lost+found-&lt;source id&gt;-&lt;yyyyMMddTHHmmssZ&gt;</c> in the destination's root: nothing is
/// lost, and the rest is the last complete sync. EfsDr never deletes that folder (s3rver lists it as one more bucket).</para>
/// <list type="bullet">
/// <item>ALL_CONFIGURATIONS (the default) deletes both sides. For a cross-region configuration whose other region is unreachable it
/// fails with <b>400 BadRequest</b> ("cannot reach … use LOCAL_CONFIGURATION_ONLY") and changes nothing: a client error, so it is not
/// retried and the caller falls back at once. It fails the same way when the other side was already deleted locally.</item>
/// <item>LOCAL_CONFIGURATION_ONLY deletes only the side in the calling region. Called from the destination's region, the source keeps an
/// orphaned configuration, still visible from the source's region with its last status and timestamp, that replicates nothing; it is
/// removed by LOCAL_CONFIGURATION_ONLY from the source's region. On a same-region configuration it is a BadRequest.</item>
/// </list>
/// <para>CreateReplicationConfiguration: a file system already in a configuration gives ReplicationAlreadyExists (409, the shape's
/// documented meaning; botocore does not list it for this operation); an existing destination whose protection is not DISABLED gives
/// BadRequest (400, listed for this operation). UpdateFileSystemProtection on a destination gives ReplicationAlreadyExists (409).</para>
/// <para><see cref="FileSystemSnapshot.Writable"/> is true only with protection ENABLED: DISABLED and REPLICATING are read-only, as EFS
/// documents. Nothing here writes into a read-only file system's folder except the replication copy.</para>
/// </remarks>
public sealed partial class EfsEmulator : IServiceEmulator, IAsyncDisposable
{
    /// <summary>The account every ARN and OwnerId carries.</summary>
    public const string AccountId = "000000000000";

    private const string VpcId = "vpc-0e5d7a0c0ffee0001";
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private readonly Lock _gate = new();
    private readonly Lock _stepGate = new();
    private readonly Dictionary<string, List<FileSystemState>> _byRegion = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Region, string Id), FileSystemState> _fileSystems = [];
    private readonly List<ReplicationState> _replications = [];
    private readonly ITimer _timer;
    private int _addresses;
    private bool _disposed;

    /// <summary>Creates the emulator and starts its replication timer.</summary>
    public EfsEmulator(LocalCloudContext context)
    {
        Context = context ?? throw new ArgumentNullException(nameof(context));
        // The tick is a poller's cadence in real time, not a simulated duration.
        _timer = context.Clock.Base.CreateTimer(_ => OnTick(), null, Tick, Tick);
    }

    /// <inheritdoc />
    public string SigningName => "elasticfilesystem";

    internal LocalCloudContext Context { get; }

    private string Staging => Path.Combine(Context.Root, "efs", ".staging");

    /// <inheritdoc />
    public AwsAnswer Throttled() => AwsAnswer.JsonError(429, "ThrottlingException", "Rate exceeded", restJson: true);

    /// <inheritdoc />
    public AwsAnswer ServerError() => AwsAnswer.JsonError(500, "InternalServerError", "Injected server error", restJson: true);

    /// <summary>Creates an available, writable file system tagged Name=<paramref name="name"/>; returns its id.</summary>
    public string CreateFileSystem(string region, string name, string? availabilityZoneName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            var fs = AddFileSystem(region, "seed-" + Guid.NewGuid().ToString("N"), availabilityZoneName);
            fs.SetTag("Name", name);
            return fs.Id;
        }
    }

    /// <summary>Adds or overwrites tags.</summary>
    public void TagFileSystem(string region, string fileSystemId, IReadOnlyDictionary<string, string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        Seeding(() =>
        {
            var fs = Find(region, fileSystemId);
            foreach (var (key, value) in tags)
            {
                fs.SetTag(key, value);
            }

            return 0;
        });
    }

    /// <summary>Creates an available mount target; returns its id.</summary>
    public string CreateMountTarget(string region, string fileSystemId, string subnetId, string availabilityZoneName) =>
        Seeding(() => AddMountTarget(Find(region, fileSystemId), subnetId, availabilityZoneName, null).Id);

    /// <summary>Replicates to a NEW file system in <paramref name="destinationRegion"/> (as the console does); returns its id.
    /// The replica has no Name tag until one is added (as in the article).</summary>
    public string CreateReplica(string sourceRegion, string sourceFileSystemId, string destinationRegion, string? destinationAvailabilityZone = null) =>
        Seeding(() => AddReplication(Find(sourceRegion, sourceFileSystemId), destinationRegion, null, destinationAvailabilityZone).Destination.FileSystemId);

    /// <summary>Seeds the status of the replication <paramref name="fileSystemId"/> takes part in (PAUSED with a message, ERROR …)
    /// and optionally its LastReplicatedTimestamp; copies stop until it is seeded ENABLED without a timestamp again.</summary>
    public void SetReplicationStatus(string region, string fileSystemId, string status, string? message = null, DateTimeOffset? lastReplicated = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(status);
        Seeding(() =>
        {
            var r = _replications.FirstOrDefault(r => r.Involves(region, fileSystemId))
                ?? throw new EfsError(404, "ReplicationNotFound", $"{fileSystemId} takes part in no replication in {region}.");
            r.Status = status;
            r.StatusMessage = message;
            r.LastReplicated = lastReplicated ?? r.LastReplicated;
            r.CopiesHeld = lastReplicated is not null || status is not ("ENABLED" or "ENABLING");
            return 0;
        });
    }

    /// <summary>Every file system of a region.</summary>
    public IReadOnlyList<FileSystemSnapshot> FileSystems(string region)
    {
        Step();
        lock (_gate)
        {
            return [.. _byRegion.GetValueOrDefault(region, []).Select(fs => new FileSystemSnapshot(
                fs.Region,
                fs.Id,
                fs.Name,
                fs.Protection,
                fs.Tags.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal),
                fs.DataDirectory,
                fs.Protection == EfsProtection.Enabled))];
        }
    }

    /// <summary>The replication a file system takes part in, or null.</summary>
    public ReplicationSnapshot? Replication(string region, string fileSystemId)
    {
        Step();
        lock (_gate)
        {
            var r = _replications.FirstOrDefault(r => r.Involves(region, fileSystemId));
            return r is null ? null : new ReplicationSnapshot(r.Source.Region, r.Source.FileSystemId, r.Destination.Region, r.Destination.FileSystemId, r.StatusIn(region), r.LastReplicated);
        }
    }

    /// <summary>Stops the replication timer and waits for a copy in progress.</summary>
    public ValueTask DisposeAsync()
    {
        _timer.Dispose();
        lock (_stepGate)
        {
            _disposed = true;
        }

        return ValueTask.CompletedTask;
    }

    // ---- state changes shared by the API and the seeding methods (callers hold _gate) ----

    private FileSystemState AddFileSystem(string region, string creationToken, string? availabilityZoneName)
    {
        string id;
        do
        {
            id = "fs-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(9))[..17];
        }
        while (_fileSystems.ContainsKey((region, id)));

        var fs = new FileSystemState
        {
            Region = region,
            Id = id,
            Arn = $"arn:aws:elasticfilesystem:{region}:{AccountId}:file-system/{id}",
            CreationToken = creationToken,
            CreationTime = Now(),
            DataDirectory = Path.Combine(Context.Root, "efs", region, id),
            AvailabilityZoneName = availabilityZoneName,
        };
        Directory.CreateDirectory(fs.DataDirectory);
        _fileSystems[(region, id)] = fs;
        if (!_byRegion.TryGetValue(region, out var list))
        {
            _byRegion[region] = list = [];
        }

        list.Add(fs);
        return fs;
    }

    private MountTargetState AddMountTarget(FileSystemState fs, string subnetId, string availabilityZoneName, string? ipAddress)
    {
        if (string.IsNullOrEmpty(subnetId))
        {
            throw EfsError.BadRequest("SubnetId is required.");
        }

        if (fs.MountTargets.Any(m => m.AvailabilityZoneName == availabilityZoneName))
        {
            throw new EfsError(409, "MountTargetConflict", $"File system '{fs.Id}' already has a mount target in {availabilityZoneName}.");
        }

        if (ipAddress is not null && _fileSystems.Values.SelectMany(f => f.MountTargets).Any(m => m.IpAddress == ipAddress))
        {
            throw new EfsError(409, "IpAddressInUse", $"IP address {ipAddress} is already in use.");
        }

        var n = ++_addresses;
        var target = new MountTargetState(
            "fsmt-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(9))[..17],
            fs.Id,
            subnetId,
            availabilityZoneName,
            ipAddress ?? $"10.99.{n / 200}.{(n % 200) + 10}",
            "eni-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(9))[..17],
            VpcId);
        fs.MountTargets.Add(target);
        return target;
    }

    /// <summary>Starts replicating <paramref name="source"/> to an existing file system or a new one.</summary>
    private ReplicationState AddReplication(FileSystemState source, string destinationRegion, string? destinationId, string? destinationAvailabilityZone)
    {
        if (ReplicationOf(source.Region, source.Id) is not null)
        {
            throw EfsError.ReplicationAlreadyExists($"File system '{source.Id}' is already included in a replication configuration.");
        }

        if (destinationRegion != source.Region && Context.Faults.For(SigningName, destinationRegion).Unreachable)
        {
            throw EfsError.BadRequest($"Amazon EFS cannot reach the Region {destinationRegion}. Try again later.");
        }

        FileSystemState destination;
        if (destinationId is null)
        {
            destination = AddFileSystem(destinationRegion, "replica-" + Guid.NewGuid().ToString("N"), destinationAvailabilityZone);
        }
        else
        {
            destination = Find(destinationRegion, destinationId);
            if (destination == source)
            {
                throw EfsError.BadRequest("The destination file system must differ from the source file system.");
            }

            if (ReplicationOf(destination.Region, destination.Id) is not null)
            {
                throw EfsError.ReplicationAlreadyExists($"File system '{destination.Id}' is already included in a replication configuration.");
            }

            if (destination.Protection != EfsProtection.Disabled)
            {
                throw EfsError.BadRequest($"The replication overwrite protection of destination file system '{destination.Id}' is {destination.Protection}; set it to DISABLED first.");
            }
        }

        destination.Protection = EfsProtection.Replicating;
        var now = Now();
        var replication = new ReplicationState
        {
            Source = new ReplicationSide(source.Region, source.Id),
            Destination = new ReplicationSide(destination.Region, destination.Id),
            SourceArn = source.Arn,
            CreationTime = now,
            NextCopyAt = now,
        };
        _replications.Add(replication);
        return replication;
    }

    private ReplicationState? ReplicationOf(string region, string fileSystemId) =>
        _replications.FirstOrDefault(r => r.Involves(region, fileSystemId));

    private FileSystemState Find(string region, string idOrArn)
    {
        var id = IdOf(idOrArn);
        return _fileSystems.TryGetValue((region, id), out var fs) ? fs : throw EfsError.FileSystemNotFound(id);
    }

    /// <summary>The id of an id or an ARN (…:file-system/fs-…).</summary>
    private static string IdOf(string idOrArn) => idOrArn.StartsWith("arn:", StringComparison.Ordinal) ? idOrArn[(idOrArn.LastIndexOf('/') + 1)..] : idOrArn;

    /// <summary>The region of an ARN, or null for a plain id.</summary>
    private static string? RegionOf(string idOrArn) => idOrArn.StartsWith("arn:", StringComparison.Ordinal) && idOrArn.Split(':') is { Length: > 3 } parts ? parts[3] : null;

    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(Context.Clock.Now.ToUnixTimeMilliseconds());

    private T Seeding<T>(Func<T> change)
    {
        try
        {
            lock (_gate)
            {
                return change();
            }
        }
        catch (EfsError e)
        {
            throw new InvalidOperationException($"{e.Code}: {e.Message}", e);
        }
    }

    // ---- the replication loop ----

    private void OnTick()
    {
        if (_stepGate.TryEnter())
        {
            try
            {
                StepLocked();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or EfsError)
            {
                // A timer callback must not throw (it would end the process); the next tick or request tries again.
            }
            finally
            {
                _stepGate.Exit();
            }
        }
    }

    /// <summary>Brings every replication up to date: finished deletions, then the copies that are due. Run by the timer and before
    /// every request, one at a time, so no copy ever overlaps the end of a deletion.</summary>
    private void Step()
    {
        lock (_stepGate)
        {
            StepLocked();
        }
    }

    private void StepLocked()
    {
        if (_disposed)
        {
            return;
        }

        List<(ReplicationState Replication, DateTimeOffset At, string From, string To)> due;
        lock (_gate)
        {
            var now = Now();
            FinishDeletions();
            due = [.. _replications.Where(r => CopyDue(r, now)).Select(r => (r, now, Find(r.Source.Region, r.Source.FileSystemId).DataDirectory, Find(r.Destination.Region, r.Destination.FileSystemId).DataDirectory))];
        }

        foreach (var (replication, at, from, to) in due)
        {
            bool copied;
            var written = new List<string>();
            try
            {
                copied = FolderMirror.Mirror(from, to, Staging, written, Context.Faults.InterruptReplicationCopiesAfterFiles);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                copied = false;
            }

            lock (_gate)
            {
                if (copied && replication.BothActive && !replication.CopiesHeld && _replications.Contains(replication))
                {
                    replication.Status = "ENABLED";
                    replication.LastReplicated = at;
                    replication.NextCopyAt = at + Context.Options.ReplicationLag;
                    replication.InFlight.Clear();
                    replication.Synced = FolderMirror.Manifest(to);
                }
                else
                {
                    replication.InFlight.UnionWith(written);
                }
            }
        }
    }

    private bool CopyDue(ReplicationState r, DateTimeOffset now)
    {
        if (!r.BothActive || r.CopiesHeld || Unreachable(r.Source.Region) || Unreachable(r.Destination.Region))
        {
            return false;
        }

        return r.Status == "ENABLING"
            ? Context.Clock.Elapsed(r.CreationTime, Context.Options.ReplicationEnabling)
            : now >= r.NextCopyAt;
    }

    private void FinishDeletions()
    {
        var deletion = Context.Options.ReplicationDeletion * Context.Faults.DeletionSlowdown;
        foreach (var r in _replications)
        {
            foreach (var side in r.Sides.Where(s => s.State == SideState.Deleting && Context.Clock.Elapsed(s.DeletingSince, deletion)))
            {
                side.State = SideState.Gone;

                // The instant it became due, not this tick's (the timer ticks every 100 ms, 6 simulated s at ×60).
                Context.Timeline.Finish(side.TimelineEntry, DeletionDue(side.DeletingSince, deletion));
                if (side == r.Destination && _fileSystems.TryGetValue((side.Region, side.FileSystemId), out var fs))
                {
                    KeepLostFiles(r, fs);
                    fs.Protection = EfsProtection.Enabled;
                }
            }
        }

        _replications.RemoveAll(r => !r.Source.Present && !r.Destination.Present);
    }

    /// <summary>The exact instant a deletion that started at <paramref name="since"/> and lasts <paramref name="deletion"/>
    /// (simulated, on the cloud's simulated clock) is done.</summary>
    private static DateTimeOffset DeletionDue(DateTimeOffset since, TimeSpan deletion) => since + deletion;

    private bool Unreachable(string region) => Context.Faults.For(SigningName, region).Unreachable;

    /// <summary>The folder EFS may leave in the root of an ex-destination once its replication is deleted.</summary>
    public static string LostAndFoundName(string sourceFileSystemId, DateTimeOffset at) =>
        $"{LostAndFoundPrefix}{sourceFileSystemId}-{at.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>How every such folder's name starts.</summary>
    public const string LostAndFoundPrefix = "efs-replication-lost+found-";

    /// <summary>
    /// As EFS does when a deletion completes: what a copy cut off in flight wrote, and any file the last complete copy did not
    /// leave as it is, go into <c>efs-replication-lost+found-&lt;source id&gt;-&lt;timestamp&gt;</c> in the destination's root
    /// (same relative paths), so the now writable copy holds the last complete sync, and nothing is lost.
    /// </summary>
    private void KeepLostFiles(ReplicationState replication, FileSystemState destination)
    {
        var root = destination.DataDirectory;
        var lost = new SortedSet<string>(replication.InFlight, StringComparer.Ordinal);
        if (replication.Synced is { } synced)
        {
            foreach (var (path, now) in FolderMirror.Manifest(root))
            {
                if (!path.StartsWith(LostAndFoundPrefix, StringComparison.Ordinal) && (!synced.TryGetValue(path, out var then) || then != now))
                {
                    lost.Add(path);
                }
            }
        }

        var present = lost.Where(path => File.Exists(Path.Combine(root, path))).ToList();
        replication.InFlight.Clear();
        if (present.Count == 0)
        {
            return;
        }

        var folder = Path.Combine(root, LostAndFoundName(replication.Source.FileSystemId, Now()));
        foreach (var path in present)
        {
            var target = Path.Combine(folder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(Path.Combine(root, path), target);
        }
    }
}
