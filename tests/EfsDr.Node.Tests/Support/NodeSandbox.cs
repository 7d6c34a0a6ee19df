using System.Diagnostics;

namespace EfsDr.Node.Tests.Support;

/// <summary>
/// A temporary directory in which node/efsdr-node.sh runs with shims first on PATH.
/// Each shim appends its argv to <c>log</c> as <c>name [arg1] [arg2] …</c>, so one line shows each argument as a
/// separate element. The shims simulate state with files under <c>state/</c>:
/// <list type="bullet">
/// <item><c>mounts</c>: one <c>SOURCE\tTARGET\tOPTIONS</c> line per mount (mount adds, umount removes; mountpoint and findmnt read it).</item>
/// <item><c>readonly</c>: the mounted file system is a read-only replica. The script's write probe goes through
/// <c>dd conv=fsync</c>, and the dd shim then fails with EROFS. Tests run as root, where chmod cannot stop a write,
/// so the read-only case is simulated at the one command that writes.</item>
/// <item><c>unhealthy</c> (curl always fails), <c>curl-failures</c> (holds N: the next N curls fail), <c>busy</c> (umount fails, target is busy), <c>mount-fails</c>,
/// <c>start-fails</c>, <c>stop-fails</c>, <c>active</c> (systemctl start creates it, stop removes it).</item>
/// </list>
/// pkill and killall shims only log, so a test can prove that nothing was killed.
/// </summary>
public sealed class NodeSandbox : IDisposable
{
    /// <summary>The commands the shims replace.</summary>
    public static readonly string[] ShimmedCommands = ["mount", "umount", "mountpoint", "findmnt", "systemctl", "curl", "fuser", "dd", "pkill", "killall"];

    public NodeSandbox()
    {
        Root = Path.Combine(Path.GetTempPath(), "efsdr-node-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(Root, "bin"));
        Directory.CreateDirectory(Path.Combine(Root, "state"));
        Directory.CreateDirectory(EfsStateDir);
        File.WriteAllText(MountsFile, string.Empty);
        var realDd = FindOnPath("dd") ?? throw new InvalidOperationException("dd is not on PATH");
        foreach (var name in ShimmedCommands)
        {
            var path = Path.Combine(Root, "bin", name);
            File.WriteAllText(path, Shim(name, realDd));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
    }

    public string Root { get; }

    /// <summary>The mount point the tests pass as SSM_MountPoint.</summary>
    public string MountPoint => Path.Combine(Root, "mnt", "efs");

    public string EfsStateDir => Path.Combine(Root, "efs-state");

    /// <summary>EFSDR_STATE_DIR: where the script records the active file system (never the machine's /var/lib/efsdr).</summary>
    public string StateDir => Path.Combine(Root, "var", "lib", "efsdr");

    /// <summary>The record a successful activate writes and deactivate removes.</summary>
    public string ActiveRecord => Path.Combine(StateDir, "active-file-system");

    public string MountsFile => Path.Combine(Root, "state", "mounts");

    private string LogFile => Path.Combine(Root, "log");

    /// <summary>Every shim call, in order; empty when no shim ran.</summary>
    public IReadOnlyList<string> Calls => File.Exists(LogFile) ? File.ReadAllLines(LogFile) : [];

    /// <summary>The mounts the shims currently simulate.</summary>
    public IReadOnlyList<string> Mounts => File.ReadAllLines(MountsFile);

    /// <summary>Sets a state flag such as <c>readonly</c> or <c>busy</c>.</summary>
    public void Set(string flag, string content = "") => File.WriteAllText(Path.Combine(Root, "state", flag), content);

    /// <summary>Simulates an existing mount.</summary>
    public void AddMount(string source, string target, string options = "rw,relatime") =>
        File.AppendAllText(MountsFile, $"{source}\t{target}\t{options}\n");

    /// <summary>Runs the script with the given SSM_* values (and nothing else inherited but PATH's system part).</summary>
    public async Task<NodeResult> RunAsync(IReadOnlyDictionary<string, string> ssm, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Root,
        };
        start.ArgumentList.Add(Script);
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

    private string Shim(string name, string realDd)
    {
        var prelude = $$"""
            #!/bin/bash
            S='{{Root}}'
            { printf '%s' '{{name}}'; printf ' [%s]' "$@"; printf '\n'; } >> "$S/log"
            target="${*: -1}"

            """;
        var body = name switch
        {
            "mount" => """
                [ -e "$S/state/mount-fails" ] && { echo "mount: $target: mount(2) system call failed" >&2; exit 32; }
                opts=; prev=
                for a in "$@"; do [ "$prev" = -o ] && opts="$a"; prev="$a"; done
                n=$#; src="${*:n-1:1}"
                printf '%s\t%s\t%s\n' "$src" "$target" "rw,$opts" >> "$S/state/mounts"
                """,
            "umount" => """
                [ -e "$S/state/busy" ] && { echo "umount: $target: target is busy." >&2; exit 32; }
                kept=$(while IFS=$'\t' read -r src tgt opts; do [ "$tgt" = "$target" ] || printf '%s\t%s\t%s\n' "$src" "$tgt" "$opts"; done < "$S/state/mounts")
                [ -n "$kept" ] && printf '%s\n' "$kept" > "$S/state/mounts" || : > "$S/state/mounts"
                """,
            "mountpoint" => """
                while IFS=$'\t' read -r src tgt opts; do [ "$tgt" = "$target" ] && exit 0; done < "$S/state/mounts"
                exit 1
                """,
            "findmnt" => """
                col=; prev=
                for a in "$@"; do [ "$prev" = -o ] && col="$a"; prev="$a"; done
                found=
                while IFS=$'\t' read -r src tgt opts; do
                  [ "$tgt" = "$target" ] && { [ "$col" = OPTIONS ] && found="$opts" || found="$src"; }
                done < "$S/state/mounts"
                [ -n "$found" ] || exit 1
                printf '%s\n' "$found"
                """,
            "systemctl" => """
                case "$1" in
                  start) [ -e "$S/state/start-fails" ] && { echo "Job for $target.service failed." >&2; exit 1; }; : > "$S/state/active" ;;
                  stop) [ -e "$S/state/stop-fails" ] && { echo "Job for $target.service failed." >&2; exit 1; }; rm -f "$S/state/active" ;;
                  is-active) [ -e "$S/state/active" ] || exit 3 ;;
                esac
                exit 0
                """,
            "curl" => """
                fails=0; [ -e "$S/state/curl-failures" ] && fails=$(cat "$S/state/curl-failures")
                if [ -e "$S/state/unhealthy" ] || [ "$fails" -gt 0 ]; then
                  echo $((fails - 1)) > "$S/state/curl-failures"
                  echo "curl: (7) Failed to connect to 127.0.0.1 port 9000" >&2; exit 7
                fi
                exit 0
                """,
            "fuser" => """
                printf '                     USER        PID ACCESS COMMAND\n%s:  root       4242 ..c.. minio\n' "$target" >&2
                exit 0
                """,
            "dd" => $$"""
                [ -e "$S/state/readonly" ] && { echo "dd: failed to open the output file: Read-only file system" >&2; exit 1; }
                exec '{{realDd}}' "$@"
                """,
            _ => "exit 0",
        };
        return prelude + body + "\n";
    }
}

/// <summary>What one run of the script produced.</summary>
public sealed record NodeResult(int ExitCode, string Stdout, string Stderr, IReadOnlyList<string> Calls)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}--- stderr\n{Stderr}--- calls\n{string.Join('\n', Calls)}";
}
