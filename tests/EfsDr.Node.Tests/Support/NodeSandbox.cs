using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace EfsDr.Node.Tests.Support;

/// <summary>
/// A simulated node in a temporary directory, in which node/efsdr-node.sh runs with the shims first on PATH. The shims
/// are the local cloud's (<c>node/testing/shims</c>, copied next to the test binaries), and the node is laid out as the
/// local cloud lays out its nodes; <c>node-lib.sh</c> documents the layout, the state files and the faults:
/// <list type="bullet">
/// <item><c>node.env</c>: the node's constants. The application is a stub (<c>NODE_APP_KIND=stub</c>): no process and no
/// port, so no test touches the network.</item>
/// <item><c>bin/</c> the shims, <c>lib/node-lib.sh</c> their helpers, <c>mnt/</c> (the script creates <c>mnt/efs</c>),
/// <c>efs-state/</c> (EFSDR_EFS_STATE_DIR), <c>var/lib/efsdr</c> (EFSDR_STATE_DIR).</item>
/// <item><c>state/filesystems</c>: the file systems the mount shim can mount (<see cref="AddFileSystem"/>), each with a
/// data folder under <c>efs-data/</c> and rw or ro; <c>state/mounts</c>: the mounts (<see cref="AddMount"/>);
/// <c>state/faults/NAME</c>: injected faults (<see cref="SetFault"/>).</item>
/// <item><c>log</c>: every shim call as <c>name [arg1] [arg2] …</c>, so one line shows each argument as a separate
/// element.</item>
/// </list>
/// </summary>
public sealed class NodeSandbox : IDisposable
{
    /// <summary>The commands the shims replace (pkill and killall only log and kill nothing, so a test can prove that
    /// nothing was killed).</summary>
    public static readonly string[] ShimmedCommands = ["mount", "umount", "mountpoint", "findmnt", "systemctl", "curl", "dd", "fuser", "pkill", "killall"];

    /// <summary>The application's pid that <see cref="StartApplication"/> records unless told otherwise.</summary>
    public const int DefaultApplicationPid = 4242;

    /// <summary>Lays out a node in <paramref name="region"/> with its shims, node.env and empty state.</summary>
    public NodeSandbox(string region = "us-west-2")
    {
        Region = region;
        Root = Path.Combine(Path.GetTempPath(), "efsdr-node-" + Guid.NewGuid().ToString("N"));
        foreach (var folder in new[] { "bin", "lib", "state", "mnt", "efs-state" })
        {
            Directory.CreateDirectory(Path.Combine(Root, folder));
        }

        foreach (var name in ShimmedCommands)
        {
            Install(Path.Combine(ShimDirectory, name + ".sh"), Path.Combine(Root, "bin", name), executable: true);
        }

        Install(Path.Combine(ShimDirectory, "node-lib.sh"), Path.Combine(Root, "lib", "node-lib.sh"), executable: false);
        File.WriteAllText(Path.Combine(Root, "node.env"), NodeEnvironment());
        File.WriteAllText(MountsFile, string.Empty);
        File.WriteAllText(FileSystemsFile, string.Empty);
    }

    /// <summary>The shims as the build copied them next to the test binaries (from node/testing/shims).</summary>
    public static string ShimDirectory => Path.Combine(AppContext.BaseDirectory, "shims");

    /// <summary>The shims' source folder in the repository, shared with the local cloud.</summary>
    public static string ShimSourceDirectory => Path.Combine(RepoRoot, "node", "testing", "shims");

    /// <summary>The node's folder.</summary>
    public string Root { get; }

    /// <summary>The node's region (NODE_REGION: the region of an efs-utils mount).</summary>
    public string Region { get; }

    /// <summary>The mount point the tests pass as SSM_MountPoint (NODE_APP_DIR: the application's data).</summary>
    public string MountPoint => Path.Combine(Root, "mnt", "efs");

    /// <summary>EFSDR_EFS_STATE_DIR: where efs-utils would keep its TLS state files.</summary>
    public string EfsStateDir => Path.Combine(Root, "efs-state");

    /// <summary>EFSDR_STATE_DIR: where the script records the active file system (never the machine's /var/lib/efsdr).</summary>
    public string StateDir => Path.Combine(Root, "var", "lib", "efsdr");

    /// <summary>The record a successful activate writes and deactivate removes.</summary>
    public string ActiveRecord => Path.Combine(StateDir, "active-file-system");

