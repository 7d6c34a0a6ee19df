using EfsDr.Core.Model;
using EfsDr.LocalCloud.Hosting;
using EfsDr.LocalCloud.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.LocalCloud.Tests.Timeline;

/// <summary>The physical timeline: the instants the emulators made things happen, exact rather than when a timer or a reader
/// noticed, on one fake clock so the instants are known.</summary>
public sealed class PhysicalTimelineTests : IAsyncLifetime
{
    private const string East = "us-east-1";
    private const string West = "us-west-2";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 8, 0, 0, TimeSpan.Zero));
    private CloudHarness _harness = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private LocalCloudContext Context => _harness.Context;

    /// <summary>At 600× on the cloud's simulated clock: a deletion lasts 20 simulated minutes (2 real seconds of the base
    /// clock), a DNS change one simulated minute (100 real ms).</summary>
    public async ValueTask InitializeAsync() => _harness = await CloudHarness.StartAsync(
        new LocalCloudOptions { TimeScale = 600, ReplicationDeletion = TimeSpan.FromMinutes(20), DnsPropagation = TimeSpan.FromMinutes(1) }, _time);

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task DeleteReplication_ReadLongAfterItIsDue_FinishIsTheExactDueInstantNotTheRead()
    {
        // Arrange
        var source = Context.Efs.CreateFileSystem(East, "DRTest-EFS1");
        var replica = Context.Efs.CreateReplica(East, source, West);
        var requested = Context.Clock.Now;

        // Act: delete, then let 2.37 s pass (the timer's 100 ms ticks fall elsewhere) before anyone reads.
        await _harness.Aws.Replications.DeleteReplicationAsync(West, source, DeletionMode.AllConfigurations, Ct);
        var pending = Assert.Single(Context.Timeline.Events);
        _time.Advance(TimeSpan.FromMilliseconds(2370));
        var writable = Context.Efs.FileSystems(West).Single(f => f.FileSystemId == replica).Writable;

        // Assert
        Assert.Null(pending.Finished);
        Assert.True(writable);
        var deletion = Assert.Single(Context.Timeline.Events);
        Assert.Equal((PhysicalKind.ReplicationDeletion, replica, source), (deletion.Kind, deletion.Subject, deletion.Detail));
        Assert.Equal(requested, deletion.Started);
        Assert.Equal(requested.AddMinutes(20), deletion.Finished);
        Assert.Equal(TimeSpan.FromMinutes(20), deletion.Duration);
    }

    [Fact]
    public async Task UpsertARecord_Submitted_RecordsTheChangeAndItsInSyncInstant()
    {
        // Arrange
        var zone = Context.Route53.CreateHostedZone("internal.example.com");
        var submitted = Context.Clock.Now;

        // Act
        var change = await _harness.Aws.Dns.UpsertARecordAsync(zone, "minio.internal.example.com", "10.20.1.15", 30, "failover", Ct);

        // Assert: INSYNC one simulated minute (100 real ms at 600×) after submission.
        var dns = Assert.Single(Context.Timeline.Events);
        Assert.Equal((PhysicalKind.DnsChange, zone), (dns.Kind, dns.Subject));
        Assert.EndsWith(dns.Detail, change.ChangeId, StringComparison.Ordinal);
        Assert.Equal(submitted, dns.Started);
        Assert.Equal(TimeSpan.FromMinutes(1), dns.Duration);
        _time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Equal(DnsChangeStatus.Pending, (await _harness.Aws.Dns.GetChangeAsync(change.ChangeId, Ct)).Status);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(DnsChangeStatus.InSync, (await _harness.Aws.Dns.GetChangeAsync(change.ChangeId, Ct)).Status);
    }
}
