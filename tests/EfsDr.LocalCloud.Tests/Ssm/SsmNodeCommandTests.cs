using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using EfsDr.Aws.Ssm;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.LocalCloud.Nodes;
using EfsDr.LocalCloud.Tests.Support;

namespace EfsDr.LocalCloud.Tests.Ssm;

/// <summary>SendCommand / GetCommandInvocation through EfsDr's SsmNodeCommands, running node/efsdr-node.sh on simulated nodes.</summary>
public sealed class SsmNodeCommandTests : SsmCloudTest
{
    private const string Fs = "fs-0123456789abcdef0";

    private static AmazonS3Client S3(SimulatedNode node) => new(
        new BasicAWSCredentials("S3RVER", "S3RVER"),
        new AmazonS3Config
        {
            ServiceURL = $"http://{node.Address}:9000",
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = 0,
        });

    [Fact]
    public async Task SendAsync_ActivateOnWritableFileSystem_NodeServesS3FromTheFileSystemData()
    {
        Tools.RequireS3rver();
        var data = CreateFileSystem(Fs);
        var node = AddNode();

        var invocation = await RunAsync(node, Command("activate", Fs));

        AssertStatus(CommandStatus.Success, 0, invocation);
        Assert.Contains("efsdr-node: activated", invocation.StandardOutput);
        Assert.Contains("\"mount\":\"mounted\"", invocation.StandardOutput);
        var mount = Assert.Single(Ssm.Mounts(node.InstanceId));
        Assert.Equal((node.MountPoint, $"{Fs}:/", Region, Fs), (mount.Target, mount.Source, mount.Region, mount.FileSystemId));
        Assert.True(Loopback.PortOpen(node.Address, 9000), "s3rver does not listen on the node's address");
        using var s3 = S3(node);
        await s3.PutBucketAsync("media", Token);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "media", Key = "photos/cat.txt", ContentBody = "meow", UseChunkEncoding = false }, Token);
        using var got = await s3.GetObjectAsync("media", "photos/cat.txt", Token);
        using var reader = new StreamReader(got.ResponseStream, Encoding.UTF8);
        Assert.Equal("meow", await reader.ReadToEndAsync(Token));
        var stored = Path.Combine(data, "media", "photos", "cat.txt._S3rver_object");
        Assert.True(File.Exists(stored), $"the object is not in the file system's data folder: {string.Join(", ", Directory.GetFileSystemEntries(data, "*", SearchOption.AllDirectories))}");
        Assert.Equal("meow", await File.ReadAllTextAsync(stored, Token));
        Assert.Empty(Directory.GetFiles(data, ".efsdr-probe*"));
    }

    [Fact]
    public async Task SendAsync_CommandRunsOnTheNode_TimelineHoldsItsRunWithTheAction()
    {
        CreateFileSystem(Fs, writable: false);
        var node = AddNode();

        await RunAsync(node, Command("activate", Fs));

        var run = Assert.Single(Cloud.Context.Timeline.Events);
        Assert.Equal((LocalCloud.Hosting.PhysicalKind.NodeCommand, node.InstanceId, "activate"), (run.Kind, run.Subject, run.Detail));
        Assert.NotNull(run.Finished);
        Assert.True(run.Duration > TimeSpan.Zero, "the script ran for no time");
    }

    [Fact]
    public async Task SendAsync_SecondActivate_IsIdempotentAndKeepsTheSameServer()
    {
        Tools.RequireS3rver();
        CreateFileSystem(Fs);
        var node = AddNode();
        AssertStatus(CommandStatus.Success, 0, await RunAsync(node, Command("activate", Fs)));
        var pid = Ssm.ApplicationPid(node.InstanceId);

        var second = await RunAsync(node, Command("activate", Fs));

        AssertStatus(CommandStatus.Success, 0, second);
        Assert.Contains("\"mount\":\"already-mounted\"", second.StandardOutput);
        Assert.NotNull(pid);
        Assert.Equal(pid, Ssm.ApplicationPid(node.InstanceId));
        Assert.Single(Ssm.Mounts(node.InstanceId));
        Assert.Equal(2, Ssm.Commands.Count(c => c.Status == "Success"));
    }

    [Fact]
    public async Task SendAsync_ActivateOnReadOnlyReplica_FailsWithProbeExitCode22AndNoServer()
    {
        var data = CreateFileSystem(Fs, writable: false);
        var node = AddNode();

        var invocation = await RunAsync(node, Command("activate", Fs));

        AssertStatus(CommandStatus.Failed, 22, invocation);
        Assert.Equal("Failed", invocation.StatusDetails);
        Assert.Contains("Read-only file system", invocation.StandardError);
        Assert.Contains($"efsdr-node: write probe failed at {node.MountPoint}: {Fs} is read-only", invocation.StandardError);
        Assert.Null(Ssm.ApplicationPid(node.InstanceId));
        Assert.False(Loopback.PortOpen(node.Address, 9000));
        Assert.Empty(Directory.GetFileSystemEntries(data));
        Assert.DoesNotContain(Ssm.Sandbox(node.InstanceId).Calls, c => c.StartsWith("systemctl", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SendAsync_ActivateAfterReplicaPromotedInPlace_SucceedsOnTheExistingMount()
    {
        Tools.RequireS3rver();
        var data = CreateFileSystem(Fs, writable: false);
        var node = AddNode();
        AssertStatus(CommandStatus.Failed, 22, await RunAsync(node, Command("activate", Fs)));

        FileSystems[(Region, Fs)] = new NodeFileSystem(data, Writable: true); // replication deleted: writable, no remount
        var retry = await RunAsync(node, Command("activate", Fs));

        AssertStatus(CommandStatus.Success, 0, retry);
        Assert.Contains("\"mount\":\"already-mounted\"", retry.StandardOutput);
        Assert.True(Loopback.PortOpen(node.Address, 9000));
    }

    [Fact]
    public async Task SendAsync_Deactivate_StopsTheServerAndUnmounts()
    {
        Tools.RequireS3rver();
        var data = CreateFileSystem(Fs);
        var node = AddNode();
        AssertStatus(CommandStatus.Success, 0, await RunAsync(node, Command("activate", Fs)));
        using (var s3 = S3(node))
        {
            await s3.PutBucketAsync("kept", Token);
        }

        var invocation = await RunAsync(node, Command("deactivate", Fs));

        AssertStatus(CommandStatus.Success, 0, invocation);
        Assert.Contains("\"mount\":\"unmounted\"", invocation.StandardOutput);
        Assert.False(Loopback.PortOpen(node.Address, 9000), "s3rver still listens");
        Assert.Null(Ssm.ApplicationPid(node.InstanceId));
        Assert.Empty(Ssm.Mounts(node.InstanceId));
        Assert.Null(new DirectoryInfo(node.MountPoint).LinkTarget); // the binding is gone: a plain folder again
        Assert.Empty(Directory.GetFileSystemEntries(node.MountPoint));
        Assert.True(Directory.Exists(Path.Combine(data, "kept")), "the data stays in the file system");
    }

    [Fact]
    public async Task SendAsync_DeactivateOnIdleNode_SucceedsWithNothingMounted()
    {
        var node = AddNode();

        var invocation = await RunAsync(node, Command("deactivate", Fs));

        AssertStatus(CommandStatus.Success, 0, invocation);
        Assert.Contains("\"mount\":\"not-mounted\"", invocation.StandardOutput);
    }

    [Fact]
    public async Task SendAsync_ActivateUnknownFileSystem_FailsWithMountExitCode21()
    {
        var node = AddNode();

        var invocation = await RunAsync(node, Command("activate", "fs-00000000deadbeef0"));

        AssertStatus(CommandStatus.Failed, 21, invocation);
        Assert.Contains("mount: ", invocation.StandardError);
        Assert.Contains("no such file system", invocation.StandardError);
        Assert.Empty(Ssm.Mounts(node.InstanceId));
    }

    [Fact]
    public async Task GetInvocationAsync_RightAfterSend_InvocationDoesNotExistThenAFinalStatus()
    {
        var node = AddNode();
        Ssm.InvocationVisibilityDelay = TimeSpan.FromMinutes(20); // 2 s real at TimeScale 600

        var commandId = await Adapters.NodeCommands.SendAsync(Region, node.InstanceId, Command("deactivate", Fs), Token);
        var early = await Assert.ThrowsAsync<NodeCommandNotFoundException>(() => Adapters.NodeCommands.GetInvocationAsync(Region, commandId, node.InstanceId, Token));
        var final = await WaitAsync(node, commandId);

        Assert.Equal(400, early.HttpStatus);
        AssertStatus(CommandStatus.Success, 0, final);
        Assert.Equal(commandId, final.CommandId);
        Assert.Equal(node.InstanceId, final.InstanceId);
    }

    [Fact]
    public async Task GetInvocationAsync_OtherInstance_ThrowsInvocationDoesNotExist()
    {
        var node = AddNode();
        var other = AddNode("server2");
        var commandId = await Adapters.NodeCommands.SendAsync(Region, node.InstanceId, Command("deactivate", Fs), Token);
        await WaitAsync(node, commandId);

        await Assert.ThrowsAsync<NodeCommandNotFoundException>(() => Adapters.NodeCommands.GetInvocationAsync(Region, commandId, other.InstanceId, Token));
    }

    [Fact]
    public async Task SendAsync_NodeOffline_PingConnectionLostAndCommandTimesOutUndelivered()
    {
        CreateFileSystem(Fs);
        var node = AddNode();
        Cloud.Faults.SetNodeOffline(node.InstanceId, offline: true);

        var ping = await Adapters.NodeCommands.GetPingStatusAsync(Region, node.InstanceId, Token);
        var invocation = await RunAsync(node, Command("activate", Fs, deliveryTimeoutSeconds: 30));

        Assert.Equal(PingStatus.ConnectionLost, ping);
        AssertStatus(CommandStatus.TimedOut, -1, invocation);
        Assert.Equal("Delivery Timed Out", invocation.StatusDetails);
        Assert.Empty(Ssm.Sandbox(node.InstanceId).Calls);
        Assert.Empty(Ssm.Mounts(node.InstanceId));
        Assert.Equal("TimedOut", Assert.Single(Ssm.Commands).Status);
    }

    [Fact]
    public async Task SendAsync_NodeBackOnlineBeforeTheDeliveryTimeout_RunsTheCommand()
    {
        var node = AddNode();
        Cloud.Faults.SetNodeOffline(node.InstanceId, offline: true);
        var commandId = await Adapters.NodeCommands.SendAsync(Region, node.InstanceId, Command("deactivate", Fs, deliveryTimeoutSeconds: 3600), Token);
        var pending = await Poll.UntilAsync<CommandInvocation>(
            async () =>
            {
                try
                {
                    return await Adapters.NodeCommands.GetInvocationAsync(Region, commandId, node.InstanceId, Token);
                }
                catch (NodeCommandNotFoundException)
                {
                    return null;
                }
            },
            TimeSpan.FromSeconds(10),
            "the invocation to become visible");

        Cloud.Faults.SetNodeOffline(node.InstanceId, offline: false);
        var final = await WaitAsync(node, commandId);

        Assert.Equal(CommandStatus.Pending, pending.Status);
        Assert.Equal(-1, pending.ResponseCode);
        AssertStatus(CommandStatus.Success, 0, final);
    }

    [Fact]
    public async Task SendAsync_InjectedCommandFailure_FailsWithThatStderrWithoutRunningTheScript()
    {
        CreateFileSystem(Fs);
        var node = AddNode();
        Cloud.Faults.SetCommandFailure(node.InstanceId, "efsdr-node: injected: the disk is on fire");

        var invocation = await RunAsync(node, Command("activate", Fs));

        AssertStatus(CommandStatus.Failed, 1, invocation);
        Assert.Equal("efsdr-node: injected: the disk is on fire", invocation.StandardError);
        Assert.Empty(Ssm.Sandbox(node.InstanceId).Calls);
        var snapshot = Assert.Single(Ssm.Commands);
        Assert.Equal((DocumentName, "Failed", 1), (snapshot.DocumentName, snapshot.Status, snapshot.ResponseCode));
        Assert.Equal(["activate"], snapshot.Parameters["Action"]);
        Assert.Equal([Fs], snapshot.Parameters["FileSystemId"]);
    }

    [Theory]
    [InlineData("MountPoint", "/mnt/efs; rm -rf /")]
    [InlineData("MountPoint", "/mnt/efs\n")]
    [InlineData("FileSystemId", "fs-XYZ")]
    [InlineData("Action", "format")]
    [InlineData("MountMethod", "cifs")]
    [InlineData("HealthTimeoutSeconds", "12345")]
    [InlineData("HealthUrl", "http://127.0.0.1:9000/$(reboot)")]
    [InlineData("commands", "rm -rf /")]
    public async Task SendAsync_ParameterOutsideTheDocument_InvalidParametersAndNothingRuns(string name, string value)
    {
        CreateFileSystem(Fs);
        var node = AddNode();

        var ex = await Assert.ThrowsAsync<CloudCallFailedException>(() => Adapters.NodeCommands.SendAsync(Region, node.InstanceId, Command("activate", Fs, new Dictionary<string, string> { [name] = value }), Token));

        Assert.Equal("InvalidParameters", ex.Code);
        Assert.Equal(400, ex.HttpStatus);
        Assert.Contains(name, ex.Message);
        Assert.Empty(Ssm.Commands); // no invocation exists, so no runner was scheduled
        Assert.Empty(Ssm.Sandbox(node.InstanceId).Calls);
    }

    [Fact]
    public async Task SendAsync_RequiredParameterMissing_InvalidParameters()
    {
        var node = AddNode();
        var command = new NodeCommand(DocumentName, new Dictionary<string, IReadOnlyList<string>> { ["Action"] = ["activate"] });

        var ex = await Assert.ThrowsAsync<CloudCallFailedException>(() => Adapters.NodeCommands.SendAsync(Region, node.InstanceId, command, Token));

        Assert.Equal("InvalidParameters", ex.Code);
        Assert.Contains("FileSystemId", ex.Message);
    }

    [Fact]
    public async Task SendAsync_OnlyRequiredParameters_RunsWithTheDocumentDefaults()
    {
        var node = AddNode();
        var command = new NodeCommand(DocumentName, new Dictionary<string, IReadOnlyList<string>>
        {
            ["Action"] = ["deactivate"],
            ["FileSystemId"] = [Fs],
            ["Region"] = [Region],
        });

        var invocation = await RunAsync(node, command);

        AssertStatus(CommandStatus.Success, 0, invocation);
        Assert.Contains($"\"mountPoint\":\"{node.MountPoint}\"", invocation.StandardOutput); // default /mnt/efs, mapped
        Assert.Contains("\"unit\":\"minio\"", invocation.StandardOutput);
    }

    [Fact]
    public async Task SendAsync_UnknownInstance_ThrowsInstanceNotFound()
    {
        AddNode();

        var ex = await Assert.ThrowsAsync<NodeNotFoundException>(() => Adapters.NodeCommands.SendAsync(Region, "i-0000000000000dead", Command("deactivate", Fs), Token));

        Assert.Equal("InvalidInstanceId", ex.Code);
        Assert.Empty(Ssm.Commands);
    }

    [Fact]
    public async Task SendAsync_NodeOfAnotherRegion_ThrowsInstanceNotFound()
    {
        var node = AddNode(region: "eu-west-1");

        await Assert.ThrowsAsync<NodeNotFoundException>(() => Adapters.NodeCommands.SendAsync(Region, node.InstanceId, Command("deactivate", Fs), Token));
    }

    [Fact]
    public async Task SendAsync_StoppedInstance_CommandTimesOutUndelivered()
    {
        var node = AddNode();
        InstanceStates[node.InstanceId] = "stopped";

        var invocation = await RunAsync(node, Command("deactivate", Fs, deliveryTimeoutSeconds: 30));

        AssertStatus(CommandStatus.TimedOut, -1, invocation);
        Assert.Equal("Delivery Timed Out", invocation.StatusDetails);
        Assert.Empty(Ssm.Sandbox(node.InstanceId).Calls);
    }

    [Fact]
    public async Task DisposeAsync_NodeApplicationRunning_StopsIt()
    {
        Tools.RequireS3rver();
        CreateFileSystem(Fs);
        var node = AddNode();
        AssertStatus(CommandStatus.Success, 0, await RunAsync(node, Command("activate", Fs)));
        var pid = Ssm.ApplicationPid(node.InstanceId);

        await Ssm.DisposeAsync();

        Assert.NotNull(pid);
        Assert.False(Loopback.PortOpen(node.Address, 9000), "s3rver outlived the cloud");
        Assert.False(File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Contains("s3rver", StringComparison.Ordinal));
    }
}
