using EfsDr.Aws.Http;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.LocalCloud.Efs;
using EfsDr.LocalCloud.Hosting;
using EfsDr.LocalCloud.Tests.Support;

namespace EfsDr.LocalCloud.Tests.Efs;

/// <summary>The EFS emulator through EfsDr's real EFS client: file systems, replication, protection, tags and mount targets.</summary>
public sealed class EfsEmulatorTests : IAsyncLifetime
{
    private const string East = "us-east-1";
    private const string West = "us-west-2";
    private const string Name = "DRTest-EFS1";
    private CloudHarness _harness = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private EfsEmulator Efs => _harness.Context.Efs;

    private Aws.AwsAdapters Aws => _harness.Aws;

    /// <summary>At 600×: ENABLING 2 s, a copy every 100 ms, DELETING 2 s (real): long enough to see each state on a busy machine.</summary>
    public async ValueTask InitializeAsync() => _harness = await CloudHarness.StartAsync(new LocalCloudOptions
    {
        TimeScale = 600,
        ReplicationEnabling = TimeSpan.FromMinutes(20),
        ReplicationLag = TimeSpan.FromMinutes(1),
        ReplicationDeletion = TimeSpan.FromMinutes(20),
    });

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task CreateFileSystemAsync_SameTokenTwice_ReturnsTheFirstFileSystem()
    {
        var request = new FileSystemToCreate("efsdr-fs-0aaaaaaaaaaaaaaa1-e1", true, new Dictionary<string, string> { ["efsdr:role"] = "replica" });

        var first = await Aws.FileSystems.CreateFileSystemAsync(East, request, Ct);
        var again = await Aws.FileSystems.CreateFileSystemAsync(East, request, Ct);

        Assert.Equal(first.FileSystemId, again.FileSystemId);
        Assert.True(first.Encrypted);
        Assert.Equal(request.CreationToken, again.CreationToken);
        Assert.Null(first.Name);
        Assert.Equal("replica", (await Aws.FileSystems.DescribeAsync(East, first.FileSystemId, Ct)).Tags["efsdr:role"]);
        Assert.Empty(await Aws.FileSystems.FindByNameAsync(East, Name, Ct));
    }

    [Fact]
    public async Task FindByNameAsync_ExactNameOnSecondPage_FindsOnlyThatFileSystem()
    {
        // Arrange: 105 file systems before the one wanted, near-misses among them, and the same name in another region.
        for (var i = 0; i < 103; i++)
        {
            Efs.CreateFileSystem(East, $"other-{i:000}");
        }

        Efs.CreateFileSystem(East, Name + "-old");
        Efs.CreateFileSystem(East, Name.ToLowerInvariant());
        var wanted = Efs.CreateFileSystem(East, Name);
        Efs.CreateFileSystem(West, Name);
        var before = _harness.Cloud.RequestCounts.GetValueOrDefault("elasticfilesystem");

        // Act
        var found = await Aws.FileSystems.FindByNameAsync(East, Name, Ct);

        // Assert
        var fs = Assert.Single(found);
        Assert.Equal(wanted, fs.FileSystemId);
        Assert.Equal(East, fs.Region);
        Assert.Equal(Name, fs.Name);
        Assert.Equal(OverwriteProtection.Enabled, fs.Protection);
        Assert.True(fs.IsAvailable);
        Assert.Equal($"arn:aws:elasticfilesystem:{East}:{EfsEmulator.AccountId}:file-system/{wanted}", fs.Arn);
        Assert.Equal(2, _harness.Cloud.RequestCounts["elasticfilesystem"] - before);
    }

    [Fact]
    public async Task DescribeAsync_UnknownIdOrOtherRegion_ThrowsFileSystemNotFound()
    {
        var id = Efs.CreateFileSystem(East, Name);

        await Assert.ThrowsAsync<FileSystemNotFoundException>(() => Aws.FileSystems.DescribeAsync(East, "fs-00000000000000000", Ct));
        await Assert.ThrowsAsync<FileSystemNotFoundException>(() => Aws.FileSystems.DescribeAsync(West, id, Ct));
        Assert.Equal(id, (await Aws.FileSystems.DescribeAsync(East, id, Ct)).FileSystemId);
    }

