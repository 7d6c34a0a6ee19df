using System.Text.RegularExpressions;
using EfsDr.Node.Tests.Support;

namespace EfsDr.Node.Tests;

/// <summary>Runs node/efsdr-node.sh with bash in a simulated node whose PATH starts with the shared, recording shims
/// (node/testing/shims; see <see cref="NodeSandbox"/>).</summary>
public sealed class NodeScriptTests : IDisposable
{
    private const string Fs = "fs-0123456789abcdef0";
    private const string Region = "us-west-2";

    /// <summary>A file system the node cannot resolve: mounting it fails.</summary>
    private const string UnknownFs = "fs-00000000000000000";

    /// <summary>Stands for the sandbox's mount point; Run replaces it.</summary>
    private const string SandboxMountPoint = "<sandbox mount point>";

    private readonly NodeSandbox _sandbox = new(Region);

    public NodeScriptTests() => _sandbox.AddFileSystem(Region, Fs);

    private string Mp => _sandbox.MountPoint;

    public void Dispose() => _sandbox.Dispose();

    private static Dictionary<string, string> Values(string action = "activate", string method = "efs-utils", string timeout = "5") => new(StringComparer.Ordinal)
    {
        ["Action"] = action,
        ["FileSystemId"] = Fs,
        ["Region"] = Region,
        ["MountPoint"] = SandboxMountPoint,
        ["MountMethod"] = method,
        ["Unit"] = "minio",
        ["HealthUrl"] = "http://127.0.0.1:9000/minio/health/live",
        ["HealthTimeoutSeconds"] = timeout,
    };

    private Task<NodeResult> Run(Dictionary<string, string> values)
    {
        if (values.TryGetValue("MountPoint", out var mp) && mp == SandboxMountPoint)
        {
            values["MountPoint"] = Mp;
        }

        return _sandbox.RunAsync(values);
    }

    private static void AssertExit(int expected, NodeResult result) =>
        Assert.True(result.ExitCode == expected, $"expected exit {expected}, got {result}");

