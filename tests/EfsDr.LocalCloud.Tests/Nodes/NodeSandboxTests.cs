using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EfsDr.LocalCloud.Nodes;
using EfsDr.LocalCloud.Tests.Support;

namespace EfsDr.LocalCloud.Tests.Nodes;

/// <summary>The simulated node's shims on their own, without SSM: a sandbox under a temp folder and a resolver of its own.</summary>
public sealed class NodeSandboxTests : IAsyncLifetime
{
    private const string Region = "us-west-2";
    private const string Fs = "fs-0123456789abcdef0";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "efsdr-sandbox-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly ConcurrentDictionary<(string, string), NodeFileSystem> _fileSystems = new();
    private NodeSandbox _sandbox = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private SimulatedNode Node => _sandbox.Node;

    public ValueTask InitializeAsync()
    {
        var directory = Path.Combine(_root, "nodes", "server1");
        var node = new SimulatedNode("server1", "i-0123456789abcdef0", Region, Loopback.Next(), directory, Path.Combine(directory, "mnt", "efs"));
        _sandbox = new NodeSandbox(node, Tools.RepositoryRoot, (region, id) => _fileSystems.TryGetValue((region, id), out var fs) ? fs : null);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _sandbox.StopApplicationAsync(CancellationToken.None);
        Directory.Delete(_root, recursive: true);
    }

    private string FileSystem(string id = Fs, bool writable = true, string region = Region)
    {
        var data = Path.Combine(_root, "efs", region, id);
        Directory.CreateDirectory(data);
        _fileSystems[(region, id)] = new NodeFileSystem(data, writable);
        _sandbox.RefreshFileSystems([(region, id)]);
        return data;
    }

    private Task<NodeScriptResult> Run(string command, params string[] arguments) =>
        _sandbox.RunAsync(command, arguments, new Dictionary<string, string>(), TimeSpan.FromSeconds(60), Token);

    private static void AssertExit(int expected, NodeScriptResult result) =>
        Assert.True(result.ExitCode == expected, $"expected exit {expected}, got {result.ExitCode}\n--- stdout\n{result.StandardOutput}--- stderr\n{result.StandardError}");

    [Fact]
    public async Task Mount_EfsUtilsSource_BindsTheDataFolderAndFindmntPrintsTheSourceAsGiven()
    {
        var data = FileSystem();
        await File.WriteAllTextAsync(Path.Combine(data, "existing.txt"), "hello", Token);

        var mount = await Run("mount", "-t", "efs", "-o", "tls", $"{Fs}:/", Node.MountPoint);
        var source = await Run("findmnt", "-n", "-o", "SOURCE", "--target", Node.MountPoint);
        var mountpoint = await Run("mountpoint", "-q", "--", Node.MountPoint);

        AssertExit(0, mount);
        Assert.Equal($"{Fs}:/\n", source.StandardOutput);
        AssertExit(0, mountpoint);
        Assert.Equal("hello", await File.ReadAllTextAsync(Path.Combine(Node.MountPoint, "existing.txt"), Token));
        Assert.Equal(new NodeMount(Node.MountPoint, $"{Fs}:/", "rw,tls", Region, Fs), Assert.Single(_sandbox.Mounts));
    }

    [Fact]
    public async Task Mount_Nfs4DnsName_UsesTheRegionOfTheName()
    {
        FileSystem(region: "eu-west-1");
        var source = $"{Fs}.efs.eu-west-1.amazonaws.com:/";

        var mount = await Run("mount", "-t", "nfs4", "-o", "nfsvers=4.1,hard,_netdev", source, Node.MountPoint);
        var found = await Run("findmnt", "-n", "-o", "SOURCE,OPTIONS", "--target", Path.Combine(Node.MountPoint, "sub", "dir"));

        AssertExit(0, mount);
        Assert.Equal($"{source} rw,nfsvers=4.1,hard,_netdev\n", found.StandardOutput);
        Assert.Equal("eu-west-1", Assert.Single(_sandbox.Mounts).Region);
    }

