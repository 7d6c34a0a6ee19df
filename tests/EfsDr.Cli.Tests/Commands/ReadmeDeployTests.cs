using System.Text.RegularExpressions;
using EfsDr.LocalCloud.Hosting;

namespace EfsDr.Cli.Tests.Commands;

/// <summary>The README's "Deploying to AWS" names only files that exist, and only efsdr commands that parse.</summary>
public sealed partial class ReadmeDeployTests
{
    private static readonly string Root = LocalCloudHost.FindRepositoryRoot();

    private static string DeploySection()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        var start = readme.IndexOf("\n## Deploying to AWS\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no '## Deploying to AWS' section");
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return end < 0 ? readme[start..] : readme[start..end];
    }

    /// <summary>Repository paths: a relative path with a folder and a file extension, or a top-level file the
    /// repository has. Paths below artifacts/ are what the named tools build, so they are not looked for.</summary>
    private static IReadOnlyList<string> RepositoryPaths(string text) =>
        [.. RelativePath().Matches(text).Select(m => m.Groups[1].Value)
            .Concat(TopLevelFile().Matches(text).Select(m => m.Groups[1].Value))
            .Where(p => !p.StartsWith("artifacts/", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)];

    [Fact]
    public void DeploySection_EveryRepositoryPathItNames_Exists()
    {
        var paths = RepositoryPaths(DeploySection());

        Assert.Contains("tools/publish-lambda.sh", paths);
        Assert.Contains("config/cluster.example.json", paths);
        Assert.All(paths, p => Assert.True(File.Exists(Path.Combine(Root, p)) || Directory.Exists(Path.Combine(Root, p)), $"README's deploy section names {p}, which is not in the repository"));
    }

    [Fact]
    public void RepositoryPaths_TheOldDeployCommand_FindsTheMissingFile()
    {
        var paths = RepositoryPaths("""ClusterConfiguration="$(jq -c . config/cluster.json)" and template.yaml, not /efsdr/configuration""");

        Assert.Equal(["config/cluster.json", "template.yaml"], paths);
        Assert.False(File.Exists(Path.Combine(Root, "config", "cluster.json")));
    }

    [Fact]
    public void DeploySection_EfsdrCommands_ParseWithTheCli()
    {
        var commands = DeploySection().Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("efsdr ", StringComparison.Ordinal)).ToList();

        Assert.Contains(commands, c => c.StartsWith("efsdr config push", StringComparison.Ordinal));
        Assert.Contains(commands, c => c.StartsWith("efsdr config diff", StringComparison.Ordinal));
        Assert.Contains(commands, c => c.StartsWith("efsdr failover", StringComparison.Ordinal));
        Assert.All(commands, command =>
        {
            var parse = Program.BuildRoot(TextWriter.Null, TextWriter.Null).Parse(command.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..]);
            Assert.True(parse.Errors.Count == 0, $"{command}: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
        });
    }

    [Fact]
    public void DeploySection_PassesNoJsonThroughParameterOverrides()
    {
        var section = DeploySection();

        Assert.DoesNotContain("ClusterConfiguration=", section, StringComparison.Ordinal);
        Assert.DoesNotContain("start-execution", section, StringComparison.Ordinal);
        Assert.DoesNotContain("will wrap this", section, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"(?<![\w/:.$-])((?:[A-Za-z0-9_.-]+/)+[A-Za-z0-9_.-]*[A-Za-z0-9_-]\.(?:sh|json|ya?ml|toml|md|cs|py|props|sln))\b")]
    private static partial Regex RelativePath();

    [GeneratedRegex(@"(?<![\w/.-])(template\.yaml|samconfig\.toml|Serverless\.sln|global\.json|package\.json)\b")]
    private static partial Regex TopLevelFile();
}