    [Fact]
    public async Task DescribeReplicationsAsync_SourceOrDestinationId_DescribesTheSameConfiguration()
    {
        var source = Efs.CreateFileSystem(East, Name);
        var replica = Efs.CreateReplica(East, source, West);

        var fromSource = Assert.Single(await Aws.Replications.DescribeReplicationsAsync(East, source, Ct));
        var fromDestination = Assert.Single(await Aws.Replications.DescribeReplicationsAsync(West, replica, Ct));

        foreach (var r in new[] { fromSource, fromDestination })
        {
            Assert.Equal(source, r.SourceFileSystemId);
            Assert.Equal(East, r.SourceFileSystemRegion);
            Assert.EndsWith(":file-system/" + source, r.SourceFileSystemArn);
            Assert.Equal(replica, r.Destination.FileSystemId);
            Assert.Equal(West, r.Destination.Region);
            Assert.Equal(ReplicationStatus.Enabling, r.Destination.Status);
            Assert.Null(r.Destination.LastReplicatedTimestamp);
        }

        var described = await Aws.FileSystems.DescribeAsync(West, replica, Ct);
        Assert.Null(described.Name);
        Assert.Equal(OverwriteProtection.Replicating, described.Protection);
        Assert.False(Efs.FileSystems(West).Single(f => f.FileSystemId == replica).Writable);
        await Assert.ThrowsAsync<FileSystemNotFoundException>(() => Aws.Replications.DescribeReplicationsAsync(West, source, Ct));
        var alone = Efs.CreateFileSystem(East, "alone");
        Assert.Empty(await Aws.Replications.DescribeReplicationsAsync(East, alone, Ct));
    }

    [Fact]
    public async Task DeleteReplicationAsync_AllConfigurations_PromotesReplicaAfterEnablingSyncAndDeleting()
    {
        // Arrange: data in the source before replication starts.
        var source = Efs.CreateFileSystem(East, Name);
        var sourceDir = DataDirectory(East, source);
        await File.WriteAllTextAsync(Path.Combine(sourceDir, "a.txt"), "v1", Ct);
        Directory.CreateDirectory(Path.Combine(sourceDir, "sub"));
        await File.WriteAllTextAsync(Path.Combine(sourceDir, "sub", "c.txt"), "goes away", Ct);
        var replica = Efs.CreateReplica(East, source, West);
        var replicaDir = DataDirectory(West, replica);

        // ENABLING: nothing copied, no timestamp.
        var enabling = await DescribeAsync(West, replica);
        Assert.Equal(ReplicationStatus.Enabling, enabling!.Destination.Status);
        Assert.Null(enabling.Destination.LastReplicatedTimestamp);
        Assert.Empty(Directory.EnumerateFileSystemEntries(replicaDir));

        // ENABLED with the first copy.
        var enabled = await Eventually.Value(() => DescribeAsync(West, replica), r => r!.Destination.Status == ReplicationStatus.Enabled, "the replication is ENABLED");
        Assert.NotNull(enabled!.Destination.LastReplicatedTimestamp);
        Assert.Equal("v1", await File.ReadAllTextAsync(Path.Combine(replicaDir, "a.txt"), Ct));
        Assert.True(File.Exists(Path.Combine(replicaDir, "sub", "c.txt")));

        // Later changes arrive, and LastReplicatedTimestamp passes the moment they were made.
        await File.WriteAllTextAsync(Path.Combine(sourceDir, "a.txt"), "v2", Ct);
        await File.WriteAllTextAsync(Path.Combine(sourceDir, "b.txt"), "new", Ct);
        File.Delete(Path.Combine(sourceDir, "sub", "c.txt"));
        var changed = _harness.Context.Clock.Now;
        await Eventually.True(async () => (await DescribeAsync(West, replica))!.Destination.LastReplicatedTimestamp > changed, "LastReplicatedTimestamp passes the change");
        Assert.Equal("v2", await File.ReadAllTextAsync(Path.Combine(replicaDir, "a.txt"), Ct));
        Assert.Equal("new", await File.ReadAllTextAsync(Path.Combine(replicaDir, "b.txt"), Ct));
        Assert.False(File.Exists(Path.Combine(replicaDir, "sub", "c.txt")));

        // Act: delete from the DR region, as the failover does.
        await Aws.Replications.DeleteReplicationAsync(West, source, DeletionMode.AllConfigurations, Ct);
        await File.WriteAllTextAsync(Path.Combine(sourceDir, "after-delete.txt"), "never copied", Ct);

        // Assert: DELETING on both sides, still read-only; then gone on both sides and the replica writable.
        Assert.Equal(ReplicationStatus.Deleting, (await DescribeAsync(West, replica))!.Destination.Status);
        Assert.Equal(ReplicationStatus.Deleting, (await DescribeAsync(East, source))!.Destination.Status);
        Assert.False(Snapshot(West, replica).Writable);
        await Eventually.True(async () => await DescribeAsync(West, replica) is null, "the replication is gone from the DR region");
        Assert.Null(await DescribeAsync(East, source));
        Assert.Equal(OverwriteProtection.Enabled, (await Aws.FileSystems.DescribeAsync(West, replica, Ct)).Protection);
        Assert.True(Snapshot(West, replica).Writable);
        Assert.Null(Efs.Replication(West, replica));
        Assert.False(File.Exists(Path.Combine(replicaDir, "after-delete.txt")));
        Assert.Empty(Directory.EnumerateDirectories(replicaDir, EfsEmulator.LostAndFoundPrefix + "*"));
    }

