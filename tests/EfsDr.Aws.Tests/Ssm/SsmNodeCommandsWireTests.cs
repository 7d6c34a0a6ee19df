using System.Net;
using System.Text.Json;
using EfsDr.Aws.Http;
using EfsDr.Aws.Sdk;
using EfsDr.Aws.Ssm;
using EfsDr.Aws.Tests.Support;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;

namespace EfsDr.Aws.Tests.Ssm;

/// <summary>SSM Run Command on the wire, through AWSSDK.SimpleSystemsManagement over a recording transport:
/// requests checked against botocore's SSM model, documented responses parsed, errors mapped.</summary>
public sealed class SsmNodeCommandsWireTests : IDisposable
{
    private const string Region = "us-west-2";
    private const string InstanceId = "i-0123456789abcdef0";
    private const string CommandId = "5a1e6b2c-9d3f-4e8a-b7c6-0f1e2d3c4b5a";
    private const string JsonType = "application/x-amz-json-1.1";
    private static readonly Lazy<BotocoreModel> LazyModel = new(() => BotocoreModel.Load("ssm"));
    private readonly RecordingHandler _handler = new();
    private readonly SdkClientFactory _clients;
    private readonly SsmNodeCommands _commands;

    public SsmNodeCommandsWireTests()
    {
        _clients = TestSdkClients.Create(_handler);
        _commands = new SsmNodeCommands(_clients);
    }

    private static BotocoreModel Model => LazyModel.Value;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _clients.Dispose();

    private static string InvocationJson(string status, int responseCode, string stdout = "", string stderr = "", string statusDetails = "") =>
        $$"""
        {"CommandId":"{{CommandId}}","InstanceId":"{{InstanceId}}","DocumentName":"AWS-RunShellScript","DocumentVersion":"$DEFAULT",
         "PluginName":"aws:runShellScript","ResponseCode":{{responseCode}},"ExecutionStartDateTime":"","ExecutionElapsedTime":"",
         "ExecutionEndDateTime":"","Status":"{{status}}","StatusDetails":"{{(statusDetails.Length == 0 ? status : statusDetails)}}",
         "StandardOutputContent":{{JsonSerializer.Serialize(stdout)}},"StandardOutputUrl":"",
         "StandardErrorContent":{{JsonSerializer.Serialize(stderr)}},"StandardErrorUrl":""}
        """;

    private RecordingHandler RespondJson(string operation, string body, Dictionary<string, string>? headers = null)
    {
        Model.AssertJsonResponseFixture(operation, body);
        return _handler.Respond(HttpStatusCode.OK, body, JsonType, headers);
    }

    private RecordingHandler RespondError(HttpStatusCode status, string code, string message = "", string requestId = "req-ssm-1") =>
        _handler.Respond(
            status,
            message.Length == 0 ? $$"""{"__type":"{{code}}"}""" : $$"""{"__type":"{{code}}","message":"{{message}}"}""",
            JsonType,
            new Dictionary<string, string> { ["x-amzn-RequestId"] = requestId });

    private static JsonElement Body(RecordedRequest request) => JsonDocument.Parse(request.Body).RootElement;

