using System.Net;
using System.Text.Json;
using EfsDr.Aws.StepFunctions;
using EfsDr.Aws.Tests.Support;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;

namespace EfsDr.Aws.Tests.StepFunctions;

/// <summary>Step Functions on the wire (JSON 1.0), checked against botocore's model.</summary>
public sealed class StepFunctionsClientWireTests
{
    private const string StateMachine = "arn:aws:states:us-west-2:111122223333:stateMachine:EfsDrFailover";
    private const string ExecutionArn = "arn:aws:states:us-west-2:111122223333:execution:EfsDrFailover:failover-server3-1";
    private static readonly Lazy<BotocoreModel> LazyModel = new(() => BotocoreModel.Load("stepfunctions"));
    private readonly RecordingHandler _handler = new();
    private readonly StepFunctionsClient _client;

    public StepFunctionsClientWireTests()
    {
        _client = new StepFunctionsClient(TestPipeline.Create(_handler)) { PageSize = 2 };
    }

    private static BotocoreModel Model => LazyModel.Value;

    [Fact]
    public async Task StartAsync_NameAndInput_PostsTargetedJsonToRegionOfArn()
    {
        var response = """{"executionArn":"arn:aws:states:us-west-2:111122223333:execution:EfsDrFailover:failover-server3-1","startDate":1700000000.123}""";
        Model.AssertJsonResponseFixture("StartExecution", response);
        _handler.Respond(HttpStatusCode.OK, response, "application/x-amz-json-1.0");

        var started = await _client.StartAsync(StateMachine, "failover-server3-1", """{"targetServer":"server3"}""", TestContext.Current.CancellationToken);

        var request = Assert.Single(_handler.Requests);
        Model.AssertRequest("StartExecution", request);
        Assert.Equal("https://states.us-west-2.amazonaws.com/", request.Uri.ToString());
        Assert.Equal("AWSStepFunctions.StartExecution", request.Header("X-Amz-Target"));
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal(JsonValueKind.String, body.RootElement.GetProperty("input").ValueKind);
        Assert.Equal("""{"targetServer":"server3"}""", body.RootElement.GetProperty("input").GetString());
        Assert.Equal("failover-server3-1", body.RootElement.GetProperty("name").GetString());
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1700000000123), started.StartDate);
        Assert.Contains("/us-west-2/states/aws4_request", request.Header("Authorization"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ExecutionAlreadyExists_ThrowsTypedErrorWithoutRetry()
    {
        Assert.Contains("ExecutionAlreadyExists", Model.Errors("StartExecution"));
        _handler.Respond(HttpStatusCode.BadRequest, """{"__type":"com.amazonaws.swf.service.v2.model#ExecutionAlreadyExists","message":"Execution Already Exists: 'x'"}""", "application/x-amz-json-1.0", new Dictionary<string, string> { ["x-amzn-RequestId"] = "r-9" });

        var ex = await Assert.ThrowsAsync<RunNameTakenException>(() => _client.StartAsync(StateMachine, "x", "{}", TestContext.Current.CancellationToken));

        Assert.Equal("ExecutionAlreadyExists", ex.Code);
        Assert.Equal(400, ex.HttpStatus);
        Assert.Equal("r-9", ex.RequestId);
        Assert.Single(_handler.Requests);
    }

    [Fact]
    public async Task StartAsync_NameLongerThan80_RejectsBeforeSending()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => _client.StartAsync(StateMachine, new string('a', 81), "{}", TestContext.Current.CancellationToken));

        Assert.StartsWith("name:", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_handler.Requests);
    }

    [Fact]
    public async Task DescribeAsync_FailedExecution_ParsesStatusErrorAndDates()
    {
        var response = $$"""
            {"executionArn":"{{ExecutionArn}}","stateMachineArn":"{{StateMachine}}","name":"failover-server3-1","status":"FAILED",
             "startDate":1700000000,"stopDate":1700000900.5,"input":"{}","error":"NodeCommandFailedException","cause":"mount failed"}
            """;
        Model.AssertJsonResponseFixture("DescribeExecution", response);
        _handler.Respond(HttpStatusCode.OK, response);

        var execution = await _client.DescribeAsync(ExecutionArn, TestContext.Current.CancellationToken);

        Model.AssertRequest("DescribeExecution", _handler.Requests[0]);
        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("NodeCommandFailedException", execution.Error);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1700000900500), execution.StopDate);
        Assert.Null(execution.Output);
    }

    [Fact]
    public async Task DescribeAsync_ExecutionDoesNotExist_ThrowsTypedNotFound()
    {
        _handler.Respond(HttpStatusCode.BadRequest, """{"__type":"ExecutionDoesNotExist","message":"Execution Does Not Exist"}""");

        await Assert.ThrowsAsync<RunNotFoundException>(() => _client.DescribeAsync(ExecutionArn, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task GetHistoryPageAsync_Events_ParsesStateNamesErrorsAndToken()
    {
        var response = """
            {"events":[
              {"timestamp":1700000000.0,"type":"ExecutionStarted","id":1,"previousEventId":0,"executionStartedEventDetails":{"input":"{}","roleArn":"arn:aws:iam::1:role/r"}},
              {"timestamp":1700000000.25,"type":"TaskStateEntered","id":2,"previousEventId":1,"stateEnteredEventDetails":{"name":"PlanFailover","input":"{}"}},
              {"timestamp":1700000001.5,"type":"LambdaFunctionFailed","id":3,"previousEventId":2,"lambdaFunctionFailedEventDetails":{"error":"NodeOfflineException","cause":"server3 is ConnectionLost"}}
            ],"nextToken":"page-2"}
            """;
        Model.AssertJsonResponseFixture("GetExecutionHistory", response);
        _handler.Respond(HttpStatusCode.OK, response);

        var page = await _client.GetHistoryPageAsync(ExecutionArn, "page-1", TestContext.Current.CancellationToken);

        var request = Assert.Single(_handler.Requests);
        Model.AssertRequest("GetExecutionHistory", request);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("page-1", body.RootElement.GetProperty("nextToken").GetString());
        Assert.Equal(2, body.RootElement.GetProperty("maxResults").GetInt32());
        Assert.Equal("page-2", page.NextToken);
        Assert.Equal(3, page.Items.Count);
        Assert.Equal("PlanFailover", page.Items[1].StateName);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1700000000250), page.Items[1].Timestamp);
        Assert.Equal("NodeOfflineException", page.Items[2].Error);
        Assert.Equal("server3 is ConnectionLost", page.Items[2].Cause);
        Assert.Equal(2, page.Items[2].PreviousEventId);
        Assert.Null(page.Items[0].StateName);
    }

    [Fact]
    public async Task GetLatestHistoryPageAsync_SizeAndToken_AsksNewestFirstWithThatPageSize()
    {
        var response = """
            {"events":[
              {"timestamp":1700000002.0,"type":"TaskStateExited","id":9,"previousEventId":8,"stateExitedEventDetails":{"name":"CheckPromotion","output":"{}"}},
              {"timestamp":1700000001.0,"type":"TaskStateEntered","id":8,"previousEventId":7,"stateEnteredEventDetails":{"name":"CheckPromotion","input":"{}"}}
            ],"nextToken":"older"}
            """;
        Model.AssertJsonResponseFixture("GetExecutionHistory", response);
        _handler.Respond(HttpStatusCode.OK, response);

        var page = await _client.GetLatestHistoryPageAsync(ExecutionArn, 20, "newer", TestContext.Current.CancellationToken);

        var request = Assert.Single(_handler.Requests);
        Model.AssertRequest("GetExecutionHistory", request);
        using var body = JsonDocument.Parse(request.Body);
        Assert.True(body.RootElement.GetProperty("reverseOrder").GetBoolean());
        Assert.Equal(20, body.RootElement.GetProperty("maxResults").GetInt32());
        Assert.Equal("newer", body.RootElement.GetProperty("nextToken").GetString());
        Assert.Equal([9L, 8L], page.Items.Select(e => e.Id));
        Assert.Equal("older", page.NextToken);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task GetLatestHistoryPageAsync_SizeOutsideTheApisRange_IsRefusedBeforeAnyCall(int size)
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _client.GetLatestHistoryPageAsync(ExecutionArn, size, null, TestContext.Current.CancellationToken));

        Assert.Empty(_handler.Requests);
    }

    [Fact]
    public async Task GetHistoryPageAsync_OldestFirst_SendsNoReverseOrder()
    {
        _handler.Respond(HttpStatusCode.OK, """{"events":[]}""");

        await _client.GetHistoryPageAsync(ExecutionArn, null, TestContext.Current.CancellationToken);

        using var body = JsonDocument.Parse(Assert.Single(_handler.Requests).Body);
        Assert.False(body.RootElement.TryGetProperty("reverseOrder", out _));
    }

    [Fact]
    public async Task ListAsync_ThreePagesByStatus_SendsFilterAndTokens()
    {
        string Item(string name) => $$"""{"executionArn":"{{ExecutionArn}}-{{name}}","stateMachineArn":"{{StateMachine}}","name":"{{name}}","status":"RUNNING","startDate":1700000000}""";
        var pages = new[]
        {
            $$"""{"executions":[{{Item("a")}},{{Item("b")}}],"nextToken":"n1"}""",
            $$"""{"executions":[{{Item("c")}}],"nextToken":"n2"}""",
            $$"""{"executions":[{{Item("d")}}]}""",
        };
        foreach (var page in pages)
        {
            Model.AssertJsonResponseFixture("ListExecutions", page);
            _handler.Respond(HttpStatusCode.OK, page);
        }

        var names = new List<string>();
        string? token = null;
        var calls = 0;
        do
        {
            var page = await _client.ListAsync(StateMachine, ExecutionStatus.Running, token, TestContext.Current.CancellationToken);
            names.AddRange(page.Items.Select(e => e.Name));
            token = page.NextToken;
            calls++;
        }
        while (token is not null && calls < 10);

        Assert.Equal(["a", "b", "c", "d"], names);
        Assert.All(_handler.Requests, r => Model.AssertRequest("ListExecutions", r));
        using var third = JsonDocument.Parse(_handler.Requests[2].Body);
        Assert.Equal("n2", third.RootElement.GetProperty("nextToken").GetString());
        Assert.Equal("RUNNING", third.RootElement.GetProperty("statusFilter").GetString());
        Assert.Contains("RUNNING", Model.EnumValues("ExecutionStatus"));
    }

    [Theory]
    [InlineData("arn:aws:states:eu-west-1:1:stateMachine:x", "eu-west-1")]
    [InlineData("arn:aws:states:us-west-2:111122223333:execution:EfsDrFailover:run-1", "us-west-2")]
    public void RegionOf_StepFunctionsArn_ReturnsRegion(string arn, string region) =>
        Assert.Equal(region, StepFunctionsClient.RegionOf(arn));

    [Theory]
    [InlineData("")]
    [InlineData("arn:aws:lambda:us-west-2:1:function:x")]
    [InlineData("not-an-arn")]
    public void RegionOf_NotAStatesArn_Throws(string arn) =>
        Assert.Throws<ArgumentException>(() => StepFunctionsClient.RegionOf(arn));

    [Fact]
    public void ParseStatus_EveryModelValue_IsKnown()
    {
        foreach (var value in Model.EnumValues("ExecutionStatus"))
        {
            var status = StepFunctionsClient.ParseStatus(value);
            Assert.NotEqual(ExecutionStatus.Unknown, status);
            Assert.Equal(value, StepFunctionsClient.StatusWire(status));
        }
    }

    [Fact]
    public async Task FindStateMachineAsync_SecondPage_ReturnsArnOfExactName()
    {
        var pages = new[]
        {
            """{"stateMachines":[{"stateMachineArn":"arn:aws:states:us-west-2:1:stateMachine:efsdr-failover-old","name":"efsdr-failover-old","type":"STANDARD","creationDate":1700000000}],"nextToken":"p2"}""",
            """{"stateMachines":[{"stateMachineArn":"arn:aws:states:us-west-2:1:stateMachine:efsdr-failover","name":"efsdr-failover","type":"STANDARD","creationDate":1700000000.5}]}""",
        };
        foreach (var page in pages)
        {
            Model.AssertJsonResponseFixture("ListStateMachines", page);
            _handler.Respond(HttpStatusCode.OK, page);
        }

        var arn = await _client.FindStateMachineAsync("us-west-2", "efsdr-failover", TestContext.Current.CancellationToken);

        Assert.Equal("arn:aws:states:us-west-2:1:stateMachine:efsdr-failover", arn);
        Assert.All(_handler.Requests, r => Model.AssertRequest("ListStateMachines", r));
        Assert.Equal("https://states.us-west-2.amazonaws.com/", _handler.Requests[0].Uri.ToString());
        using var second = JsonDocument.Parse(_handler.Requests[1].Body);
        Assert.Equal("p2", second.RootElement.GetProperty("nextToken").GetString());
    }

    [Fact]
    public async Task FindStateMachineAsync_NoneNamed_ReturnsNull()
    {
        _handler.Respond(HttpStatusCode.OK, """{"stateMachines":[]}""");

        Assert.Null(await _client.FindStateMachineAsync("us-west-2", "efsdr-failover", TestContext.Current.CancellationToken));
    }
}