    [Fact]
    public async Task DeleteReplicationAsync_CopyCutOffInFlight_KeepsWhatItWroteInALostAndFoundFolder()
    {
        // Arrange: copies cut off after one file each, twenty new files in the source; once one arrived, copies stop.
        var (source, replica) = await EnabledReplicaAsync();
        var sourceDir = DataDirectory(East, source);
        var replicaDir = DataDirectory(West, replica);
        _harness.Context.Faults.InterruptReplicationCopiesAfterFiles = 1;
        var names = Enumerable.Range(1, 20).Select(i => $"file-{i:00}.txt").ToArray();
        foreach (var name in names)
        {
            await File.WriteAllTextAsync(Path.Combine(sourceDir, name), "in flight: " + name, Ct);
        }

        await Eventually.True(() => Task.FromResult(names.Any(n => File.Exists(Path.Combine(replicaDir, n)))), "a copy cut off in flight wrote a file");
        _harness.Context.Faults.InterruptReplicationCopiesAfterFiles = 0;

        // Act
        await Aws.Replications.DeleteReplicationAsync(West, source, DeletionMode.AllConfigurations, Ct);
        await Eventually.True(async () => await DescribeAsync(West, replica) is null, "the replication is gone");

        // Assert: the replica's root holds the last complete sync; what the cut-off copies wrote is kept aside.
        var folder = Assert.Single(Directory.GetDirectories(replicaDir, EfsEmulator.LostAndFoundPrefix + "*"));
        Assert.Matches($@"^efs-replication-lost\+found-{source}-\d{{8}}T\d{{6}}Z$", Path.GetFileName(folder));
        var kept = Directory.GetFiles(folder).Select(Path.GetFileName).ToList();
        Assert.NotEmpty(kept);
        Assert.All(kept, name => Assert.Equal("in flight: " + name, File.ReadAllText(Path.Combine(folder, name!))));
        Assert.All(names, name => Assert.False(File.Exists(Path.Combine(replicaDir, name)), name + " is still in the root"));
        Assert.True(Snapshot(West, replica).Writable);
    }

