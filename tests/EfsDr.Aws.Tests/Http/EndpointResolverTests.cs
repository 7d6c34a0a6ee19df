using EfsDr.Aws.Http;

namespace EfsDr.Aws.Tests.Http;

/// <summary>AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_&lt;SERVICE&gt; with the SDKs' precedence.</summary>
public sealed class EndpointResolverTests
{
    private static EndpointResolver With(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return new EndpointResolver(name => map.TryGetValue(name, out var value) ? value : null);
    }

    [Theory]
    [InlineData("EFS", "us-west-2", "https://elasticfilesystem.us-west-2.amazonaws.com/")]
    [InlineData("SFN", "eu-central-1", "https://states.eu-central-1.amazonaws.com/")]
    [InlineData("Route 53", "us-west-2", "https://route53.amazonaws.com/")]
    [InlineData("SSM", "ap-southeast-2", "https://ssm.ap-southeast-2.amazonaws.com/")]
    [InlineData("EC2", "us-east-1", "https://ec2.us-east-1.amazonaws.com/")]
    public void Resolve_NoVariables_UsesRealEndpoint(string serviceId, string region, string expected) =>
        Assert.Equal(expected, With().Resolve(Service(serviceId), region).ToString());

    [Theory]
    [InlineData("EFS", "AWS_ENDPOINT_URL_EFS")]
    [InlineData("Route 53", "AWS_ENDPOINT_URL_ROUTE_53")]
    [InlineData("SFN", "AWS_ENDPOINT_URL_SFN")]
    [InlineData("SSM", "AWS_ENDPOINT_URL_SSM")]
    [InlineData("EC2", "AWS_ENDPOINT_URL_EC2")]
    public void Resolve_ServiceVariable_WinsOverGlobal(string serviceId, string variable)
    {
        var resolver = With((variable, "http://127.0.0.1:7001"), ("AWS_ENDPOINT_URL", "http://127.0.0.1:7000"));

        Assert.Equal("http://127.0.0.1:7001/", resolver.Resolve(Service(serviceId), "us-west-2").ToString());
        Assert.Equal("http://127.0.0.1:7000/", resolver.Resolve(serviceId == "EFS" ? AwsServiceInfo.StepFunctions : AwsServiceInfo.Efs, "us-west-2").ToString());
    }

    [Fact]
    public void Resolve_GlobalVariableOnly_AppliesToEveryService()
    {
        var resolver = With(("AWS_ENDPOINT_URL", "http://localhost:4566"));

        Assert.All(new[] { AwsServiceInfo.Efs, AwsServiceInfo.Route53, AwsServiceInfo.StepFunctions, AwsServiceInfo.Ssm, AwsServiceInfo.Ec2 },
            s => Assert.Equal("http://localhost:4566/", resolver.Resolve(s, "us-east-1").ToString()));
    }

    [Fact]
    public void Resolve_IgnoreConfiguredEndpoints_UsesRealEndpoint()
    {
        var resolver = With(("AWS_ENDPOINT_URL", "http://localhost:4566"), ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"));

        Assert.Equal("https://elasticfilesystem.us-west-2.amazonaws.com/", resolver.Resolve(AwsServiceInfo.Efs, "us-west-2").ToString());
    }

    [Fact]
    public void Resolve_EmptyVariable_IsIgnored()
    {
        var resolver = With(("AWS_ENDPOINT_URL_EFS", "  "), ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"));

        Assert.Equal("http://127.0.0.1:9/", resolver.Resolve(AwsServiceInfo.Efs, "us-west-2").ToString());
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://127.0.0.1")]
    [InlineData("/relative")]
    public void Resolve_MalformedVariable_NamesTheVariable(string value)
    {
        var ex = Assert.Throws<ArgumentException>(() => With(("AWS_ENDPOINT_URL_SFN", value)).Resolve(AwsServiceInfo.StepFunctions, "us-west-2"));

        Assert.StartsWith("AWS_ENDPOINT_URL_SFN:", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("US-WEST-2")]
    [InlineData("us-west-2/../../evil")]
    [InlineData("uswest2")]
    public void Resolve_BadRegion_NamesTheField(string region)
    {
        var ex = Assert.Throws<ArgumentException>(() => With().Resolve(AwsServiceInfo.Efs, region));

        Assert.StartsWith("region:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnvironmentSuffix_Route53_IsUpperSnakeCase() =>
        Assert.Equal("ROUTE_53", AwsServiceInfo.Route53.EnvironmentSuffix);

    private static AwsServiceInfo Service(string id) => id switch
    {
        "EFS" => AwsServiceInfo.Efs,
        "SFN" => AwsServiceInfo.StepFunctions,
        "Route 53" => AwsServiceInfo.Route53,
        "SSM" => AwsServiceInfo.Ssm,
        _ => AwsServiceInfo.Ec2,
    };
}
