using EfsDr.Aws.Http;
using EfsDr.Aws.Tests.Support;
using EfsDr.Core.Exceptions;

namespace EfsDr.Aws.Tests.Contract;

/// <summary>The composition of every adapter, pointed at moto only through the AWS_ENDPOINT_URL variable.</summary>
[Trait("Category", "Contract")]
public sealed class AwsAdaptersContractTests(MotoServerFixture moto)
{
    [Fact]
    public async Task AwsAdapters_GlobalEndpointVariable_EveryPortReachesTheSameEndpoint()
    {
        var endpoint = moto.Require().ToString();
        using var adapters = new AwsAdapters(MotoServerFixture.Credentials, new EndpointResolver(n => n == "AWS_ENDPOINT_URL" ? endpoint : null), new AwsRetryOptions { MaxAttempts = 2, BaseDelay = TimeSpan.Zero });
        var token = TestContext.Current.CancellationToken;

        // Each call is answered by moto: a typed not-found or an empty answer, never a connection failure to AWS.
        // (Replications: moto 5.2 has no EFS replication API; the wire tests cover it.)
        Assert.Empty(await adapters.FileSystems.FindByNameAsync("eu-west-3", "nothing-" + Guid.NewGuid(), token));
        await Assert.ThrowsAsync<DnsZoneNotFoundException>(() => adapters.Dns.GetRecordAsync("Z0000000000000000000", "x.example.com", "A", token));
        await Assert.ThrowsAsync<RunNotFoundException>(() => adapters.Executions.DescribeAsync("arn:aws:states:eu-west-3:123456789012:execution:m:e", token));
        await Assert.ThrowsAsync<NodeNotFoundException>(() => adapters.Instances.DescribeAsync("eu-west-3", "i-0123456789abcdef0", token));
    }
}
