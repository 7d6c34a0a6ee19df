using System.Text.Json;
using EfsDr.Core.Configuration;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Testing.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Core.Tests.Failover;

/// <summary>PromoteReplica/CheckPromotion, ActivateNode/CheckNodeCommand and the DNS steps, on in-memory fakes and a fake clock.</summary>
public sealed class FailoverStepsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);
    private readonly InMemoryCloud _cloud = SeedCluster.Cloud(Now.AddMinutes(-5));

    private async Task<FailoverState> PlannedAsync(string target = "server3", bool sourceDown = false)
    {
        var plan = await new FailoverPlanner(SeedCluster.Configuration(), _cloud, _cloud, _cloud, _cloud, _time)
            .PlanAsync(new FailoverRequest { TargetServer = target, SourceRegionUnavailable = sourceDown }, "run-7", TestContext.Current.CancellationToken);
        return new FailoverState { Plan = plan };
    }

    private PromotionService Promotion() => new(_cloud, _cloud, _time);

    [Fact]
    public async Task PromoteAsync_Replica_TagsPromotingThenDeletesWithSourceIdInTargetRegion()
    {
        var state = await PlannedAsync();

        var promotion = await Promotion().PromoteAsync(state, TestContext.Current.CancellationToken);

        var delete = Assert.Single(_cloud.Deletes);
        Assert.Equal(("us-west-2", SeedCluster.PrimaryId, DeletionMode.AllConfigurations), delete);
        Assert.StartsWith("tag " + SeedCluster.ReplicaId, _cloud.Writes[0], StringComparison.Ordinal);
        Assert.Equal(EfsDrTags.Promoting, _cloud.FileSystemsById[SeedCluster.ReplicaId].Tags[EfsDrTags.Role]);
        Assert.Equal("1", _cloud.FileSystemsById[SeedCluster.ReplicaId].Tags[EfsDrTags.Epoch]);
        Assert.Equal("ALL_CONFIGURATIONS", promotion.DeletionMode);
        Assert.Equal(Now, promotion.StartedAt);
    }

    [Fact]
    public async Task PromoteAsync_SourceRegionUnavailable_DeletesLocalConfigurationOnly()
    {
        var state = await PlannedAsync(sourceDown: true);

        var promotion = await Promotion().PromoteAsync(state, TestContext.Current.CancellationToken);

        Assert.Equal(DeletionMode.LocalConfigurationOnly, Assert.Single(_cloud.Deletes).Mode);
        Assert.Equal("LOCAL_CONFIGURATION_ONLY", promotion.DeletionMode);
        Assert.Null(promotion.FallbackReason);
    }

    [Fact]
    public async Task PromoteAsync_DefaultModeFails_FallsBackToLocalConfigurationOnly()
    {
        var state = await PlannedAsync();
        _cloud.DeleteFailures.Enqueue(new CloudBusyException(new CloudError("efs", "InternalServerError", "cannot reach us-east-1", 500, null)));

        var promotion = await Promotion().PromoteAsync(state, TestContext.Current.CancellationToken);

        Assert.Equal([DeletionMode.AllConfigurations, DeletionMode.LocalConfigurationOnly], _cloud.Deletes.Select(d => d.Mode));
        Assert.Equal("LOCAL_CONFIGURATION_ONLY", promotion.DeletionMode);
        Assert.Contains("InternalServerError", promotion.FallbackReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PromoteAsync_ReplicationAlreadyGone_IsSuccess()
    {
        var state = await PlannedAsync();
        _cloud.CompleteDeletion(SeedCluster.PrimaryId);

        var promotion = await Promotion().PromoteAsync(state, TestContext.Current.CancellationToken);

        Assert.Equal(ReplicaStatus.Gone, promotion.LastStatus);
    }

    [Fact]
    public async Task ReRun_WhileDeleting_DoesNotDeleteAgainAndCompletes()
    {
        // First run: promote, then the run dies.
        var first = await PlannedAsync();
        await Promotion().PromoteAsync(first, TestContext.Current.CancellationToken);

        // Re-run: the plan sees DELETING; PromoteReplica must not call Delete again.
        var second = await PlannedAsync();
        var promotion = await Promotion().PromoteAsync(second, TestContext.Current.CancellationToken);

        Assert.Equal(ReplicaStatus.Deleting, second.Plan.ReplicationStatus);
        Assert.Single(_cloud.Deletes);
        Assert.Equal(ReplicaStatus.Deleting, promotion.LastStatus);
    }

    [Fact]
    public async Task ReRun_AfterDeleteFinishedButBeforeTagging_FinishesThePromotion()
    {
        // First run: promote, EFS finishes, the run dies before CheckPromotion tagged the file system primary.
        var first = await PlannedAsync();
        await Promotion().PromoteAsync(first, TestContext.Current.CancellationToken);
        _cloud.CompleteDeletion(SeedCluster.PrimaryId);

        // Re-run.
        var second = await PlannedAsync();
        var state = second with { Promotion = await Promotion().PromoteAsync(second, TestContext.Current.CancellationToken) };
        var check1 = await Promotion().CheckAsync(state, TestContext.Current.CancellationToken);
        var check2 = await Promotion().CheckAsync(state with { Promotion = check1 }, TestContext.Current.CancellationToken);

        Assert.Equal(PlanAction.Promote, second.Plan.Action);
        Assert.Equal(SeedCluster.PrimaryId, second.Plan.SourceFileSystemId);
        Assert.Equal(1, second.Plan.NextEpoch);
        Assert.Single(_cloud.Deletes);
        Assert.True(check2.Done);
        Assert.Equal(EfsDrTags.Primary, _cloud.FileSystemsById[SeedCluster.ReplicaId].Tags[EfsDrTags.Role]);
    }

    [Fact]
    public async Task CheckAsync_Deleting_KeepsWaiting()
    {
        var state = await PlannedAsync();
        state = state with { Promotion = await Promotion().PromoteAsync(state, TestContext.Current.CancellationToken) };

        var progress = await Promotion().CheckAsync(state, TestContext.Current.CancellationToken);

        Assert.False(progress.Done);
        Assert.Equal(ReplicaStatus.Deleting, progress.LastStatus);
        Assert.Equal(0, progress.NotFoundCount);
        Assert.Equal(1, progress.Checks);
    }

    [Fact]
    public async Task CheckAsync_TwoConsecutiveNotFoundAndEnabled_DoneAndTaggedPrimaryWithEpoch()
    {
        var state = await PlannedAsync();
        state = state with { Promotion = await Promotion().PromoteAsync(state, TestContext.Current.CancellationToken) };
        _cloud.CompleteDeletion(SeedCluster.PrimaryId);

        var first = await Promotion().CheckAsync(state, TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromSeconds(30));
        var second = await Promotion().CheckAsync(state with { Promotion = first }, TestContext.Current.CancellationToken);

        Assert.False(first.Done);
        Assert.Equal(1, first.NotFoundCount);
        Assert.True(second.Done);
        Assert.Equal(Now.AddSeconds(30), second.CompletedAt);
        var tags = _cloud.FileSystemsById[SeedCluster.ReplicaId].Tags;
        Assert.Equal(EfsDrTags.Primary, tags[EfsDrTags.Role]);
        Assert.Equal("1", tags[EfsDrTags.Epoch]);
    }

    [Fact]
    public async Task CheckAsync_NotFoundButStillReplicatingProtection_KeepsWaiting()
    {
        var state = await PlannedAsync();
        state = state with { Promotion = await Promotion().PromoteAsync(state, TestContext.Current.CancellationToken) with { NotFoundCount = 1 } };
        _cloud.Replications.Clear();

        var progress = await Promotion().CheckAsync(state, TestContext.Current.CancellationToken);

        Assert.False(progress.Done);
        Assert.Equal(ReplicaStatus.Gone, progress.LastStatus);
        Assert.Equal("REPLICATING", progress.Protection);
    }

    [Fact]
    public async Task CheckAsync_NotFoundThenFoundAgain_ResetsTheCount()
    {
        var state = await PlannedAsync();
        state = state with { Promotion = await Promotion().PromoteAsync(state, TestContext.Current.CancellationToken) with { NotFoundCount = 1 } };

        var progress = await Promotion().CheckAsync(state, TestContext.Current.CancellationToken);

        Assert.Equal(0, progress.NotFoundCount);
    }

    [Theory]
    [InlineData(ReplicationStatus.Error, "ERROR")]
    [InlineData(ReplicationStatus.Paused, "PAUSED")]
    public async Task CheckAsync_ErrorOrPaused_FailsWithStatusMessage(ReplicationStatus status, string text)
    {
        var state = await PlannedAsync();
        state = state with { Promotion = await Promotion().PromoteAsync(state, TestContext.Current.CancellationToken) };
        _cloud.Replications.Clear();
        _cloud.Replicate("us-east-1", SeedCluster.PrimaryId, "us-west-2", SeedCluster.ReplicaId, status, Now, "destination region opted out");

        var ex = await Assert.ThrowsAsync<ReplicationFailedException>(() => Promotion().CheckAsync(state, TestContext.Current.CancellationToken));

        Assert.Contains(text, ex.Message, StringComparison.Ordinal);
        Assert.Contains("destination region opted out", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_PastBudget_ThrowsTimeout()
    {
        var state = await PlannedAsync();
        state = state with { Promotion = await Promotion().PromoteAsync(state, TestContext.Current.CancellationToken) };
        _time.Advance(TimeSpan.FromSeconds(state.Plan.Budgets.PromotionSeconds + 1));

        var ex = await Assert.ThrowsAsync<PromotionTimeoutException>(() => Promotion().CheckAsync(state, TestContext.Current.CancellationToken));

        Assert.Contains("DELETING", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_WithinBudget_DoesNotTimeOut()
    {
        var state = await PlannedAsync();
        state = state with { Promotion = await Promotion().PromoteAsync(state, TestContext.Current.CancellationToken) };
        _time.Advance(TimeSpan.FromSeconds(state.Plan.Budgets.PromotionSeconds - 1));

        var progress = await Promotion().CheckAsync(state, TestContext.Current.CancellationToken);

        Assert.False(progress.Done);
    }

    [Fact]
    public async Task PromoteAsync_PlanWithoutPromotion_Throws()
    {
        var state = await PlannedAsync("server2");

        await Assert.ThrowsAsync<InvalidOperationException>(() => Promotion().PromoteAsync(state, TestContext.Current.CancellationToken));
        Assert.Empty(_cloud.Writes);
    }

    private NodeActivationService Nodes() => new(_cloud, "efsdr-node", _time);

    private static NodeProgress Progress(NodeProgressState state, string status, string stderr = "", int code = 0) =>
        new(state, status, null, code, "mounted\nhealthy", stderr);

    [Fact]
    public async Task ActivateAsync_Plan_SendsDocumentWithTypedParametersToTarget()
    {
        var state = await PlannedAsync();

        var node = await Nodes().ActivateAsync(state, TestContext.Current.CancellationToken);

        var sent = Assert.Single(_cloud.Sent);
        Assert.Equal(("us-west-2", "i-0123456789abcdef3", "activate", "efsdr-node"), (sent.Region, sent.InstanceId, sent.Action, sent.Document));
        var request = sent.Activation!;
        Assert.Equal((SeedCluster.ReplicaId, "us-west-2", "/mnt/efs", MountMethod.EfsUtils, "minio"), (request.FileSystemId, request.Region, request.MountPoint, request.MountMethod, request.Unit));
        Assert.Equal(state.Plan.Budgets.HealthSeconds, request.HealthTimeoutSeconds);
        Assert.Equal(Math.Max(30, state.Plan.Budgets.NodeCommandSeconds), request.DeliveryTimeoutSeconds);
        Assert.Contains(state.Plan.RunId, request.Comment, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(node.CommandId));
    }

    [Fact]
    public async Task CheckAsync_InvocationDoesNotExistYet_IsPending()
    {
        var state = await PlannedAsync();
        state = state with { Node = await Nodes().ActivateAsync(state, TestContext.Current.CancellationToken) };

        var progress = await Nodes().CheckAsync(state, TestContext.Current.CancellationToken);

        Assert.False(progress.Done);
        Assert.Equal(NodeCommandStatus.NotYetVisible, progress.LastStatus);
    }

    [Fact]
    public async Task CheckAsync_InProgressThenSuccess_Done()
    {
        var state = await PlannedAsync();
        state = state with { Node = await Nodes().ActivateAsync(state, TestContext.Current.CancellationToken) };
        _cloud.Invocations[state.Node.CommandId] = new Queue<Func<NodeProgress>>([() => Progress(NodeProgressState.Running, "InProgress"), () => Progress(NodeProgressState.Succeeded, "Success")]);

        var first = await Nodes().CheckAsync(state, TestContext.Current.CancellationToken);
        var second = await Nodes().CheckAsync(state with { Node = first }, TestContext.Current.CancellationToken);

        Assert.False(first.Done);
        Assert.True(second.Done);
        Assert.Equal(2, second.Checks);
        Assert.Contains("healthy", second.OutputTail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Failed")]
    [InlineData("TimedOut")]
    [InlineData("Cancelled")]
    public async Task CheckAsync_Failed_ThrowsWithStderrTail(string status)
    {
        var state = await PlannedAsync();
        state = state with { Node = await Nodes().ActivateAsync(state, TestContext.Current.CancellationToken) };
        var stderr = new string('x', 5000) + "efsdr-node: mount failed: fs-0bbbbbbbbbbbbbbb2 is read-only";
        _cloud.Invocations[state.Node.CommandId] = new Queue<Func<NodeProgress>>([() => Progress(NodeProgressState.Failed, status, stderr, 12)]);

        var ex = await Assert.ThrowsAsync<NodeCommandFailedException>(() => Nodes().CheckAsync(state, TestContext.Current.CancellationToken));

        Assert.EndsWith("is read-only", ex.Message, StringComparison.Ordinal);
        Assert.Contains(status, ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.Length < 2000);
    }

    [Fact]
    public async Task CheckAsync_NodeSilentPastBudget_ThrowsTimeout()
    {
        var state = await PlannedAsync();
        state = state with { Node = await Nodes().ActivateAsync(state, TestContext.Current.CancellationToken) };
        _time.Advance(TimeSpan.FromSeconds(state.Plan.Budgets.NodeCommandSeconds + 1));

        await Assert.ThrowsAsync<NodeCommandTimeoutException>(() => Nodes().CheckAsync(state, TestContext.Current.CancellationToken));
    }

    private DnsSwitchService Dns() => new(_cloud, _time);

    [Fact]
    public async Task SwitchAsync_RecordOnOtherServer_UpsertsTargetIpWithNormalTtl()
    {
        var state = await PlannedAsync();

        var dns = await Dns().SwitchAsync(state, TestContext.Current.CancellationToken);

        Assert.Equal("dns drtest.example.com. 10.70.110.10 300", Assert.Single(_cloud.Writes));
        Assert.Equal("10.60.110.10", dns.PreviousValue);
        Assert.False(dns.Done);
        Assert.NotNull(dns.ChangeId);
    }

    [Fact]
    public async Task SwitchAsync_RecordAlreadyPointsAtTarget_Skips()
    {
        var state = await PlannedAsync("server1");

        var dns = await Dns().SwitchAsync(state, TestContext.Current.CancellationToken);

        Assert.True(dns.Skipped);
        Assert.True(dns.Done);
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task CheckDnsAsync_PendingThenInSync_Done()
    {
        var state = await PlannedAsync();
        state = state with { Dns = await Dns().SwitchAsync(state, TestContext.Current.CancellationToken) };

        var pending = await Dns().CheckAsync(state, TestContext.Current.CancellationToken);
        _cloud.Changes[state.Dns.ChangeId!] = DnsChangeStatus.InSync;
        var insync = await Dns().CheckAsync(state with { Dns = pending }, TestContext.Current.CancellationToken);

        Assert.False(pending.Done);
        Assert.True(insync.Done);
    }

    [Fact]
    public async Task CheckDnsAsync_PendingPastBudget_ThrowsTimeout()
    {
        var state = await PlannedAsync();
        state = state with { Dns = await Dns().SwitchAsync(state, TestContext.Current.CancellationToken) };
        _time.Advance(TimeSpan.FromSeconds(state.Plan.Budgets.DnsSeconds + 1));

        await Assert.ThrowsAsync<DnsChangeTimeoutException>(() => Dns().CheckAsync(state, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task LowerTtlAsync_HighTtl_UpsertsSameValueWithFailoverTtl()
    {
        var state = await PlannedAsync();

        var ttl = await Dns().LowerTtlAsync(state, TestContext.Current.CancellationToken);

        Assert.True(ttl.Lowered);
        Assert.Equal("dns drtest.example.com. 10.60.110.10 30", Assert.Single(_cloud.Writes));
    }

    [Fact]
    public async Task LowerTtlAsync_RecordAlreadyOnTarget_ChangesNothing()
    {
        var state = await PlannedAsync("server1");

        var ttl = await Dns().LowerTtlAsync(state, TestContext.Current.CancellationToken);

        Assert.False(ttl.Lowered);
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task LowerTtlAsync_DnsFails_ReportsAndDoesNotThrow()
    {
        var state = await PlannedAsync();
        var failing = new DnsSwitchService(new FailingDns(), _time);

        var ttl = await failing.LowerTtlAsync(state, TestContext.Current.CancellationToken);

        Assert.False(ttl.Lowered);
        Assert.Contains("route53 unreachable", ttl.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RestoreTtlAsync_RunLoweredTheTtlAndFailed_PutsTheNormalTtlBackOnTheOldValue()
    {
        var state = await PlannedAsync();
        state = state with { Ttl = await Dns().LowerTtlAsync(state, TestContext.Current.CancellationToken) };
        _cloud.Writes.Clear();

        var note = await Dns().RestoreTtlAsync(state, TestContext.Current.CancellationToken);

        Assert.Equal("TTL restored to 300 s", note);
        Assert.Equal("dns drtest.example.com. 10.60.110.10 300", Assert.Single(_cloud.Writes));
        Assert.Equal(300, _cloud.Records["drtest.example.com"].Ttl);
    }

    [Fact]
    public async Task RestoreTtlAsync_RunLoweredNothing_ChangesNothing()
    {
        var state = await PlannedAsync();
        state = state with { Ttl = new TtlState { Note = "the record already points at the target" } };

        var note = await Dns().RestoreTtlAsync(state, TestContext.Current.CancellationToken);

        Assert.Null(note);
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task RestoreTtlAsync_Route53Unreachable_SaysWhatToDoByHandAndDoesNotThrow()
    {
        var state = await PlannedAsync();
        state = state with { Ttl = new TtlState { Lowered = true } };

        var note = await new DnsSwitchService(new FailingDns(), _time).RestoreTtlAsync(state, TestContext.Current.CancellationToken);

        Assert.Contains("NOT restored", note, StringComparison.Ordinal);
        Assert.Contains("by hand", note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Summarize_FinishedRun_ListsStepsAndRecoveryTime()
    {
        var state = await PlannedAsync();
        state = state with
        {
            Promotion = new PromotionState { StartedAt = Now.AddSeconds(1), CompletedAt = Now.AddSeconds(601), Done = true },
            Node = new NodeState { StartedAt = Now.AddSeconds(602), CompletedAt = Now.AddSeconds(640), Done = true },
            Dns = new DnsState { StartedAt = Now.AddSeconds(641), CompletedAt = Now.AddSeconds(700), Done = true },
        };

        var summary = RunSummarizer.Summarize(state, Now.AddSeconds(701));

        Assert.Equal(700, summary.RecoveryTimeSeconds);
        Assert.Equal(["Plan", "PromoteReplica", "ActivateNode", "SwitchDns"], summary.Steps.Select(s => s.Step));
        Assert.Equal(600, summary.Steps[1].Seconds);
        Assert.Equal(300, summary.DataLossWindowSeconds);
        Assert.Equal("server3", summary.ActiveServer);
    }

    private sealed class FailingDns : EfsDr.Core.Ports.IDnsRecords
    {
        private static RegionUnreachableException Down() => new(new CloudError("route53", "ConnectionFailure", "route53 unreachable", 0, null));

        public Task<DnsChange> UpsertARecordAsync(string hostedZoneId, string recordName, string ipAddress, long ttlSeconds, string? comment, CancellationToken cancellationToken) => throw Down();

        public Task<DnsChange> GetChangeAsync(string changeId, CancellationToken cancellationToken) => throw Down();

        public Task<DnsRecord?> GetRecordAsync(string hostedZoneId, string recordName, string recordType, CancellationToken cancellationToken) => throw Down();
    }

    [Theory]
    [InlineData(ReplicaStatus.Requested, "requested")]
    [InlineData(ReplicaStatus.Deleting, "deleting")]
    [InlineData(ReplicaStatus.Gone, "gone")]
    [InlineData(ReplicaStatus.Writable, "writable")]
    public void PromotionState_LastStatus_TravelsAsAStableLowercaseString(ReplicaStatus status, string wire)
    {
        var json = JsonSerializer.Serialize(new PromotionState { LastStatus = status }, StateJsonContext.Default.PromotionState);

        Assert.Contains($"\"lastStatus\":\"{wire}\"", json, StringComparison.Ordinal);
        Assert.Equal(status, JsonSerializer.Deserialize(json, StateJsonContext.Default.PromotionState)!.LastStatus);
    }

    [Theory]
    [InlineData(NodeCommandStatus.NotYetVisible, "not-yet-visible")]
    [InlineData(NodeCommandStatus.InProgress, "in-progress")]
    [InlineData(NodeCommandStatus.Success, "success")]
    public void NodeState_LastStatus_TravelsAsAStableKebabString(NodeCommandStatus status, string wire)
    {
        var json = JsonSerializer.Serialize(new NodeState { LastStatus = status }, StateJsonContext.Default.NodeState);

        Assert.Contains($"\"lastStatus\":\"{wire}\"", json, StringComparison.Ordinal);
        Assert.Equal(status, JsonSerializer.Deserialize(json, StateJsonContext.Default.NodeState)!.LastStatus);
    }

    [Fact]
    public void FailoverPlan_ReplicationStatusGone_TravelsAsGone() =>
        Assert.Contains("\"replicationStatus\":\"gone\"", JsonSerializer.Serialize(new FailoverPlan { ReplicationStatus = ReplicaStatus.Gone }, StateJsonContext.Default.FailoverPlan), StringComparison.Ordinal);

    [Fact]
    public void Summarize_Steps_FollowTheWorkflowDescription()
    {
        var summary = RunSummarizer.Summarize(new FailoverState
        {
            Plan = new FailoverPlan { PlannedAt = Now },
            Ttl = new TtlState { At = Now.AddSeconds(1) },
            Deactivation = new DeactivationState { At = Now.AddSeconds(2) },
        }, Now.AddSeconds(3));

        Assert.Equal(
            EfsDr.Core.Workflows.FailoverWorkflow.Steps.Where(s => s.SummaryName is "Plan" or "LowerDnsTtl" or "DeactivateOldPrimary").Select(s => s.SummaryName),
            summary.Steps.Select(s => s.Step));
    }
}
