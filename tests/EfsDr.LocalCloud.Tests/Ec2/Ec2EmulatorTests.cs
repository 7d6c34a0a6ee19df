using EfsDr.Aws.Http;
using EfsDr.Core.Exceptions;
using EfsDr.LocalCloud.Ec2;
using EfsDr.LocalCloud.Hosting;
using EfsDr.LocalCloud.Tests.Support;

namespace EfsDr.LocalCloud.Tests.Ec2;

/// <summary>The EC2 emulator through EfsDr's real EC2 adapter (AWSSDK.EC2, query protocol).</summary>
public sealed class Ec2EmulatorTests : IAsyncLifetime
{
    private const string East = "us-east-1";
    private const string West = "us-west-2";
    private const string InstanceId = "i-0123456789abcdef0";
    private CloudHarness _harness = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Ec2Emulator Ec2 => _harness.Context.Ec2;

    public async ValueTask InitializeAsync() => _harness = await CloudHarness.StartAsync();

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task DescribeAsync_SeededInstance_ReturnsAddressZoneStateAndSubnet()
    {
        Ec2.AddInstance(West, InstanceId, "us-west-2b", "10.20.1.15", "subnet-0b");
        Ec2.AddInstance(West, "i-0fedcba9876543210", "us-west-2a", "10.20.0.9", "subnet-0a");

        var instance = await _harness.Aws.Instances.DescribeAsync(West, InstanceId, Ct);

        Assert.Equal(InstanceId, instance.InstanceId);
        Assert.Equal("10.20.1.15", instance.PrivateIpAddress);
        Assert.Equal("us-west-2b", instance.AvailabilityZone);
        Assert.Equal("running", instance.State);
        Assert.Equal("subnet-0b", instance.SubnetId);
    }

    [Fact]
    public async Task DescribeAsync_StoppedInstance_ReportsStopped()
    {
        Ec2.AddInstance(West, InstanceId, "us-west-2b", "10.20.1.15", "subnet-0b");

        Ec2.SetInstanceState(InstanceId, "stopped");

        Assert.Equal("stopped", (await _harness.Aws.Instances.DescribeAsync(West, InstanceId, Ct)).State);
        Assert.Equal("stopped", Ec2.Instance(InstanceId)!.State);
        Assert.Throws<ArgumentException>(() => Ec2.SetInstanceState(InstanceId, "asleep"));
    }

    [Fact]
    public async Task DescribeAsync_UnknownIdOrOtherRegion_ThrowsInstanceNotFound()
    {
        Ec2.AddInstance(West, InstanceId, "us-west-2b", "10.20.1.15", "subnet-0b");

        var unknown = await Assert.ThrowsAsync<NodeNotFoundException>(() => _harness.Aws.Instances.DescribeAsync(West, "i-00000000000000000", Ct));
        await Assert.ThrowsAsync<NodeNotFoundException>(() => _harness.Aws.Instances.DescribeAsync(East, InstanceId, Ct));

        Assert.Equal("InvalidInstanceID.NotFound", unknown.Code);
        Assert.Equal(400, unknown.HttpStatus);
        Assert.Null(Ec2.Instance("i-00000000000000000"));
    }

    [Fact]
    public async Task DescribeAsync_HalfOfRequestsThrottled_SucceedsThroughSdkRetries()
    {
        Ec2.AddInstance(West, InstanceId, "us-west-2b", "10.20.1.15", "subnet-0b");
        var patient = _harness.Adapters(new AwsRetryOptions { MaxAttempts = 10, BaseDelay = TimeSpan.Zero });
        _harness.Cloud.Faults.Set("ec2", "*", new ServiceFaults { ThrottleRate = 0.5 });

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("10.20.1.15", (await patient.Instances.DescribeAsync(West, InstanceId, Ct)).PrivateIpAddress);
        }

        Assert.True(_harness.Cloud.RequestCounts["ec2"] > 10, $"{_harness.Cloud.RequestCounts["ec2"]} requests for 10 calls: nothing was throttled");
    }

    [Fact]
    public async Task DescribeAsync_EveryRequestFailsWithServerError_ThrowsTransient()
    {
        Ec2.AddInstance(West, InstanceId, "us-west-2b", "10.20.1.15", "subnet-0b");
        _harness.Cloud.Faults.Set("ec2", West, new ServiceFaults { ServerErrorRate = 1.0 });

        var failure = await Assert.ThrowsAsync<CloudBusyException>(() => _harness.Aws.Instances.DescribeAsync(West, InstanceId, Ct));

        Assert.Equal("InternalError", failure.Code);
        Assert.Equal(500, failure.HttpStatus);
        Assert.Equal(2, _harness.Cloud.RequestCounts["ec2"]);
    }
}
