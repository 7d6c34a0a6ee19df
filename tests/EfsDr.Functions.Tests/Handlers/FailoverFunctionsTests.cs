using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Core.Workflows;
using EfsDr.Functions.Handlers;
using EfsDr.Functions.Observability;
using EfsDr.Functions.Runtime;
using EfsDr.Testing.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Functions.Tests.Handlers;

/// <summary>The handlers over the in-memory cloud, called in the order the state machine calls them, with its JSON state.</summary>
public sealed class FailoverFunctionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly InvocationContext Context = new("req-1", Now.AddMinutes(1), "arn:aws:lambda:us-west-2:1:function:f", null);
    private readonly FakeTimeProvider _time = new(Now);
    private readonly InMemoryCloud _cloud = SeedCluster.Cloud(Now.AddSeconds(-120));
    private readonly StringWriter _log = new();
    private readonly Dictionary<string, string> _environment;

    public FailoverFunctionsTests()
    {
        _environment = new Dictionary<string, string>
        {
            ["AWS_REGION"] = "us-west-2",
            [FunctionHost.ConfigParameterVariable] = "/efsdr/config",
            [FunctionHost.NodeDocumentVariable] = "EfsDr-Node-test",
        };
        _cloud.ParameterValues["us-west-2:/efsdr/config"] = File.ReadAllText(Support.Repo.Path("config", "cluster.example.json"));
    }

    private IReadOnlyDictionary<string, LambdaHandler> Handlers() =>
        FunctionHost.Handlers(n => _environment.TryGetValue(n, out var v) ? v : null, new FunctionPorts(_cloud, _cloud, _cloud, _cloud, _cloud, _cloud, new InMemoryExecutions()), _time, new JsonLineLoggerProvider(_log, _time).CreateLogger("test"));

    private async Task<JsonNode> InvokeAsync(string name, JsonNode input) =>
        JsonNode.Parse(await Handlers()[name](Encoding.UTF8.GetBytes(input.ToJsonString()), Context, TestContext.Current.CancellationToken))!;

    private static JsonObject Input(string target, bool dryRun = false) => new()
    {
        ["input"] = new JsonObject { ["targetServer"] = target, ["dryRun"] = dryRun },
        ["executionName"] = "failover-" + target,
    };

    [Fact]
    public async Task Handlers_CrossRegionFailoverInStateMachineOrder_PromotesActivatesAndSwitches()
    {
        // Arrange: the state as the ASL builds it (execution input fields, then ResultPath per step).
        var state = new JsonObject { ["targetServer"] = "server3" };
        state["plan"] = await InvokeAsync(FailoverWorkflow.PlanFailover.Handler!, Input("server3"));
        Assert.Equal("promote", state["plan"]!["action"]!.GetValue<string>());
        Assert.Equal(30, state["plan"]!["waits"]!["promotionSeconds"]!.GetValue<int>());

        // Act
        state["ttl"] = await InvokeAsync(FailoverWorkflow.LowerDnsTtl.Handler!, state);
        state["promotion"] = await InvokeAsync(FailoverWorkflow.PromoteReplica.Handler!, state);
        var firstWait = state["promotion"]!["nextWaitSeconds"]!.GetValue<int>();
        _cloud.CompleteDeletion(SeedCluster.PrimaryId);
        for (var i = 0; i < 5 && state["promotion"]!["done"]!.GetValue<bool>() is false; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(30));
            state["promotion"] = await InvokeAsync(FailoverWorkflow.CheckPromotion.Handler!, state);
        }

        state["node"] = await InvokeAsync(FailoverWorkflow.ActivateNode.Handler!, state);
        var commandId = state["node"]!["commandId"]!.GetValue<string>();
        _cloud.Invocations[commandId] = new Queue<Func<NodeProgress>>([() => new NodeProgress(NodeProgressState.Succeeded, "Success", null, 0, "healthy", string.Empty)]);
        state["node"] = await InvokeAsync(FailoverWorkflow.CheckNodeCommand.Handler!, state);
        state["dns"] = await InvokeAsync(FailoverWorkflow.SwitchDns.Handler!, state);
        _cloud.Changes[state["dns"]!["changeId"]!.GetValue<string>()] = DnsChangeStatus.InSync;
        state["dns"] = await InvokeAsync(FailoverWorkflow.CheckDns.Handler!, state);
        var summary = await InvokeAsync(FailoverWorkflow.SummarizeRun.Handler!, state);

        // Assert
        Assert.True(state["ttl"]!["lowered"]!.GetValue<bool>());
        Assert.True(state["promotion"]!["done"]!.GetValue<bool>());
        Assert.Equal(PollSchedule.MaxApproachWaitSeconds, firstWait);
        var history = PromotionHistory.NameOf(state["plan"]!["fileSystemName"]!.GetValue<string>(), "us-west-2");
        // EFS finished between the delete request and the first check without the replication (30 s): recorded 15 s.
        Assert.Contains("\"seconds\":[15]", _cloud.ParameterValues["us-west-2:" + history], StringComparison.Ordinal);
        Assert.True(state["node"]!["done"]!.GetValue<bool>());
        Assert.True(state["dns"]!["done"]!.GetValue<bool>());
        Assert.Equal("EfsDr-Node-test", Assert.Single(_cloud.Sent).Document);
        Assert.Equal(["10.70.110.10"], _cloud.Records["drtest.example.com"].Values);
        Assert.Equal("server3", summary["activeServer"]!.GetValue<string>());
        Assert.Equal(120, summary["dataLossWindowSeconds"]!.GetValue<double>());
        Assert.Contains("\"messageTemplate\":\"Planned failover to {TargetServer}", _log.ToString(), StringComparison.Ordinal);
        Assert.All(_log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), line => JsonDocument.Parse(line).Dispose());
    }

    [Fact]
    public async Task LoopChecks_StateWithMembersTheyDoNotRead_ReadOnlyThePlanAndTheirOwnProgress()
    {
        // Arrange: a cross-region failover up to each loop; the members a check does not read are made unreadable for it
        // (the whole state used to be parsed, so any of them could fail or slow down a check's cold start).
        var state = new JsonObject { ["targetServer"] = "server3" };
        state["plan"] = await InvokeAsync(FailoverWorkflow.PlanFailover.Handler!, Input("server3"));
        state["promotion"] = await InvokeAsync(FailoverWorkflow.PromoteReplica.Handler!, state);
        _cloud.CompleteDeletion(SeedCluster.PrimaryId);
        var unread = new JsonObject { ["fencing"] = "not a fencing result", ["lock"] = 42, ["deactivation"] = new JsonArray(), ["sync"] = false };

        // Act
        for (var i = 0; i < 5 && state["promotion"]!["done"]!.GetValue<bool>() is false; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(30));
            state["promotion"] = await InvokeAsync(FailoverWorkflow.CheckPromotion.Handler!, With(state, unread));
        }

        state["node"] = await InvokeAsync(FailoverWorkflow.ActivateNode.Handler!, state);
        _cloud.Invocations[state["node"]!["commandId"]!.GetValue<string>()] = new Queue<Func<NodeProgress>>([() => new NodeProgress(NodeProgressState.Succeeded, "Success", null, 0, "healthy", string.Empty)]);
        state["node"] = await InvokeAsync(FailoverWorkflow.CheckNodeCommand.Handler!, With(state, unread));
        state["dns"] = await InvokeAsync(FailoverWorkflow.SwitchDns.Handler!, state);
        _cloud.Changes[state["dns"]!["changeId"]!.GetValue<string>()] = DnsChangeStatus.InSync;
        state["dns"] = await InvokeAsync(FailoverWorkflow.CheckDns.Handler!, With(state, unread));

        // Assert
        Assert.True(state["promotion"]!["done"]!.GetValue<bool>());
        Assert.True(state["node"]!["done"]!.GetValue<bool>());
        Assert.True(state["dns"]!["done"]!.GetValue<bool>());
        Assert.Equal(1, state["dns"]!["checks"]!.GetValue<int>());
    }

    private static JsonObject With(JsonObject state, JsonObject extra)
    {
        var copy = state.DeepClone().AsObject();
        foreach (var (name, value) in extra)
        {
            copy[name] = value?.DeepClone();
        }

        return copy;
    }

    [Fact]
    public async Task Plan_DryRun_ReturnsPlanAndChangesNothing()
    {
        var plan = await InvokeAsync(FailoverWorkflow.PlanFailover.Handler!, Input("server3", dryRun: true));

        Assert.True(plan["dryRun"]!.GetValue<bool>());
        Assert.Empty(_cloud.Writes);
    }

    [Theory]
    [InlineData("""{"input":{"targetServer":"server3","bogus":1},"executionName":"x"}""", "bogus")]
    [InlineData("""{"input":{"targetServer":"server9"},"executionName":"x"}""", "targetServer")]
    [InlineData("""{"input":{},"executionName":"x"}""", "targetServer")]
    [InlineData("""{"input":{"targetServer":"server3","dryRun":"no"},"executionName":"x"}""", "dryRun")]
    [InlineData("""not json""", "$")]
    public async Task Plan_BadInput_ThrowsInvalidInputNamingFieldAndChangesNothing(string input, string field)
    {
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => Handlers()[FailoverWorkflow.PlanFailover.Handler!](Encoding.UTF8.GetBytes(input), Context, TestContext.Current.CancellationToken));

        Assert.Equal(field, Assert.Single(ex.Errors).Field);
        Assert.Empty(_cloud.Writes);
    }

    [Theory]
    [InlineData("PromoteReplica")]
    [InlineData("ActivateNode")]
    [InlineData("SwitchDns")]
    [InlineData("CheckPromotion")]
    [InlineData("CheckNodeCommand")]
    [InlineData("CheckDns")]
    public async Task Step_StateWithoutPlan_ThrowsInvalidInputAndChangesNothing(string state)
    {
        var name = FailoverWorkflow.Find(state)!.Handler!;
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => Handlers()[name](Encoding.UTF8.GetBytes("""{"targetServer":"server3"}"""), Context, TestContext.Current.CancellationToken));

        Assert.Equal("plan", Assert.Single(ex.Errors).Field);
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task Plan_OfflineTarget_ThrowsDomainExceptionNamedForTheWorkflow()
    {
        _cloud.Ping["i-0123456789abcdef3"] = PingStatus.ConnectionLost;

        var ex = await Assert.ThrowsAsync<TargetNodeOfflineException>(() => InvokeAsync(FailoverWorkflow.PlanFailover.Handler!, Input("server3")));

        Assert.Equal("TargetNodeOfflineException", ex.GetType().Name);
        Assert.Empty(_cloud.Writes);
    }

    [Fact]
    public async Task Plan_InlineConfiguration_WinsOverParameter()
    {
        _environment[FunctionHost.ConfigVariable] = File.ReadAllText(Support.Repo.Path("config", "cluster.example.json")).Replace("\"rpoSeconds\": 900", "\"rpoSeconds\": 600", StringComparison.Ordinal);
        _cloud.ParameterValues.Clear();

        var plan = await InvokeAsync(FailoverWorkflow.PlanFailover.Handler!, Input("server2"));

        Assert.Equal("none", plan["action"]!.GetValue<string>());
    }

    [Fact]
    public async Task Plan_InvalidStoredConfiguration_ThrowsInvalidConfiguration()
    {
        _cloud.ParameterValues["us-west-2:/efsdr/config"] = """{"fileSystem":{"name":""},"servers":[],"dns":{"hostedZoneId":"Z1","recordName":"a.example.com"}}""";

        var ex = await Assert.ThrowsAsync<InvalidConfigurationException>(() => InvokeAsync(FailoverWorkflow.PlanFailover.Handler!, Input("server3")));

        Assert.Contains(ex.Errors, e => e.Field == "fileSystem.name");
    }

    [Fact]
    public void Build_UnknownHandler_NamesTheVariable()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => FunctionHost.Build(n => n == "_HANDLER" ? "nope" : null, _time, _log));

        Assert.Contains("_HANDLER 'nope'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Handlers_EveryRegisteredName_HasAHandler() =>
        // FunctionNames.All is the failover description's handlers and the health check: a described Task without a
        // registered handler fails here.
        Assert.Equal(FunctionNames.All.Order(StringComparer.Ordinal), Handlers().Keys.Order(StringComparer.Ordinal));}
