using System.Text;
using EfsDr.Core.Model;
using EfsDr.Core.Workflows;
using EfsDr.Functions.Handlers;
using EfsDr.LocalCloud.Hosting;
using EfsDr.LocalCloud.Tests.Support;

namespace EfsDr.LocalCloud.Tests.StepFunctions;

/// <summary>The real statemachine/failover.asl.json with EfsDr's real handlers deployed. On this branch EFS, SSM, EC2 and
/// Route 53 are stubs, so the run must end in PlanFailover's domain/AWS error, through Catch → RecordFailure → FailRun.</summary>
[Collection(SfnEngineGroup.Name)]
public sealed class FailoverStateMachineTests : IAsyncLifetime
{
    private SfnTestCloud _cloud = null!;

    public async ValueTask InitializeAsync()
    {
        SfnTestCloud.RequireEngine();
        _cloud = await SfnTestCloud.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_cloud is not null)
        {
            await _cloud.DisposeAsync();
        }
    }

    /// <summary>plan → PlanFunctionArn, lower-dns-ttl → LowerDnsTtlFunctionArn … (the template's DefinitionSubstitutions).</summary>
    private static string SubstitutionName(string handler) =>
        string.Concat(handler.Split('-').Select(part => char.ToUpperInvariant(part[0]) + part[1..])) + "FunctionArn";

    [Theory]
    [InlineData("inline configuration (EFS is a stub)")]
    [InlineData("configuration parameter (SSM is a stub)")]
    public async Task StartExecution_RealFailoverDefinition_ReachesPlanAndFailsWithANamedError(string configuration)
    {
        var inline = configuration.StartsWith("inline", StringComparison.Ordinal);
        var root = LocalCloudHost.FindRepositoryRoot();
        var environment = new Dictionary<string, string> { ["EFSDR_NODE_DOCUMENT"] = "EfsDr-Node" };
        if (inline)
        {
            environment["EFSDR_CONFIG"] = await File.ReadAllTextAsync(Path.Combine(root, "config", "cluster.example.json"), TestContext.Current.CancellationToken);
        }
        else
        {
            environment["EFSDR_CONFIG_PARAMETER"] = "/efsdr/cluster";
        }

        var arns = _cloud.Host.Context.Lambda.DeployFunctions(SfnTestCloud.Region, environment);
        var machine = _cloud.Host.Context.StepFunctions.CreateStateMachine(
            SfnTestCloud.Region, "efsdr-failover", "statemachine/failover.asl.json", arns.ToDictionary(a => SubstitutionName(a.Key), a => a.Value));

        var started = await _cloud.Executions.StartAsync(machine, "failover-server3", """{"targetServer":"server3","reason":"drill"}""", TestContext.Current.CancellationToken);
        var execution = await _cloud.ClosedAsync(started.ExecutionArn, seconds: 90);
        var history = await _cloud.HistoryAsync(started.ExecutionArn);

        var trail = new StringBuilder().AppendJoin(" → ", history.Select(e => e.Type + (e.StateName is null ? string.Empty : $"({e.StateName})"))).ToString();
        TestContext.Current.TestOutputHelper?.WriteLine($"{execution.Status} {execution.Error}: {execution.Cause}\n{trail}\ninvocations: {string.Join(", ", _cloud.Host.Context.Lambda.Invocations)}");
        Assert.True(execution.Status == ExecutionStatus.Failed, $"{execution.Status} {execution.Error}: {execution.Cause}\n{trail}");
        Assert.False(string.IsNullOrEmpty(execution.Error), trail);
        Assert.False(execution.Error!.StartsWith("LocalCloud.", StringComparison.Ordinal), $"engine problem: {execution.Error}: {execution.Cause}");
        Assert.False(execution.Error.StartsWith("States.", StringComparison.Ordinal), $"ASL runtime problem: {execution.Error}: {execution.Cause}");
        Assert.EndsWith("Exception", execution.Error, StringComparison.Ordinal);
        Assert.Equal("PlanFailover", history.First(e => e.Type == "TaskStateEntered").StateName);
        var planFailure = history.Last(e => e.Type == "LambdaFunctionFailed");
        Assert.Equal(execution.Error, planFailure.Error);
        // After the failure: record it, clean up (nothing to restore: Plan failed before any change), fail.
        Assert.Equal(
            ["RecordFailure", "CleanUpFailedRun", "FailRun"],
            history.SkipWhile(e => e.Type != "PassStateEntered").Where(e => e.Type.EndsWith("StateEntered", StringComparison.Ordinal)).Select(e => e.StateName));
        Assert.Equal("ExecutionFailed", history[^1].Type);
        Assert.True(_cloud.Host.Context.Lambda.Invocations[FailoverWorkflow.PlanFailover.Handler!] >= 1);
        Assert.DoesNotContain(history, e => e.Type == "TaskStateEntered" && e.StateName is not ("PlanFailover" or "CleanUpFailedRun"));
    }
}
