using EfsDr.LocalCloud.Hosting;

namespace EfsDr.Cluster.Tests.Support;

/// <summary>Paths in the repository and the tools some tests need.</summary>
public static class Repo
{
    /// <summary>The system part of PATH the scripts get after any shim folder.</summary>
    public const string SystemPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>The repository root (the folder holding Serverless.sln).</summary>
    public static string Root { get; } = LocalCloudHost.FindRepositoryRoot();

    /// <summary>A script of cluster/ (start.sh, stop.sh, genw.sh).</summary>
    public static string ClusterScript(string name) => Path.Combine(Root, "cluster", name);

    /// <summary>node/efsdr-node.sh, which stop.sh runs.</summary>
    public static string NodeScript => Path.Combine(Root, "node", "efsdr-node.sh");

    /// <summary>The full path of an executable on this process's PATH, or null.</summary>
    public static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? SystemPath)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    /// <summary>Skips the test when <paramref name="present"/> is false; under CI=true it fails instead.</summary>
    public static void Require(bool present, string reason)
    {
        if (present)
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail($"{reason} (CI=true: this test must run in CI)");
        }

        Assert.Skip(reason);
    }
}
