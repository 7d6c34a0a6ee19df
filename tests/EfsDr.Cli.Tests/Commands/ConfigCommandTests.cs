using EfsDr.Cli.Commands;
using EfsDr.LocalCloud.Hosting;

namespace EfsDr.Cli.Tests.Commands;

/// <summary><c>efsdr config validate</c> and the global --stack-name: refused with one line naming the field, before any AWS call.</summary>
public sealed class ConfigCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("efsdr-config-").FullName;

    private static string Example => File.ReadAllText(Path.Combine(LocalCloudHost.FindRepositoryRoot(), "config", "cluster.example.json"));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<(int Exit, string Out, string Err)> Efsdr(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await Program.BuildRoot(output, error).Parse([.. args, "--endpoint-url", "http://127.0.0.1:9"]).InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    private string Write(string text)
    {
        var path = Path.Combine(_directory, $"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, text);
        return path;
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public async Task Validate_Example_IsValidWithTheSdksRegionList()
    {
        var (exit, output, error) = await Efsdr("config", "validate", Write(Example));

        Assert.True(exit == ExitCodes.Ok, output + error);
        Assert.Contains("valid (3 servers in us-east-1, us-west-2", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("us-wset-2")]
    [InlineData("us-west-22")]
    public async Task Validate_RegionTypo_IsOneLineNamingTheField(string region)
    {
        var (exit, _, error) = await Efsdr("config", "validate", Write(Example.Replace("\"us-west-2\"", $"\"{region}\"", StringComparison.Ordinal)));

        Assert.Equal(ExitCodes.Usage, exit);
        var line = Assert.Single(Lines(error));
        Assert.Contains($"servers[2].region: '{region}' is not an AWS region", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_Directory_SaysItIsADirectory()
    {
        var (exit, _, error) = await Efsdr("config", "validate", _directory);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains($"{_directory} is a directory", Assert.Single(Lines(error)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_SeventyTwoMegabyteFile_IsRefusedWithTheLimitWithoutReadingIt()
    {
        var path = Path.Combine(_directory, "huge.json");
        using (var file = File.Create(path))
        {
            file.SetLength(72L * 1024 * 1024);
        }

        var (exit, _, error) = await Efsdr("config", "validate", path);

        Assert.Equal(ExitCodes.Usage, exit);
        var line = Assert.Single(Lines(error));
        Assert.Contains("is 72 MB", line, StringComparison.Ordinal);
        Assert.Contains("at most 4096 bytes", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_DuplicateKey_IsRefusedNamingTheKey()
    {
        var (exit, _, error) = await Efsdr("config", "validate", Write(Example.Replace("\"rpoSeconds\": 900,", "\"rpoSeconds\": 900, \"rpoSeconds\": 60,", StringComparison.Ordinal)));

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains(": rpoSeconds: appears twice", Assert.Single(Lines(error)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_TrailingComma_GivesLineAndColumnWithoutDotNetAdvice()
    {
        var (exit, _, error) = await Efsdr("config", "validate", Write("{\n  \"rpoSeconds\": 900,\n}\n"));

        Assert.Equal(ExitCodes.Usage, exit);
        var line = Assert.Single(Lines(error));
        Assert.Contains("line 3, column 1: a trailing comma is not allowed", line, StringComparison.Ordinal);
        Assert.DoesNotContain("reader options", line, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Validate_MissingFileSystem_SaysItIsRequired()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(Example)!.AsObject();
        json.Remove("fileSystem");

        var (exit, _, error) = await Efsdr("config", "validate", Write(json.ToJsonString()));

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.EndsWith(": fileSystem: is required; add it", Assert.Single(Lines(error)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_InvalidStackName_IsAUsageErrorNamingTheOption()
    {
        var (exit, output, error) = await Efsdr("config", "push", Write(Example), "--stack-name", "efsdr_prod");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.StartsWith("efsdr: --stack-name: 'efsdr_prod' is not a CloudFormation stack name", Assert.Single(Lines(error)), StringComparison.Ordinal);
        Assert.Equal(string.Empty, output);
    }

    [Fact]
    public async Task Push_InvalidStackNameFromTheEnvironment_NamesTheVariable()
    {
        Environment.SetEnvironmentVariable("EFSDR_STACK_NAME", "9lives");
        try
        {
            var (exit, _, error) = await Efsdr("config", "push", Write(Example));

            Assert.Equal(ExitCodes.Usage, exit);
            Assert.StartsWith("efsdr: EFSDR_STACK_NAME: '9lives'", Assert.Single(Lines(error)), StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("EFSDR_STACK_NAME", null);
        }
    }

    [Fact]
    public async Task Push_RegionWithoutServers_IsAUsageErrorBeforeAnyCall()
    {
        var (exit, _, error) = await Efsdr("config", "push", Write(Example), "--region", "eu-west-1");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("--region: 'eu-west-1' hosts no server of this configuration (us-east-1, us-west-2)", Assert.Single(Lines(error)), StringComparison.Ordinal);
    }
}