    [Fact]
    public async Task Mount_UnknownFileSystem_Exits32WithMountMessageAndLeavesTheFolder()
    {
        var mount = await Run("mount", "-t", "efs", "-o", "tls", "fs-00000000deadbeef0:/", Node.MountPoint);

        AssertExit(32, mount);
        Assert.StartsWith("mount: ", mount.StandardError);
        Assert.Empty(_sandbox.Mounts);
        Assert.Null(new DirectoryInfo(Node.MountPoint).LinkTarget);
        AssertExit(32, await Run("mountpoint", "-q", Node.MountPoint));
        AssertExit(1, await Run("findmnt", "-n", "-o", "SOURCE", "--target", Node.MountPoint));
    }

    [Fact]
    public async Task Mount_AlreadyMounted_Exits32()
    {
        FileSystem();
        AssertExit(0, await Run("mount", "-t", "efs", "-o", "tls", $"{Fs}:/", Node.MountPoint));

        var again = await Run("mount", "-t", "efs", "-o", "tls", $"{Fs}:/", Node.MountPoint);

        AssertExit(32, again);
        Assert.Contains("already mounted", again.StandardError);
        Assert.Single(_sandbox.Mounts);
    }

    [Fact]
    public async Task Dd_OnReadOnlyMount_FailsWithReadOnlyFileSystemUntilTheFileSystemIsWritable()
    {
        var data = FileSystem(writable: false);
        AssertExit(0, await Run("mount", "-t", "efs", "-o", "tls", $"{Fs}:/", Node.MountPoint));
        var probe = Path.Combine(Node.MountPoint, ".probe");

        var readOnly = await Run("bash", "-c", "printf x | dd of=\"$1\" conv=fsync status=none", "probe", probe);
        _fileSystems[(Region, Fs)] = new NodeFileSystem(data, Writable: true);
        _sandbox.RefreshFileSystems([]);
        var writable = await Run("bash", "-c", "printf x | dd of=\"$1\" conv=fsync status=none", "probe", probe);

        AssertExit(1, readOnly);
        Assert.Contains("Read-only file system", readOnly.StandardError);
        AssertExit(0, writable);
        Assert.Equal("x", await File.ReadAllTextAsync(Path.Combine(data, ".probe"), Token));
    }

    [Fact]
    public async Task Umount_Mounted_RestoresAnEmptyFolder()
    {
        var data = FileSystem();
        AssertExit(0, await Run("mount", "-t", "efs", "-o", "tls", $"{Fs}:/", Node.MountPoint));
        await File.WriteAllTextAsync(Path.Combine(Node.MountPoint, "kept.txt"), "data", Token);

        var umount = await Run("umount", "--", Node.MountPoint);

        AssertExit(0, umount);
        Assert.Empty(_sandbox.Mounts);
        Assert.Null(new DirectoryInfo(Node.MountPoint).LinkTarget);
        Assert.Empty(Directory.GetFileSystemEntries(Node.MountPoint));
        Assert.True(File.Exists(Path.Combine(data, "kept.txt")));
        AssertExit(32, await Run("umount", Node.MountPoint));
    }

    [Fact]
    public async Task Systemctl_StartWithoutTheMount_FailsAndStartsNothing()
    {
        var start = await Run("systemctl", "start", "--", "minio");

        AssertExit(1, start);
        Assert.Contains("Job for minio.service failed", start.StandardError);
        Assert.Null(_sandbox.ApplicationPid);
    }

    [Fact]
    public async Task Systemctl_StartOnReadOnlyMount_RefusesTheReplica()
    {
        FileSystem(writable: false);
        AssertExit(0, await Run("mount", "-t", "efs", "-o", "tls", $"{Fs}:/", Node.MountPoint));

        var start = await Run("systemctl", "start", "minio");

        AssertExit(1, start);
        Assert.Contains("read-only", start.StandardError);
        Assert.Null(_sandbox.ApplicationPid);
    }

    [Fact]
    public async Task Systemctl_StartWhileAnotherProcessHoldsThePort_FailsAndStartsNothing()
    {
        FileSystem();
        AssertExit(0, await Run("mount", "-t", "efs", "-o", "tls", $"{Fs}:/", Node.MountPoint));
        using var squatter = new TcpListener(IPAddress.Parse(Node.Address), 9000);
        squatter.Start();

        var start = await Run("systemctl", "start", "minio");

        AssertExit(1, start);
        Assert.Contains("already in use", start.StandardError);
        Assert.Null(_sandbox.ApplicationPid);
    }

