using System.Text.Json;
using System.Text.Json.Nodes;
using EfsDr.Core.Configuration;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;

namespace EfsDr.Core.Tests.Configuration;

public sealed class ClusterConfigurationTests
{
    private static readonly string Root = FindRoot();

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

    private static string Mutate(Action<JsonNode> change)
    {
        var node = JsonNode.Parse(Example)!;
        change(node);
        return node.ToJsonString();
    }

    [Fact]
    public void ParseConfiguration_Example_IsValidAndComplete()
    {
        var configuration = EfsDrJson.ParseConfiguration(Example);

        Assert.Equal("DRTest-EFS1", configuration.FileSystem.Name);
        Assert.Equal(MountMethod.EfsUtils, configuration.FileSystem.MountMethod);
        Assert.Equal(["us-east-1", "us-west-2"], configuration.Regions);
        Assert.Equal("server3", configuration.Server("server3")!.Name);
        Assert.Equal(30, configuration.Dns.FailoverTtl);
    }

    [Fact]
    public void ParseConfiguration_DefaultsOmitted_UsesDocumentedDefaults()
    {
        var configuration = EfsDrJson.ParseConfiguration(Mutate(n =>
        {
            n.AsObject().Remove("application");
            n.AsObject().Remove("rpoSeconds");
            n.AsObject().Remove("budgets");
        }));

        Assert.Equal("minio", configuration.Application.Unit);
        Assert.Equal("http://127.0.0.1:9000/minio/health/live", configuration.Application.HealthUrl);
        Assert.Equal(900, configuration.RpoSeconds);
        Assert.Equal(4200, configuration.Budgets.PromotionSeconds);
    }

