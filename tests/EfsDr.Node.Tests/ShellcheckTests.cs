using System.Diagnostics;
using EfsDr.Node.Tests.Support;

namespace EfsDr.Node.Tests;

public sealed class ShellcheckTests
{
    [Fact]
    public async Task Shellcheck_NodeScript_IsCleanAtStyleSeverity()
    {
        var shellcheck = NodeSandbox.FindOnPath("shellcheck");
        if (shellcheck is null)
        {
            const string Reason = "shellcheck is not on PATH";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail($"{Reason} (CI=true: this test must run in CI)");
            }

            Assert.Skip(Reason + "; install shellcheck to lint node/efsdr-node.sh");
        }

        var start = new ProcessStartInfo(shellcheck, ["--severity=style", NodeSandbox.Script])
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
}
