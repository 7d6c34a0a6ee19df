using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace EfsDr.LocalCloud.Nodes;

/// <summary>
/// The sandbox of one simulated node: a folder with the command shims of <c>node/testing/shims/</c> in <c>bin/</c>, the
/// node's constants in <c>node.env</c>, its state in <c>state/</c> and its mount point <c>mnt/efs</c> (what /mnt/efs is
/// on a real node). It runs EfsDr's node script with <c>bin/</c> first on PATH. See Nodes/README.md.
/// </summary>
internal sealed class NodeSandbox
{
    /// <summary>The port the node's application listens on (MinIO's).</summary>
    public const int ApplicationPort = 9000;

    /// <summary>The application unit a node has unless told otherwise (the document's default Unit).</summary>
    public const string DefaultApplicationUnit = "minio";

    /// <summary>The commands the sandbox replaces (each from <c>node/testing/shims/NAME.sh</c>, the set the node
    /// script's tests use too).</summary>
    public static readonly IReadOnlyList<string> ShimmedCommands = ["mount", "umount", "mountpoint", "findmnt", "systemctl", "curl", "dd", "fuser", "pkill", "killall"];

    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private readonly Func<string, string, NodeFileSystem?> _resolver;
    private readonly Lock _fileSystemsGate = new();

    /// <summary>Creates (or refreshes) the sandbox of <paramref name="node"/>: folders, shims and node.env. State and
    /// mounts already in the folder are kept.</summary>
    /// <param name="node">The node; its Directory and MountPoint must be the sandbox paths.</param>
    /// <param name="repositoryRoot">The repository root (node/efsdr-node.sh, node_modules/.bin/s3rver, the shims).</param>
    /// <param name="resolver">The file system of (region, id) for the mount shim, or null when there is none.</param>
    /// <param name="applicationUnit">The unit name that starts the application (s3rver).</param>
    public NodeSandbox(SimulatedNode node, string repositoryRoot, Func<string, string, NodeFileSystem?> resolver, string applicationUnit = DefaultApplicationUnit)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentException.ThrowIfNullOrWhiteSpace(repositoryRoot);
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentException.ThrowIfNullOrWhiteSpace(applicationUnit);
        Node = node;
        RepositoryRoot = repositoryRoot;
        ApplicationUnit = applicationUnit;
        _resolver = resolver;

        var shims = ShimSourceDirectory(repositoryRoot);
        if (!Directory.Exists(shims))
        {
            throw new DirectoryNotFoundException($"The node shims are not at {shims}; is {repositoryRoot} the repository root?");
        }

        foreach (var folder in new[] { BinDirectory, Path.Combine(node.Directory, "lib"), StateDirectory, EfsStateDirectory, node.MountPoint })
        {
            Directory.CreateDirectory(folder);
        }

        foreach (var name in ShimmedCommands)
        {
            Install(Path.Combine(shims, name + ".sh"), Path.Combine(BinDirectory, name), executable: true);
        }

