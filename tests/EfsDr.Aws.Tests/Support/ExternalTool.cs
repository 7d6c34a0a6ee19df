namespace EfsDr.Aws.Tests.Support;

/// <summary>Finds tools the contract tests need, and skips (locally) or fails (under CI=true) when one is missing.</summary>
public static class ExternalTool
{
    /// <summary>True when the CI variable says this is a CI run.</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The full path of an executable on PATH, or null.</summary>
    public static string? Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Skips the test with <paramref name="reason"/>, or fails it when running under CI.</summary>
    public static void Unavailable(string reason)
    {
        if (InCi)
        {
            Assert.Fail($"{reason} (CI=true: this test must run in CI; .ci/run is expected to provide the tool)");
        }

        Assert.Skip(reason);
    }
}
