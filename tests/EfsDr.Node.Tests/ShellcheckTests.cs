using System.Diagnostics;
using EfsDr.Node.Tests.Support;

namespace EfsDr.Node.Tests;

public sealed class ShellcheckTests
{
    [Fact]
    public async Task Shellcheck_NodeScript_IsCleanAtStyleSeverity() =>
        await AssertCleanAsync([NodeSandbox.Script]);

    [Fact]
    public async Task Shellcheck_SharedShims_AreCleanAtStyleSeverity()
    {
        var shims = Directory.GetFiles(NodeSandbox.ShimSourceDirectory, "*.sh").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(NodeSandbox.ShimmedCommands.Append("node-lib").Order(StringComparer.Ordinal), shims.Select(Path.GetFileNameWithoutExtension));

        await AssertCleanAsync(shims);
    }

    [Fact]
    public void Shims_BuildOutput_AreTheRepositorysShims()
    {
        var sources = Directory.GetFiles(NodeSandbox.ShimSourceDirectory, "*.sh").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var copies = Directory.GetFiles(NodeSandbox.ShimDirectory, "*.sh").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(sources, copies);
        foreach (var name in sources)
        {
            Assert.True(
                File.ReadAllText(Path.Combine(NodeSandbox.ShimSourceDirectory, name!)) == File.ReadAllText(Path.Combine(NodeSandbox.ShimDirectory, name!)),
                $"{name} next to the test binaries differs from node/testing/shims/{name}: rebuild the tests");
        }
    }

    private static async Task AssertCleanAsync(IEnumerable<string> arguments)
    {
        var shellcheck = NodeSandbox.FindOnPath("shellcheck");
        if (shellcheck is null)
        {
            const string Reason = "shellcheck is not on PATH";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail($"{Reason} (CI=true: this test must run in CI)");
            }

            Assert.Skip(Reason + "; install shellcheck to lint node/efsdr-node.sh and node/testing/shims");
        }

        var start = new ProcessStartInfo(shellcheck, ["--severity=style", .. arguments])
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