    [Fact]
    public async Task Systemctl_UnitThatIsNotInstalled_StartFails5AndIsInactive()
    {
        var start = await Run("systemctl", "start", "--", "nginx");
        var active = await Run("systemctl", "is-active", "--quiet", "--", "nginx");

        AssertExit(5, start);
        Assert.Contains("Unit nginx.service not found", start.StandardError);
        AssertExit(3, active);
    }

    [Fact]
    public async Task Systemctl_StartAndStop_RunsS3rverOnTheNodeAddressAndUmountIsBusyMeanwhile()
    {
        Tools.RequireS3rver();
        FileSystem();
        AssertExit(0, await Run("mount", "-t", "efs", "-o", "tls", $"{Fs}:/", Node.MountPoint));

        var start = await Run("systemctl", "start", "--", "minio");
        var pid = _sandbox.ApplicationPid;
        var listening = Loopback.PortOpen(Node.Address, 9000);
        var active = await Run("systemctl", "is-active", "--quiet", "--", "minio");
        var busy = await Run("umount", "--", Node.MountPoint);
        var fuser = await Run("fuser", "-vm", Node.MountPoint);
        var health = await Run("curl", "-fsS", "--max-time", "5", "-o", "/dev/null", "http://127.0.0.1:9000/minio/health/live");
        var stop = await Run("systemctl", "stop", "--", "minio");
        var closed = !Loopback.PortOpen(Node.Address, 9000);
        var inactive = await Run("systemctl", "is-active", "minio");
        var unhealthy = await Run("curl", "-fsS", "--max-time", "5", "-o", "/dev/null", "http://127.0.0.1:9000/minio/health/live");
        var umount = await Run("umount", "--", Node.MountPoint);

        AssertExit(0, start);
        Assert.NotNull(pid);
        Assert.True(listening, $"s3rver does not listen on {Node.Address}:9000");
        AssertExit(0, active);
        AssertExit(32, busy);
        Assert.Contains("target is busy", busy.StandardError);
        AssertExit(0, fuser);
        Assert.Equal(pid.ToString(), fuser.StandardOutput.Trim());
        AssertExit(0, health);
        AssertExit(0, stop);
        Assert.True(closed, "s3rver still listens after stop");
        AssertExit(3, inactive);
        Assert.Equal("inactive\n", inactive.StandardOutput);
        AssertExit(7, unhealthy);
        AssertExit(0, umount);
    }

    [Fact]
    public async Task Curl_NothingListening_FailsLikeCurlWithExit7()
    {
        var curl = await Run("curl", "-fsS", "--max-time", "2", "-o", "/dev/null", "http://localhost:9000/minio/health/live");

        AssertExit(7, curl);
        Assert.Contains($"Failed to connect to {Node.Address} port 9000", curl.StandardError);
    }

    [Theory]
    [InlineData("/mnt/efs", "/mnt/efs")]
    [InlineData("/data/media/", "/data/media/")]
    public void MapPath_AbsolutePath_LandsInTheSandbox(string nodePath, string suffix)
    {
        Assert.Equal(Node.Directory + suffix, _sandbox.MapPath(nodePath));
        Assert.Equal(Node.MountPoint, _sandbox.MapPath("/mnt/efs"));
    }

    [Theory]
    [InlineData("/mnt/../etc")]
    [InlineData("//")]
    [InlineData("mnt/efs")]
    public void MapPath_PathTheScriptRefuses_IsLeftAlone(string nodePath)
    {
        Assert.Equal(nodePath, _sandbox.MapPath(nodePath));
    }

    [Fact]
    public async Task Shellcheck_Shims_AreCleanAtStyleSeverity()
    {
        var shellcheck = Tools.RequireShellcheck();
        var scripts = Directory.GetFiles(NodeSandbox.ShimSourceDirectory(Tools.RepositoryRoot), "*.sh").Order(StringComparer.Ordinal).ToList();
        var start = new ProcessStartInfo(shellcheck) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--severity=style");
        foreach (var script in scripts)
        {
            start.ArgumentList.Add(script);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("shellcheck did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(Token);
        var stderr = process.StandardError.ReadToEndAsync(Token);
        await process.WaitForExitAsync(Token);

        Assert.Equal(NodeSandbox.ShimmedCommands.Count + 1, scripts.Count);
        Assert.True(process.ExitCode == 0, $"shellcheck exit {process.ExitCode}:\n{await stdout}{await stderr}");
    }
}