    public static TheoryData<string, string> BadFields => new()
    {
        { "fileSystem.name", """{"fileSystem":{"name":""}}""" },
        { "fileSystem.mountPoint", """{"fileSystem":{"name":"x","mountPoint":"/mnt/../etc"}}""" },
        { "fileSystem.mountPoint", """{"fileSystem":{"name":"x","mountPoint":"/mnt/efs; reboot"}}""" },
        { "servers[1].privateIp", """{"servers":[{"name":"a","group":"Main","region":"us-east-1","instanceId":"i-0123456789abcdef1","privateIp":"10.0.0.1"},{"name":"b","group":"Main","region":"us-east-1","instanceId":"i-0123456789abcdef2","privateIp":"10.0.0"}]}""" },
        { "servers[0].instanceId", """{"servers":[{"name":"a","group":"Main","region":"us-east-1","instanceId":"i-xyz","privateIp":"10.0.0.1"}]}""" },
        { "servers[0].region", """{"servers":[{"name":"a","group":"Main","region":"Virginia","instanceId":"i-0123456789abcdef1","privateIp":"10.0.0.1"}]}""" },
        { "servers[].name", """{"servers":[{"name":"a","group":"Main","region":"us-east-1","instanceId":"i-0123456789abcdef1","privateIp":"10.0.0.1"},{"name":"a","group":"Main","region":"us-east-1","instanceId":"i-0123456789abcdef2","privateIp":"10.0.0.2"}]}""" },
        { "servers", """{"servers":[]}""" },
        { "dns.hostedZoneId", """{"dns":{"hostedZoneId":"/hostedzone/z1","recordName":"a.example.com"}}""" },
        { "dns.failoverTtl", """{"dns":{"hostedZoneId":"Z1","recordName":"a.example.com","ttl":60,"failoverTtl":120}}""" },
        { "application.unit", """{"application":{"unit":"minio; rm -rf /"}}""" },
        { "application.healthUrl", """{"application":{"healthUrl":"http://127.0.0.1:9000/$(id)"}}""" },
        { "rpoSeconds", """{"rpoSeconds":5}""" },
        { "budgets.promotionSeconds", """{"budgets":{"promotionSeconds":10}}""" },
        { "poll.nodeSeconds", """{"poll":{"nodeSeconds":0}}""" },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public void ParseConfiguration_BadField_NamesIt(string field, string patch)
    {
        var json = Mutate(n =>
        {
            foreach (var (key, value) in JsonNode.Parse(patch)!.AsObject())
            {
                if (value is JsonObject patchObject && n[key] is JsonObject target)
                {
                    foreach (var (k, v) in patchObject)
                    {
                        target[k] = v?.DeepClone();
                    }
                }
                else
                {
                    n[key] = value?.DeepClone();
                }
            }
        });

        var ex = Assert.Throws<InvalidConfigurationException>(() => EfsDrJson.ParseConfiguration(json));

        Assert.Contains(ex.Errors, e => e.Field == field);
    }

    [Theory]
    [InlineData("""{"fileSystem":{"name":"x","mountPonit":"/mnt"}}""", "fileSystem.mountPonit")]
    [InlineData("""{"fileSystem":{"name":"x"},"extra":1}""", "extra")]
    [InlineData("""{"fileSystem":{"name":"x","mountMethod":"cifs"}}""", "fileSystem.mountMethod")]
    [InlineData("""{"rpoSeconds":"soon"}""", "rpoSeconds")]
    [InlineData("""{"fileSystem":{"name":"x"},"servers":[{"name":"a","group":"Main","region":"us-east-1","instanceId":"i-0123456789abcdef1","privateIp":"10.0.0.1"}],"dns":{"hostedZoneId":"Z1","recordName":"a.b"},"application":null}""", "application")]
    [InlineData("""not json""", "$")]
    public void ParseConfiguration_UnknownOrMistypedField_NamesIt(string json, string field)
    {
        var ex = Assert.Throws<InvalidConfigurationException>(() => EfsDrJson.ParseConfiguration(json));

        Assert.Equal(field, Assert.Single(ex.Errors).Field);
    }

    [Fact]
    public void Schema_PropertyNames_MatchTheModel()
    {
        // Every member the model writes is in the schema, and every schema property is a member of the model.
        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "config", "cluster.schema.json")));
        var written = JsonNode.Parse(JsonSerializer.Serialize(EfsDrJson.ParseConfiguration(Example), StrictJsonContext.Default.ClusterConfiguration))!;

        static void Compare(JsonElement schemaNode, JsonNode? value, string path)
        {
            if (schemaNode.TryGetProperty("properties", out var properties))
            {
                var obj = Assert.IsType<JsonObject>(value);
                var schemaNames = properties.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
                var modelNames = obj.Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
                Assert.True(schemaNames.SequenceEqual(modelNames), $"{path}: schema [{string.Join(",", schemaNames)}] vs model [{string.Join(",", modelNames)}]");
                foreach (var p in properties.EnumerateObject())
                {
                    Compare(p.Value, obj[p.Name], path + "." + p.Name);
                }
            }
            else if (schemaNode.TryGetProperty("items", out var items))
            {
                Compare(items, Assert.IsType<JsonArray>(value)[0], path + "[]");
            }
        }

        Compare(schema.RootElement, written, "$");
    }

    [Fact]
    public void ParseRequest_UnknownField_NamesIt()
    {
        var ex = Assert.Throws<InvalidInputException>(() => EfsDrJson.ParseRequest("""{"targetServer":"server3","dryrun":true}"""));

        Assert.Equal("dryrun", Assert.Single(ex.Errors).Field);
    }

    [Theory]
    [InlineData("""{"targetServer":"server3","dryRun":"yes"}""", "dryRun")]
    [InlineData("""[]""", "$")]
    [InlineData("", "$")]
    public void ParseRequest_WrongShape_NamesField(string json, string field)
    {
        var ex = Assert.Throws<InvalidInputException>(() => EfsDrJson.ParseRequest(json));

        Assert.Equal(field, Assert.Single(ex.Errors).Field);
    }

    [Fact]
    public void ParseRequest_FullInput_Parses()
    {
        var request = EfsDrJson.ParseRequest("""{"targetServer":"server3","dryRun":true,"sourceRegionUnavailable":true,"reason":"us-east-1 down"}""");

        Assert.Equal(new FailoverRequest { TargetServer = "server3", DryRun = true, SourceRegionUnavailable = true, Reason = "us-east-1 down" }, request);
    }
}
