using Amazon.EC2;
using Amazon.EC2.Model;
using EfsDr.Aws.Ec2;
using EfsDr.Aws.Sdk;
using EfsDr.Aws.Tests.Support;
using EfsDr.Core.Exceptions;

namespace EfsDr.Aws.Tests.Ec2;

/// <summary>Ec2Instances against moto's EC2.</summary>
[Trait("Category", "Contract")]
public sealed class Ec2InstancesContractTests(MotoServerFixture moto) : IDisposable
{
    private const string Region = "us-west-2";
    private readonly Lazy<SdkClientFactory> _clients = new(() => TestSdkClients.Moto(moto));

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        if (_clients.IsValueCreated)
        {
            _clients.Value.Dispose();
        }
    }

    [Fact]
    public async Task DescribeAsync_InstanceFromRunInstances_ReturnsItsPrivateIpZoneAndSubnet()
    {
        // Arrange
        var run = await _clients.Value.Ec2(Region).RunInstancesAsync(
            new RunInstancesRequest { ImageId = "ami-12c6146b", MinCount = 1, MaxCount = 1, InstanceType = InstanceType.T3Micro },
            Token);
        var launched = Assert.Single(run.Reservation.Instances);

        // Act
        var info = await new Ec2Instances(_clients.Value).DescribeAsync(Region, launched.InstanceId, Token);

        // Assert
        Assert.Equal(launched.InstanceId, info.InstanceId);
        Assert.False(string.IsNullOrEmpty(info.PrivateIpAddress));
        Assert.Equal(launched.PrivateIpAddress, info.PrivateIpAddress);
        Assert.Equal(launched.Placement.AvailabilityZone, info.AvailabilityZone);
        Assert.StartsWith(Region, info.AvailabilityZone, StringComparison.Ordinal);
        Assert.Contains(info.State, new[] { "pending", "running" });
        Assert.Equal(launched.SubnetId, info.SubnetId);
    }

    [Fact]
    public async Task DescribeAsync_UnknownInstanceId_ThrowsInstanceNotFound()
    {
        var ex = await Assert.ThrowsAsync<NodeNotFoundException>(() => new Ec2Instances(_clients.Value).DescribeAsync(Region, "i-0000000000000dead", Token));

        Assert.Equal("InvalidInstanceID.NotFound", ex.Code);
        Assert.Equal(400, ex.HttpStatus);
    }
}
