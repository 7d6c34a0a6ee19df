using System.Globalization;
using EfsDr.LocalCloud.Efs;
using EfsDr.LocalCloud.Nodes;
using EfsDr.LocalCloud.Route53;

namespace EfsDr.Drill.Chaos;

/// <summary>A file system as the fingerprint takes it: the emulator's snapshot and the replication it takes part in.</summary>
/// <param name="FileSystem">The file system.</param>
/// <param name="Replication">Its replication as seen from its region, or null.</param>
public sealed record FingerprintedFileSystem(FileSystemSnapshot FileSystem, ReplicationSnapshot? Replication);

/// <summary>A server as the fingerprint takes it.</summary>
/// <param name="Name">The server's name.</param>
/// <param name="Mounts">What is mounted on it.</param>
/// <param name="ApplicationPid">The application's process id, or null when it does not run.</param>
public sealed record FingerprintedServer(string Name, IReadOnlyList<NodeMount> Mounts, int? ApplicationPid);

/// <summary>
/// What a refused run must not change: the file systems of every region (id, Name, protection and whether writable, every
/// <c>efsdr:</c> tag, the replication's source, destination and status), the mounts and the application's process id of
/// every server, and the DNS record's values and TTL. Not object contents (writers keep writing) and not sync times
/// (replication keeps copying): neither is changed by a run, and both change while one runs.
/// </summary>
public sealed class WorldFingerprint
{
    private const string None = "none";

    /// <summary>Per thing (a file system, a server, the record), its fields and values, both ordered.</summary>
    private readonly SortedDictionary<string, SortedDictionary<string, string>> _things;

    private WorldFingerprint(SortedDictionary<string, SortedDictionary<string, string>> things) => _things = things;

    /// <summary>Reads the world as the emulators hold it (no AWS call: faults injected into the APIs do not blind it).</summary>
    public static WorldFingerprint Capture(DrillWorld world)
    {
        ArgumentNullException.ThrowIfNull(world);
        var context = world.Cloud.Context;
        var fileSystems = world.Topology.Configuration.Regions
            .SelectMany(context.Efs.FileSystems)
            .Select(f => new FingerprintedFileSystem(f, context.Efs.Replication(f.Region, f.FileSystemId)))
            .ToList();
        var servers = world.Topology.Servers
            .Select(s => new FingerprintedServer(s.Name, context.Ssm.Mounts(s.InstanceId), context.Ssm.ApplicationPid(s.InstanceId)))
            .ToList();
        var record = context.Route53.Record(world.Topology.HostedZoneId, LocalTopology.RecordName, "A");
        return Of(fileSystems, servers, LocalTopology.RecordName, record);
    }

    /// <summary>A fingerprint of the given parts (what <see cref="Capture"/> reads; tests build their own).</summary>
    /// <param name="fileSystems">Every file system.</param>
    /// <param name="servers">Every server.</param>
    /// <param name="recordName">The record's name.</param>
    /// <param name="record">The record, or null when it does not exist.</param>
    public static WorldFingerprint Of(IEnumerable<FingerprintedFileSystem> fileSystems, IEnumerable<FingerprintedServer> servers, string recordName, RecordSnapshot? record)
    {
        ArgumentNullException.ThrowIfNull(fileSystems);
        ArgumentNullException.ThrowIfNull(servers);
        var things = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var f in fileSystems)
        {
            things[$"file system {f.FileSystem.FileSystemId} ({f.FileSystem.Region})"] = FileSystemFields(f);
        }

        foreach (var s in servers)
        {
            things[$"server {s.Name}"] = new(StringComparer.Ordinal)
            {
                ["mounts"] = s.Mounts.Count == 0 ? None : string.Join(", ", s.Mounts.Select(m => $"{m.FileSystemId} ({m.Region}) {m.Options}").Order(StringComparer.Ordinal)),
                ["application pid"] = s.ApplicationPid?.ToString(CultureInfo.InvariantCulture) ?? None,
            };
        }

        things[$"record {recordName} A"] = record is null
            ? new(StringComparer.Ordinal) { ["exists"] = "no" }
            : new(StringComparer.Ordinal)
            {
                ["values"] = string.Join(", ", record.Values),
                ["TTL"] = record.Ttl?.ToString(CultureInfo.InvariantCulture) ?? None,
            };
        return new WorldFingerprint(things);
    }

    /// <summary>What changed from this fingerprint to <paramref name="later"/>: one readable line per changed field, appeared
    /// or vanished thing; empty when nothing changed.</summary>
    public IReadOnlyList<string> Differences(WorldFingerprint later)
    {
        ArgumentNullException.ThrowIfNull(later);
        var lines = new List<string>();
        foreach (var thing in _things.Keys.Union(later._things.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var before = _things.GetValueOrDefault(thing);
            var after = later._things.GetValueOrDefault(thing);
            if (before is null)
            {
                lines.Add($"{thing}: appeared ({Describe(after!)})");
            }
            else if (after is null)
            {
                lines.Add($"{thing}: gone (was {Describe(before)})");
            }
            else
            {
                lines.AddRange(before.Keys.Union(after.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal)
                    .Where(field => before.GetValueOrDefault(field) != after.GetValueOrDefault(field))
                    .Select(field => $"{thing}: {field} {before.GetValueOrDefault(field) ?? None} → {after.GetValueOrDefault(field) ?? None}"));
            }
        }

        return lines;
    }

    /// <summary>One line per thing, for a report.</summary>
    public override string ToString() => string.Join(Environment.NewLine, _things.Select(t => $"{t.Key}: {Describe(t.Value)}"));

    private static SortedDictionary<string, string> FileSystemFields(FingerprintedFileSystem f)
    {
        var fs = f.FileSystem;
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["Name"] = fs.Name ?? None,
            ["protection"] = fs.Protection,
            ["writable"] = fs.Writable ? "yes" : "no",
            ["replication"] = f.Replication is { } r ? $"{r.SourceFileSystemId} ({r.SourceRegion}) → {r.DestinationFileSystemId} ({r.DestinationRegion}) {r.Status}" : None,
        };
        foreach (var (key, value) in fs.Tags.Where(t => t.Key.StartsWith("efsdr:", StringComparison.Ordinal)))
        {
            fields["tag " + key] = value;
        }

        return fields;
    }

    private static string Describe(SortedDictionary<string, string> fields) => string.Join(", ", fields.Select(f => $"{f.Key} {f.Value}"));
}