    /// <summary>The shims' state/mounts.</summary>
    public string MountsFile => Path.Combine(Root, "state", "mounts");

    /// <summary>The shims' state/filesystems.</summary>
    public string FileSystemsFile => Path.Combine(Root, "state", "filesystems");

    /// <summary>The application's pid file; it exists while the (stub) application runs.</summary>
    public string ApplicationPidFile => Path.Combine(Root, "state", "app.pid");

    private string LogFile => Path.Combine(Root, "log");

    /// <summary>Every shim call, in order; empty when no shim ran.</summary>
    public IReadOnlyList<string> Calls => File.Exists(LogFile) ? File.ReadAllLines(LogFile) : [];

    /// <summary>The mounts the shims currently simulate.</summary>
    public IReadOnlyList<NodeMount> Mounts =>
        File.ReadAllLines(MountsFile)
            .Select(line => line.Split('\t'))
            .Where(f => f.Length >= 6)
            .Select(f => new NodeMount(f[0], f[1], f[2], f[3], f[4], f[5]))
            .ToList();

    /// <summary>Whether the application runs (its pid file is there).</summary>
    public bool ApplicationRunning => File.Exists(ApplicationPidFile);

    /// <summary>The data folder of a file system (what the mount shim links the mount point to).</summary>
    public string DataDirectory(string region, string fileSystemId) => Path.Combine(Root, "efs-data", region, fileSystemId);

    /// <summary>Makes a file system mountable, as the local cloud does for one that exists in EFS; a read-only one is a
    /// replica not yet promoted. A file system not added is unknown: mounting it fails.</summary>
    public void AddFileSystem(string region, string fileSystemId, bool writable = true)
    {
        Directory.CreateDirectory(DataDirectory(region, fileSystemId));
        File.AppendAllText(FileSystemsFile, $"{region}\t{fileSystemId}\t{(writable ? "rw" : "ro")}\t{DataDirectory(region, fileSystemId)}\n");
    }

    /// <summary>Makes a file system added before writable or read-only (a replica), as the local cloud rewrites
    /// state/filesystems before each command.</summary>
    public void SetWritable(string region, string fileSystemId, bool writable)
    {
        var prefix = $"{region}\t{fileSystemId}\t";
        var lines = File.ReadAllLines(FileSystemsFile);
        Assert.Contains(lines, l => l.StartsWith(prefix, StringComparison.Ordinal));
        File.WriteAllLines(FileSystemsFile, lines.Select(l => l.StartsWith(prefix, StringComparison.Ordinal)
            ? $"{prefix}{(writable ? "rw" : "ro")}\t{DataDirectory(region, fileSystemId)}"
            : l));
    }

    /// <summary>Simulates a mount at <see cref="MountPoint"/> made before the script runs. With
    /// <paramref name="fileSystemId"/> (a file system of the node's region, added if it is not yet), the mount point links
    /// to its data folder as the mount shim's would; without, it is an empty folder holding something else.</summary>
    public void AddMount(string source, string? fileSystemId = null, string options = "rw,relatime")
    {
        if (fileSystemId is null)
        {
            Directory.CreateDirectory(MountPoint);
        }
        else
        {
            if (!File.ReadAllLines(FileSystemsFile).Any(l => l.StartsWith($"{Region}\t{fileSystemId}\t", StringComparison.Ordinal)))
            {
                AddFileSystem(Region, fileSystemId);
            }

            Directory.CreateSymbolicLink(MountPoint, DataDirectory(Region, fileSystemId));
        }

        File.AppendAllText(MountsFile, $"{MountPoint}\t{source}\t{(fileSystemId is null ? "ext4" : "nfs4")}\t{options}\t{(fileSystemId is null ? string.Empty : Region)}\t{fileSystemId}\n");
    }

    /// <summary>Injects a fault (<c>state/faults/NAME</c>; node-lib.sh lists them).</summary>
    public void SetFault(string name, string content = "")
    {
        Directory.CreateDirectory(Path.Combine(Root, "state", "faults"));
        File.WriteAllText(Path.Combine(Root, "state", "faults", name), content);
    }

    /// <summary>The content of a fault now (curl-failures counts down), or null when it is not set.</summary>
    public string? Fault(string name)
    {
        var path = Path.Combine(Root, "state", "faults", name);
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }

    /// <summary>Simulates the (stub) application running, as a systemctl start would have left it.</summary>
    public void StartApplication(int pid = DefaultApplicationPid) =>
        File.WriteAllText(ApplicationPidFile, pid.ToString(CultureInfo.InvariantCulture) + "\n");

    /// <summary>Runs the script with the given SSM_* values (and nothing else inherited but PATH's system part).</summary>
    public Task<NodeResult> RunAsync(IReadOnlyDictionary<string, string> ssm, params string[] arguments) =>
        RunBashAsync(ssm, [Script, .. arguments]);

    /// <summary>Runs one shim (<c>bin/NAME</c>) in the node's environment, as the script would.</summary>
    public Task<NodeResult> RunShimAsync(string name, params string[] arguments) =>
        RunBashAsync(new Dictionary<string, string>(), [Path.Combine(Root, "bin", name), .. arguments]);

    private async Task<NodeResult> RunBashAsync(IReadOnlyDictionary<string, string> ssm, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Root,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        start.Environment["PATH"] = Path.Combine(Root, "bin") + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        start.Environment["EFSDR_EFS_STATE_DIR"] = EfsStateDir;
        start.Environment["EFSDR_STATE_DIR"] = StateDir;
        foreach (var (name, value) in ssm)
        {
            start.Environment["SSM_" + name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new NodeResult(process.ExitCode, await stdout, await stderr, Calls);
    }

    /// <summary>Deletes the node's folder.</summary>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is not a test failure.
        }
    }

    /// <summary>The repository root: the first directory above the test binaries that holds Serverless.sln.</summary>
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>node/efsdr-node.sh.</summary>
    public static string Script => Path.Combine(RepoRoot, "node", "efsdr-node.sh");

    /// <summary>The full path of an executable on this process's PATH, or null.</summary>
    public static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Serverless.sln not found above the test binaries");
    }

    /// <summary>node.env as the local cloud writes it, for a node whose application is a stub and which has no real curl
    /// (a URL other than the application's fails instead of reaching the network).</summary>
    private string NodeEnvironment()
    {
        var values = new (string Name, string Value)[]
        {
            ("NODE_NAME", "node1"),
            ("NODE_INSTANCE_ID", "i-0123456789abcdef0"),
            ("NODE_REGION", Region),
            ("NODE_ADDRESS", "127.0.0.1"),
            ("NODE_APP_UNIT", "minio"),
            ("NODE_APP_PORT", "9000"),
            ("NODE_APP_DIR", MountPoint),
            ("NODE_APP_KIND", "stub"),
            ("NODE_S3RVER", string.Empty),
            ("NODE_REAL_DD", FindOnPath("dd") ?? throw new InvalidOperationException("dd is not on PATH")),
            ("NODE_REAL_CURL", string.Empty),
        };
        var text = new StringBuilder("# The simulated node's constants, written by the node tests (NodeSandbox); sourced by lib/node-lib.sh.\n");
        foreach (var (name, value) in values)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}='{value.Replace("'", "'\\''", StringComparison.Ordinal)}'\n");
        }

        return text.ToString();
    }

    private static void Install(string source, string destination, bool executable)
    {
        if (!File.Exists(source))
        {
            throw new FileNotFoundException($"The shim {source} is not next to the test binaries (the csproj links node/testing/shims/*.sh).", source);
        }

        File.Copy(source, destination, overwrite: true);
        if (!OperatingSystem.IsWindows())
        {
            var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            File.SetUnixFileMode(destination, executable ? mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute : mode);
        }
    }
}

/// <summary>One line of the shims' state/mounts.</summary>
/// <param name="Target">The mount point.</param>
/// <param name="Source">The source as given to mount.</param>
/// <param name="FsType">The file system type (nfs4 for EFS).</param>
/// <param name="Options">The mount options.</param>
/// <param name="Region">The file system's region (empty for something that is not a known file system).</param>
/// <param name="FileSystemId">The file system's id (empty for something that is not a known file system).</param>
public sealed record NodeMount(string Target, string Source, string FsType, string Options, string Region, string FileSystemId);

/// <summary>What one run of the script produced.</summary>
public sealed record NodeResult(int ExitCode, string Stdout, string Stderr, IReadOnlyList<string> Calls)
{
    /// <inheritdoc />
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}--- stderr\n{Stderr}--- calls\n{string.Join('\n', Calls)}";
}
