using System.Globalization;
using System.Net.Sockets;
using Amazon.Runtime;
using EfsDr.Aws;
using EfsDr.Aws.Http;
using EfsDr.Aws.Ssm;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.LocalCloud.Hosting;
using EfsDr.LocalCloud.Nodes;

namespace EfsDr.Cluster.Tests.Support;

/// <summary>
/// A local cloud with the article's primary file system (DRTest-EFS1 in us-east-1) and server1, a simulated node
/// (sandbox, shims, s3rver as the minio unit). <see cref="ActivateAsync"/> starts the group on server1 as EfsDr's
/// workflow does: SendCommand of the node document through EfsDr's real SSM adapter, which runs node/efsdr-node.sh in
/// the node's sandbox. The cluster scripts then run "on" server1 through <see cref="RunOnNodeAsync"/>.
/// </summary>
/// <remarks>
/// Not LocalTopology: its nodes have the fixed addresses 127.0.0.11–13, and EfsDr.Cli.Tests' end-to-end worlds use
/// them too. Test assemblies may run at the same time, and two s3rvers cannot both listen on 127.0.0.11:9000, so every
/// world here gets its own address in 127.0.7.0/24 (Linux routes all of 127.0.0.0/8 to the loopback interface).
/// </remarks>
public sealed class ClusterNodeWorld : IAsyncDisposable
{
    /// <summary>The node document's name (any name runs EfsDr's node script in the local cloud).</summary>
    public const string NodeDocument = "EfsDr-Node";

    public const string Region = "us-east-1";

    private static int _lastHost = 10;

    private ClusterNodeWorld(LocalCloudHost cloud, AwsAdapters adapters, SimulatedNode node, string fileSystemId)
    {
        Cloud = cloud;
        Adapters = adapters;
        Node = node;
        FileSystemId = fileSystemId;
    }

    public LocalCloudHost Cloud { get; }

    public AwsAdapters Adapters { get; }

    /// <summary>server1.</summary>
    public SimulatedNode Node { get; }

    /// <summary>DRTest-EFS1, writable (the primary).</summary>
    public string FileSystemId { get; }

    /// <summary>The record the node script writes at activation (what /var/lib/efsdr/active-file-system is on a node).</summary>
    public string ActiveRecord => Path.Combine(Node.StateDirectory, "active-file-system");

    /// <summary>Where the file system's data lives (the mount point links there while mounted).</summary>
    public string DataDirectory => Cloud.Context.Efs.FileSystems(Region).Single(f => f.FileSystemId == FileSystemId).DataDirectory;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Skips (locally) or fails (CI=true) when npm ci has not installed s3rver, the node's application.</summary>
    public static void RequireS3rver() =>
        Repo.Require(File.Exists(Path.Combine(Repo.Root, "node_modules", ".bin", "s3rver")), "node_modules/.bin/s3rver is missing: run npm ci at the repository root");

