using Amazon.EC2;
using Amazon.EC2.Model;
using EfsDr.Aws.Sdk;
using EfsDr.Aws.Ssm;
using EfsDr.Aws.Tests.Support;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;

namespace EfsDr.Aws.Tests.Ssm;

/// <summary>
/// SsmNodeCommands against moto's SSM. moto 5.2.1 answers DescribeInstanceInformation with HTTP 500, so
/// GetPingStatusAsync is covered by the wire tests only.
/// </summary>
[Trait("Category", "Contract")]
public sealed class SsmNodeCommandsContractTests(MotoServerFixture moto) : IDisposable
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

    private async Task<string> LaunchAsync()
    {
        var run = await _clients.Value.Ec2(Region).RunInstancesAsync(
            new RunInstancesRequest { ImageId = "ami-12c6146b", MinCount = 1, MaxCount = 1, InstanceType = InstanceType.T3Micro },
            Token);
        return Assert.Single(run.Reservation.Instances).InstanceId;
    }

    [Fact]
    public async Task GetInvocationAsync_AfterSendAsyncOfRunShellScript_ReturnsSuccessWithEmptyOutput()
    {
        // Arrange
        var instanceId = await LaunchAsync();
        var commands = new SsmNodeCommands(_clients.Value);
        var command = new NodeCommand(
            "AWS-RunShellScript",
            new Dictionary<string, IReadOnlyList<string>> { ["commands"] = ["echo hi"] },
            Comment: "EfsDr contract test",
            DeliveryTimeoutSeconds: 60);

        // Act
        var commandId = await commands.SendAsync(Region, instanceId, command, Token);
        var invocation = await commands.GetInvocationAsync(Region, commandId, instanceId, Token);

        // Assert: moto completes every command at once, with no output.
        Assert.True(Guid.TryParse(commandId, out _), commandId);
        Assert.Equal(commandId, invocation.CommandId);
        Assert.Equal(instanceId, invocation.InstanceId);
        Assert.Equal(CommandStatus.Success, invocation.Status);
        Assert.True(invocation.IsTerminal);
        Assert.Equal(0, invocation.ResponseCode);
        Assert.Equal(string.Empty, invocation.StandardOutput);
        Assert.Equal(string.Empty, invocation.StandardError);
    }

    [Fact]
    public async Task GetInvocationAsync_CommandSentToAnotherInstance_ThrowsInvocationDoesNotExist()
    {
        var instanceId = await LaunchAsync();
        var commands = new SsmNodeCommands(_clients.Value);
        var commandId = await commands.SendAsync(Region, instanceId, new NodeCommand("AWS-RunShellScript", new Dictionary<string, IReadOnlyList<string>> { ["commands"] = ["echo hi"] }), Token);

        var ex = await Assert.ThrowsAsync<NodeCommandNotFoundException>(() => commands.GetInvocationAsync(Region, commandId, "i-0000000000000dead", Token));

        Assert.Equal("InvocationDoesNotExist", ex.Code);
        Assert.Equal(400, ex.HttpStatus);
    }
}