    [Fact]
    public async Task DeleteReplicationAsync_DestinationHoldsAFileTheLastSyncDidNotWrite_MovesItToALostAndFoundFolder()
    {
        // Arrange: a synced file, then copies held and a file in the replica that no sync wrote.
        var (source, replica) = await EnabledReplicaAsync();
        var replicaDir = DataDirectory(West, replica);
        await File.WriteAllTextAsync(Path.Combine(DataDirectory(East, source), "synced.txt"), "synced", Ct);
        var written = _harness.Context.Clock.Now;
        await Eventually.True(async () => (await DescribeAsync(West, replica))!.Destination.LastReplicatedTimestamp > written, "synced.txt is replicated");
        Efs.SetReplicationStatus(West, replica, "ENABLED", lastReplicated: _harness.Context.Clock.Now);
        Directory.CreateDirectory(Path.Combine(replicaDir, "sub"));
        await File.WriteAllTextAsync(Path.Combine(replicaDir, "sub", "stray.txt"), "no sync wrote this", Ct);

        // Act
        await Aws.Replications.DeleteReplicationAsync(West, source, DeletionMode.AllConfigurations, Ct);
        await Eventually.True(async () => await DescribeAsync(West, replica) is null, "the replication is gone");

        // Assert
        var folder = Assert.Single(Directory.GetDirectories(replicaDir, EfsEmulator.LostAndFoundPrefix + source + "-*"));
        Assert.Equal("no sync wrote this", await File.ReadAllTextAsync(Path.Combine(folder, "sub", "stray.txt"), Ct));
        Assert.False(File.Exists(Path.Combine(replicaDir, "sub", "stray.txt")));
        Assert.Equal("synced", await File.ReadAllTextAsync(Path.Combine(replicaDir, "synced.txt"), Ct));
    }

    [Fact]
    public async Task DeleteReplicationAsync_SourceRegionUnreachable_AllFailsLocalOnlyPromotesAndLeavesOrphan()
    {
        var (source, replica) = await EnabledReplicaAsync();
        _harness.Cloud.Faults.Set("elasticfilesystem", East, new ServiceFaults { Unreachable = true });
        await Assert.ThrowsAsync<RegionUnreachableException>(() => Aws.FileSystems.DescribeAsync(East, source, Ct));

        // The default mode fails without changing anything.
        var refused = await Assert.ThrowsAsync<CloudCallFailedException>(() => Aws.Replications.DeleteReplicationAsync(West, source, DeletionMode.AllConfigurations, Ct));
        Assert.Equal("BadRequest", refused.Code);
        Assert.Equal(400, refused.HttpStatus);
        Assert.Equal(ReplicationStatus.Enabled, (await DescribeAsync(West, replica))!.Destination.Status);

        // LOCAL_CONFIGURATION_ONLY deletes the DR side and promotes the replica.
        await Aws.Replications.DeleteReplicationAsync(West, source, DeletionMode.LocalConfigurationOnly, Ct);
        await File.WriteAllTextAsync(Path.Combine(DataDirectory(East, source), "late.txt"), "after the delete", Ct);
        Assert.Equal(ReplicationStatus.Deleting, (await DescribeAsync(West, replica))!.Destination.Status);
        await Eventually.True(async () => await DescribeAsync(West, replica) is null, "the DR side is gone");
        Assert.Equal(OverwriteProtection.Enabled, (await Aws.FileSystems.DescribeAsync(West, replica, Ct)).Protection);
        Assert.True(Snapshot(West, replica).Writable);

        // The old region comes back with an orphaned configuration, which only LOCAL_CONFIGURATION_ONLY removes.
        _harness.Cloud.Faults.Clear();
        var orphan = await DescribeAsync(East, source);
        Assert.Equal(replica, orphan!.Destination.FileSystemId);
        Assert.Equal(ReplicationStatus.Enabled, orphan.Destination.Status);
        Assert.Equal("ENABLED", Efs.Replication(East, source)!.Status);
        var orphanDelete = await Assert.ThrowsAsync<CloudCallFailedException>(() => Aws.Replications.DeleteReplicationAsync(East, source, DeletionMode.AllConfigurations, Ct));
        Assert.Equal("BadRequest", orphanDelete.Code);
        await Aws.Replications.DeleteReplicationAsync(East, source, DeletionMode.LocalConfigurationOnly, Ct);
        await Eventually.True(async () => await DescribeAsync(East, source) is null, "the orphan is gone");
        Assert.False(File.Exists(Path.Combine(DataDirectory(West, replica), "late.txt")));
    }

