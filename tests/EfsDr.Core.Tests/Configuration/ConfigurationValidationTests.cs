using System.Text.Json.Nodes;
using EfsDr.Core.Configuration;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;

namespace EfsDr.Core.Tests.Configuration;

/// <summary>Issue 14, point 5: what <c>config validate</c> used to accept, and the messages that misled.</summary>
public sealed class ConfigurationValidationTests
{
    private static readonly string Root = FindRoot();

    private static readonly Func<string, bool> KnownRegions = region => region is "us-east-1" or "us-west-2" or "eu-west-1";

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Serverless.sln not found above the test binaries");
    }

    private static string Example => File.ReadAllText(Path.Combine(Root, "config", "cluster.example.json"));

    private static string Mutate(Action<JsonObject> change)
    {
        var node = JsonNode.Parse(Example)!.AsObject();
        change(node);
        return node.ToJsonString();
    }

    private static FieldError Single(string json, Func<string, bool>? regions = null) =>
        Assert.Single(Assert.Throws<InvalidConfigurationException>(() => EfsDrJson.ParseConfiguration(json, regions ?? KnownRegions)).Errors);

    [Theory]
    [InlineData("us-wset-2")]
    [InlineData("us-west-22")]
    public void ParseConfiguration_RegionNotInTheRegionList_NamesTheField(string region)
    {
        var error = Single(Mutate(n => n["servers"]![2]!["region"] = region));

        Assert.Equal("servers[2].region", error.Field);
        Assert.Contains($"'{region}' is not an AWS region", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseConfiguration_KnownRegions_AskTheGivenCheck()
    {
        var asked = new List<string>();

        EfsDrJson.ParseConfiguration(Example, region =>
        {
            asked.Add(region);
            return true;
        });

        Assert.Equal(["us-east-1", "us-east-1", "us-west-2"], asked);
    }

    [Theory]
    [InlineData("promotionSeconds", 120, "promotionSeconds", 60, "budgets.promotionSeconds")]
    [InlineData("nodeSeconds", 60, "nodeCommandSeconds", 30, "budgets.nodeCommandSeconds")]
    [InlineData("dnsSeconds", 60, "dnsSeconds", 10, "budgets.dnsSeconds")]
    public void ParseConfiguration_BudgetShorterThanItsPollInterval_IsRefused(string poll, int pollSeconds, string budget, int budgetSeconds, string field)
    {
        var error = Single(Mutate(n =>
        {
            n["poll"]![poll] = pollSeconds;
            n["budgets"]![budget] = budgetSeconds;
            n["budgets"]!["healthSeconds"] = 10;
        }));

        Assert.Equal(field, error.Field);
        Assert.Contains("poll.", error.Message, StringComparison.Ordinal);
        Assert.Contains("before its first check", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("255.255.255.255")]
    [InlineData("224.0.0.1")]
    [InlineData("169.254.169.254")]
    public void ParseConfiguration_AddressNoServerCanHave_IsRefused(string address)
    {
        var error = Single(Mutate(n => n["servers"]![0]!["privateIp"] = address));

        Assert.Equal("servers[0].privateIp", error.Field);
        Assert.Contains("cannot be a server's address", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseConfiguration_LargerThanTheParameterHolds_IsRefusedWithTheLimit()
    {
        var json = Mutate(n => n["application"]!["unit"] = new string('m', 5000));

        var error = Single(json);

        Assert.Equal("$", error.Field);
        Assert.Contains("at most 4096 bytes", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 200, error.Message);
    }

    [Fact]
    public void ParseConfiguration_SeventyTwoMegabytes_SaysHowLargeWithoutEchoingIt()
    {
        var json = "{\"x\":\"" + new string('a', 72 * 1024 * 1024) + "\"}";

        var error = Single(json);

        Assert.Contains("is 72 MB", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 200, error.Message);
    }

    [Fact]
    public void Validate_LongBadValue_IsCutInTheMessage()
    {
        var configuration = EfsDrJson.ParseConfiguration(Example);
        configuration.Servers[0].Region = new string('x', 5 * 1024 * 1024);

        var error = Assert.Single(ClusterConfigurationValidator.Validate(configuration));

        Assert.Equal("servers[0].region", error.Field);
        Assert.Contains(new string('x', ClusterConfigurationValidator.MaxQuotedLength) + "…'", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 200, error.Message.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("fileSystem", "fileSystem")]
    [InlineData("servers", "servers")]
    [InlineData("dns", "dns")]
    public void ParseConfiguration_MissingSection_SaysItIsRequired(string section, string field)
    {
        var error = Single(Mutate(n => n.Remove(section)));

        Assert.Equal(field, error.Field);
        Assert.Equal("is required; add it", error.Message);
    }

    [Fact]
    public void ParseConfiguration_MissingServerRegion_NamesTheServersField()
    {
        var error = Single(Mutate(n => n["servers"]![1]!.AsObject().Remove("region")));

        Assert.Equal("servers[1].region", error.Field);
        Assert.Equal("is required; add it", error.Message);
    }

    [Fact]
    public void ParseConfiguration_WrongEnumValue_ListsTheAllowedValues()
    {
        var error = Single(Mutate(n => n["fileSystem"]!["mountMethod"] = "cifs"));

        Assert.Equal("fileSystem.mountMethod", error.Field);
        Assert.Equal("must be one of: efs-utils, nfs4", error.Message);
    }

    [Fact]
    public void ParseConfiguration_TrailingComma_GivesLineAndColumnWithoutReaderAdvice()
    {
        var json = "{\n  \"fileSystem\": { \"name\": \"DRTest-EFS1\" },\n}\n";

        var error = Single(json);

        Assert.Equal("$", error.Field);
        Assert.StartsWith("is not valid JSON at line 3, column 1: a trailing comma is not allowed", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("reader options", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("mode", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseConfiguration_SyntaxError_GivesLineAndColumn()
    {
        var error = Single("{\n  \"fileSystem\": { \"name\" \"x\" }\n}");

        Assert.Matches("^is not valid JSON at line 2, column [0-9]+: ", error.Message);
        Assert.DoesNotContain("LineNumber", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseConfiguration_DuplicateTopLevelKey_IsRefusedNamingIt()
    {
        var json = Example.Replace("\"rpoSeconds\": 900,", "\"rpoSeconds\": 900, \"rpoSeconds\": 60,", StringComparison.Ordinal);

        var error = Single(json);

        Assert.Equal("rpoSeconds", error.Field);
        Assert.Contains("appears twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseConfiguration_DuplicateKeyInASecondServer_NamesItsPath()
    {
        var json = Example.Replace("\"name\": \"server2\",", "\"name\": \"server2\", \"name\": \"server9\",", StringComparison.Ordinal);

        var error = Single(json);

        Assert.Equal("servers[1].name", error.Field);
    }

    [Fact]
    public void ParseConfiguration_SameKeyInDifferentObjects_IsNoDuplicate()
    {
        var configuration = EfsDrJson.ParseConfiguration(Example, KnownRegions);

        Assert.Equal(3, configuration.Servers.Count);
    }

    [Fact]
    public void StackNames_DefaultStack_NamesWhatTheTemplateNames()
    {
        Assert.Equal("efsdr-node", StackNames.NodeDocument(StackNames.Default));
        Assert.Equal(StackNames.DefaultNodeDocument, StackNames.NodeDocument(StackNames.Default));
        Assert.Equal("/prod/configuration", StackNames.ConfigurationParameter("prod"));
        Assert.Equal("/prod/stack-parameters", StackNames.StackParametersParameter("prod"));
        Assert.Equal("efsdr-node", new EfsDr.Core.Health.HealthCheckOptions().NodeDocument);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1efsdr")]
    [InlineData("efsdr_prod")]
    [InlineData("/efsdr")]
    public void StackNames_NotAStackName_IsRefused(string name)
    {
        Assert.False(StackNames.IsValid(name));
        Assert.Throws<ArgumentException>(() => StackNames.NodeDocument(name));
    }

    [Theory]
    [InlineData("region", "eu-west-1", "mountTargets[0].region", "is not a region of any server")]
    [InlineData("subnetId", "subnet-xyz", "mountTargets[0].subnetId", "is not a subnet id")]
    [InlineData("securityGroups", "sg-bad", "mountTargets[0].securityGroups", "is not a security group id")]
    public void ParseConfiguration_BadMountTarget_NamesTheField(string member, string value, string field, string message)
    {
        var error = Single(Mutate(n =>
        {
            var target = n["mountTargets"]![0]!.AsObject();
            target[member] = member == "securityGroups" ? new JsonArray(value) : value;
        }));

        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseConfiguration_MountTargetWithoutSecurityGroups_IsRefused()
    {
        var error = Single(Mutate(n => n["mountTargets"]![0]!["securityGroups"] = new JsonArray()));

        Assert.Equal("mountTargets[0].securityGroups", error.Field);
    }

    [Fact]
    public void ParseConfiguration_SameSubnetTwice_IsRefused()
    {
        var error = Single(Mutate(n => n["mountTargets"]![1]!["subnetId"] = "subnet-0123456789abcdef1"));

        Assert.Equal("mountTargets[].subnetId", error.Field);
    }

    [Fact]
    public void ParseConfiguration_NoMountTargets_IsValidAndEmpty()
    {
        var configuration = EfsDrJson.ParseConfiguration(Mutate(n => n.Remove("mountTargets")), KnownRegions);

        Assert.Empty(configuration.MountTargets);
        Assert.Empty(configuration.MountTargetsIn("us-west-2"));
    }
}
