using System.Diagnostics;
using EfsDr.Aws.Ssm;
using EfsDr.Cli.Tests.EndToEnd;
using EfsDr.Core.Configuration;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Failover;
using EfsDr.Drill;
using EfsDr.Drill.Chaos;

namespace EfsDr.Cli.Tests.Chaos;

/// <summary>One seeded world for every test of <see cref="ChaosInvariantsTests"/>, started on first use (so that a machine
/// without the Node tooling skips instead of failing the fixture). Each test puts back what it breaks.</summary>
public sealed class ChaosWorldFixture : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private LocalWorld? _world;

    /// <summary>The world, started on the first call.</summary>
    public async Task<LocalWorld> WorldAsync()
    {
        LocalWorld.RequireNodeTooling();
        await _gate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            return _world ??= await LocalWorld.StartAsync(TestContext.Current.CancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_world is not null)
        {
            await _world.DisposeAsync();
        }

        _gate.Dispose();
    }
}

/// <summary>The chaos invariants on a real local world: each passes on the seeded world and fails, with the evidence,
/// when the world is broken behind EfsDr's back.</summary>
[Trait("Category", "EndToEnd")]
public sealed class ChaosInvariantsTests(ChaosWorldFixture fixture) : IClassFixture<ChaosWorldFixture>
{
    private const string Bucket = "test";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static RoundFacts Facts(DrillWorld world, params RefusedRun[] refused) =>
        new(1, refused, world.Cloud.Context.Clock.GetUtcNow());

    private static InvariantResult Result(IReadOnlyList<InvariantResult> results, string name) => results.Single(r => r.Name == name);

    private static async Task<LedgerEntry> WriteAsync(DrillWorld world, ObjectLedger ledger, string key, string text, string? acknowledgedSha = null)
    {
        using var s3 = await world.S3AtRecordAsync(Token);
        await s3.PutAsync(Bucket, key, text, Token);
        var entry = new LedgerEntry(Bucket, key, acknowledgedSha ?? ObjectLedger.Sha256Of(text), world.Cloud.Context.Clock.GetUtcNow(), s3.Address);
        ledger.Acknowledged(entry);
        return entry;
    }

    private static string Unique(string what) => $"chaos-{what}-{Guid.NewGuid():N}.txt";

    [Fact]
    public async Task CheckAsync_SeededWorldWithObjectsWritten_EveryInvariantPasses()
    {
        var local = await fixture.WorldAsync();
        var world = local.World;
        var ledger = new ObjectLedger();
        for (var i = 0; i < 12; i++)
        {
            await WriteAsync(world, ledger, Unique("fresh"), $"object {i}");
        }

        var invariants = new ChaosInvariants(world, ledger);

        var results = await invariants.CheckAsync(Facts(world), Token);

        Assert.True(results.All(r => r.Passed), string.Join('\n', results) + "\n" + local.Transcript());
        Assert.Equal(
            [ChaosInvariants.ObjectsReadable, ChaosInvariants.OneWriter, ChaosInvariants.RecordAtServingNode, ChaosInvariants.NoRunLeft, ChaosInvariants.RefusedChangedNothing],
            results.Select(r => r.Name));
        Assert.Equal((12, 0, 0), (invariants.LastObjectCheck.Checked, invariants.LastObjectCheck.Lost, invariants.LastObjectCheck.LostInReportedWindows));
        Assert.Empty(invariants.LastObjectCheck.LostKeys);
        Assert.Contains("12 read now, 0 verified before", Result(results, ChaosInvariants.ObjectsReadable).Evidence, StringComparison.Ordinal);
        Assert.Contains($"one writable file system named {LocalTopology.FileSystemName}: {world.Topology.PrimaryFileSystemId} (us-east-1)", Result(results, ChaosInvariants.OneWriter).Evidence, StringComparison.Ordinal);
        Assert.Contains($"{world.Topology.ReplicaFileSystemId} (us-west-2) '{LocalTopology.FileSystemName}' read-only REPLICATING, role none → replica", Result(results, ChaosInvariants.OneWriter).Evidence, StringComparison.Ordinal);
        Assert.Contains("→ server1, which has the primary mounted", Result(results, ChaosInvariants.RecordAtServingNode).Evidence, StringComparison.Ordinal);
        Assert.Contains("none RUNNING", Result(results, ChaosInvariants.NoRunLeft).Evidence, StringComparison.Ordinal);
        Assert.Equal(0, invariants.SplitBrainMoments);

        var again = await invariants.CheckAsync(Facts(world), Token);

        Assert.Contains("0 read now, 12 verified before on the same primary", Result(again, ChaosInvariants.ObjectsReadable).Evidence, StringComparison.Ordinal);
        Assert.Equal(12, invariants.LastObjectCheck.Checked);
    }

