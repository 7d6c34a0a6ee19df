using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using PingStatus = EfsDr.Core.Model.PingStatus;
using EfsDr.LocalCloud.Tests.Support;

namespace EfsDr.LocalCloud.Tests.Ssm;

/// <summary>Parameter Store and DescribeInstanceInformation through EfsDr's adapters and the raw SDK client.</summary>
public sealed class SsmParameterAndPingTests : SsmCloudTest
{
    private IAmazonSimpleSystemsManagement Client => Adapters.Sdk.Ssm(Region);

    [Fact]
    public async Task GetAsync_SeededParameter_ReturnsItsValue()
    {
        Ssm.PutParameter(Region, "/efsdr/config", "{\"cluster\":\"media\"}");

        var value = await Adapters.Parameters.GetAsync(Region, "/efsdr/config", Token);

        Assert.Equal("{\"cluster\":\"media\"}", value);
    }

    [Fact]
    public async Task PutParameter_OverwrittenThroughTheSdk_RoundTripsWithIncreasingVersions()
    {
        var first = await Client.PutParameterAsync(new PutParameterRequest { Name = "/efsdr/config", Value = "v1", Type = ParameterType.String }, Token);
        var second = await Client.PutParameterAsync(new PutParameterRequest { Name = "/efsdr/config", Value = "v2", Overwrite = true }, Token);

        var value = await Adapters.Parameters.GetAsync(Region, "/efsdr/config", Token);
        var raw = await Client.GetParameterAsync(new GetParameterRequest { Name = "/efsdr/config" }, Token);

        Assert.Equal((1L, 2L), (first.Version, second.Version));
        Assert.Equal("v2", value);
        Assert.Equal(2L, raw.Parameter.Version);
        Assert.Equal(ParameterType.String, raw.Parameter.Type);
        Assert.Equal($"arn:aws:ssm:{Region}:000000000000:parameter/efsdr/config", raw.Parameter.ARN);
    }

    [Fact]
    public async Task PutParameter_ExistingWithoutOverwrite_ThrowsParameterAlreadyExists()
    {
        Ssm.PutParameter(Region, "name", "old");

        await Assert.ThrowsAsync<ParameterAlreadyExistsException>(() => Client.PutParameterAsync(new PutParameterRequest { Name = "name", Value = "new", Type = ParameterType.String }, Token));

        Assert.Equal("old", await Adapters.Parameters.GetAsync(Region, "name", Token));
    }

    [Fact]
    public async Task GetAsync_ParameterOfAnotherRegion_ThrowsParameterNotFound()
    {
        Ssm.PutParameter("eu-west-1", "/efsdr/config", "there");

        var ex = await Assert.ThrowsAsync<StoredParameterNotFoundException>(() => Adapters.Parameters.GetAsync(Region, "/efsdr/config", Token));

        Assert.Equal("ParameterNotFound", ex.Code);
        Assert.Equal(400, ex.HttpStatus);
    }

    [Fact]
    public async Task GetPingStatusAsync_RegisteredNode_OnlineWithTheNodeAddress()
    {
        var node = AddNode();
        AddNode("server2");

        var ping = await Adapters.NodeCommands.GetPingStatusAsync(Region, node.InstanceId, Token);
        var raw = await Client.DescribeInstanceInformationAsync(
            new DescribeInstanceInformationRequest { Filters = [new InstanceInformationStringFilter { Key = "InstanceIds", Values = [node.InstanceId] }] },
            Token);

        Assert.Equal(PingStatus.Online, ping);
        var info = Assert.Single(raw.InstanceInformationList);
        Assert.Equal((node.InstanceId, "Online", node.Address, "Linux"), (info.InstanceId, info.PingStatus.Value, info.IPAddress, info.PlatformType.Value));
    }

    [Fact]
    public async Task GetPingStatusAsync_UnmanagedOrOtherRegionOrStopped_NotRegistered()
    {
        var elsewhere = AddNode("server3", region: "eu-west-1");
        var stopped = AddNode("server2");
        InstanceStates[stopped.InstanceId] = "stopped";

        var unmanaged = await Adapters.NodeCommands.GetPingStatusAsync(Region, "i-0000000000000beef", Token);
        var otherRegion = await Adapters.NodeCommands.GetPingStatusAsync(Region, elsewhere.InstanceId, Token);
        var stoppedPing = await Adapters.NodeCommands.GetPingStatusAsync(Region, stopped.InstanceId, Token);
        var inItsRegion = await Adapters.NodeCommands.GetPingStatusAsync("eu-west-1", elsewhere.InstanceId, Token);

        Assert.Equal((PingStatus.NotRegistered, PingStatus.NotRegistered, PingStatus.NotRegistered), (unmanaged, otherRegion, stoppedPing));
        Assert.Equal(PingStatus.Online, inItsRegion);
    }

    [Fact]
    public async Task GetPingStatusAsync_NodeFaultedOfflineThenBack_ConnectionLostThenOnline()
    {
        var node = AddNode();

        Cloud.Faults.SetNodeOffline(node.InstanceId, offline: true);
        var offline = await Adapters.NodeCommands.GetPingStatusAsync(Region, node.InstanceId, Token);
        Cloud.Faults.SetNodeOffline(node.InstanceId, offline: false);
        var back = await Adapters.NodeCommands.GetPingStatusAsync(Region, node.InstanceId, Token);

        Assert.Equal((PingStatus.ConnectionLost, PingStatus.Online), (offline, back));
    }

    [Fact]
    public async Task DescribeInstanceInformation_PingStatusFilter_ListsOnlyMatchingNodes()
    {
        var online = AddNode();
        var lost = AddNode("server2");
        Cloud.Faults.SetNodeOffline(lost.InstanceId, offline: true);

        var raw = await Client.DescribeInstanceInformationAsync(
            new DescribeInstanceInformationRequest { Filters = [new InstanceInformationStringFilter { Key = "PingStatus", Values = ["ConnectionLost"] }] },
            Token);

        Assert.Equal([lost.InstanceId], raw.InstanceInformationList.Select(i => i.InstanceId));
        Assert.NotEqual(online.InstanceId, lost.InstanceId);
    }
}