    [Fact]
    public async Task DeleteReplicationAsync_LocalOnlyWithinOneRegion_ThrowsBadRequest()
    {
        var source = Efs.CreateFileSystem(East, Name);
        var replica = Efs.CreateReplica(East, source, East);

        var refused = await Assert.ThrowsAsync<CloudCallFailedException>(() => Aws.Replications.DeleteReplicationAsync(East, source, DeletionMode.LocalConfigurationOnly, Ct));

        Assert.Equal("BadRequest", refused.Code);
        Assert.Equal(ReplicationStatus.Enabling, (await DescribeAsync(East, replica))!.Destination.Status);
        await Assert.ThrowsAsync<NoReplicationException>(() => Aws.Replications.DeleteReplicationAsync(West, source, DeletionMode.AllConfigurations, Ct));
    }

    [Fact]
    public async Task UpdateProtectionAsync_ReplicationDestination_ThrowsReplicationAlreadyExists()
    {
        var source = Efs.CreateFileSystem(East, Name);
        var replica = Efs.CreateReplica(East, source, West);

        await Assert.ThrowsAsync<AlreadyAReplicaException>(() => Aws.FileSystems.UpdateProtectionAsync(West, replica, OverwriteProtection.Enabled, Ct));

        Assert.Equal("REPLICATING", Snapshot(West, replica).Protection);
    }

    [Fact]
    public async Task UpdateProtectionAsync_StandaloneFileSystem_SetsProtectionAndWritability()
    {
        var id = Efs.CreateFileSystem(East, Name);

        Assert.Equal(OverwriteProtection.Disabled, await Aws.FileSystems.UpdateProtectionAsync(East, id, OverwriteProtection.Disabled, Ct));
        Assert.False(Snapshot(East, id).Writable);
        Assert.Equal(OverwriteProtection.Disabled, (await Aws.FileSystems.DescribeAsync(East, id, Ct)).Protection);
        var replicating = await Assert.ThrowsAsync<CloudCallFailedException>(() => Aws.FileSystems.UpdateProtectionAsync(East, id, OverwriteProtection.Replicating, Ct));
        Assert.Equal("BadRequest", replicating.Code);
        Assert.Equal(OverwriteProtection.Enabled, await Aws.FileSystems.UpdateProtectionAsync(East, id, OverwriteProtection.Enabled, Ct));
        Assert.True(Snapshot(East, id).Writable);
    }

    [Fact]
    public async Task CreateReplicationAsync_ExistingDestination_NeedsDisabledProtectionThenMirrorsSource()
    {
        // Arrange: failback, from the promoted replica in West to the old primary in East.
        var promoted = Efs.CreateFileSystem(West, Name);
        await File.WriteAllTextAsync(Path.Combine(DataDirectory(West, promoted), "written-in-dr.txt"), "dr", Ct);
        var oldPrimary = Efs.CreateFileSystem(East, Name);
        await File.WriteAllTextAsync(Path.Combine(DataDirectory(East, oldPrimary), "stale.txt"), "stale", Ct);
        Directory.CreateDirectory(Path.Combine(DataDirectory(East, oldPrimary), "stale-folder"));
        await File.WriteAllTextAsync(Path.Combine(DataDirectory(East, oldPrimary), "stale-folder", "zombie.txt"), "written after the failover", Ct);
        var target = new ReplicationTarget(East, oldPrimary);

        // Act / Assert: refused while the old primary is protected.
        var refused = await Assert.ThrowsAsync<CloudCallFailedException>(() => Aws.Replications.CreateReplicationAsync(West, promoted, target, Ct));
        Assert.Equal("BadRequest", refused.Code);
        await Aws.FileSystems.UpdateProtectionAsync(East, oldPrimary, OverwriteProtection.Disabled, Ct);
        var created = await Aws.Replications.CreateReplicationAsync(West, promoted, target, Ct);

        Assert.Equal(promoted, created.SourceFileSystemId);
        Assert.Equal(West, created.SourceFileSystemRegion);
        Assert.Equal(oldPrimary, created.Destination.FileSystemId);
        Assert.Equal(East, created.Destination.Region);
        Assert.Equal(ReplicationStatus.Enabling, created.Destination.Status);
        Assert.Equal(OverwriteProtection.Replicating, (await Aws.FileSystems.DescribeAsync(East, oldPrimary, Ct)).Protection);
        await Assert.ThrowsAsync<AlreadyAReplicaException>(() => Aws.Replications.CreateReplicationAsync(West, promoted, new ReplicationTarget(East), Ct));
        await Eventually.True(async () => (await DescribeAsync(East, oldPrimary))!.Destination.Status == ReplicationStatus.Enabled, "the failback replication is ENABLED");
        var oldDir = DataDirectory(East, oldPrimary);
        Assert.Equal("dr", await File.ReadAllTextAsync(Path.Combine(oldDir, "written-in-dr.txt"), Ct));
        Assert.False(File.Exists(Path.Combine(oldDir, "stale.txt")));
        Assert.Equal(["written-in-dr.txt"], Directory.EnumerateFileSystemEntries(oldDir).Select(Path.GetFileName));
    }

