using System.Net;
using System.Text.Json;
using EfsDr.Aws.Sdk;
using EfsDr.Aws.Ssm;
using EfsDr.Aws.Tests.Support;
using EfsDr.Core.Configuration;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;

namespace EfsDr.Aws.Tests.Ssm;

/// <summary>The node agent on SSM: DR verbs become SendCommand of EfsDr's node document with the parameter dictionary
/// built here (and only here), progress is GetCommandInvocation, InvocationDoesNotExist is "not yet visible".</summary>
public sealed class SsmNodeAgentWireTests : IDisposable
{
    private const string Region = "us-west-2";
    private const string InstanceId = "i-0123456789abcdef0";
    private const string CommandId = "5a1e6b2c-9d3f-4e8a-b7c6-0f1e2d3c4b5a";
    private const string JsonType = "application/x-amz-json-1.1";
    private static readonly Lazy<BotocoreModel> LazyModel = new(() => BotocoreModel.Load("ssm"));
    private readonly RecordingHandler _handler = new();
    private readonly SdkClientFactory _clients;
    private readonly SsmNodeAgent _agent;

    public SsmNodeAgentWireTests()
    {
        _clients = TestSdkClients.Create(_handler);
        _agent = new SsmNodeAgent(new SsmNodeCommands(_clients));
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _clients.Dispose();

    [Fact]
    public async Task ActivateAsync_Request_SendsTheNodeDocumentWithEveryActivationParameter()
    {
        RespondSendCommand();
        var request = new NodeActivationRequest("EfsDr-Node", "fs-0123456789abcdef0", Region, "/mnt/efs", "minio", MountMethod.Nfs4, "http://127.0.0.1:9000/minio/health/live", 120, "EfsDr run-1: activate server3", 600);

        var id = await _agent.ActivateAsync(Region, InstanceId, request, Token);

        Assert.Equal(CommandId, id);
        var sent = Assert.Single(_handler.Requests);
        LazyModel.Value.AssertRequest("SendCommand", sent);
        var body = JsonDocument.Parse(sent.Body).RootElement;
        Assert.Equal("EfsDr-Node", body.GetProperty("DocumentName").GetString());
        Assert.Equal("EfsDr run-1: activate server3", body.GetProperty("Comment").GetString());
        Assert.Equal(600, body.GetProperty("TimeoutSeconds").GetInt32());
        Assert.Equal(
            ["Action=activate", "FileSystemId=fs-0123456789abcdef0", "HealthTimeoutSeconds=120", "HealthUrl=http://127.0.0.1:9000/minio/health/live", "MountMethod=nfs4", "MountPoint=/mnt/efs", "Region=us-west-2", "Unit=minio"],
            Parameters(body));
    }

    [Fact]
    public async Task DeactivateAsync_Request_SendsOnlyTheDeactivationParameters()
    {
        RespondSendCommand();
        var request = new NodeDeactivationRequest("EfsDr-Node", "fs-0aaaaaaaaaaaaaaa1", "us-east-1", "/mnt/efs", "minio", "EfsDr run-9: deactivate server1", 30);

        await _agent.DeactivateAsync("us-east-1", InstanceId, request, Token);

        var body = JsonDocument.Parse(Assert.Single(_handler.Requests).Body).RootElement;
        Assert.Equal(
            ["Action=deactivate", "FileSystemId=fs-0aaaaaaaaaaaaaaa1", "MountPoint=/mnt/efs", "Region=us-east-1", "Unit=minio"],
            Parameters(body));
        Assert.Equal(30, body.GetProperty("TimeoutSeconds").GetInt32());
    }

    [Fact]
    public async Task GetProgressAsync_InvocationDoesNotExist_IsNotYetVisibleWithoutThrowing()
    {
        _handler.Respond(HttpStatusCode.BadRequest, """{"__type":"InvocationDoesNotExist","message":""}""", JsonType);

        var progress = await _agent.GetProgressAsync(Region, CommandId, InstanceId, Token);

        Assert.Equal(NodeProgressState.NotYetVisible, progress.State);
        Assert.False(progress.IsFinal);
    }

    [Theory]
    [InlineData("Pending", NodeProgressState.Pending)]
    [InlineData("InProgress", NodeProgressState.Running)]
    [InlineData("Delayed", NodeProgressState.Delayed)]
    [InlineData("Cancelling", NodeProgressState.Cancelling)]
    [InlineData("Success", NodeProgressState.Succeeded)]
    [InlineData("Failed", NodeProgressState.Failed)]
    [InlineData("TimedOut", NodeProgressState.Failed)]
    [InlineData("Cancelled", NodeProgressState.Failed)]
    [InlineData("Paused", NodeProgressState.Unknown)]
    public async Task GetProgressAsync_InvocationStatus_MapsToTheNodeStateAndKeepsSsmWordAndOutput(string wire, NodeProgressState expected)
    {
        _handler.Respond(HttpStatusCode.OK, $$"""{"CommandId":"{{CommandId}}","InstanceId":"{{InstanceId}}","Status":"{{wire}}","StatusDetails":"{{wire}}","ResponseCode":7,"StandardOutputContent":"out","StandardErrorContent":"err"}""", JsonType);

        var progress = await _agent.GetProgressAsync(Region, CommandId, InstanceId, Token);

        Assert.Equal(expected, progress.State);
        Assert.Equal((wire == "Paused" ? "Unknown" : wire, wire, 7, "out", "err"), (progress.Status, progress.StatusDetail, progress.ExitCode, progress.Output, progress.ErrorOutput));
    }

    [Fact]
    public async Task GetProgressAsync_Throttled_StaysABusyErrorNotAProgress()
    {
        for (var i = 0; i < 3; i++)
        {
            _handler.Respond(HttpStatusCode.BadRequest, """{"__type":"ThrottlingException","message":"Rate exceeded"}""", JsonType);
        }

        await Assert.ThrowsAsync<CloudBusyException>(() => _agent.GetProgressAsync(Region, CommandId, InstanceId, Token));
    }

    [Theory]
    [InlineData(CommandStatus.Success, true)]
    [InlineData(CommandStatus.Failed, true)]
    [InlineData(CommandStatus.TimedOut, true)]
    [InlineData(CommandStatus.Cancelled, true)]
    [InlineData(CommandStatus.Pending, false)]
    [InlineData(CommandStatus.InProgress, false)]
    [InlineData(CommandStatus.Delayed, false)]
    [InlineData(CommandStatus.Cancelling, false)]
    public void IsTerminal_Status_MatchesSsmWaiterStatesAndTheNodeProgress(CommandStatus status, bool terminal)
    {
        Assert.Equal(terminal, new CommandInvocation("c", "i", status, null, -1, string.Empty, string.Empty).IsTerminal);
        Assert.Equal(terminal, SsmNodeAgent.Progress(new CommandInvocation("c", "i", status, null, -1, string.Empty, string.Empty)).IsFinal);
    }

    private static List<string> Parameters(JsonElement body) =>
        [.. body.GetProperty("Parameters").EnumerateObject().Select(p => p.Name + "=" + p.Value.EnumerateArray().Single().GetString()).Order(StringComparer.Ordinal)];

    private void RespondSendCommand() =>
        _handler.Respond(HttpStatusCode.OK, $$$"""{"Command":{"CommandId":"{{{CommandId}}}"}}""", JsonType);
}
