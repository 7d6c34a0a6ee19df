using System.CommandLine;
using EfsDr.Cli.Commands;

namespace EfsDr.Cli.Tests.Commands;

/// <summary><c>efsdr version</c>, and the operator CLI's command tree without the drill.</summary>
public sealed class VersionCommandTests
{
    [Fact]
    public async Task Version_Invoked_PrintsTheInformationalVersion()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var rc = await Program.InvokeAsync(["version"], output, error, TestContext.Current.CancellationToken);

        Assert.Equal(0, rc);
        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["efsdr " + VersionCommand.InformationalVersion], lines);
        Assert.False(string.IsNullOrWhiteSpace(VersionCommand.InformationalVersion));
    }

    [Fact]
    public void BuildRoot_OperatorCli_HasNoDrillCommand()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var root = Program.BuildRoot(output, error);

        Assert.DoesNotContain(root.Subcommands, c => c.Name is "drill" or "up");
        Assert.DoesNotContain(typeof(Program).Assembly.GetReferencedAssemblies(), a => a.Name is "EfsDr.LocalCloud" or "efsdr-drill" || a.Name!.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }
}