        Install(Path.Combine(shims, "node-lib.sh"), Path.Combine(node.Directory, "lib", "node-lib.sh"), executable: false);
        File.WriteAllText(Path.Combine(node.Directory, "node.env"), NodeEnvironment());
        foreach (var file in new[] { "mounts", "filesystems" })
        {
            var path = Path.Combine(StateDirectory, file);
            if (!File.Exists(path))
            {
                File.WriteAllText(path, string.Empty);
            }
        }
    }

    /// <summary>The node.</summary>
    public SimulatedNode Node { get; }

    /// <summary>The repository root.</summary>
    public string RepositoryRoot { get; }

    /// <summary>The unit that runs the application.</summary>
    public string ApplicationUnit { get; }

    /// <summary>The shims' folder, first on the script's PATH.</summary>
    public string BinDirectory => Path.Combine(Node.Directory, "bin");

    /// <summary>The shims' state files.</summary>
    public string StateDirectory => Path.Combine(Node.Directory, "state");

    /// <summary>Where efs-utils would keep its TLS state files (EFSDR_EFS_STATE_DIR).</summary>
    public string EfsStateDirectory => Path.Combine(Node.Directory, "efs-state");

    /// <summary>The node script.</summary>
    public string ScriptPath => Path.Combine(RepositoryRoot, "node", "efsdr-node.sh");

    /// <summary>The s3rver launcher the application unit runs.</summary>
    public string S3rverPath => Path.Combine(RepositoryRoot, "node_modules", ".bin", "s3rver");

    /// <summary>Every shim call so far, one line each: <c>name [arg1] [arg2] …</c>.</summary>
    public IReadOnlyList<string> Calls
    {
        get
        {
            var log = Path.Combine(Node.Directory, "log");
            return File.Exists(log) ? File.ReadAllLines(log) : [];
        }
    }

    /// <summary>The current mounts.</summary>
    public IReadOnlyList<NodeMount> Mounts =>
        File.ReadAllLines(Path.Combine(StateDirectory, "mounts"))
            .Select(line => line.Split('\t'))
            .Where(f => f.Length >= 6)
            .Select(f => new NodeMount(f[0], f[1], f[3], f[4], f[5]))
            .ToList();

    /// <summary>The pid of the running application (s3rver bound to this node's address), or null.</summary>
    public int? ApplicationPid
    {
        get
        {
            var pidFile = Path.Combine(StateDirectory, "app.pid");
            if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                return null;
            }

            try
            {
                var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
                return cmdline.Contains("s3rver", StringComparison.Ordinal) && cmdline.Contains($" --address {Node.Address} ", StringComparison.Ordinal) && Alive(pid) ? pid : null;
            }
            catch (IOException)
            {
                return null;
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
        }
    }

    /// <summary>The shims' source folder in the repository, shared with the node script's tests.</summary>
    public static string ShimSourceDirectory(string repositoryRoot) => Path.Combine(repositoryRoot, "node", "testing", "shims");

    /// <summary>
    /// Maps a path on a real node into the sandbox, as a chroot would: <c>/mnt/efs</c> becomes
    /// <c>SANDBOX/mnt/efs</c> (<see cref="SimulatedNode.MountPoint"/>). A path the node script refuses anyway (relative,
    /// only slashes, a <c>..</c> segment) is left alone, so the script refuses it as on a real node.
    /// </summary>
    public string MapPath(string nodePath)
    {
        ArgumentNullException.ThrowIfNull(nodePath);
        var segments = nodePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return !nodePath.StartsWith('/') || segments.Length == 0 || segments.Contains("..", StringComparer.Ordinal)
            ? nodePath
            : Node.Directory.TrimEnd('/') + nodePath;
    }

    /// <summary>
    /// Writes <c>state/filesystems</c> for the shims: the file systems in <paramref name="wanted"/> and those mounted now,
    /// each with its data folder and whether it is writable at this moment. The local cloud calls it before every
    /// command, so a replica that was promoted since the last command is writable in place, without a remount.
    /// </summary>
    public void RefreshFileSystems(IEnumerable<(string Region, string FileSystemId)> wanted)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        lock (_fileSystemsGate)
        {
            var text = new StringBuilder();
            foreach (var (region, id) in wanted.Concat(Mounts.Select(m => (m.Region, m.FileSystemId))).Distinct())
            {
                if (string.IsNullOrEmpty(region) || string.IsNullOrEmpty(id) || _resolver(region, id) is not { } fs)
                {
                    continue;
                }

                text.Append(CultureInfo.InvariantCulture, $"{region}\t{id}\t{(fs.Writable ? "rw" : "ro")}\t{fs.DataDirectory}\n");
            }

            var path = Path.Combine(StateDirectory, "filesystems");
            var temp = path + ".new";
            File.WriteAllText(temp, text.ToString());
            File.Move(temp, path, overwrite: true);
        }
    }

    /// <summary>Runs the node script with <c>SSM_&lt;name&gt;</c> variables (values as given: map paths first).</summary>
    public Task<NodeScriptResult> RunScriptAsync(IReadOnlyDictionary<string, string> ssm, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ssm);
        return RunAsync("bash", [ScriptPath], ssm.ToDictionary(p => "SSM_" + p.Key, p => p.Value, StringComparer.Ordinal), timeout, cancellationToken);
    }

    /// <summary>Runs a command in the sandbox's environment: working folder the sandbox, <c>bin/</c> first on PATH,
    /// EFSDR_EFS_STATE_DIR and EFSDR_STATE_DIR in the sandbox, no inherited SSM_* or EFSDR_* variable, plus
    /// <paramref name="environment"/>.</summary>
    public async Task<NodeScriptResult> RunAsync(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        // Like the shell would with the sandbox's PATH: a shimmed command name is the shim.
        var shim = Path.Combine(BinDirectory, fileName);
        var start = new ProcessStartInfo(!fileName.Contains('/', StringComparison.Ordinal) && File.Exists(shim) ? shim : fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Node.Directory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("SSM_", StringComparison.Ordinal) || k.StartsWith("EFSDR_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        var path = start.Environment.TryGetValue("PATH", out var inherited) && !string.IsNullOrEmpty(inherited) ? inherited : DefaultPath;
        start.Environment["PATH"] = BinDirectory + ":" + path;
        start.Environment["EFSDR_EFS_STATE_DIR"] = EfsStateDirectory;
        start.Environment["EFSDR_STATE_DIR"] = Node.StateDirectory;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start");
        process.StandardInput.Close();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            timedOut = true;
        }

        return new NodeScriptResult(timedOut ? -1 : process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false), timedOut);
    }

    /// <summary>Stops the application if it runs: kills exactly its pid (checked to be this node's s3rver), waits for
    /// it to go, removes the pid file. For the cloud's disposal; the node script stops it with systemctl.</summary>
    public async Task StopApplicationAsync(CancellationToken cancellationToken = default)
    {
        if (ApplicationPid is not { } pid)
        {
            return;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (ArgumentException)
        {
            // already gone
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        // Wait on the pid itself: an exiting process loses its cmdline before it closes its sockets.
        for (var i = 0; i < 100 && Alive(pid); i++)
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        File.Delete(Path.Combine(StateDirectory, "app.pid"));
    }

    /// <summary>Some thread of the process is neither a zombie nor dead. A multithreaded process (node) whose main
    /// thread is already a zombie still holds its files and sockets until its last thread exits.</summary>
    private static bool Alive(int pid)
    {
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(task, "stat"));
                    if (stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0] is not ("Z" or "X"))
                    {
                        return true;
                    }
                }
                catch (IOException)
                {
                    // that thread is gone
                }
            }

            return false;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The full path of an executable on this process's PATH, or null.</summary>
    public static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? DefaultPath)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private string NodeEnvironment()
    {
        var values = new (string Name, string Value)[]
        {
            ("NODE_NAME", Node.Name),
            ("NODE_INSTANCE_ID", Node.InstanceId),
            ("NODE_REGION", Node.Region),
            ("NODE_ADDRESS", Node.Address),
            ("NODE_APP_UNIT", ApplicationUnit),
            ("NODE_APP_PORT", ApplicationPort.ToString(CultureInfo.InvariantCulture)),
            ("NODE_APP_DIR", Node.MountPoint),
            ("NODE_APP_KIND", "s3rver"),
            ("NODE_S3RVER", S3rverPath),
            ("NODE_REAL_DD", FindOnPath("dd") ?? "/bin/dd"),
            ("NODE_REAL_CURL", FindOnPath("curl") ?? string.Empty),
        };
        var text = new StringBuilder("# The simulated node's constants, written by the local cloud (NodeSandbox); sourced by lib/node-lib.sh.\n");
        foreach (var (name, value) in values)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}='{value.Replace("'", "'\\''", StringComparison.Ordinal)}'\n");
        }

        return text.ToString();
    }

    private static void Install(string source, string destination, bool executable)
    {
        File.Copy(source, destination, overwrite: true);
        if (!OperatingSystem.IsWindows())
        {
            var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            File.SetUnixFileMode(destination, executable ? mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute : mode);
        }
    }
}