    private static int IndexOf(NodeResult result, string prefix)
    {
        var calls = result.Calls.ToList();
        return calls.FindIndex(c => c.StartsWith(prefix, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Activate_EfsUtils_MountsWithTlsProbesStartsUnitAndReportsHealthy()
    {
        var result = await Run(Values());

        AssertExit(0, result);
        Assert.Equal(5, result.Calls.Count);
        Assert.Equal($"mountpoint [-q] [--] [{Mp}]", result.Calls[0]);
        Assert.Equal($"mount [-t] [efs] [-o] [tls] [{Fs}:/] [{Mp}]", result.Calls[1]);
        Assert.Matches($@"^dd \[of={Regex.Escape(Mp)}/\.efsdr-probe\.[0-9]+\] \[conv=fsync\] \[status=none\]$", result.Calls[2]);
        Assert.Equal("systemctl [start] [--] [minio]", result.Calls[3]);
        Assert.Equal("curl [-fsS] [--max-time] [5] [-o] [/dev/null] [http://127.0.0.1:9000/minio/health/live]", result.Calls[4]);
        Assert.Empty(Directory.GetFiles(Mp, ".efsdr-probe*", new EnumerationOptions { AttributesToSkip = 0 }));
        Assert.Equal([new NodeMount(Mp, $"{Fs}:/", "nfs4", "rw,tls", Region, Fs)], _sandbox.Mounts);
        Assert.Equal(_sandbox.DataDirectory(Region, Fs), new DirectoryInfo(Mp).LinkTarget);
        Assert.True(_sandbox.ApplicationRunning, "systemctl start must leave the application running");
        Assert.StartsWith("efsdr-node: activated {", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"\"fileSystemId\":\"{Fs}\"", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"mount\":\"mounted\"", result.Stdout, StringComparison.Ordinal);
        Assert.Single(result.Stdout.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task Activate_Nfs4_MountsWithAwsOptionsAndServerAsSeparateArgument()
    {
        var result = await Run(Values(method: "nfs4"));

        AssertExit(0, result);
        var mount = Assert.Single(result.Calls, c => c.StartsWith("mount ", StringComparison.Ordinal));
        Assert.Equal(
            $"mount [-t] [nfs4] [-o] [nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport,_netdev] [{Fs}.efs.{Region}.amazonaws.com:/] [{Mp}]",
            mount);
    }

    [Fact]
    public async Task Activate_SecondRun_DoesNotMountAgainAndStillSucceeds()
    {
        AssertExit(0, await Run(Values()));
        var second = await Run(Values());

        AssertExit(0, second);
        Assert.Single(second.Calls, c => c.StartsWith("mount ", StringComparison.Ordinal));
        Assert.Equal(2, second.Calls.Count(c => c.StartsWith("systemctl [start]", StringComparison.Ordinal)));
        Assert.Contains("\"mount\":\"already-mounted\"", second.Stdout, StringComparison.Ordinal);
        Assert.Single(_sandbox.Mounts);
    }

    [Fact]
    public async Task Activate_ThisFileSystemMountedByNfs4Name_IsAcceptedWithoutMounting()
    {
        _sandbox.AddMount($"{Fs}.efs.{Region}.amazonaws.com:/", Fs);

        var result = await Run(Values());

        AssertExit(0, result);
        Assert.DoesNotContain(result.Calls, c => c.StartsWith("mount ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Activate_EfsUtilsTlsMountWithStateFile_IsAcceptedWithoutMounting()
    {
        _sandbox.AddMount("127.0.0.1:/", Fs, "rw,relatime,vers=4.1,port=20049");
        File.WriteAllText(Path.Combine(_sandbox.EfsStateDir, $"{Fs}.{Mp.TrimStart('/').Replace('/', '.')}.20049"), "{}");

        var result = await Run(Values());

        AssertExit(0, result);
        Assert.DoesNotContain(result.Calls, c => c.StartsWith("mount ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Activate_TlsMountOfAnotherFileSystem_FailsWith20()
    {
        _sandbox.AddMount("127.0.0.1:/", options: "rw,relatime,vers=4.1,port=20049");
        File.WriteAllText(Path.Combine(_sandbox.EfsStateDir, $"fs-99999999.{Mp.TrimStart('/').Replace('/', '.')}.20049"), "{}");

        var result = await Run(Values());

        AssertExit(20, result);
        Assert.DoesNotContain(result.Calls, c => c.StartsWith("systemctl", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("fs-deadbeef:/")]
    [InlineData(Fs + "1:/")] // an id that merely starts with ours: the seed's prefix matching would accept it
    [InlineData("fs-deadbeef.efs.us-west-2.amazonaws.com:/")]
    [InlineData(Fs + ".efs.us-east-1.amazonaws.com:/")] // the same id in the other region
    [InlineData("/dev/xvdf")]
    public async Task Activate_SomethingElseMounted_FailsWith20WithoutMountingOrStarting(string source)
    {
        _sandbox.AddMount(source);

        var result = await Run(Values());

        AssertExit(20, result);
        Assert.Contains(source, result.Stderr, StringComparison.Ordinal);
        Assert.StartsWith("efsdr-node: ", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Calls, c => c.StartsWith("mount ", StringComparison.Ordinal) || c.StartsWith("systemctl", StringComparison.Ordinal) || c.StartsWith("dd", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Activate_MountFails_FailsWith21AndDoesNotStartUnit()
    {
        var values = Values();
        values["FileSystemId"] = UnknownFs;

        var result = await Run(values);

        AssertExit(21, result);
        Assert.Contains($"mount [-t] [efs] [-o] [tls] [{UnknownFs}:/] [{Mp}]", result.Calls);
        Assert.Contains("mount: ", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(_sandbox.Mounts);
        Assert.DoesNotContain(result.Calls, c => c.StartsWith("systemctl", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Activate_ReadOnlyReplica_ProbeFailsWith22AndDoesNotStartUnit()
    {
        _sandbox.SetWritable(Region, Fs, writable: false);

        var result = await Run(Values());

        AssertExit(22, result);
        Assert.Contains("Read-only file system", result.Stderr, StringComparison.Ordinal); // dd's EROFS
        Assert.Contains("write probe failed", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("read-only", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(result.Calls, c => c.StartsWith("dd [of=", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Calls, c => c.StartsWith("systemctl", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Activate_UnitFailsToStart_FailsWith23WithoutPollingHealth()
    {
        _sandbox.SetFault("start-fails");

        var result = await Run(Values());

        AssertExit(23, result);
        Assert.DoesNotContain(result.Calls, c => c.StartsWith("curl", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Activate_HealthyAfterOneFailedPoll_Succeeds()
    {
        _sandbox.SetFault("curl-failures", "1");

        var result = await Run(Values());

        AssertExit(0, result);
        Assert.Equal(2, result.Calls.Count(c => c.StartsWith("curl", StringComparison.Ordinal)));
        Assert.Equal("0\n", _sandbox.Fault("curl-failures"));
    }

    [Fact]
    public async Task Activate_NeverHealthy_TimesOutWith24()
    {
        _sandbox.SetFault("unhealthy");

        var result = await Run(Values(timeout: "2"));

        AssertExit(24, result);
        Assert.Contains("not healthy", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("within 2s", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Failed to connect", result.Stderr, StringComparison.Ordinal);
        Assert.True(result.Calls.Count(c => c.StartsWith("curl", StringComparison.Ordinal)) >= 2, result.ToString());
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task Activate_Success_RecordsTheFileSystemIdForTheClusterMonitor()
    {
        var result = await Run(Values());

        AssertExit(0, result);
        Assert.Equal(Fs + "\n", File.ReadAllText(_sandbox.ActiveRecord));
        Assert.Single(Directory.GetFiles(_sandbox.StateDir)); // no temporary file left behind
    }

    [Fact]
    public async Task Activate_Fails_LeavesNoRecord()
    {
        _sandbox.SetWritable(Region, Fs, writable: false);

        var result = await Run(Values());

        AssertExit(22, result);
        Assert.False(File.Exists(_sandbox.ActiveRecord), "a failed activate must not record its file system");
    }

    [Fact]
    public async Task Activate_StateDirectoryNotWritable_FailsWith25NamingTheRecord()
    {
        // A file where the state folder should be: mkdir -p fails even for root.
        Directory.CreateDirectory(Path.GetDirectoryName(_sandbox.StateDir)!);
        File.WriteAllText(_sandbox.StateDir, "not a folder");

        var result = await Run(Values());

        AssertExit(25, result);
        Assert.Contains($"could not record {Fs} in {_sandbox.ActiveRecord}", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(result.Stdout);
    }

    public static TheoryData<string, string, string, int> BadValues => new()
    {
        { "activate", "Action", "", 10 },
        { "activate", "Action", "start", 10 },
        { "activate", "Action", "activate; reboot", 10 },
        { "activate", "FileSystemId", "", 11 },
        { "activate", "FileSystemId", "fs-123$(id)", 11 },
        { "activate", "FileSystemId", "fs-1234567", 11 },
        { "activate", "FileSystemId", "FS-12345678", 11 },
        { "activate", "FileSystemId", "fs-12345678\n", 11 },
        { "deactivate", "FileSystemId", "fs-12345678 -o remount", 11 },
        { "activate", "Region", "us-west-2; id", 12 },
        { "activate", "Region", "US-WEST-2", 12 },
        { "activate", "MountPoint", "/mnt/efs; rm -rf /", 13 },
        { "activate", "MountPoint", "mnt/efs", 13 },
        { "activate", "MountPoint", "/mnt/../etc", 13 },
        { "activate", "MountPoint", "//", 13 },
        { "deactivate", "MountPoint", "", 13 },
        { "activate", "MountMethod", "nfs", 14 },
        { "activate", "MountMethod", "efs-utils;id", 14 },
        { "activate", "Unit", "minio && reboot", 15 },
        { "activate", "Unit", "minio service", 15 },
        { "deactivate", "Unit", "", 15 },
        { "activate", "HealthUrl", "http://127.0.0.1:9000/$(id)", 16 },
        { "activate", "HealthUrl", "ftp://127.0.0.1/", 16 },
        { "activate", "HealthUrl", "http://127.0.0.1/a b", 16 },
        { "activate", "HealthTimeoutSeconds", "0", 17 },
        { "activate", "HealthTimeoutSeconds", "3601", 17 },
        { "activate", "HealthTimeoutSeconds", "010", 17 },
        { "activate", "HealthTimeoutSeconds", "5;id", 17 },
        { "activate", "HealthTimeoutSeconds", "a[$(id)]", 17 },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task Validate_BadValue_ExitsWithFieldCodeNamingFieldAndRunsNothing(string action, string field, string value, int code)
    {
        var values = Values(action);
        values[field] = value;

        var result = await Run(values);

        AssertExit(code, result);
        Assert.StartsWith($"efsdr-node: invalid {field}", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(result.Calls);
        Assert.False(Directory.Exists(Mp), "the mount point must not be created before validation passes");
    }

    [Fact]
    public async Task Validate_HealthUrlLongerThan512_FailsWith16()
    {
        var values = Values();
        values["HealthUrl"] = "http://127.0.0.1/" + new string('a', 500);

        var result = await Run(values);

        AssertExit(16, result);
        Assert.Empty(result.Calls);
    }

    [Fact]
    public async Task Deactivate_Mounted_StopsUnitThenUnmounts()
    {
        AssertExit(0, await Run(Values()));

        var result = await Run(Values("deactivate"));

        AssertExit(0, result);
        var stop = IndexOf(result, "systemctl [stop] [--] [minio]");
        var umount = IndexOf(result, $"umount [--] [{Mp}]");
        Assert.True(stop >= 0 && umount > stop, result.ToString());
        Assert.Empty(_sandbox.Mounts);
        Assert.False(_sandbox.ApplicationRunning, "deactivate must stop the application");
        Assert.Contains("\"mount\":\"unmounted\"", result.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(_sandbox.ActiveRecord), "deactivate must remove the record of the active file system");
    }

    [Fact]
    public async Task Deactivate_UnmountFails_KeepsTheRecord()
    {
        AssertExit(0, await Run(Values()));
        _sandbox.SetFault("busy", "4242 backup-agent");

        var result = await Run(Values("deactivate"));

        AssertExit(31, result);
        Assert.Equal(Fs + "\n", File.ReadAllText(_sandbox.ActiveRecord));
    }

    [Fact]
    public async Task Deactivate_NotMountedWithOnlyLocalValues_SucceedsWithoutUnmount()
    {
        var result = await Run(new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Action"] = "deactivate",
            ["MountPoint"] = SandboxMountPoint,
            ["Unit"] = "minio",
        });

        AssertExit(0, result);
        Assert.Contains("systemctl [stop] [--] [minio]", result.Calls);
        Assert.DoesNotContain(result.Calls, c => c.StartsWith("umount", StringComparison.Ordinal));
        Assert.Contains("\"mount\":\"not-mounted\"", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deactivate_StopFailsButUnitInactive_StillUnmounts()
    {
        _sandbox.AddMount($"{Fs}:/", Fs);
        _sandbox.SetFault("stop-fails");

        var result = await Run(Values("deactivate"));

        AssertExit(0, result);
        Assert.Contains("systemctl [is-active] [--quiet] [--] [minio]", result.Calls);
        Assert.Empty(_sandbox.Mounts);
    }

    [Fact]
    public async Task Deactivate_StopFailsAndUnitStillActive_FailsWith30WithoutUnmount()
    {
        _sandbox.AddMount($"{Fs}:/", Fs);
        _sandbox.StartApplication();
        _sandbox.SetFault("stop-fails");

        var result = await Run(Values("deactivate"));

        AssertExit(30, result);
        Assert.DoesNotContain(result.Calls, c => c.StartsWith("umount", StringComparison.Ordinal));
        Assert.Single(_sandbox.Mounts);
        Assert.True(_sandbox.ApplicationRunning, "a failed stop leaves the application running");
    }

    [Fact]
    public async Task Deactivate_Busy_FailsWith31ListsHoldersAndKillsNothing()
    {
        _sandbox.AddMount($"{Fs}:/", Fs);
        _sandbox.SetFault("busy", "4242 backup-agent");

        var result = await Run(Values("deactivate"));

        AssertExit(31, result);
        Assert.Contains($"umount [--] [{Mp}]", result.Calls);
        Assert.Contains("target is busy", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"fuser [-vm] [{Mp}]", result.Calls);
        Assert.Matches(@"\b4242\b.*backup-agent", result.Stderr);
        Assert.Contains("nothing was killed", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Calls, c => c.StartsWith("pkill", StringComparison.Ordinal) || c.StartsWith("killall", StringComparison.Ordinal) || c.Contains("[-k]", StringComparison.Ordinal) || c.Contains("[-f]", StringComparison.Ordinal) || c.Contains("[-l]", StringComparison.Ordinal));
        Assert.Single(_sandbox.Mounts);
    }

    [Theory]
    [InlineData("pkill")]
    [InlineData("killall")]
    public async Task KillByNameShim_AnyCall_IsLoggedAndKillsNothing(string name)
    {
        var result = await _sandbox.RunShimAsync(name, "-f", "s3rver");

        AssertExit(1, result);
        Assert.Equal([$"{name} [-f] [s3rver]"], result.Calls);
        Assert.Contains("kills nothing by name", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_Flag_PrintsUsageAndRunsNothing()
    {
        var result = await _sandbox.RunAsync(new Dictionary<string, string>(), "--help");

        AssertExit(0, result);
        Assert.StartsWith("usage: ", result.Stdout, StringComparison.Ordinal);
        Assert.Empty(result.Calls);
    }

    [Fact]
    public async Task Usage_UnknownArgument_FailsWith2AndRunsNothing()
    {
        var values = Values();
        values["MountPoint"] = Mp;

        var result = await _sandbox.RunAsync(values, "activate");

        AssertExit(2, result);
        Assert.Contains("efsdr-node: unknown argument", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(result.Calls);
    }
}
