using System.Text;
using System.Text.Json;
using EfsDr.Aws.Http;
using EfsDr.Aws.StepFunctions;
using EfsDr.Aws.Tests.Support;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;

namespace EfsDr.Aws.Tests.Contract;

/// <summary>The Step Functions client against moto_server (which records executions without running them).</summary>
[Trait("Category", "Contract")]
public sealed class StepFunctionsContractTests(MotoServerFixture moto)
{
    private static async Task<string> CreateStateMachineAsync(SignedRequestPipeline pipeline, string name)
    {
        var definition = JsonSerializer.Serialize("""{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}""");
        var body = $$"""{"name":"{{name}}","definition":{{definition}},"roleArn":"arn:aws:iam::123456789012:role/efsdr","type":"STANDARD"}""";
        var response = await pipeline.SendAsync(
            AwsServiceInfo.StepFunctions,
            "us-west-2",
            new AwsRequest(HttpMethod.Post, "/")
            {
                Body = Encoding.UTF8.GetBytes(body),
                ContentType = "application/x-amz-json-1.0",
                Headers = new Dictionary<string, string> { ["X-Amz-Target"] = "AWSStepFunctions.CreateStateMachine" },
                Operation = "CreateStateMachine",
            },
            JsonErrorReader.Instance,
            TestContext.Current.CancellationToken);
        using var doc = JsonDocument.Parse(response.Body);
        return doc.RootElement.GetProperty("stateMachineArn").GetString()!;
    }

    [Fact]
    public async Task StartAsync_ThenDescribeListAndHistory_RoundTrips()
    {
        // Arrange
        var pipeline = moto.Pipeline();
        var client = new StepFunctionsClient(pipeline) { PageSize = 1 };
        var machine = await CreateStateMachineAsync(pipeline, "efsdr-" + Guid.NewGuid().ToString("N")[..8]);

        // Act
        var first = await client.StartAsync(machine, "failover-server3-a", """{"targetServer":"server3"}""", TestContext.Current.CancellationToken);
        var second = await client.StartAsync(machine, "failover-server3-b", """{"targetServer":"server3"}""", TestContext.Current.CancellationToken);
        var described = await client.DescribeAsync(first.ExecutionArn, TestContext.Current.CancellationToken);
        var names = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await client.ListAsync(machine, null, token, TestContext.Current.CancellationToken);
            names.AddRange(page.Items.Select(e => e.Name));
            token = page.NextToken;
            pages++;
        }
        while (token is not null && pages < 10);

        var history = await client.GetHistoryPageAsync(first.ExecutionArn, null, TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal("failover-server3-a", described.Name);
        Assert.Equal(machine, described.StateMachineArn);
        Assert.Equal("""{"targetServer":"server3"}""", described.Input);
        Assert.NotEqual(ExecutionStatus.Unknown, described.Status);
        Assert.Equal(["failover-server3-a", "failover-server3-b"], names.Order(StringComparer.Ordinal));
        Assert.Equal(2, pages);
        Assert.NotEqual(first.ExecutionArn, second.ExecutionArn);
        Assert.NotEmpty(history.Items);
        Assert.All(history.Items, e => Assert.False(string.IsNullOrEmpty(e.Type)));
    }

    [Fact]
    public async Task GetLatestHistoryPageAsync_StartedExecution_IsAcceptedAndParsed()
    {
        // moto_server accepts reverseOrder and maxResults and answers its canned history (it neither orders nor pages it):
        // this checks that the service takes the request and that the answer parses.
        var pipeline = moto.Pipeline();
        var client = new StepFunctionsClient(pipeline);
        var machine = await CreateStateMachineAsync(pipeline, "efsdr-" + Guid.NewGuid().ToString("N")[..8]);
        var started = await client.StartAsync(machine, "failover-server3-latest", "{}", TestContext.Current.CancellationToken);

        var page = await client.GetLatestHistoryPageAsync(started.ExecutionArn, 20, null, TestContext.Current.CancellationToken);

        Assert.NotEmpty(page.Items);
        Assert.All(page.Items, e => Assert.True(e.Id > 0));
        Assert.Contains(page.Items, e => e.Type == "ExecutionStarted");
    }

    [Fact]
    public async Task DescribeAsync_UnknownExecution_ThrowsExecutionDoesNotExist()
    {
        var client = new StepFunctionsClient(moto.Pipeline());

        await Assert.ThrowsAsync<RunNotFoundException>(() =>
            client.DescribeAsync("arn:aws:states:us-west-2:123456789012:execution:nope:nope", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task StartAsync_UnknownStateMachine_ThrowsStateMachineDoesNotExist()
    {
        var client = new StepFunctionsClient(moto.Pipeline());

        await Assert.ThrowsAsync<WorkflowNotFoundException>(() =>
            client.StartAsync("arn:aws:states:us-west-2:123456789012:stateMachine:nope", "n", "{}", TestContext.Current.CancellationToken));
    }
}