    [Fact]
    public async Task SendAsync_DocumentWithParameters_SendsOneInstanceAndParametersAsStringLists()
    {
        // Arrange
        RespondJson("SendCommand", $$$"""{"Command":{"CommandId":"{{{CommandId}}}","DocumentName":"AWS-RunShellScript","InstanceIds":["{{{InstanceId}}}"],"Status":"Pending"}}""");
        var command = new NodeCommand(
            "AWS-RunShellScript",
            new Dictionary<string, IReadOnlyList<string>> { ["commands"] = ["mount -a", "systemctl start minio"], ["executionTimeout"] = ["900"] },
            Comment: "EfsDr failover",
            DeliveryTimeoutSeconds: 600,
            DocumentVersion: "3");

        // Act
        var id = await _commands.SendAsync(Region, InstanceId, command, Token);

        // Assert
        Assert.Equal(CommandId, id);
        var request = Assert.Single(_handler.Requests);
        Model.AssertRequest("SendCommand", request);
        Assert.Equal("AmazonSSM.SendCommand", request.Header("X-Amz-Target"));
        Assert.Equal("https://ssm.us-west-2.amazonaws.com/", request.Uri.AbsoluteUri);
        var body = Body(request);
        Assert.Equal([InstanceId], body.GetProperty("InstanceIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("AWS-RunShellScript", body.GetProperty("DocumentName").GetString());
        Assert.Equal("3", body.GetProperty("DocumentVersion").GetString());
        Assert.Equal("EfsDr failover", body.GetProperty("Comment").GetString());
        Assert.Equal(600, body.GetProperty("TimeoutSeconds").GetInt32());
        var parameters = body.GetProperty("Parameters");
        Assert.Equal(["mount -a", "systemctl start minio"], parameters.GetProperty("commands").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(JsonValueKind.Array, parameters.GetProperty("executionTimeout").ValueKind);
        Assert.Equal(["900"], parameters.GetProperty("executionTimeout").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task SendAsync_NoOptionalFields_OmitsVersionCommentAndTimeout()
    {
        RespondJson("SendCommand", $$$"""{"Command":{"CommandId":"{{{CommandId}}}"}}""");
        var command = new NodeCommand("EfsDr-MountEfs", new Dictionary<string, IReadOnlyList<string>> { ["FileSystemId"] = ["fs-0123456789abcdef0"] });

        await _commands.SendAsync(Region, InstanceId, command, Token);

        var body = Body(Assert.Single(_handler.Requests));
        Assert.False(body.TryGetProperty("DocumentVersion", out _));
        Assert.False(body.TryGetProperty("Comment", out _));
        Assert.False(body.TryGetProperty("TimeoutSeconds", out _));
        Assert.False(body.TryGetProperty("Targets", out _));
        Assert.Equal(["fs-0123456789abcdef0"], body.GetProperty("Parameters").GetProperty("FileSystemId").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task GetInvocationAsync_PendingInvocation_SendsNoPluginNameAndMapsMinusOneAndEmptyOutput()
    {
        // Arrange: the documented shape of an invocation that has not started.
        RespondJson("GetCommandInvocation", InvocationJson("Pending", -1));

        // Act
        var invocation = await _commands.GetInvocationAsync(Region, CommandId, InstanceId, Token);

        // Assert
        var request = Assert.Single(_handler.Requests);
        Model.AssertRequest("GetCommandInvocation", request);
        var body = Body(request);
        Assert.Equal(CommandId, body.GetProperty("CommandId").GetString());
        Assert.Equal(InstanceId, body.GetProperty("InstanceId").GetString());
        Assert.False(body.TryGetProperty("PluginName", out _));
        Assert.Equal(new CommandInvocation(CommandId, InstanceId, CommandStatus.Pending, "Pending", -1, string.Empty, string.Empty), invocation);
        Assert.False(invocation.IsTerminal);
    }

    [Theory]
    [InlineData("Pending", CommandStatus.Pending)]
    [InlineData("InProgress", CommandStatus.InProgress)]
    [InlineData("Delayed", CommandStatus.Delayed)]
    [InlineData("Success", CommandStatus.Success)]
    [InlineData("Cancelled", CommandStatus.Cancelled)]
    [InlineData("TimedOut", CommandStatus.TimedOut)]
    [InlineData("Failed", CommandStatus.Failed)]
    [InlineData("Cancelling", CommandStatus.Cancelling)]
    public async Task GetInvocationAsync_EachDocumentedStatus_MapsToCommandStatus(string wire, CommandStatus expected)
    {
        RespondJson("GetCommandInvocation", InvocationJson(wire, 0));

        var invocation = await _commands.GetInvocationAsync(Region, CommandId, InstanceId, Token);

        Assert.Equal(expected, invocation.Status);
    }

    [Fact]
    public void ParseStatus_EveryValueOfTheModel_IsKnown()
    {
        var values = Model.EnumValues("CommandInvocationStatus");

        Assert.Equal(8, values.Count);
        Assert.All(values, v => Assert.NotEqual(CommandStatus.Unknown, SsmNodeCommands.ParseStatus(v)));
        Assert.Equal(CommandStatus.Unknown, SsmNodeCommands.ParseStatus("Paused"));
    }

    [Fact]
    public async Task GetInvocationAsync_FailedWithOutputAndDetails_MapsCodeOutputAndDetails()
    {
        RespondJson("GetCommandInvocation", InvocationJson("TimedOut", 124, "partial\nout", "mount: timed out", "Execution Timed Out"));

        var invocation = await _commands.GetInvocationAsync(Region, CommandId, InstanceId, Token);

        Assert.Equal(CommandStatus.TimedOut, invocation.Status);
        Assert.Equal("Execution Timed Out", invocation.StatusDetails);
        Assert.Equal(124, invocation.ResponseCode);
        Assert.Equal("partial\nout", invocation.StandardOutput);
        Assert.Equal("mount: timed out", invocation.StandardError);
        Assert.True(invocation.IsTerminal);
    }

    [Fact]
    public async Task GetInvocationAsync_OutputAndCodeAbsent_GivesEmptyStringsAndMinusOne()
    {
        RespondJson("GetCommandInvocation", $$"""{"CommandId":"{{CommandId}}","InstanceId":"{{InstanceId}}","Status":"InProgress"}""");

        var invocation = await _commands.GetInvocationAsync(Region, CommandId, InstanceId, Token);

        Assert.Equal(CommandStatus.InProgress, invocation.Status);
        Assert.Equal(-1, invocation.ResponseCode);
        Assert.Equal(string.Empty, invocation.StandardOutput);
        Assert.Equal(string.Empty, invocation.StandardError);
        Assert.Null(invocation.StatusDetails);
    }

    [Fact]
    public async Task GetInvocationAsync_InvocationDoesNotExist_ThrowsTypedExceptionWithoutRetrying()
    {
        // Arrange: the normal answer right after SendCommand; three attempts are allowed.
        Assert.Contains("InvocationDoesNotExist", Model.Errors("GetCommandInvocation"));
        RespondError(HttpStatusCode.BadRequest, "InvocationDoesNotExist", requestId: "req-ide-1");

        // Act
        var ex = await Assert.ThrowsAsync<NodeCommandNotFoundException>(() => _commands.GetInvocationAsync(Region, CommandId, InstanceId, Token));

        // Assert
        Assert.Single(_handler.Requests);
        Assert.Equal(new CloudError("ssm", "InvocationDoesNotExist", ex.Error.Message, 400, "req-ide-1"), ex.Error);
    }

    [Fact]
    public async Task GetInvocationAsync_ThrottledOnEveryAttempt_ThrowsTransientAfterMaxAttempts()
    {
        for (var i = 0; i < 3; i++)
        {
            RespondError(HttpStatusCode.BadRequest, "ThrottlingException", "Rate exceeded", $"req-throttle-{i}");
        }

        var ex = await Assert.ThrowsAsync<CloudBusyException>(() => _commands.GetInvocationAsync(Region, CommandId, InstanceId, Token));

        Assert.Equal(3, _handler.Requests.Count);
        Assert.Equal("ThrottlingException", ex.Code);
        Assert.Equal(400, ex.HttpStatus);
        Assert.Equal("req-throttle-2", ex.RequestId);
        Assert.Equal("Rate exceeded", ex.Error.Message);
        Assert.Equal(["attempt=1; max=3", "attempt=2; max=3", "attempt=3; max=3"], _handler.Requests.Select(r => r.Header("amz-sdk-request")));
    }

    [Fact]
    public async Task SendAsync_InternalServerErrorThenSuccess_RetriesAndReturnsCommandId()
    {
        RespondError(HttpStatusCode.InternalServerError, "InternalServerError", "try again");
        RespondJson("SendCommand", $$$"""{"Command":{"CommandId":"{{{CommandId}}}"}}""");

        var id = await _commands.SendAsync(Region, InstanceId, new NodeCommand("AWS-RunShellScript", new Dictionary<string, IReadOnlyList<string>> { ["commands"] = ["true"] }), Token);

        Assert.Equal(CommandId, id);
        Assert.Equal(2, _handler.Requests.Count);
        Assert.Equal(_handler.Requests[0].Body, _handler.Requests[1].Body);
    }

    [Fact]
    public async Task SendAsync_InvalidDocument_ThrowsPlainServiceErrorWithoutRetrying()
    {
        RespondError(HttpStatusCode.BadRequest, "InvalidDocument", "Document EfsDr-Missing does not exist", "req-doc-1");

        var ex = await Assert.ThrowsAsync<CloudCallFailedException>(() => _commands.SendAsync(Region, InstanceId, new NodeCommand("EfsDr-Missing", new Dictionary<string, IReadOnlyList<string>>()), Token));

        Assert.Equal(typeof(CloudCallFailedException), ex.GetType());
        Assert.Equal(new CloudError("ssm", "InvalidDocument", "Document EfsDr-Missing does not exist", 400, "req-doc-1"), ex.Error);
        Assert.Single(_handler.Requests);
    }

    [Fact]
    public async Task SendAsync_InvalidInstanceId_ThrowsInstanceNotFound()
    {
        RespondError(HttpStatusCode.BadRequest, "InvalidInstanceId", "Instances [[i-0123456789abcdef0]] not in a valid state for account 111122223333");

        var ex = await Assert.ThrowsAsync<NodeNotFoundException>(() => _commands.SendAsync(Region, InstanceId, new NodeCommand("AWS-RunShellScript", new Dictionary<string, IReadOnlyList<string>> { ["commands"] = ["true"] }), Token));

        Assert.Equal("InvalidInstanceId", ex.Code);
        Assert.Single(_handler.Requests);
    }

    [Theory]
    [InlineData("Online", PingStatus.Online)]
    [InlineData("ConnectionLost", PingStatus.ConnectionLost)]
    [InlineData("Inactive", PingStatus.Inactive)]
    public async Task GetPingStatusAsync_RegisteredInstance_FiltersByInstanceIdAndMapsPingStatus(string wire, PingStatus expected)
    {
        // Arrange
        RespondJson("DescribeInstanceInformation", $$"""
            {"InstanceInformationList":[{"InstanceId":"{{InstanceId}}","PingStatus":"{{wire}}","LastPingDateTime":1716200000.5,
              "AgentVersion":"3.3.40.0","PlatformType":"Linux","ResourceType":"EC2Instance","IPAddress":"10.0.1.15"}]}
            """);

        // Act
        var status = await _commands.GetPingStatusAsync(Region, InstanceId, Token);

        // Assert
        Assert.Equal(expected, status);
        var request = Assert.Single(_handler.Requests);
        Model.AssertRequest("DescribeInstanceInformation", request);
        var filter = Assert.Single(Body(request).GetProperty("Filters").EnumerateArray());
        Assert.Equal("InstanceIds", filter.GetProperty("Key").GetString());
        Assert.Equal([InstanceId], filter.GetProperty("Values").EnumerateArray().Select(e => e.GetString()));
        Assert.False(Body(request).TryGetProperty("InstanceInformationFilterList", out _));
    }

    [Fact]
    public async Task GetPingStatusAsync_NoEntry_ReturnsNotRegistered()
    {
        // Stopped and terminated instances are not returned at all.
        RespondJson("DescribeInstanceInformation", """{"InstanceInformationList":[]}""");

        var status = await _commands.GetPingStatusAsync(Region, InstanceId, Token);

        Assert.Equal(PingStatus.NotRegistered, status);
        Assert.Single(_handler.Requests);
    }

    [Fact]
    public async Task GetPingStatusAsync_EmptyFirstPageWithNextToken_FollowsTokenToTheEntry()
    {
        RespondJson("DescribeInstanceInformation", """{"InstanceInformationList":[],"NextToken":"page-2"}""");
        RespondJson("DescribeInstanceInformation", $$"""{"InstanceInformationList":[{"InstanceId":"{{InstanceId}}","PingStatus":"Online"}]}""");

        var status = await _commands.GetPingStatusAsync(Region, InstanceId, Token);

        Assert.Equal(PingStatus.Online, status);
        Assert.Equal(2, _handler.Requests.Count);
        Assert.False(Body(_handler.Requests[0]).TryGetProperty("NextToken", out _));
        Assert.Equal("page-2", Body(_handler.Requests[1]).GetProperty("NextToken").GetString());
    }

    [Fact]
    public async Task GetPingStatusAsync_ServiceRepeatsNextToken_ThrowsRunawayListingAfterTwoRequests()
    {
        RespondJson("DescribeInstanceInformation", """{"InstanceInformationList":[],"NextToken":"page-2"}""");
        RespondJson("DescribeInstanceInformation", """{"InstanceInformationList":[],"NextToken":"page-2"}""");

        var ex = await Assert.ThrowsAsync<RunawayListingException>(() => _commands.GetPingStatusAsync(Region, InstanceId, Token));

        Assert.Equal(2, _handler.Requests.Count);
        Assert.Equal(EfsDr.Core.Paging.PageMarkers.RepeatedMarkerCode, ex.Code);
    }

    [Fact]
    public async Task GetPingStatusAsync_ConnectionRefusedOnEveryAttempt_ThrowsUnreachable()
    {
        for (var i = 0; i < 3; i++)
        {
            _handler.Fail(new HttpRequestException("Connection refused (ssm.us-west-2.amazonaws.com:443)", new System.Net.Sockets.SocketException(111)));
        }

        var ex = await Assert.ThrowsAsync<RegionUnreachableException>(() => _commands.GetPingStatusAsync(Region, InstanceId, Token));

        Assert.Equal(0, ex.HttpStatus);
        Assert.Equal("ConnectionFailure", ex.Code);
        Assert.StartsWith("DescribeInstanceInformation: ", ex.Error.Message, StringComparison.Ordinal);
        Assert.Equal(3, _handler.Requests.Count);
    }

    [Fact]
    public async Task GetInvocationAsync_NoAnswerWithinAttemptTimeout_ThrowsUnreachable()
    {
        // Arrange: two attempts of 100 ms each against a transport that never answers.
        using var clients = TestSdkClients.Create(_handler, new AwsRetryOptions { MaxAttempts = 2, BaseDelay = TimeSpan.Zero, AttemptTimeout = TimeSpan.FromMilliseconds(100) });
        _handler.Hang().Hang();

        // Act
        var ex = await Assert.ThrowsAsync<RegionUnreachableException>(() => new SsmNodeCommands(clients).GetInvocationAsync(Region, CommandId, InstanceId, Token));

        // Assert
        Assert.Equal("RequestTimeout", ex.Code);
        Assert.Equal(0, ex.HttpStatus);
        Assert.Equal(2, _handler.Requests.Count);
    }

    [Fact]
    public async Task GetInvocationAsync_CallerCancelsWhileWaiting_ThrowsOperationCanceled()
    {
        // Arrange: the attempt timeout is long, so only the caller's token can end the wait.
        _handler.Hang();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cts.CancelAfter(TimeSpan.FromMilliseconds(100));

        // Act
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _commands.GetInvocationAsync(Region, CommandId, InstanceId, cts.Token));

        // Assert
        Assert.Equal(cts.Token, ex.CancellationToken);
        Assert.Single(_handler.Requests);
    }

    [Fact]
    public async Task GetInvocationAsync_AlreadyCancelled_ThrowsOperationCanceledWithoutRetrying()
    {
        // Arrange: the SDK still hands the request to the transport, which honours the token.
        _handler.Hang();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        // Act
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _commands.GetInvocationAsync(Region, CommandId, InstanceId, cts.Token));

        // Assert
        Assert.Equal(cts.Token, ex.CancellationToken);
        Assert.True(_handler.Requests.Count <= 1, $"{_handler.Requests.Count} requests after cancellation");
    }

    [Fact]
    public async Task SendAsync_ServiceEndpointVariableSet_SendsToThatHostSignedForTheRegion()
    {
        // Arrange: AWS_ENDPOINT_URL_SSM wins over AWS_ENDPOINT_URL (from an injected environment, not the real one).
        using var clients = TestSdkClients.Create(_handler, environment: new Dictionary<string, string>
        {
            ["AWS_ENDPOINT_URL_SSM"] = "http://ssm.local.test:4566",
            ["AWS_ENDPOINT_URL"] = "http://everything.local.test:4566",
        });
        RespondJson("SendCommand", $$$"""{"Command":{"CommandId":"{{{CommandId}}}"}}""");

        // Act
        await new SsmNodeCommands(clients).SendAsync("eu-central-1", InstanceId, new NodeCommand("AWS-RunShellScript", new Dictionary<string, IReadOnlyList<string>> { ["commands"] = ["true"] }), Token);

        // Assert
        var request = Assert.Single(_handler.Requests);
        Assert.Equal("ssm.local.test", request.Uri.Host);
        Assert.Equal(4566, request.Uri.Port);
        Assert.Equal("http", request.Uri.Scheme);
        Assert.Contains("/eu-central-1/ssm/aws4_request", request.Header("Authorization"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetPingStatusAsync_OnlyAnotherServicesEndpointSet_SendsToRegionalSsmHost()
    {
        using var clients = TestSdkClients.Create(_handler, environment: new Dictionary<string, string> { ["AWS_ENDPOINT_URL_EC2"] = "http://ec2.local.test:4566" });
        RespondJson("DescribeInstanceInformation", """{"InstanceInformationList":[]}""");

        await new SsmNodeCommands(clients).GetPingStatusAsync("eu-central-1", InstanceId, Token);

        var request = Assert.Single(_handler.Requests);
        Assert.Equal("https://ssm.eu-central-1.amazonaws.com/", request.Uri.AbsoluteUri);
        Assert.Contains("/eu-central-1/ssm/aws4_request", request.Header("Authorization"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DocumentExistsAsync_DocumentPresent_SendsNameAndReturnsTrue()
    {
        RespondJson("DescribeDocument", """{"Document":{"Name":"EfsDr-Node","DocumentType":"Command","SchemaVersion":"2.2","Status":"Active"}}""");

        var exists = await _commands.DocumentExistsAsync(Region, "EfsDr-Node", Token);

        Assert.True(exists);
        var request = Assert.Single(_handler.Requests);
        Model.AssertRequest("DescribeDocument", request);
        Assert.Equal("EfsDr-Node", Body(request).GetProperty("Name").GetString());
    }

    [Fact]
    public async Task DocumentExistsAsync_InvalidDocument_ReturnsFalseWithoutRetrying()
    {
        Assert.Contains("InvalidDocument", Model.Errors("DescribeDocument"));
        RespondError(HttpStatusCode.BadRequest, "InvalidDocument", "The specified document does not exist.");

        var exists = await _commands.DocumentExistsAsync(Region, "EfsDr-Node", Token);

        Assert.False(exists);
        Assert.Single(_handler.Requests);
    }
}
