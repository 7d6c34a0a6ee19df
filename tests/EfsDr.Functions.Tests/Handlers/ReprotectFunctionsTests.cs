using System.Text;
using System.Text.Json.Nodes;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Workflows;
using EfsDr.Functions.Observability;
using EfsDr.Functions.Runtime;
using EfsDr.Testing.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Functions.Tests.Handlers;

/// <summary>The reprotect's handlers over the in-memory cloud, with the JSON state the state machine passes.</summary>
public sealed class ReprotectFunctionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly InvocationContext Context = new("req-1", Now.AddMinutes(1), "arn:aws:lambda:us-west-2:1:function:f", null);
    private readonly FakeTimeProvider _time = new(Now);
    private readonly InMemoryCloud _cloud = SeedCluster.Cloud(Now.AddSeconds(-120));
    private readonly Dictionary<string, string> _environment;

    public ReprotectFunctionsTests()
    {
        _environment = new Dictionary<string, string>
        {
            ["AWS_REGION"] = "us-west-2",
            [FunctionHost.ConfigParameterVariable] = "/efsdr/config",
        };
        _cloud.ParameterValues["us-west-2:/efsdr/config"] = File.ReadAllText(Support.Repo.Path("config", "cluster.example.json"));
    }

    private async Task<JsonNode> InvokeAsync(string name, JsonNode input)
    {
        var handlers = FunctionHost.Handlers(n => _environment.TryGetValue(n, out var v) ? v : null, new FunctionPorts(_cloud, _cloud, _cloud, _cloud, _cloud, _cloud, new InMemoryExecutions()), _time, new JsonLineLoggerProvider(TextWriter.Null, _time).CreateLogger("test"));
        return JsonNode.Parse(await handlers[name](Encoding.UTF8.GetBytes(input.ToJsonString()), Context, TestContext.Current.CancellationToken))!;
    }

    [Fact]
    public async Task PlanReprotect_DryRun_CarriesTheRunAndItsExecutionAsLockOwner_AndSummarizes()
    {
        var state = new JsonObject { ["dryRun"] = true };
        state["plan"] = await InvokeAsync(ReprotectWorkflow.PlanReprotect.Handler!, new JsonObject
        {
            ["input"] = new JsonObject { ["dryRun"] = true },
            ["executionName"] = "reprotect-1",
            ["executionArn"] = "arn:aws:states:us-west-2:1:execution:efsdr-reprotect:reprotect-1",
        });

        var summary = await InvokeAsync(ReprotectWorkflow.SummarizeReprotect.Handler!, state);

        Assert.Equal("reprotect-1", state["plan"]!["runId"]!.GetValue<string>());
        Assert.Equal("arn:aws:states:us-west-2:1:execution:efsdr-reprotect:reprotect-1", state["plan"]!["executionArn"]!.GetValue<string>());
        Assert.True(state["plan"]!["dryRun"]!.GetValue<bool>());
        Assert.Equal("reprotect-1", summary["runId"]!.GetValue<string>());
    }

    [Fact]
    public async Task PlanReprotect_UnknownInputMember_ThrowsInvalidInputNamingIt()
    {
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => InvokeAsync(ReprotectWorkflow.PlanReprotect.Handler!, new JsonObject
        {
            ["input"] = new JsonObject { ["overwriteDivergedd"] = true },
            ["executionName"] = "reprotect-1",
        }));

        Assert.Contains("overwriteDivergedd", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Step_StateWithoutPlan_ThrowsInvalidInputAndChangesNothing()
    {
        await Assert.ThrowsAsync<InvalidInputException>(() => InvokeAsync(ReprotectWorkflow.CreateReplication.Handler!, new JsonObject { ["dryRun"] = false }));

        Assert.DoesNotContain(_cloud.ParameterValues.Keys, k => k.Contains("run-lock", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CleanUpFailedRun_WithoutAPlan_SaysNoLockWasHeld()
    {
        var report = await InvokeAsync(ReprotectWorkflow.CleanUpFailedRun.Handler!, new JsonObject { ["failure"] = new JsonObject { ["Error"] = "InvalidInputException" } });

        Assert.Equal("no run lock was held", report.GetValue<string>());
    }
}
