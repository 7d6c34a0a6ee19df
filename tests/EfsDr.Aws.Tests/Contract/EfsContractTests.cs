using System.Text;
using System.Text.Json;
using Amazon.EC2;
using Amazon.EC2.Model;
using EfsDr.Aws.Efs;
using EfsDr.Aws.Http;
using EfsDr.Aws.Tests.Support;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;

namespace EfsDr.Aws.Tests.Contract;

/// <summary>The EFS client against moto_server: the operations moto implements (file systems, tags, mount targets).
/// Replication and protection are not implemented by moto 5.2; the wire tests cover them.</summary>
[Trait("Category", "Contract")]
public sealed class EfsContractTests(MotoServerFixture moto)
{
    private static async Task<string> CreateFileSystemAsync(SignedRequestPipeline pipeline, string region, string? name)
    {
        var tags = name is null ? "[]" : $$"""[{"Key":"Name","Value":"{{name}}"}]""";
        var response = await pipeline.SendAsync(
            AwsServiceInfo.Efs,
            region,
            new AwsRequest(HttpMethod.Post, "/2015-02-01/file-systems") { Body = Encoding.UTF8.GetBytes($$"""{"CreationToken":"{{Guid.NewGuid():N}}","Tags":{{tags}}}"""), ContentType = "application/json", Operation = "CreateFileSystem" },
            JsonErrorReader.Instance,
            TestContext.Current.CancellationToken);
        using var doc = JsonDocument.Parse(response.Body);
        return doc.RootElement.GetProperty("FileSystemId").GetString()!;
    }

    [Fact]
    public async Task FindByNameAsync_MoreThanOnePageOfFileSystems_FindsExactNameOnLaterPage()
    {
        // Arrange: 104 decoys (prefix look-alikes included) in a region of their own, then the real one last.
        var pipeline = moto.Pipeline();
        var client = new EfsClient(pipeline);
        const string region = "ap-southeast-2";
        var name = "DRTest-" + Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < 104; i++)
        {
            await CreateFileSystemAsync(pipeline, region, i % 3 == 0 ? $"{name}-old{i}" : i % 3 == 1 ? null : $"other-{i}");
        }

        var id = await CreateFileSystemAsync(pipeline, region, name);

        // Act
        var found = await client.FindByNameAsync(region, name, TestContext.Current.CancellationToken);

        // Assert
        var fs = Assert.Single(found);
        Assert.Equal(id, fs.FileSystemId);
        Assert.Equal(name, fs.Name);
        Assert.Equal(region, fs.Region);
        Assert.True(fs.IsAvailable);
        Assert.Empty(await client.FindByNameAsync(region, name[..^1], TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task DescribeAsync_UnknownId_ThrowsFileSystemNotFound()
    {
        var client = new EfsClient(moto.Pipeline());

        var ex = await Assert.ThrowsAsync<FileSystemNotFoundException>(() => client.DescribeAsync("us-west-2", "fs-0123456789abcdef0", TestContext.Current.CancellationToken));

        Assert.Equal(404, ex.HttpStatus);
    }

    [Fact]
    public async Task TagAsync_ThenListTagsAndDescribe_SeesTags()
    {
        var pipeline = moto.Pipeline();
        var client = new EfsClient(pipeline);
        var name = "tags-" + Guid.NewGuid().ToString("N")[..8];
        var id = await CreateFileSystemAsync(pipeline, "us-west-2", name);

        await client.TagAsync("us-west-2", id, new Dictionary<string, string> { ["efsdr:role"] = "promoted", ["efsdr:epoch"] = "7" }, TestContext.Current.CancellationToken);
        var tags = await client.ListTagsAsync("us-west-2", id, TestContext.Current.CancellationToken);
        var described = await client.DescribeAsync("us-west-2", id, TestContext.Current.CancellationToken);

        Assert.Equal("promoted", tags["efsdr:role"]);
        Assert.Equal("7", tags["efsdr:epoch"]);
        Assert.Equal(name, tags["Name"]);
        Assert.Equal("7", described.Tags["efsdr:epoch"]);
    }

    [Fact]
    public async Task CreateMountTargetAsync_ThenDescribe_ReturnsTargetInSubnetAz()
    {
        // Arrange: a VPC and subnet in moto's EC2, as the seed's mount target in us-west-2a.
        var endpoint = moto.Require();
        using var ec2 = new AmazonEC2Client(MotoServerFixture.Credentials, new AmazonEC2Config { ServiceURL = endpoint.ToString(), AuthenticationRegion = "us-west-2" });
        var vpc = await ec2.CreateVpcAsync(new CreateVpcRequest { CidrBlock = "10.70.0.0/16" }, TestContext.Current.CancellationToken);
        var subnet = await ec2.CreateSubnetAsync(new CreateSubnetRequest { VpcId = vpc.Vpc.VpcId, CidrBlock = "10.70.110.0/24", AvailabilityZone = "us-west-2a" }, TestContext.Current.CancellationToken);
        var pipeline = moto.Pipeline();
        var client = new EfsClient(pipeline);
        var id = await CreateFileSystemAsync(pipeline, "us-west-2", "mt-" + Guid.NewGuid().ToString("N")[..8]);

        // Act
        var created = await client.CreateMountTargetAsync("us-west-2", new MountTargetRequest(id, subnet.Subnet.SubnetId, []), TestContext.Current.CancellationToken);
        var targets = await client.DescribeMountTargetsAsync("us-west-2", id, TestContext.Current.CancellationToken);

        // Assert
        var target = Assert.Single(targets);
        Assert.Equal(created.MountTargetId, target.MountTargetId);
        Assert.Equal("us-west-2a", target.AvailabilityZoneName);
        Assert.Equal(subnet.Subnet.SubnetId, target.SubnetId);
        Assert.StartsWith("10.70.110.", target.IpAddress, StringComparison.Ordinal);
    }
}
