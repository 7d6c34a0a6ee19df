namespace EfsDr.LocalCloud.Tests.Support;

/// <summary>External tools some tests need: skipped without them locally, required under CI=true.</summary>
public static class Tools
{
    /// <summary>The repository root.</summary>
    public static string RepositoryRoot { get; } = Hosting.LocalCloudHost.FindRepositoryRoot();

    /// <summary>node_modules/.bin/s3rver (installed by npm ci).</summary>
    public static string S3rver => Path.Combine(RepositoryRoot, "node_modules", ".bin", "s3rver");

    /// <summary>Skips the test when s3rver is not installed (fails instead under CI=true).</summary>
    public static void RequireS3rver() => Require(File.Exists(S3rver), "s3rver is not installed (run npm ci in the repository root)");

    /// <summary>The path of shellcheck; skips the test when it is missing (fails instead under CI=true).</summary>
    public static string RequireShellcheck()
    {
        var path = LocalCloud.Nodes.NodeSandbox.FindOnPath("shellcheck");
        Require(path is not null, "shellcheck is not on PATH");
        return path!;
    }

    private static void Require(bool present, string reason)
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