    [Fact]
    public async Task CreateReplicationAsync_NewDestination_CreatesReadOnlyReplicaWithoutName()
    {
        var source = Efs.CreateFileSystem(East, Name);

        var created = await Aws.Replications.CreateReplicationAsync(East, source, new ReplicationTarget(West), Ct);

        var replica = await Aws.FileSystems.DescribeAsync(West, created.Destination.FileSystemId, Ct);
        Assert.Equal(ReplicationStatus.Enabling, created.Destination.Status);
        Assert.Null(replica.Name);
        Assert.Equal(OverwriteProtection.Replicating, replica.Protection);
        Assert.True(Directory.Exists(Snapshot(West, replica.FileSystemId).DataDirectory));
        await Assert.ThrowsAsync<FileSystemNotFoundException>(() => Aws.Replications.CreateReplicationAsync(West, source, new ReplicationTarget(East), Ct));
    }

    [Fact]
    public async Task TagAsync_NameTagOnReplica_ListedAndFoundByName()
    {
        var source = Efs.CreateFileSystem(East, Name);
        var replica = Efs.CreateReplica(East, source, West);
        Assert.Empty(await Aws.FileSystems.FindByNameAsync(West, Name, Ct));

        await Aws.FileSystems.TagAsync(West, replica, new Dictionary<string, string> { ["Name"] = Name, ["efsdr:role"] = "replica" }, Ct);
        await Aws.FileSystems.TagAsync(West, replica, new Dictionary<string, string> { ["efsdr:role"] = "promoting" }, Ct);

        var tags = await Aws.FileSystems.ListTagsAsync(West, replica, Ct);
        Assert.Equal(2, tags.Count);
        Assert.Equal(Name, tags["Name"]);
        Assert.Equal("promoting", tags["efsdr:role"]);
        Assert.Equal(replica, Assert.Single(await Aws.FileSystems.FindByNameAsync(West, Name, Ct)).FileSystemId);
        var reserved = await Assert.ThrowsAsync<CloudCallFailedException>(() => Aws.FileSystems.TagAsync(West, replica, new Dictionary<string, string> { ["aws:x"] = "y" }, Ct));
        Assert.Equal("BadRequest", reserved.Code);
        await Assert.ThrowsAsync<FileSystemNotFoundException>(() => Aws.FileSystems.ListTagsAsync(East, replica, Ct));
    }

