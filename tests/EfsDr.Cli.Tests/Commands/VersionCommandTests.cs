using System.CommandLine;
using EfsDr.Cli.Commands;

namespace EfsDr.Cli.Tests.Commands;

/// <summary><c>efsdr version</c> in the build the tests use (the drill included).</summary>
public sealed class VersionCommandTests
{
    [Fact]
    public void Version_PrintsTheInformationalVersionAndThatTheDrillIsIncluded()
    {
        using var output = new StringWriter();
        var root = new RootCommand { VersionCommand.Create(output) };

        var rc = root.Parse(["version"]).Invoke();

        Assert.Equal(0, rc);
        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["efsdr " + VersionCommand.InformationalVersion, "drill: included"], lines);
        Assert.False(string.IsNullOrWhiteSpace(VersionCommand.InformationalVersion));
        Assert.True(VersionCommand.DrillIncluded);
    }
}
