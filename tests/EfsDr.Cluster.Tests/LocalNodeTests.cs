using EfsDr.Cluster.Tests.Support;
using EfsDr.LocalCloud.Hosting;

namespace EfsDr.Cluster.Tests;

/// <summary>
/// cluster/genw.sh and cluster/stop.sh on the local cloud's simulated server1, after EfsDr activated it through SSM:
/// the real node script, real mounts of the file system's data folder, a real S3 server as the minio unit.
/// </summary>
[Trait("Category", "LocalCloud")]
public sealed class LocalNodeTests : IAsyncLifetime
{
    private ClusterNodeWorld _world = null!;

    public async ValueTask InitializeAsync()
    {
        _world = await ClusterNodeWorld.StartAsync();
        await _world.ActivateAsync();
    }

    public async ValueTask DisposeAsync() => await _world.DisposeAsync();

    private void AssertNoProbeLeft() =>
        Assert.Empty(Directory.GetFiles(_world.DataDirectory, ".efsdr-*", new EnumerationOptions { AttributesToSkip = 0 }));

    [Fact]
    public async Task Activate_ThroughSsm_RecordsTheFileSystemInTheNodeStateDirectory()
    {
        Assert.Equal(_world.FileSystemId + "\n", await File.ReadAllTextAsync(_world.ActiveRecord, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Genw_ActivatedNode_Exits0AndLeavesNoProbe()
    {
        var result = await _world.RunOnNodeAsync("genw.sh");

        ScriptRunner.AssertExit(0, result);
        Assert.Empty(result.Stderr);
        AssertNoProbeLeft();
    }

    [Fact]
    public async Task Genw_AfterStop_Exits50NotMounted()
    {
        ScriptRunner.AssertExit(0, await _world.RunOnNodeAsync("stop.sh"));

        var result = await _world.RunOnNodeAsync("genw.sh");

        ScriptRunner.AssertExit(50, result);
        Assert.Contains($"{_world.Node.MountPoint} is not mounted", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Genw_NoRecord_Exits51()
    {
        File.Delete(_world.ActiveRecord);

        var result = await _world.RunOnNodeAsync("genw.sh");

        ScriptRunner.AssertExit(51, result);
        Assert.Contains("no record of the activated file system", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Genw_RecordNamesAnotherFileSystem_Exits52()
    {
        var other = _world.Cloud.Context.Efs.CreateFileSystem(ClusterNodeWorld.Region, "DRTest-EFS1-old");
        await File.WriteAllTextAsync(_world.ActiveRecord, other + "\n", TestContext.Current.CancellationToken);

        var result = await _world.RunOnNodeAsync("genw.sh");

        ScriptRunner.AssertExit(52, result);
        Assert.Contains($"holds {_world.FileSystemId}:/, not the activated file system {other}", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Genw_FileSystemTurnedReadOnly_Exits53AndLeavesNoProbe()
    {
        _world.MakeReadOnly();

        var result = await _world.RunOnNodeAsync("genw.sh");

        ScriptRunner.AssertExit(53, result);
        Assert.Contains("Read-only file system", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"{_world.FileSystemId} is read-only", result.Stderr, StringComparison.Ordinal);
        AssertNoProbeLeft();
    }

    [Fact]
    public async Task Stop_AwsUnreachable_StopsTheApplicationUnmountsAndRemovesTheRecord()
    {
        await File.WriteAllTextAsync(Path.Combine(_world.Node.MountPoint, "kept.txt"), "data", TestContext.Current.CancellationToken);
        _world.Cloud.Faults.Set("*", "*", new ServiceFaults { Unreachable = true });
        var requests = _world.AwsRequests;

        var result = await _world.RunOnNodeAsync("stop.sh");

        ScriptRunner.AssertExit(0, result);
        Assert.Contains("\"mount\":\"unmounted\"", result.Stdout, StringComparison.Ordinal);
        Assert.False(_world.ApplicationListening, "the application still listens on port 9000 after stop.sh");
        Assert.Null(_world.Cloud.Context.Ssm.ApplicationPid(_world.Node.InstanceId));
        Assert.Empty(_world.Cloud.Context.Ssm.Mounts(_world.Node.InstanceId));
        Assert.False(File.Exists(_world.ActiveRecord), "stop.sh must remove the record of the active file system");
        Assert.Equal(requests, _world.AwsRequests); // not one AWS call, not even a failed one
        Assert.Empty(Directory.GetFileSystemEntries(_world.Node.MountPoint)); // a plain, empty folder again
        Assert.True(File.Exists(Path.Combine(_world.DataDirectory, "kept.txt")), "the data stays in the file system");
    }

    [Fact]
    public async Task Stop_ApplicationAlreadyCrashed_StillUnmounts()
    {
        await _world.Cloud.Context.Ssm.StopApplicationAsync(_world.Node.InstanceId, TestContext.Current.CancellationToken);

        var result = await _world.RunOnNodeAsync("stop.sh");

        ScriptRunner.AssertExit(0, result);
        Assert.Empty(_world.Cloud.Context.Ssm.Mounts(_world.Node.InstanceId));
    }

    [Fact]
    public async Task Stop_InheritedSsmVariables_AreNotPassedToTheNodeScript()
    {
        // Any SSM_* left in the environment would be validated by the node script and fail the stop (exit 11).
        var result = await _world.RunOnNodeAsync("stop.sh", new Dictionary<string, string> { ["SSM_FileSystemId"] = "fs-bad$(id)", ["SSM_Action"] = "activate" });

        ScriptRunner.AssertExit(0, result);
        Assert.Contains("efsdr-node: deactivated", result.Stdout, StringComparison.Ordinal);
        Assert.False(_world.ApplicationListening);
    }

    [Fact]
    public async Task Stop_StopThenGenwThenStartAgainThroughSsm_GenwHealthyAgain()
    {
        ScriptRunner.AssertExit(0, await _world.RunOnNodeAsync("stop.sh"));
        ScriptRunner.AssertExit(50, await _world.RunOnNodeAsync("genw.sh"));

        await _world.ActivateAsync();

        ScriptRunner.AssertExit(0, await _world.RunOnNodeAsync("genw.sh"));
    }
}