    [Fact]
    public async Task OneWriter_SecondWritableCopyCarriesTheName_FailsNamingBothAndCountsASplitBrain()
    {
        var world = (await fixture.WorldAsync()).World;
        var efs = world.Cloud.Context.Efs;
        var invariants = new ChaosInvariants(world, new ObjectLedger());
        var second = efs.CreateFileSystem("us-west-2", LocalTopology.FileSystemName);
        try
        {
            var results = await invariants.CheckAsync(Facts(world), Token);

            var oneWriter = Result(results, ChaosInvariants.OneWriter);
            Assert.False(oneWriter.Passed);
            Assert.Contains($"2 writable file systems are named {LocalTopology.FileSystemName}: {world.Topology.PrimaryFileSystemId} (us-east-1), {second} (us-west-2)", oneWriter.Evidence, StringComparison.Ordinal);
            Assert.Equal(1, invariants.SplitBrainMoments);
        }
        finally
        {
            // Kept as a -diverged- copy: a writable copy with that name is allowed.
            efs.TagFileSystem("us-west-2", second, new Dictionary<string, string> { ["Name"] = LocalTopology.FileSystemName + "-diverged-chaos-test" });
        }

        var after = Result(await invariants.CheckAsync(Facts(world), Token), ChaosInvariants.OneWriter);

        Assert.True(after.Passed, after.Evidence);
        Assert.Contains($"{second} (us-west-2) '{LocalTopology.FileSystemName}-diverged-chaos-test' writable ENABLED, role none → diverged", after.Evidence, StringComparison.Ordinal);
        Assert.Equal(1, invariants.SplitBrainMoments);
    }

    [Fact]
    public async Task OneWriter_PromotedCopyLostTheName_FailsAsAStrayWriter()
    {
        var world = (await fixture.WorldAsync()).World;
        var efs = world.Cloud.Context.Efs;
        var stray = efs.CreateFileSystem("us-west-2", "someone-renamed-it");
        efs.TagFileSystem("us-west-2", stray, new Dictionary<string, string> { [EfsDrTags.Role] = EfsDrTags.Primary, [EfsDrTags.Epoch] = "7" });
        try
        {
            var oneWriter = Result(await new ChaosInvariants(world, new ObjectLedger()).CheckAsync(Facts(world), Token), ChaosInvariants.OneWriter);

            Assert.False(oneWriter.Passed);
            Assert.Contains($"writable, promoted by EfsDr, neither named {LocalTopology.FileSystemName} nor -diverged-: {stray} (us-west-2) 'someone-renamed-it'", oneWriter.Evidence, StringComparison.Ordinal);
        }
        finally
        {
            efs.TagFileSystem("us-west-2", stray, new Dictionary<string, string> { [EfsDrTags.Role] = "none" });
        }
    }

