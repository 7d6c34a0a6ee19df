using EfsDr.Functions.Tests.Support;

namespace EfsDr.Functions.Tests.Tools;

/// <summary>tools/check-glibc.sh, which tools/publish-lambda.sh runs on the bootstrap, over saved symbol listings.</summary>
public sealed class GlibcCheckTests
{
    private static readonly string Script = Repo.Path("tools", "check-glibc.sh");

    private static string Fixture(string name) => Repo.Path("tests", "EfsDr.Functions.Tests", "Tools", "Fixtures", name);

    private static (int ExitCode, string Output) Check(params string[] arguments) => Repo.Run("bash", [Script, .. arguments]);

    [Theory]
    [InlineData("2.34")]
    [InlineData("2.35")]
    [InlineData("2.40")]
    public void Check_ObjdumpListingUpTo234_PassesAtOrAbove234(string max)
    {
        var (code, output) = Check("--max", max, "--listing", Fixture("objdump-glibc-2.34.txt"));

        Assert.True(code == 0, output);
        Assert.Contains("needs glibc 2.34 at most", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2.33")]
    [InlineData("2.3")]
    [InlineData("2.28")]
    public void Check_ObjdumpListingUpTo234_FailsBelow234(string max)
    {
        var (code, output) = Check("--max", max, "--listing", Fixture("objdump-glibc-2.34.txt"));

        Assert.True(code == 1, output);
        Assert.Contains("__libc_start_main", output, StringComparison.Ordinal);
        Assert.DoesNotContain("getenv", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_ReadelfListingWithNewerSymbols_FailsAndNamesThemByDefault()
    {
        var (code, output) = Check("--listing", Fixture("readelf-glibc-2.38.txt"));

        Assert.True(code == 1, output);
        Assert.Contains("needs glibc 2.38, newer than the allowed 2.34", output, StringComparison.Ordinal);
        Assert.Contains("__isoc23_strtol@GLIBC_2.38", output, StringComparison.Ordinal);
        Assert.Contains("__rseq_offset@GLIBC_2.35", output, StringComparison.Ordinal);
        Assert.DoesNotContain("__libc_start_main", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_ListingWithoutGlibcVersions_FailsInsteadOfPassing()
    {
        var (code, output) = Check("--listing", Fixture("objdump-static.txt"));

        Assert.True(code == 4, output);
    }

    [Theory]
    [InlineData("--max", "two")]
    [InlineData("--bogus")]
    public void Check_BadArguments_AreUsageErrors(params string[] arguments)
    {
        var (code, output) = Check([.. arguments, "--listing", Fixture("objdump-glibc-2.34.txt")]);

        Assert.True(code == 2, output);
    }

    [Fact]
    public void Check_RealBinary_ReadsItsSymbolsWithTheInstalledTool()
    {
        var tool = new[] { "objdump", "readelf" }.SelectMany(t => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Select(d => Path.Combine(d, t))).FirstOrDefault(File.Exists);
        if (tool is null)
        {
            Repo.Unavailable("neither objdump nor readelf is on PATH (binutils)");
        }

        var (code, output) = Check("--max", "99.0", "/bin/sh");

        Assert.True(code == 0, output);
        Assert.Matches(@"needs glibc 2\.\d+ at most", output);
    }

    [Fact]
    public void PublishLambda_RunsTheCheckOnTheBootstrap()
    {
        var script = File.ReadAllText(Repo.Path("tools", "publish-lambda.sh"));

        Assert.Contains("tools/check-glibc.sh\" --max 2.34 \"${out}/bootstrap\"", script, StringComparison.Ordinal);
    }
}