    /// <summary>Starts a cloud and seeds the file system and server1 (not yet active).</summary>
    public static async Task<ClusterNodeWorld> StartAsync()
    {
        RequireS3rver();
        var host = Interlocked.Increment(ref _lastHost);
        Assert.True(host < 255, "more than 244 worlds in one test run");
        var address = string.Create(CultureInfo.InvariantCulture, $"127.0.7.{host}");
        var cloud = await LocalCloudHost.StartAsync(new LocalCloudOptions { TimeScale = 600 }, cancellationToken: Token);
        try
        {
            var instanceId = string.Create(CultureInfo.InvariantCulture, $"i-0c1a57e{host:x10}");
            cloud.Context.Ec2.AddInstance(Region, instanceId, "us-east-1a", address, "subnet-0bbb222a");
            var node = cloud.Context.Ssm.AddNode("server1", instanceId, Region, address);
            var fileSystemId = cloud.Context.Efs.CreateFileSystem(Region, "DRTest-EFS1");
            var adapters = new AwsAdapters(
                new BasicAWSCredentials("local", "local"),
                new EndpointResolver(n => n == "AWS_ENDPOINT_URL" ? cloud.Endpoint.ToString() : null),
                new AwsRetryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(200) });
            return new ClusterNodeWorld(cloud, adapters, node, fileSystemId);
        }
        catch
        {
            await cloud.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the group on server1 as the workflow's ActivateNode step does, and waits for Success.</summary>
    public async Task ActivateAsync()
    {
        var parameters = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["Action"] = ["activate"],
            ["FileSystemId"] = [FileSystemId],
            ["Region"] = [Region],
            ["MountPoint"] = ["/mnt/efs"],
            ["MountMethod"] = ["efs-utils"],
            ["Unit"] = ["minio"],
            ["HealthUrl"] = ["http://127.0.0.1:9000/minio/health/live"],
            ["HealthTimeoutSeconds"] = ["20"],
        };
        var commandId = await Adapters.NodeCommands.SendAsync(Region, Node.InstanceId, new NodeCommand(NodeDocument, parameters, "cluster tests: start the group on server1"), Token);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                var invocation = await Adapters.NodeCommands.GetInvocationAsync(Region, commandId, Node.InstanceId, Token);
                if (invocation.IsTerminal)
                {
                    Assert.True(
                        invocation.Status == CommandStatus.Success,
                        $"activate on server1: {invocation.Status}/{invocation.ResponseCode}\n--- stdout\n{invocation.StandardOutput}\n--- stderr\n{invocation.StandardError}");
                    Assert.True(ApplicationListening, "activate succeeded but nothing listens on the node's port 9000");
                    return;
                }
            }
            catch (NodeCommandNotFoundException)
            {
                // Run Command is eventually consistent: not visible yet
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, "activate on server1 did not finish within 60 s");
            await Task.Delay(25, Token);
        }
    }

    /// <summary>The environment of a script run on server1: the node's shims first on PATH, its sandbox paths for the
    /// EFSDR_* settings, no settings file and nothing of AWS (no AWS_* variable at all).</summary>
    public Dictionary<string, string> NodeEnvironment() => new(StringComparer.Ordinal)
    {
        ["PATH"] = Path.Combine(Node.Directory, "bin") + ":" + (Environment.GetEnvironmentVariable("PATH") ?? Repo.SystemPath),
        ["EFSDR_CONF"] = Path.Combine(Node.Directory, "etc", "efsdr", "efsdr.conf"),
        ["EFSDR_MOUNT_POINT"] = Node.MountPoint,
        ["EFSDR_STATE_DIR"] = Node.StateDirectory,
        ["EFSDR_EFS_STATE_DIR"] = Path.Combine(Node.Directory, "efs-state"),
        ["EFSDR_NODE_SCRIPT"] = Repo.NodeScript,
        ["EFSDR_UNIT"] = "minio",
    };

    /// <summary>Runs a cluster script on server1 (see <see cref="NodeEnvironment"/>), with <paramref name="extra"/> on top.</summary>
    public Task<ScriptResult> RunOnNodeAsync(string script, IReadOnlyDictionary<string, string>? extra = null)
    {
        var environment = NodeEnvironment();
        foreach (var (name, value) in extra ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        return ScriptRunner.RunAsync(Repo.ClusterScript(script), environment, Node.Directory);
    }

    /// <summary>True when the node's application (s3rver, the minio unit) accepts connections on port 9000.</summary>
    public bool ApplicationListening
    {
        get
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(Node.Address, 9000);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }

    /// <summary>Every request the cloud has answered or dropped so far, all services together.</summary>
    public int AwsRequests => Cloud.RequestCounts.Values.Sum();

    /// <summary>Makes the mounted file system read-only for the node's shims, as a replication created onto it would
    /// (EFS protection REPLICATING). The local cloud tells the shims each file system's writability in the node's
    /// <c>state/filesystems</c> (REGION, FSID, rw|ro, DATADIR), which it rewrites before each SSM command; no command
    /// runs between this and the script under test.</summary>
    public void MakeReadOnly()
    {
        var path = Path.Combine(Node.Directory, "state", "filesystems");
        var lines = File.ReadAllLines(path);
        var changed = lines.Select(line => line.Split('\t') is [var region, var id, "rw", var dir] && id == FileSystemId ? $"{region}\t{id}\tro\t{dir}" : line).ToList();
        Assert.NotEqual(lines, changed); // the file system was listed, writable
        File.WriteAllLines(path, changed);
    }

    public async ValueTask DisposeAsync()
    {
        Adapters.Dispose();
        await Cloud.DisposeAsync();
    }
}