    [Fact]
    public async Task RecordAtServingNode_RecordPointedAtServer3_FailsNamingWhatServer3Lacks()
    {
        var world = (await fixture.WorldAsync()).World;
        var route53 = world.Cloud.Context.Route53;
        var ledger = new ObjectLedger();
        var first = await WriteAsync(world, ledger, Unique("before-the-record-moved"), "one");
        var second = await WriteAsync(world, ledger, Unique("before-the-record-moved"), "two");
        var original = route53.Record(world.Topology.HostedZoneId, LocalTopology.RecordName, "A")!;
        route53.UpsertRecord(world.Topology.HostedZoneId, LocalTopology.RecordName, "A", original.Ttl ?? 300, [world.Topology.Server("server3").Address]);
        try
        {
            var invariants = new ChaosInvariants(world, ledger);
            var results = await invariants.CheckAsync(Facts(world), Token);

            var objects = Result(results, ChaosInvariants.ObjectsReadable);
            Assert.False(objects.Passed);
            Assert.StartsWith($"2 lost outside every reported window: test/{first.Key} (unreadable after 3 attempts: ", objects.Evidence, StringComparison.Ordinal);
            Assert.Contains($"test/{second.Key} (unreadable (not tried: 127.0.0.13 did not answer the first read);", objects.Evidence, StringComparison.Ordinal);
            Assert.Equal(2, invariants.LastObjectCheck.Lost);

            var record = Result(results, ChaosInvariants.RecordAtServingNode);
            Assert.False(record.Passed);
            Assert.StartsWith($"server3 has not mounted the primary (writable, named {LocalTopology.FileSystemName}: {world.Topology.PrimaryFileSystemId}); server3 does not run the application.", record.Evidence, StringComparison.Ordinal);
            Assert.Contains("server1 127.0.0.11 (us-east-1): mounts " + world.Topology.PrimaryFileSystemId, record.Evidence, StringComparison.Ordinal);
            Assert.True(Result(results, ChaosInvariants.OneWriter).Passed);
        }
        finally
        {
            route53.UpsertRecord(world.Topology.HostedZoneId, LocalTopology.RecordName, "A", original.Ttl ?? 300, original.Values);
        }
    }

    [Fact]
    public async Task RecordAtServingNode_Server2AlsoServesThePrimary_FailsAndCountsASplitBrain()
    {
        var local = await fixture.WorldAsync();
        var world = local.World;
        var invariants = new ChaosInvariants(world, new ObjectLedger());
        await ActivateBehindEfsDrsBackAsync(world, "server2");
        try
        {
            var results = await invariants.CheckAsync(Facts(world), Token);

            var record = Result(results, ChaosInvariants.RecordAtServingNode);
            Assert.False(record.Passed);
            Assert.StartsWith("2 nodes serve the application: server1, server2.", record.Evidence, StringComparison.Ordinal);
            Assert.Contains($"server2 127.0.0.12 (us-east-1): mounts {world.Topology.PrimaryFileSystemId} (us-east-1), application pid ", record.Evidence, StringComparison.Ordinal);
            Assert.True(Result(results, ChaosInvariants.OneWriter).Passed);
            Assert.Equal(1, invariants.SplitBrainMoments);
        }
        finally
        {
            await world.DeactivateAsync("server2", Token);
        }

        Assert.False(invariants.SampleSplitBrain());
        Assert.True(Result(await invariants.CheckAsync(Facts(world), Token), ChaosInvariants.RecordAtServingNode).Passed);
        Assert.Equal(1, invariants.SplitBrainMoments);
    }

    [Fact]
    public async Task ObjectsReadable_ObjectDeletedFromThePrimarysData_FailsListingItUnlessInsideAReportedWindow()
    {
        var world = (await fixture.WorldAsync()).World;
        var ledger = new ObjectLedger();
        await WriteAsync(world, ledger, Unique("kept"), "kept");
        var gone = await WriteAsync(world, ledger, Unique("gone"), "gone");
        var invariants = new ChaosInvariants(world, ledger);
        DeleteFromPrimary(world, gone.Key);

        var lost = Result(await invariants.CheckAsync(Facts(world), Token), ChaosInvariants.ObjectsReadable);

        Assert.False(lost.Passed);
        Assert.StartsWith($"1 lost outside every reported window: test/{gone.Key} (missing: 404 NoSuchKey;", lost.Evidence, StringComparison.Ordinal);
        Assert.Equal((2, 1, 0), (invariants.LastObjectCheck.Checked, invariants.LastObjectCheck.Lost, invariants.LastObjectCheck.LostInReportedWindows));
        Assert.Equal([$"test/{gone.Key}"], invariants.LastObjectCheck.LostKeys);

        ledger.AddLossWindow(new LossWindow("failover-test", gone.AcknowledgedAt.AddSeconds(-1), gone.AcknowledgedAt.AddSeconds(1)));
        var inWindow = Result(await invariants.CheckAsync(Facts(world), Token), ChaosInvariants.ObjectsReadable);

        Assert.True(inWindow.Passed, inWindow.Evidence);
        Assert.Contains($"1 lost inside reported windows: test/{gone.Key} (missing: 404 NoSuchKey;", inWindow.Evidence, StringComparison.Ordinal);
        Assert.Contains("window of failover-test", inWindow.Evidence, StringComparison.Ordinal);
        Assert.Equal((2, 0, 1), (invariants.LastObjectCheck.Checked, invariants.LastObjectCheck.Lost, invariants.LastObjectCheck.LostInReportedWindows));
        Assert.Empty(invariants.LastObjectCheck.LostKeys);
    }

