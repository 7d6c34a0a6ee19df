namespace EfsDr.LocalCloud.Efs;

/// <summary>An EFS error answer (REST-JSON <c>{"ErrorCode","Message"}</c>), thrown inside the emulator and turned into the answer.</summary>
internal sealed class EfsError(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public static EfsError BadRequest(string message) => new(400, "BadRequest", message);

    public static EfsError FileSystemNotFound(string id) => new(404, "FileSystemNotFound", $"File system '{id}' does not exist.");

    public static EfsError ReplicationNotFound(string message) => new(404, "ReplicationNotFound", message);

    public static EfsError ReplicationAlreadyExists(string message) => new(409, "ReplicationAlreadyExists", message);
}

/// <summary>One file system. Guarded by the emulator's lock.</summary>
internal sealed class FileSystemState
{
    public required string Region { get; init; }

    public required string Id { get; init; }

    public required string Arn { get; init; }

    public required string CreationToken { get; init; }

    public required DateTimeOffset CreationTime { get; init; }

    public required string DataDirectory { get; init; }

    public string? AvailabilityZoneName { get; init; }

    /// <summary>ENABLED (writable), DISABLED (read-only, may become a destination) or REPLICATING (a destination).</summary>
    public string Protection { get; set; } = EfsProtection.Enabled;

    /// <summary>Tags in the order they were first set.</summary>
    public List<KeyValuePair<string, string>> Tags { get; } = [];

    public List<MountTargetState> MountTargets { get; } = [];

    public string? Name => Tags.Where(t => t.Key == "Name").Select(t => t.Value).FirstOrDefault();

    public void SetTag(string key, string value)
    {
        var index = Tags.FindIndex(t => t.Key == key);
        if (index >= 0)
        {
            Tags[index] = new(key, value);
        }
        else
        {
            Tags.Add(new(key, value));
        }
    }
}

/// <summary>One mount target.</summary>
internal sealed record MountTargetState(string Id, string FileSystemId, string SubnetId, string AvailabilityZoneName, string IpAddress, string NetworkInterfaceId, string VpcId);

/// <summary>Replication overwrite protection values.</summary>
internal static class EfsProtection
{
    public const string Enabled = "ENABLED";
    public const string Disabled = "DISABLED";
    public const string Replicating = "REPLICATING";
}

/// <summary>Where one side (the source's or the destination's region) of a replication configuration is.</summary>
internal enum SideState
{
    /// <summary>The configuration exists on this side.</summary>
    Active,

    /// <summary>DeleteReplicationConfiguration reached this side; it is DELETING.</summary>
    Deleting,

    /// <summary>Deleted on this side: invisible from here.</summary>
    Gone,
}

/// <summary>One side of a replication configuration: the copy EFS keeps in the source's or the destination's region.</summary>
internal sealed class ReplicationSide(string region, string fileSystemId)
{
    public string Region { get; } = region;

    public string FileSystemId { get; } = fileSystemId;

    public SideState State { get; set; } = SideState.Active;

    public DateTimeOffset DeletingSince { get; set; }

    /// <summary>This side's deletion in the cloud's <see cref="Hosting.PhysicalTimeline"/>, or -1 (only the destination's is recorded).</summary>
    public int TimelineEntry { get; set; } = -1;

    public bool Present => State != SideState.Gone;

    public bool Is(string region, string fileSystemId) => Present && Region == region && FileSystemId == fileSystemId;
}

/// <summary>One replication configuration, seen from two sides. Guarded by the emulator's lock.</summary>
internal sealed class ReplicationState
{
    public required ReplicationSide Source { get; init; }

    public required ReplicationSide Destination { get; init; }

    public required string SourceArn { get; init; }

    public required DateTimeOffset CreationTime { get; init; }

    /// <summary>ENABLING or ENABLED (DELETING is per side); PAUSED, PAUSING or ERROR only when seeded.</summary>
    public string Status { get; set; } = "ENABLING";

    /// <summary>The destination's StatusMessage, when seeded.</summary>
    public string? StatusMessage { get; set; }

    /// <summary>True while seeding holds copies back (a seeded status or LastReplicatedTimestamp).</summary>
    public bool CopiesHeld { get; set; }

    public DateTimeOffset? LastReplicated { get; set; }

    /// <summary>Files (relative paths) a copy cut off in flight wrote into the destination since the last complete copy.</summary>
    public HashSet<string> InFlight { get; } = new(StringComparer.Ordinal);

    /// <summary>The destination's files as the last complete copy left them, or null before the first.</summary>
    public Dictionary<string, (long Length, DateTime Modified)>? Synced { get; set; }

    /// <summary>When the next copy is due (after the first).</summary>
    public DateTimeOffset NextCopyAt { get; set; }

    public bool CrossRegion => Source.Region != Destination.Region;

    public bool BothActive => Source.State == SideState.Active && Destination.State == SideState.Active;

    public IEnumerable<ReplicationSide> Sides => [Source, Destination];

    /// <summary>True when a present side of this configuration is in <paramref name="region"/>.</summary>
    public bool VisibleIn(string region) => Sides.Any(s => s.Present && s.Region == region);

    /// <summary>True when the file system takes part in this configuration on a side that still exists.</summary>
    public bool Involves(string region, string fileSystemId) => Source.Is(region, fileSystemId) || Destination.Is(region, fileSystemId);

    /// <summary>The status as seen from <paramref name="region"/>: DELETING once the delete reached that side.</summary>
    public string StatusIn(string region)
    {
        var side = Sides.FirstOrDefault(s => s.Present && s.Region == region) ?? Sides.First(s => s.Present);
        return side.State == SideState.Deleting ? "DELETING" : Status;
    }
}
