using EfsDr.Core.Failover;
using EfsDr.Drill.Chaos;
using EfsDr.LocalCloud.Efs;
using EfsDr.LocalCloud.Nodes;
using EfsDr.LocalCloud.Route53;

namespace EfsDr.Cli.Tests.Chaos;

public sealed class WorldFingerprintTests
{
    private const string Record = "drtest.example.com";
    private static readonly DateTimeOffset Synced = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    private static FileSystemSnapshot Primary(string protection = "ENABLED", string role = EfsDrTags.Primary, string name = "DRTest-EFS1", string epoch = "1") =>
        new("us-east-1", "fs-primary", name, protection, new Dictionary<string, string> { ["Name"] = name, [EfsDrTags.Role] = role, [EfsDrTags.Epoch] = epoch, ["team"] = "dr" }, "/data/fs-primary", protection == "ENABLED");

    private static FileSystemSnapshot Replica() =>
        new("us-west-2", "fs-replica", "DRTest-EFS1", "REPLICATING", new Dictionary<string, string> { ["Name"] = "DRTest-EFS1" }, "/data/fs-replica", false);

    private static ReplicationSnapshot Replication(string status = "ENABLED", DateTimeOffset? last = null) =>
        new("us-east-1", "fs-primary", "us-west-2", "fs-replica", status, last ?? Synced);

    private static WorldFingerprint World(
        FileSystemSnapshot? primary = null,
        ReplicationSnapshot? replication = null,
        IReadOnlyList<NodeMount>? server1Mounts = null,
        int? server1Pid = 4242,
        RecordSnapshot? record = null,
        bool withReplica = true)
    {
        replication ??= Replication();
        var fileSystems = new List<FingerprintedFileSystem> { new(primary ?? Primary(), replication) };
        if (withReplica)
        {
            fileSystems.Add(new(Replica(), replication));
        }

        var servers = new[]
        {
            new FingerprintedServer("server1", server1Mounts ?? [new NodeMount("/sandbox/mnt/efs", "fs-primary:/", "rw,tls", "us-east-1", "fs-primary")], server1Pid),
            new FingerprintedServer("server3", [], null),
        };
        return WorldFingerprint.Of(fileSystems, servers, Record, record ?? new RecordSnapshot(Record, "A", 300, ["127.0.0.11"]));
    }

    [Fact]
    public void Differences_SameWorldTwice_IsEmpty()
    {
        Assert.Empty(World().Differences(World()));
    }

    [Fact]
    public void Differences_OnlySyncTimeAndANonEfsDrTagChanged_IsEmpty()
    {
        var later = World(
            primary: Primary() with { Tags = new Dictionary<string, string> { ["Name"] = "DRTest-EFS1", [EfsDrTags.Role] = EfsDrTags.Primary, [EfsDrTags.Epoch] = "1", ["team"] = "ops" } },
            replication: Replication(last: Synced.AddMinutes(5)));

        Assert.Empty(World().Differences(later));
    }

    [Fact]
    public void Differences_PrimaryFenced_OneLinePerChangedField()
    {
        var later = World(primary: Primary(protection: "DISABLED", role: EfsDrTags.Fenced));

        var lines = World().Differences(later);

        Assert.Equal(
        [
            "file system fs-primary (us-east-1): protection ENABLED → DISABLED",
            "file system fs-primary (us-east-1): tag efsdr:role primary → fenced",
            "file system fs-primary (us-east-1): writable yes → no",
        ], lines);
    }

    [Fact]
    public void Differences_RecordPointedElsewhereWithLowerTtl_NamesBothValues()
    {
        var later = World(record: new RecordSnapshot(Record, "A", 30, ["127.0.0.13"]));

        var lines = World().Differences(later);

        Assert.Equal(["record drtest.example.com A: TTL 300 → 30", "record drtest.example.com A: values 127.0.0.11 → 127.0.0.13"], lines);
    }

    [Fact]
    public void Differences_ApplicationStoppedAndUnmounted_NamesTheServer()
    {
        var later = World(server1Mounts: [], server1Pid: null);

        var lines = World().Differences(later);

        Assert.Equal(["server server1: application pid 4242 → none", "server server1: mounts fs-primary (us-east-1) rw,tls → none"], lines);
    }

    [Fact]
    public void Differences_ReplicationDeletingAndEpochRaised_NamesBoth()
    {
        var later = World(primary: Primary(epoch: "2"), replication: Replication(status: "DELETING"));

        var lines = World().Differences(later);

        Assert.Contains("file system fs-primary (us-east-1): tag efsdr:epoch 1 → 2", lines);
        Assert.Contains("file system fs-primary (us-east-1): replication fs-primary (us-east-1) → fs-replica (us-west-2) ENABLED → fs-primary (us-east-1) → fs-replica (us-west-2) DELETING", lines);
        Assert.Contains("file system fs-replica (us-west-2): replication fs-primary (us-east-1) → fs-replica (us-west-2) ENABLED → fs-primary (us-east-1) → fs-replica (us-west-2) DELETING", lines);
        Assert.Equal(3, lines.Count);
    }

    [Fact]
    public void Differences_FileSystemCreatedOrGone_SaysAppearedOrGone()
    {
        var without = World(withReplica: false);
        var with = World();

        var appeared = Assert.Single(without.Differences(with));
        var gone = Assert.Single(with.Differences(without));

        Assert.StartsWith("file system fs-replica (us-west-2): appeared (Name DRTest-EFS1, protection REPLICATING", appeared, StringComparison.Ordinal);
        Assert.StartsWith("file system fs-replica (us-west-2): gone (was Name DRTest-EFS1", gone, StringComparison.Ordinal);
    }

    [Fact]
    public void Differences_RenamedDiverged_NamesOldAndNewName()
    {
        var later = World(primary: Primary(name: "DRTest-EFS1-diverged-20261203T120000Z"));

        Assert.Equal(["file system fs-primary (us-east-1): Name DRTest-EFS1 → DRTest-EFS1-diverged-20261203T120000Z"], World().Differences(later));
    }

    [Fact]
    public void ToString_World_HasOneLinePerThing()
    {
        var text = World().ToString();

        Assert.Equal(5, text.Split(Environment.NewLine).Length);
        Assert.Contains("record drtest.example.com A: TTL 300, values 127.0.0.11", text, StringComparison.Ordinal);
    }
}