    [Fact]
    public async Task ObjectsReadable_ContentDiffersFromTheAcknowledgedChecksum_Fails()
    {
        var world = (await fixture.WorldAsync()).World;
        var ledger = new ObjectLedger();
        var entry = await WriteAsync(world, ledger, Unique("changed"), "what is stored", acknowledgedSha: ObjectLedger.Sha256Of("what was acknowledged"));

        var result = Result(await new ChaosInvariants(world, ledger).CheckAsync(Facts(world), Token), ChaosInvariants.ObjectsReadable);

        Assert.False(result.Passed);
        Assert.StartsWith($"1 lost outside every reported window: test/{entry.Key} (content differs: sha256 {ObjectLedger.Sha256Of("what is stored")[..12]}", result.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ObjectsReadable_AfterThePrimaryChanged_ReadsEverythingAgainAndFindsALossItHadVerifiedBefore()
    {
        var world = (await fixture.WorldAsync()).World;
        var efs = world.Cloud.Context.Efs;
        var ledger = new ObjectLedger();
        var gone = await WriteAsync(world, ledger, Unique("verified"), "verified");
        await WriteAsync(world, ledger, Unique("other"), "other");
        var invariants = new ChaosInvariants(world, ledger);
        Assert.True(Result(await invariants.CheckAsync(Facts(world), Token), ChaosInvariants.ObjectsReadable).Passed);
        DeleteFromPrimary(world, gone.Key);
        var epoch = efs.FileSystems("us-east-1").Single(f => f.FileSystemId == world.Topology.PrimaryFileSystemId).Tags.GetValueOrDefault(EfsDrTags.Epoch);

        // Unchanged primary: verified objects are not read again.
        var cached = Result(await invariants.CheckAsync(Facts(world), Token), ChaosInvariants.ObjectsReadable);
        Assert.Contains("0 read now, 2 verified before", cached.Evidence, StringComparison.Ordinal);

        // What the primary is changed (as a promotion changes its epoch): everything is read again.
        efs.TagFileSystem("us-east-1", world.Topology.PrimaryFileSystemId, new Dictionary<string, string> { [EfsDrTags.Epoch] = "99" });
        try
        {
            var reread = Result(await invariants.CheckAsync(Facts(world), Token), ChaosInvariants.ObjectsReadable);

            Assert.False(reread.Passed);
            Assert.Contains("2 read now, 0 verified before", reread.Evidence, StringComparison.Ordinal);
            Assert.Equal([$"test/{gone.Key}"], invariants.LastObjectCheck.LostKeys);
        }
        finally
        {
            efs.TagFileSystem("us-east-1", world.Topology.PrimaryFileSystemId, new Dictionary<string, string> { [EfsDrTags.Epoch] = epoch ?? "0" });
        }
    }

    [Fact]
    public async Task ObjectsReadable_WrittenAfterTheLastCompletedRun_IsNotYetChecked()
    {
        var world = (await fixture.WorldAsync()).World;
        var ledger = new ObjectLedger();
        var before = await WriteAsync(world, ledger, Unique("before"), "before");
        var cutoff = world.Cloud.Context.Clock.GetUtcNow();
        var after = await WriteAsync(world, ledger, Unique("after"), "after");
        DeleteFromPrimary(world, after.Key);
        var invariants = new ChaosInvariants(world, ledger);

        var result = Result(await invariants.CheckAsync(new RoundFacts(1, [], cutoff), Token), ChaosInvariants.ObjectsReadable);

        Assert.True(result.Passed, result.Evidence);
        Assert.Equal(1, invariants.LastObjectCheck.Checked);
        Assert.True(before.AcknowledgedAt <= cutoff);

        var all = Result(await invariants.CheckAsync(new RoundFacts(2, [], null), Token), ChaosInvariants.ObjectsReadable);

        Assert.False(all.Passed);
        Assert.Contains("no run completed yet", all.Evidence, StringComparison.Ordinal);
        Assert.Equal([$"test/{after.Key}"], invariants.LastObjectCheck.LostKeys);
    }

    [Fact]
    public async Task NoRunLeft_ExecutionOfAFailoverStateMachineStillRunning_FailsNamingIt()
    {
        var local = await fixture.WorldAsync();
        var world = local.World;
        // A state machine named as EfsDr's failover, in a region of its own, that waits 5 simulated minutes (5 s at ×60).
        var machine = world.Cloud.Context.StepFunctions.DefineStateMachine("eu-west-1", LocalTopology.FailoverStateMachineName, """
            {"Comment":"held open by the test","StartAt":"WaitAWhile","States":{"WaitAWhile":{"Type":"Wait","Seconds":300,"Next":"Done"},"Done":{"Type":"Succeed"}}}
            """);
        var started = await local.Adapters.Executions.StartAsync(machine, "left-running", "{}", Token);

        InvariantResult result;
        try
        {
            result = Result(await new ChaosInvariants(world, new ObjectLedger()).CheckAsync(Facts(world), Token), ChaosInvariants.NoRunLeft);
        }
        finally
        {
            await ClosedAsync(world, started.ExecutionArn);
        }

        Assert.False(result.Passed);
        // The engine may not have entered the Wait state yet: the last state entered is WaitAWhile or none.
        Assert.Matches($@"^1 RUNNING: {System.Text.RegularExpressions.Regex.Escape(started.ExecutionArn)} \(started [^,]+, last state entered (WaitAWhile|none)\); \d+ execution\(s\) of efsdr-failover, efsdr-reprotect in every region: .*1 RUNNING", result.Evidence);
        var after = Result(await new ChaosInvariants(world, new ObjectLedger()).CheckAsync(Facts(world), Token), ChaosInvariants.NoRunLeft);
        Assert.True(after.Passed, after.Evidence);
    }

    [Fact]
    public async Task RefusedChangedNothing_RunAloneWhileTheTtlChanged_FailsNamingTheChange()
    {
        var world = (await fixture.WorldAsync()).World;
        var route53 = world.Cloud.Context.Route53;
        var original = route53.Record(world.Topology.HostedZoneId, LocalTopology.RecordName, "A")!;
        var before = WorldFingerprint.Capture(world);
        route53.UpsertRecord(world.Topology.HostedZoneId, LocalTopology.RecordName, "A", 60, original.Values);
        WorldFingerprint after;
        try
        {
            after = WorldFingerprint.Capture(world);
        }
        finally
        {
            route53.UpsertRecord(world.Topology.HostedZoneId, LocalTopology.RecordName, "A", original.Ttl ?? 300, original.Values);
        }

        var unchanged = WorldFingerprint.Capture(world);
        var invariants = new ChaosInvariants(world, new ObjectLedger());

        var changed = Result(await invariants.CheckAsync(Facts(world, new RefusedRun("arn:refused", "StaleFileSystemException", before, after, RanAlone: true)), Token), ChaosInvariants.RefusedChangedNothing);
        var same = Result(await invariants.CheckAsync(Facts(world, new RefusedRun("arn:refused", "StaleFileSystemException", before, unchanged, RanAlone: true)), Token), ChaosInvariants.RefusedChangedNothing);

        Assert.False(changed.Passed);
        Assert.Equal($"1 of 1 refused run(s) changed something: arn:refused (StaleFileSystemException) ran alone and the world changed: record {LocalTopology.RecordName} A: TTL {original.Ttl} → 60", changed.Evidence);
        Assert.True(same.Passed, same.Evidence);
        Assert.Empty(before.Differences(unchanged));
    }

    [Fact]
    public async Task RefusedChangedNothing_BesideAnotherRun_PassesForAPlanRefusalAndFailsForARunThatSwitchedDns()
    {
        var local = await fixture.WorldAsync();
        var world = local.World;
        var before = WorldFingerprint.Capture(world);
        var refusal = await world.Driver.RunAsync(world.Topology.StateMachineFor("server3"), $"refused-{Guid.NewGuid():N}"[..30], DrillWorld.Input("server9", "chaos test: no such server"), "refused", "server9", _ => { }, world.RunTimeout, Token);
        Assert.True(refusal.Execution.Status == EfsDr.Core.Model.ExecutionStatus.Failed, $"{refusal.Execution.Status} {refusal.Execution.Error}\n{local.Transcript()}");
        var after = WorldFingerprint.Capture(world);
        var start = local.Runs[0].Execution.ExecutionArn;

        var results = await new ChaosInvariants(world, new ObjectLedger()).CheckAsync(
            Facts(world, new RefusedRun(refusal.Execution.ExecutionArn, refusal.Execution.Error!, before, after, RanAlone: false)),
            Token);
        var mutated = await new ChaosInvariants(world, new ObjectLedger()).CheckAsync(
            Facts(world, new RefusedRun(start, "said refused", before, before, RanAlone: false)),
            Token);

        var alone = Result(
            await new ChaosInvariants(world, new ObjectLedger()).CheckAsync(Facts(world, new RefusedRun(refusal.Execution.ExecutionArn, refusal.Execution.Error!, before, after, RanAlone: true)), Token),
            ChaosInvariants.RefusedChangedNothing);
        Assert.True(alone.Passed, alone.Evidence);
        Assert.Contains("ran alone: the world is as before (states entered: PlanFailover →", alone.Evidence, StringComparison.Ordinal);
        var refused = Result(results, ChaosInvariants.RefusedChangedNothing);
        Assert.True(refused.Passed, refused.Evidence);
        Assert.Contains($"{refusal.Execution.ExecutionArn} ({refusal.Execution.Error}) ran beside another run and entered only steps that change nothing: PlanFailover →", refused.Evidence, StringComparison.Ordinal);
        Assert.Empty(before.Differences(after));
        var wrong = Result(mutated, ChaosInvariants.RefusedChangedNothing);
        Assert.False(wrong.Passed);
        Assert.Contains($"{start} (said refused) ran beside another run and entered mutating step(s) LowerDnsTtl", wrong.Evidence, StringComparison.Ordinal);
        Assert.Contains("ActivateNode", wrong.Evidence, StringComparison.Ordinal);
        Assert.Contains("SwitchDns", wrong.Evidence, StringComparison.Ordinal);
    }

    /// <summary>Deletes what s3rver stores for <paramref name="key"/> in the primary's data folder, behind EfsDr's back.</summary>
    private static void DeleteFromPrimary(DrillWorld world, string key)
    {
        var data = world.NamedCopy("us-east-1").DataDirectory;
        var files = Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories).Where(f => Path.GetRelativePath(data, f).Contains(key, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(files);
        files.ForEach(File.Delete);
        foreach (var directory in Directory.EnumerateDirectories(data, "*", SearchOption.AllDirectories).Where(d => d.Contains(key, StringComparison.Ordinal)).OrderByDescending(d => d.Length).ToList())
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Mounts the primary on <paramref name="server"/> and starts the application there, as the node document's
    /// activate does, without EfsDr: a second node serving.</summary>
    private static async Task ActivateBehindEfsDrsBackAsync(DrillWorld world, string server)
    {
        var node = world.Topology.Server(server);
        var configuration = world.Topology.Configuration;
        var parameters = NodeDocumentParameters.For(NodeDocumentParameters.Activate, world.Topology.PrimaryFileSystemId, node.Region, configuration.FileSystem.MountPoint, configuration.Application.Unit, MountMethod.EfsUtils);
        var commands = world.Adapters.NodeCommands;
        var commandId = await commands.SendAsync(node.Region, node.InstanceId, new NodeCommand(LocalTopology.NodeDocument, parameters, "chaos test: a second node serving"), Token);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var invocation = await commands.GetInvocationAsync(node.Region, commandId, node.InstanceId, Token);
                if (invocation.IsTerminal)
                {
                    Assert.True(invocation.Status == CommandStatus.Success, $"activate on {server}: {invocation.Status}: {invocation.StandardError}");
                    Assert.NotNull(world.Cloud.Context.Ssm.ApplicationPid(node.InstanceId));
                    return;
                }
            }
            catch (NodeCommandNotFoundException)
            {
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"activate on {server} did not finish within 60 s");
            await Task.Delay(100, Token);
        }
    }

    private static async Task ClosedAsync(DrillWorld world, string executionArn)
    {
        var clock = Stopwatch.StartNew();
        while (world.Cloud.Context.StepFunctions.Execution(executionArn)?.Status == "RUNNING")
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"{executionArn} still RUNNING after 60 s");
            await Task.Delay(100, Token);
        }
    }
}
