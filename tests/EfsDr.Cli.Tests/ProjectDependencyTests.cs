using System.Text.RegularExpressions;
using System.Xml.Linq;
using EfsDr.LocalCloud.Hosting;

namespace EfsDr.Cli.Tests;

/// <summary>
/// The project graph, read from the project files: <c>efsdr</c> (Native AOT) links neither the drill, the local cloud nor
/// ASP.NET Core; the drill references the run-following library (cli/EfsDr.Runs), never the CLI executable; product code
/// shows its internals to tests only, and the local projects show theirs to no product project.
/// </summary>
public sealed partial class ProjectDependencyTests
{
    private const string Cli = "cli/EfsDr.Cli/EfsDr.Cli.csproj";
    private const string Runs = "cli/EfsDr.Runs/EfsDr.Runs.csproj";
    private const string Drill = "local/EfsDr.Drill/EfsDr.Drill.csproj";

    private static readonly string Root = LocalCloudHost.FindRepositoryRoot();

    /// <summary>Product projects: shipped (the functions, the CLI and its library).</summary>
    private static readonly string[] ProductFolders = ["functions", "cli"];

    [Fact]
    public void Drill_ProjectReferences_TheRunsLibraryAndNotTheCli()
    {
        Assert.Contains(Runs, DirectReferences(Drill));
        Assert.DoesNotContain(Cli, Closure(Drill));
    }

    [Fact]
    public void Cli_ProjectClosure_HasNoLocalProjectAndNoAspNetCore()
    {
        var closure = Closure(Cli);

        Assert.Contains(Runs, closure);
        Assert.DoesNotContain(closure, p => p.StartsWith("local/", StringComparison.Ordinal));
        foreach (var project in closure)
        {
            var document = Load(project);
            Assert.False(document.Root!.Attribute("Sdk")?.Value.Contains("Web", StringComparison.OrdinalIgnoreCase) == true, $"{project} uses the web SDK");
            Assert.DoesNotContain(document.Descendants("FrameworkReference"), f => f.Attribute("Include")?.Value.StartsWith("Microsoft.AspNetCore", StringComparison.OrdinalIgnoreCase) == true);
        }
    }

    [Fact]
    public void InternalsVisibleTo_ProductProjects_OnlyToTests()
    {
        var grants = ProductFolders.SelectMany(Projects).SelectMany(p => InternalsVisibleTo(p).Select(to => (Project: p, To: to))).ToList();

        Assert.NotEmpty(grants);
        Assert.All(grants, g => Assert.True(g.To.EndsWith(".Tests", StringComparison.Ordinal), $"{g.Project} shows its internals to {g.To}"));
    }

    [Fact]
    public void InternalsVisibleTo_LocalProjects_ToNoProductProject()
    {
        var product = ProductFolders.SelectMany(Projects).SelectMany(p => new[] { Path.GetFileNameWithoutExtension(p), AssemblyName(p) }).ToHashSet(StringComparer.OrdinalIgnoreCase);

        var grants = Projects("local").SelectMany(p => InternalsVisibleTo(p).Select(to => (Project: p, To: to)));

        Assert.All(grants, g => Assert.False(product.Contains(g.To), $"{g.Project} shows its internals to the product project {g.To}"));
    }

    /// <summary>The projects (csproj) under a top-level folder, relative to the repository root.</summary>
    private static IEnumerable<string> Projects(string folder) =>
        Directory.EnumerateFiles(Path.Combine(Root, folder), "*.csproj", SearchOption.AllDirectories)
            .Where(p => !IsBuildOutput(p))
            .Select(Relative);

    /// <summary>The projects a project references directly, relative to the repository root.</summary>
    private static List<string> DirectReferences(string project)
    {
        var directory = Path.GetDirectoryName(Path.Combine(Root, project))!;
        return [.. Load(project).Descendants("ProjectReference")
            .Select(r => r.Attribute("Include")!.Value.Replace('\\', '/'))
            .Select(include => Relative(Path.GetFullPath(Path.Combine(directory, include))))];
    }

    /// <summary>A project and every project it references, transitively.</summary>
    private static HashSet<string> Closure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var next))
        {
            if (seen.Add(next))
            {
                foreach (var reference in DirectReferences(next))
                {
                    pending.Push(reference);
                }
            }
        }

        return seen;
    }

    /// <summary>The assembly names a project shows its internals to: its InternalsVisibleTo items and attributes.</summary>
    private static IEnumerable<string> InternalsVisibleTo(string project)
    {
        var items = Load(project).Descendants("InternalsVisibleTo").Select(i => i.Attribute("Include")!.Value);
        var directory = Path.GetDirectoryName(Path.Combine(Root, project))!;
        var attributes = Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(f))
            .SelectMany(f => InternalsVisibleToAttribute().Matches(File.ReadAllText(f)).Select(m => m.Groups["to"].Value));
        return items.Concat(attributes);
    }

    private static string AssemblyName(string project) =>
        Load(project).Descendants("AssemblyName").FirstOrDefault()?.Value ?? Path.GetFileNameWithoutExtension(project);

    private static XDocument Load(string project) => XDocument.Load(Path.Combine(Root, project));

    private static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    private static bool IsBuildOutput(string path) =>
        path.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Any(part => part is "obj" or "bin");

    [GeneratedRegex("""InternalsVisibleTo\(\s*"(?<to>[^",]+)""")]
    private static partial Regex InternalsVisibleToAttribute();
}
