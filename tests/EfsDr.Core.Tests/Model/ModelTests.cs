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
    [InlineData(NodeProgressState.Succeeded, true)]
    [InlineData(NodeProgressState.Failed, true)]
    [InlineData(NodeProgressState.NotYetVisible, false)]
    [InlineData(NodeProgressState.Pending, false)]
    [InlineData(NodeProgressState.Running, false)]
    [InlineData(NodeProgressState.Delayed, false)]
    [InlineData(NodeProgressState.Cancelling, false)]
    [InlineData(NodeProgressState.Unknown, false)]
    public void IsFinal_State_OnlySucceededAndFailed(NodeProgressState state, bool final) =>
        Assert.Equal(final, new NodeProgress(state, state.ToString(), null, -1, string.Empty, string.Empty).IsFinal);

    [Theory]
    [InlineData("available", true)]
    [InlineData("creating", false)]
    [InlineData("Available", false)]
    public void IsAvailable_LifeCycleState_IsExactMatch(string state, bool available) =>
        Assert.Equal(available, new FileSystem("r", "fs", "arn", null, state, OverwriteProtection.Enabled, null, 0, DateTimeOffset.UnixEpoch, new Dictionary<string, string>()).IsAvailable);
}
