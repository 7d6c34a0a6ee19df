namespace EfsDr.LocalCloud.Hosting;

/// <summary>What happened physically in the local cloud (as opposed to what an API caller noticed).</summary>
public enum PhysicalKind
{
    /// <summary>DeleteReplicationConfiguration reached the destination's side; finished when the replica became writable.</summary>
    ReplicationDeletion,

    /// <summary>A Run Command invocation ran on a node: from the script's start (InProgress) to its end on the node.</summary>
    NodeCommand,

    /// <summary>A Route 53 change: from ChangeResourceRecordSets to INSYNC.</summary>
    DnsChange,
}

/// <summary>One physical event on the cloud's clock (<see cref="SimClock.Now"/>).</summary>
/// <param name="Kind">What it was.</param>
/// <param name="Subject">What it happened to: the replica's file system id, the instance id, the hosted zone id.</param>
/// <param name="Detail">More about it: the node command's Action parameter, the change id; empty when nothing more.</param>
/// <param name="Started">When it was requested (deletion, DNS change) or began on the node (command).</param>
/// <param name="Finished">When it finished: the exact instant, not when a timer or a reader noticed; null while it runs. For a DNS
/// change the INSYNC instant is known at submission and may lie in the future.</param>
public sealed record PhysicalEvent(PhysicalKind Kind, string Subject, string Detail, DateTimeOffset Started, DateTimeOffset? Finished)
{
    /// <summary>Finished − Started, or null while it runs.</summary>
    public TimeSpan? Duration => Finished - Started;
}

/// <summary>
/// The physical events of the local cloud, in the order they started: the drill's report compares them with the execution
/// history to tell the time AWS needed from the time the orchestration took to notice. Thread-safe; read-only for callers
/// outside the emulators.
/// </summary>
public sealed class PhysicalTimeline
{
    private readonly Lock _gate = new();
    private readonly List<PhysicalEvent> _events = [];

    /// <summary>Every event so far (a copy).</summary>
    public IReadOnlyList<PhysicalEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Records an event that started; returns its index for <see cref="Finish"/>.</summary>
    internal int Start(PhysicalKind kind, string subject, string detail, DateTimeOffset started, DateTimeOffset? finished = null)
    {
        lock (_gate)
        {
            _events.Add(new PhysicalEvent(kind, subject, detail, started, finished));
            return _events.Count - 1;
        }
    }

    /// <summary>Sets the finish of the event <paramref name="index"/> (the first finish counts).</summary>
    internal void Finish(int index, DateTimeOffset finished)
    {
        lock (_gate)
        {
            if (index >= 0 && index < _events.Count && _events[index].Finished is null)
            {
                _events[index] = _events[index] with { Finished = finished };
            }
        }
    }
}
