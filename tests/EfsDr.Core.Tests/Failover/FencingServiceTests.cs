using System.Globalization;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Testing.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Core.Tests.Failover;

/// <summary>Fencing the ex-primary (one writer) on in-memory fakes and a fake clock.</summary>
public sealed class FencingServiceTests
{
    private const string Document = "efsdr-node";
    private const string Server1 = "i-0123456789abcdef1";
    private const string Server2 = "i-0123456789abcdef2";
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);
    private readonly InMemoryCloud _cloud = SeedCluster.Cloud(Now.AddMinutes(-5));

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private FencingService Service() => new(SeedCluster.Configuration(), _cloud, _cloud, Document, _time);

    /// <summary>As after a failover to server3 with us-east-1 down: the replica promoted (epoch 1), the old primary still writable.</summary>
    private void AfterFailoverToServer3()
    {
        _cloud.Replications.Clear();
        _cloud.AddFileSystem("us-west-2", SeedCluster.ReplicaId, "DRTest-EFS1", OverwriteProtection.Enabled,
            new Dictionary<string, string> { [EfsDrTags.Role] = EfsDrTags.Primary, [EfsDrTags.Epoch] = "1" });
    }

    private FileSystem Primary => _cloud.FileSystemsById[SeedCluster.PrimaryId];

    [Fact]
    public async Task FenceAsync_ExPrimary_SetsProtectionDisabledThenTagsFencedKeepingOtherTags()
    {
        AfterFailoverToServer3();

        var result = await Service().FenceAsync("us-east-1", SeedCluster.PrimaryId, 1, "run-9", Token);

        Assert.True(result.Fenced, result.Detail);
        Assert.True(result.Changed);
        Assert.Equal(1, result.FencedEpoch);
        Assert.Equal(OverwriteProtection.Disabled, Primary.Protection);
        Assert.Equal(EfsDrTags.Fenced, Primary.Tags[EfsDrTags.Role]);
        Assert.Equal("1", Primary.Tags[EfsDrTags.FencedEpoch]);
        Assert.Equal("run-9", Primary.Tags[EfsDrTags.FencedBy]);
        Assert.Equal(Now, DateTimeOffset.Parse(Primary.Tags[EfsDrTags.FencedAt], CultureInfo.InvariantCulture));
        Assert.Equal("DRTest-EFS1", Primary.Tags["Name"]);
        Assert.Equal($"protection {SeedCluster.PrimaryId} Disabled", _cloud.Writes[0]);
        Assert.StartsWith($"tag {SeedCluster.PrimaryId}", _cloud.Writes[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task FenceAsync_AlreadyFenced_ChangesNothing()
    {
        AfterFailoverToServer3();
        await Service().FenceAsync("us-east-1", SeedCluster.PrimaryId, 1, "run-9", Token);
        var writes = _cloud.Writes.Count;
        _time.Advance(TimeSpan.FromHours(1));

        var again = await Service().FenceAsync("us-east-1", SeedCluster.PrimaryId, 1, "run-10", Token);

        Assert.True(again.Fenced, again.Detail);
        Assert.False(again.Changed);
        Assert.Equal(1, again.FencedEpoch);
        Assert.Contains("already fenced", again.Detail, StringComparison.Ordinal);
        Assert.Equal(writes, _cloud.Writes.Count);
        Assert.Equal("run-9", Primary.Tags[EfsDrTags.FencedBy]);
    }

    [Fact]
    public async Task FenceAsync_DisabledButNotTagged_OnlyAddsTheTags()
    {
        AfterFailoverToServer3();
        _cloud.AddFileSystem("us-east-1", SeedCluster.PrimaryId, "DRTest-EFS1", OverwriteProtection.Disabled);

        var result = await Service().FenceAsync("us-east-1", SeedCluster.PrimaryId, 1, "run-9", Token);

        Assert.True(result.Fenced, result.Detail);
        var write = Assert.Single(_cloud.Writes);
        Assert.StartsWith($"tag {SeedCluster.PrimaryId}", write, StringComparison.Ordinal);
        Assert.Equal(EfsDrTags.Fenced, Primary.Tags[EfsDrTags.Role]);
    }

    [Fact]
    public async Task FenceAsync_ReplicationDestination_IsNotFencedAndNothingChanges()
    {
        var result = await Service().FenceAsync("us-west-2", SeedCluster.ReplicaId, 1, "run-9", Token);

        Assert.False(result.Fenced);
        Assert.False(result.Changed);
        Assert.Contains("REPLICATING", result.Detail, StringComparison.Ordinal);
        Assert.Contains("not an ex-primary", result.Detail, StringComparison.Ordinal);
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task FenceAsync_EpochNotBelowThePrimarys_IsRefused()
    {
        AfterFailoverToServer3();

        var result = await Service().FenceAsync("us-west-2", SeedCluster.ReplicaId, 1, "run-9", Token);

        Assert.False(result.Fenced);
        Assert.Contains("epoch 1", result.Detail, StringComparison.Ordinal);
        Assert.Empty(_cloud.Writes);
        Assert.Equal(OverwriteProtection.Enabled, _cloud.FileSystemsById[SeedCluster.ReplicaId].Protection);
    }

    [Fact]
    public async Task FenceAsync_RegionUnreachable_ReturnsNotFencedWithTheReasonWithoutThrowing()
    {
        AfterFailoverToServer3();
        _cloud.UnreachableRegions.Add("us-east-1");

        var result = await Service().FenceAsync("us-east-1", SeedCluster.PrimaryId, 1, "run-9", Token);

        Assert.False(result.Fenced);
        Assert.True(result.RegionUnreachable);
        Assert.False(result.Changed);
        Assert.Contains("us-east-1", result.Detail, StringComparison.Ordinal);
        Assert.Contains("ConnectionFailure", result.Detail, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", result.Detail, StringComparison.Ordinal);
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task DeactivateAsync_ExPrimaryRegion_SendsDeactivateToEveryServerThereWithTheDocumentParameters()
    {
        var nodes = await Service().DeactivateAsync("us-east-1", SeedCluster.PrimaryId, "run-9", Token);

        Assert.Equal([Server1, Server2], _cloud.Sent.Select(s => s.InstanceId));
        foreach (var sent in _cloud.Sent)
        {
            Assert.Equal(("us-east-1", "deactivate", Document), (sent.Region, sent.Action, sent.Document));
            var request = sent.Deactivation!;
            Assert.Equal((SeedCluster.PrimaryId, "us-east-1", "/mnt/efs", "minio"), (request.FileSystemId, request.Region, request.MountPoint, request.Unit));
            Assert.Contains("run-9", request.Comment, StringComparison.Ordinal);
            Assert.True(request.DeliveryTimeoutSeconds >= 30);
        }

        Assert.Equal(["server1", "server2"], nodes.Select(n => n.Server));
        Assert.All(nodes, n => Assert.Equal(NodeDeactivationStatus.Pending, n.Status));
        Assert.All(nodes, n => Assert.NotNull(n.CommandId));
    }

    [Fact]
    public async Task DeactivateAsync_OfflineNode_IsReportedNotSentAndTheOtherServerStillGetsIt()
    {
        _cloud.Ping[Server2] = PingStatus.ConnectionLost;

        var nodes = await Service().DeactivateAsync("us-east-1", SeedCluster.PrimaryId, "run-9", Token);

        Assert.Equal(Server1, Assert.Single(_cloud.Sent).InstanceId);
        var offline = nodes.Single(n => n.Server == "server2");
        Assert.Equal(NodeDeactivationStatus.NotSent, offline.Status);
        Assert.Null(offline.CommandId);
        Assert.False(offline.RegionUnreachable);
        Assert.Contains("ConnectionLost", offline.Detail, StringComparison.Ordinal);
        Assert.Equal(NodeDeactivationStatus.Pending, nodes.Single(n => n.Server == "server1").Status);
    }

    [Fact]
    public async Task DeactivateAsync_SsmUnreachable_ReportsEveryServerNotSentWithoutThrowing()
    {
        _cloud.UnreachableSsmRegions.Add("us-east-1");

        var nodes = await Service().DeactivateAsync("us-east-1", SeedCluster.PrimaryId, "run-9", Token);

        Assert.Empty(_cloud.Sent);
        Assert.Equal(2, nodes.Count);
        Assert.All(nodes, n => Assert.Equal(NodeDeactivationStatus.NotSent, n.Status));
        Assert.All(nodes, n => Assert.True(n.RegionUnreachable));
        Assert.All(nodes, n => Assert.Contains("us-east-1", n.Detail, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CheckDeactivationAsync_SuccessAndNotYetVisible_AreDeactivatedAndPending()
    {
        var service = Service();
        var sent = await service.DeactivateAsync("us-east-1", SeedCluster.PrimaryId, "run-9", Token);
        var first = sent.Single(n => n.Server == "server1").CommandId!;
        _cloud.Invocations[first] = new Queue<Func<NodeProgress>>([() => new NodeProgress(NodeProgressState.Succeeded, "Success", "Success", 0, "efsdr-node: deactivated {\"stopped\":true}", string.Empty)]);

        var checkedNodes = await service.CheckDeactivationAsync(sent, Token);

        Assert.Equal(NodeDeactivationStatus.Deactivated, checkedNodes.Single(n => n.Server == "server1").Status);
        Assert.Contains("deactivated", checkedNodes.Single(n => n.Server == "server1").Detail, StringComparison.Ordinal);
        Assert.Equal(NodeDeactivationStatus.Pending, checkedNodes.Single(n => n.Server == "server2").Status);
    }

    [Fact]
    public async Task CheckDeactivationAsync_CommandFailed_IsFailedWithTheStderrTail()
    {
        var service = Service();
        var sent = await service.DeactivateAsync("us-east-1", SeedCluster.PrimaryId, "run-9", Token);
        var first = sent[0].CommandId!;
        _cloud.Invocations[first] = new Queue<Func<NodeProgress>>([() => new NodeProgress(NodeProgressState.Failed, "Failed", "Failed", 31, string.Empty, "efsdr-node: umount /mnt/efs failed (busy?)")]);

        var checkedNodes = await service.CheckDeactivationAsync(sent, Token);

        Assert.Equal(NodeDeactivationStatus.Failed, checkedNodes[0].Status);
        Assert.Contains("exit 31", checkedNodes[0].Detail, StringComparison.Ordinal);
        Assert.Contains("umount /mnt/efs failed", checkedNodes[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FindUnfencedAsync_AfterFailover_FindsTheLowerEpochWritableCopyAndNotThePrimary()
    {
        AfterFailoverToServer3();

        var survey = await Service().FindUnfencedAsync(Token);

        var unfenced = Assert.Single(survey.Unfenced);
        Assert.Equal(("us-east-1", SeedCluster.PrimaryId, 0L), (unfenced.Region, unfenced.FileSystemId, unfenced.Epoch));
        Assert.Equal(SeedCluster.ReplicaId, survey.Primary?.FileSystemId);
        Assert.Equal(1, survey.Primary?.Epoch);
        Assert.Empty(survey.Unreachable);
    }

    [Fact]
    public async Task FindUnfencedAsync_PrimaryReplicaAndFencedCopy_FindsNothing()
    {
        // Re-protected after an earlier failover: us-east-1 primary at epoch 2 replicating to us-west-2, and a fenced old copy.
        _cloud.AddFileSystem("us-east-1", SeedCluster.PrimaryId, "DRTest-EFS1", OverwriteProtection.Enabled, new Dictionary<string, string> { [EfsDrTags.Epoch] = "2", [EfsDrTags.Role] = EfsDrTags.Primary });
        _cloud.AddFileSystem("us-west-2", "fs-0ccccccccccccccc3", "DRTest-EFS1", OverwriteProtection.Disabled, new Dictionary<string, string> { [EfsDrTags.Epoch] = "1", [EfsDrTags.Role] = EfsDrTags.Fenced });

        var survey = await Service().FindUnfencedAsync(Token);

        Assert.Empty(survey.Unfenced);
        Assert.Equal(SeedCluster.PrimaryId, survey.Primary?.FileSystemId);
    }

    [Fact]
    public async Task FindUnfencedAsync_PromotionStillRunning_FencesNothing()
    {
        _cloud.AddFileSystem("us-west-2", SeedCluster.ReplicaId, "DRTest-EFS1", OverwriteProtection.Replicating,
            new Dictionary<string, string> { [EfsDrTags.Role] = EfsDrTags.Promoting, [EfsDrTags.Epoch] = "1" });

        var survey = await Service().FindUnfencedAsync(Token);

        Assert.Empty(survey.Unfenced);
        Assert.Null(survey.Primary);
        Assert.NotNull(survey.Note);
    }

    [Fact]
    public async Task FindUnfencedAsync_ExPrimaryRegionUnreachable_ReportsItWithoutThrowing()
    {
        AfterFailoverToServer3();
        _cloud.UnreachableRegions.Add("us-east-1");

        var survey = await Service().FindUnfencedAsync(Token);

        Assert.Empty(survey.Unfenced);
        var unreachable = Assert.Single(survey.Unreachable);
        Assert.Equal("us-east-1", unreachable.Region);
        Assert.Contains("ConnectionFailure", unreachable.Reason, StringComparison.Ordinal);
    }
}