    [Fact]
    public async Task DescribeMountTargetsAsync_TwelveTargets_PagesAndCreateUsesSubnetZone()
    {
        var id = Efs.CreateFileSystem(West, Name);
        for (var zone = 'a'; zone <= 'l'; zone++)
        {
            Efs.CreateMountTarget(West, id, $"subnet-{zone}", $"{West}{zone}");
        }

        var before = _harness.Cloud.RequestCounts.GetValueOrDefault("elasticfilesystem");
        var targets = await Aws.FileSystems.DescribeMountTargetsAsync(West, id, Ct);

        Assert.Equal(12, targets.Count);
        Assert.Equal(2, _harness.Cloud.RequestCounts["elasticfilesystem"] - before);
        Assert.All(targets, t => Assert.True(t.IsAvailable));
        Assert.Equal(12, targets.Select(t => t.IpAddress).Distinct().Count());

        // A new file system gets its mount target in the zone of the subnet (known from EC2).
        var other = Efs.CreateFileSystem(West, "other");
        _harness.Context.Ec2.AddInstance(West, "i-0123456789abcdef0", West + "c", "10.20.1.15", "subnet-0c0ffee");
        var created = await Aws.FileSystems.CreateMountTargetAsync(West, new MountTargetRequest(other, "subnet-0c0ffee", ["sg-1"]), Ct);
        Assert.Equal(West + "c", created.AvailabilityZoneName);
        Assert.StartsWith("fsmt-", created.MountTargetId);
        Assert.Equal(created.MountTargetId, Assert.Single(await Aws.FileSystems.DescribeMountTargetsAsync(West, other, Ct)).MountTargetId);
        Assert.Equal(1, (await Aws.FileSystems.DescribeAsync(West, other, Ct)).NumberOfMountTargets);
        var conflict = await Assert.ThrowsAsync<CloudCallFailedException>(() => Aws.FileSystems.CreateMountTargetAsync(West, new MountTargetRequest(other, "subnet-0c0ffee", []), Ct));
        Assert.Equal("MountTargetConflict", conflict.Code);
    }

    [Fact]
    public async Task FindByNameAsync_HalfOfRequestsThrottled_SucceedsThroughRetries()
    {
        for (var i = 0; i < 3; i++)
        {
            Efs.CreateFileSystem(East, $"fs-{i}");
        }

        var retries = 0;
        var patient = _harness.Adapters(new AwsRetryOptions { MaxAttempts = 10, BaseDelay = TimeSpan.Zero }, _ => Interlocked.Increment(ref retries));
        _harness.Cloud.Faults.Set("elasticfilesystem", "*", new ServiceFaults { ThrottleRate = 0.5 });

        for (var i = 0; i < 10; i++)
        {
            Assert.Single(await patient.FileSystems.FindByNameAsync(East, "fs-1", Ct));
        }

        Assert.InRange(retries, 1, 90);
    }

    [Fact]
    public async Task DescribeAsync_EveryRequestFailsWithServerError_ThrowsTransientAfterRetries()
    {
        var id = Efs.CreateFileSystem(East, Name);
        _harness.Cloud.Faults.Set("elasticfilesystem", East, new ServiceFaults { ServerErrorRate = 1.0 });
        var before = _harness.Cloud.RequestCounts.GetValueOrDefault("elasticfilesystem");

        var failure = await Assert.ThrowsAsync<CloudBusyException>(() => Aws.FileSystems.DescribeAsync(East, id, Ct));

        Assert.Equal("InternalServerError", failure.Code);
        Assert.Equal(500, failure.HttpStatus);
        Assert.Equal(2, _harness.Cloud.RequestCounts["elasticfilesystem"] - before);
    }

    private async Task<(string Source, string Replica)> EnabledReplicaAsync()
    {
        var source = Efs.CreateFileSystem(East, Name);
        var replica = Efs.CreateReplica(East, source, West);
        await Eventually.True(async () => (await DescribeAsync(West, replica))!.Destination.Status == ReplicationStatus.Enabled, "the replication is ENABLED");
        return (source, replica);
    }

    /// <summary>The configuration <paramref name="fileSystemId"/> takes part in, or null when it takes part in none.</summary>
    private async Task<ReplicationConfiguration?> DescribeAsync(string region, string fileSystemId)
    {
        var all = await Aws.Replications.DescribeReplicationsAsync(region, fileSystemId, Ct);
        return all.Count == 0 ? null : Assert.Single(all);
    }

    private FileSystemSnapshot Snapshot(string region, string id) => Efs.FileSystems(region).Single(f => f.FileSystemId == id);

    private string DataDirectory(string region, string id) => Snapshot(region, id).DataDirectory;
}
