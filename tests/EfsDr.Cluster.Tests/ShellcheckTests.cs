using System.Diagnostics;
using EfsDr.Cluster.Tests.Support;

namespace EfsDr.Cluster.Tests;

public sealed class ShellcheckTests
{
    [Fact]
    public async Task Shellcheck_ClusterScriptsAndSettingsExample_AreCleanAtStyleSeverity()
    {
        var shellcheck = Repo.FindOnPath("shellcheck");
        Repo.Require(shellcheck is not null, "shellcheck is not on PATH; install it to lint cluster/*.sh");
        var scripts = Directory.GetFiles(Path.Combine(Repo.Root, "cluster"), "*.sh").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["genw.sh", "start.sh", "stop.sh"], scripts.Select(Path.GetFileName));

        var start = new ProcessStartInfo(shellcheck!, ["--severity=style", "--shell=bash", .. scripts, Path.Combine(Repo.Root, "cluster", "efsdr.conf.example")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("shellcheck did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(process.ExitCode == 0, $"shellcheck exit {process.ExitCode}:\n{await stdout}{await stderr}");
    }

    [Theory]
    [InlineData("start.sh")]
    [InlineData("stop.sh")]
    [InlineData("genw.sh")]
    public void Scripts_Header_IsStrictBashAndExecutable(string name)
    {
        var path = Repo.ClusterScript(name);
        var lines = File.ReadAllLines(path);

        Assert.Equal("#!/usr/bin/env bash", lines[0]);
        Assert.Contains("set -euo pipefail", lines);
        Assert.Contains(lines, l => l.StartsWith("# Exit codes", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => !l.TrimStart().StartsWith('#') && (l.Contains("pkill", StringComparison.Ordinal) || l.Contains("killall", StringComparison.Ordinal) || l.Contains("umount -f", StringComparison.Ordinal)));
        Assert.True(File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute), $"{name} is not executable");
    }
}
