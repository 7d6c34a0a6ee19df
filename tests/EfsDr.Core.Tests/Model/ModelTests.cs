using EfsDr.Core.Model;

namespace EfsDr.Core.Tests.Model;

public sealed class ModelTests
{
    private static ReplicationConfiguration Configuration(params ReplicationDestination[] destinations) =>
        new("fs-src", "us-east-1", "arn:src", "arn:src", DateTimeOffset.UnixEpoch, destinations, null);

    [Fact]
    public void Destination_OneDestination_ReturnsIt()
    {
        var destination = new ReplicationDestination(ReplicationStatus.Enabled, "fs-dst", "us-west-2", null, null, null, null);

        Assert.Same(destination, Configuration(destination).Destination);
    }

    [Fact]
    public void Destination_NoDestination_Throws() =>
        Assert.Throws<InvalidOperationException>(() => Configuration().Destination);

    [Theory]
    [InlineData(CommandStatus.Success, true)]
    [InlineData(CommandStatus.Failed, true)]
    [InlineData(CommandStatus.TimedOut, true)]
    [InlineData(CommandStatus.Cancelled, true)]
    [InlineData(CommandStatus.Pending, false)]
    [InlineData(CommandStatus.InProgress, false)]
    [InlineData(CommandStatus.Delayed, false)]
    [InlineData(CommandStatus.Cancelling, false)]
    public void IsTerminal_Status_MatchesSsmWaiterStates(CommandStatus status, bool terminal) =>
        Assert.Equal(terminal, new CommandInvocation("c", "i", status, null, -1, string.Empty, string.Empty).IsTerminal);

    [Theory]
    [InlineData("available", true)]
    [InlineData("creating", false)]
    [InlineData("Available", false)]
    public void IsAvailable_LifeCycleState_IsExactMatch(string state, bool available) =>
        Assert.Equal(available, new FileSystem("r", "fs", "arn", null, state, OverwriteProtection.Enabled, null, 0, DateTimeOffset.UnixEpoch, new Dictionary<string, string>()).IsAvailable);
}
