using EfsDr.Cli.Commands;

namespace EfsDr.Cli.Tests.Commands;

/// <summary><c>efsdr fence</c> usage errors: refused before any AWS call.</summary>
public sealed class FenceCommandTests
{
    [Theory]
    [InlineData("--node-timeout", "soon", "--node-timeout")]
    [InlineData("--output", "yaml", "--output")]
    public async Task Fence_BadOption_IsAUsageErrorNamingIt(string option, string value, string named)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var config = Path.Combine(LocalCloudRoot(), "config", "cluster.example.json");

        var exit = await Program.BuildRoot(output, error).Parse(["fence", option, value, "--config", config, "--endpoint-url", "http://127.0.0.1:9"]).InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains(named, error.ToString(), StringComparison.Ordinal);
        Assert.Equal(string.Empty, output.ToString());
    }

    private static string LocalCloudRoot() => EfsDr.LocalCloud.Hosting.LocalCloudHost.FindRepositoryRoot();
}
