namespace EfsDr.Cluster.Tests.Support;

/// <summary>
/// A temporary folder whose <c>bin/</c> holds a fake <c>efsdr</c> (until the real CLI is wired in): it records its argv
/// (NUL-separated, so every argument is kept exactly), its pid and the CLP_*/AWS_* variables it saw, then exits with
/// the code in <see cref="ExitCode"/>. Before exiting it sources <see cref="Behaviour"/> when set (bash, with
/// <c>$S</c> the root and <c>$n</c> the call's number). <c>bin/</c> also holds a fake <c>hostname</c> answering
/// <see cref="Hostname"/> to <c>hostname -s</c>, and a fake <c>clplogcmd</c> (see <see cref="AlertLog"/>) when
/// <see cref="InstallClplogcmd"/> was called.
/// </summary>
public sealed class FakeEfsdr : IDisposable
{
    public FakeEfsdr()
    {
        Root = Path.Combine(Path.GetTempPath(), "efsdr-cluster-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Bin);
        ScriptRunner.WriteExecutable(Path.Combine(Bin, "efsdr"), $$"""
            #!/bin/bash
            S='{{Root}}'
            n=$(( $(cat "$S/calls" 2>/dev/null || echo 0) + 1 ))
            printf '%s\n' "$n" > "$S/calls"
            printf '%s\0' "$@" > "$S/argv"
            printf '%s\n' "$$" > "$S/pid"
            env | grep -E '^(CLP|AWS)_' | sort > "$S/env" || true
            if [ -f "$S/behaviour" ]; then . "$S/behaviour"; fi
            exit "$(cat "$S/exit-code" 2>/dev/null || echo 0)"
            """);
        ScriptRunner.WriteExecutable(Path.Combine(Bin, "hostname"), $$"""
            #!/bin/bash
            S='{{Root}}'
            [ "$*" = "-s" ] || { echo "hostname: expected -s, got $*" >&2; exit 64; }
            cat "$S/hostname"
            """);
        Hostname = "server2";
    }

    public string Root { get; }

    /// <summary>The folder of the fakes, to put first on PATH.</summary>
    public string Bin => Path.Combine(Root, "bin");

    /// <summary>The fake efsdr's path.</summary>
    public string Efsdr => Path.Combine(Bin, "efsdr");

    /// <summary>A settings file path (written by <see cref="WriteSettings"/>; absent until then).</summary>
    public string SettingsFile => Path.Combine(Root, "efsdr.conf");

    /// <summary>The code the fake efsdr exits with.</summary>
    public int ExitCode
    {
        set => File.WriteAllText(Path.Combine(Root, "exit-code"), value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>What <c>hostname -s</c> answers.</summary>
    public string Hostname
    {
        set => File.WriteAllText(Path.Combine(Root, "hostname"), value + "\n");
    }

    /// <summary>Bash sourced by the fake efsdr before it exits (<c>$S</c> is <see cref="Root"/>, <c>$n</c> the call's number).</summary>
    public string Behaviour
    {
        set => File.WriteAllText(Path.Combine(Root, "behaviour"), value.ReplaceLineEndings("\n"));
    }

    /// <summary>How many times the fake efsdr ran.</summary>
    public int Calls => File.Exists(Path.Combine(Root, "calls")) ? int.Parse(File.ReadAllText(Path.Combine(Root, "calls")).Trim(), System.Globalization.CultureInfo.InvariantCulture) : 0;

    /// <summary>What the fake clplogcmd received, one line per call.</summary>
    public IReadOnlyList<AlertLine> AlertLog => ClplogcmdShim.Read(Path.Combine(Root, "clplogcmd.log"));

    /// <summary>Puts a fake clplogcmd into <see cref="Bin"/>.</summary>
    public void InstallClplogcmd() => ClplogcmdShim.Install(Bin, Path.Combine(Root, "clplogcmd.log"));

    /// <summary>True once the fake efsdr ran.</summary>
    public bool Ran => File.Exists(Path.Combine(Root, "argv"));

    /// <summary>The fake efsdr's argv (without argv[0]).</summary>
    public IReadOnlyList<string> Argv
    {
        get
        {
            var text = File.ReadAllText(Path.Combine(Root, "argv"));
            return text.Length == 0 ? [] : text.TrimEnd('\0').Split('\0');
        }
    }

    /// <summary>The fake efsdr's pid.</summary>
    public int Pid => int.Parse(File.ReadAllText(Path.Combine(Root, "pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The CLP_* and AWS_* variables the fake saw, NAME=value, sorted.</summary>
    public IReadOnlyList<string> Environment => File.ReadAllLines(Path.Combine(Root, "env"));

    /// <summary>Writes the settings file start.sh sources.</summary>
    public void WriteSettings(string text) => File.WriteAllText(SettingsFile, text.ReplaceLineEndings("\n"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // a leftover temp folder is not a test failure
        }
    }
}
