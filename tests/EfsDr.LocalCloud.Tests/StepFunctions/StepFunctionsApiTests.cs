using EfsDr.Aws.StepFunctions;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.LocalCloud.Tests.Support;

namespace EfsDr.LocalCloud.Tests.StepFunctions;

/// <summary>StartExecution idempotency, ListExecutions, StopExecution and the API's errors, through EfsDr's real client.</summary>
[Collection(SfnEngineGroup.Name)]
public sealed class StepFunctionsApiTests : IAsyncLifetime
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SfnTestCloud _cloud = null!;
    private int _held;

    public async ValueTask InitializeAsync() => _cloud = await SfnTestCloud.StartAsync();

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        await _cloud.DisposeAsync();
    }

    /// <summary>A machine whose "hold" path waits in a Task until the test releases it.</summary>
    private string RoutedMachine()
    {
        var gate = _cloud.Function("gate", async (_, cancellationToken) =>
        {
            Interlocked.Increment(ref _held);
            await _release.Task.WaitAsync(cancellationToken);
            return new { released = true };
        });
        return _cloud.StateMachine("routed", $$"""
            {
              "StartAt": "Route",
              "States": {
                "Route": { "Type": "Choice", "Default": "Fine", "Choices": [
                  { "Variable": "$.outcome", "StringEquals": "hold", "Next": "Hold" },
                  { "Variable": "$.outcome", "StringEquals": "fail", "Next": "Broken" } ] },
                "Hold": { "Type": "Task", "Resource": "{{gate}}", "End": true },
                "Broken": { "Type": "Fail", "Error": "Broken" },
                "Fine": { "Type": "Succeed" }
              }
            }
            """);
    }

    [Fact]
    public async Task StartExecution_SameNameAndInputWhileRunning_ReturnsTheOriginal()
    {
        SfnTestCloud.RequireEngine();
        var machine = RoutedMachine();
        var ct = TestContext.Current.CancellationToken;

        var first = await _cloud.Executions.StartAsync(machine, "same", """{"outcome":"hold"}""", ct);
        var again = await _cloud.Executions.StartAsync(machine, "same", """{"outcome":"hold"}""", ct);
        var otherInput = await Assert.ThrowsAsync<RunNameTakenException>(() => _cloud.Executions.StartAsync(machine, "same", """{"outcome":"hold","x":1}""", ct));
        await SfnTestCloud.UntilAsync(() => Volatile.Read(ref _held) == 1, "the execution reached the gate");
        _release.SetResult();
        var closed = await _cloud.ClosedAsync(first.ExecutionArn);
        var afterClose = await Assert.ThrowsAsync<RunNameTakenException>(() => _cloud.Executions.StartAsync(machine, "same", """{"outcome":"hold"}""", ct));

        Assert.Equal(first, again);
        Assert.Equal("ExecutionAlreadyExists", otherInput.Code);
        Assert.Equal(ExecutionStatus.Succeeded, closed.Status);
        Assert.Equal("ExecutionAlreadyExists", afterClose.Code);
        Assert.Single(_cloud.Host.Context.StepFunctions.Executions);
    }

    [Fact]
    public async Task StartExecution_WithoutName_GetsAGuidName()
    {
        var machine = _cloud.StateMachine("unnamed", """{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}""");

        var answer = await _cloud.CallAsync("StartExecution", $$"""{"stateMachineArn":"{{machine}}"}""");

        var arn = answer.GetProperty("executionArn").GetString()!;
        Assert.True(Guid.TryParse(arn.Split(':')[^1], out _), arn);
        Assert.True(answer.GetProperty("startDate").GetDouble() > 1_700_000_000);
    }

    [Fact]
    public async Task ListExecutions_ByStatus_ReturnsOnlyThatStatusNewestFirst()
    {
        SfnTestCloud.RequireEngine();
        var machine = RoutedMachine();
        var ct = TestContext.Current.CancellationToken;
        var ok1 = await _cloud.Executions.StartAsync(machine, "ok-1", """{"outcome":"ok"}""", ct);
        var fail1 = await _cloud.Executions.StartAsync(machine, "fail-1", """{"outcome":"fail"}""", ct);
        var hold1 = await _cloud.Executions.StartAsync(machine, "hold-1", """{"outcome":"hold"}""", ct);
        var ok2 = await _cloud.Executions.StartAsync(machine, "ok-2", """{"outcome":"ok"}""", ct);
        foreach (var closing in new[] { ok1, fail1, ok2 })
        {
            await _cloud.ClosedAsync(closing.ExecutionArn);
        }

        await SfnTestCloud.UntilAsync(() => Volatile.Read(ref _held) == 1, "hold-1 reached the gate");
        var smallPages = new StepFunctionsClient(_cloud.Pipeline) { PageSize = 3 };

        var running = await _cloud.Executions.ListAsync(machine, ExecutionStatus.Running, null, ct);
        var succeeded = await _cloud.Executions.ListAsync(machine, ExecutionStatus.Succeeded, null, ct);
        var failed = await _cloud.Executions.ListAsync(machine, ExecutionStatus.Failed, null, ct);
        var firstPage = await smallPages.ListAsync(machine, null, null, ct);
        var secondPage = await smallPages.ListAsync(machine, null, firstPage.NextToken, ct);
        var broken = await _cloud.Executions.DescribeAsync(fail1.ExecutionArn, ct);

        Assert.Equal(["hold-1"], running.Items.Select(e => e.Name));
        Assert.Equal(["ok-2", "ok-1"], succeeded.Items.Select(e => e.Name));
        Assert.Equal(["fail-1"], failed.Items.Select(e => e.Name));
        Assert.Null(running.NextToken);
        Assert.Equal(3, firstPage.Items.Count);
        Assert.NotNull(firstPage.NextToken);
        Assert.Single(secondPage.Items);
        Assert.Null(secondPage.NextToken);
        Assert.Equal(["fail-1", "hold-1", "ok-1", "ok-2"], firstPage.Items.Concat(secondPage.Items).Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.All(succeeded.Items, e => Assert.Null(e.Input));
        Assert.Equal(("Broken", (string?)null), (broken.Error, broken.Cause));
        Assert.Equal(hold1.ExecutionArn, running.Items[0].ExecutionArn);
    }

    [Fact]
    public async Task StopExecution_RunningExecution_EndsAbortedAndKillsTheEngine()
    {
        SfnTestCloud.RequireEngine();
        var machine = RoutedMachine();
        var started = await _cloud.Executions.StartAsync(machine, "stopped", """{"outcome":"hold"}""", TestContext.Current.CancellationToken);
        await SfnTestCloud.UntilAsync(() => Volatile.Read(ref _held) == 1, "the execution reached the gate");

        var answer = await _cloud.CallAsync("StopExecution", $$"""{"executionArn":"{{started.ExecutionArn}}","error":"Operator","cause":"drill over"}""");
        var execution = await _cloud.Executions.DescribeAsync(started.ExecutionArn, TestContext.Current.CancellationToken);
        var history = await _cloud.HistoryAsync(started.ExecutionArn);

        Assert.True(answer.GetProperty("stopDate").GetDouble() > 0);
        Assert.Equal(ExecutionStatus.Aborted, execution.Status);
        Assert.Equal(("Operator", "drill over"), (execution.Error, execution.Cause));
        Assert.Equal("ExecutionAborted", history[^1].Type);
    }

    [Fact]
    public async Task DisposeAsync_RunningExecution_KillsItsEngineProcessAndAbortsIt()
    {
        SfnTestCloud.RequireEngine();
        var machine = RoutedMachine();
        var started = await _cloud.Executions.StartAsync(machine, "orphan", """{"outcome":"hold"}""", TestContext.Current.CancellationToken);
        await SfnTestCloud.UntilAsync(() => Volatile.Read(ref _held) == 1, "the execution reached the gate");
        var pid = _cloud.Host.Context.StepFunctions.Execution(started.ExecutionArn)!.EngineProcessId!.Value;
        using var engine = System.Diagnostics.Process.GetProcessById(pid);

        await _cloud.Host.Context.StepFunctions.DisposeAsync();

        Assert.True(engine.WaitForExit(TimeSpan.FromSeconds(10)), $"node process {pid} still runs");
        Assert.Equal("ABORTED", _cloud.Host.Context.StepFunctions.Execution(started.ExecutionArn)!.Status);
    }

    [Fact]
    public async Task DescribeExecution_Unknown_ThrowsExecutionDoesNotExist()
    {
        _cloud.StateMachine("known", """{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}""");

        var error = await Assert.ThrowsAsync<RunNotFoundException>(() =>
            _cloud.Executions.DescribeAsync("arn:aws:states:us-west-2:000000000000:execution:known:nope", TestContext.Current.CancellationToken));

        Assert.Equal("ExecutionDoesNotExist", error.Code);
    }

    [Fact]
    public async Task StartExecution_UnknownStateMachine_ThrowsStateMachineDoesNotExist()
    {
        var error = await Assert.ThrowsAsync<WorkflowNotFoundException>(() =>
            _cloud.Executions.StartAsync("arn:aws:states:us-west-2:000000000000:stateMachine:nope", "x", "{}", TestContext.Current.CancellationToken));

        Assert.Equal("StateMachineDoesNotExist", error.Code);
    }

    [Fact]
    public async Task StartExecution_InputNotJson_ThrowsInvalidExecutionInput()
    {
        var machine = _cloud.StateMachine("strict", """{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}""");

        var error = await Assert.ThrowsAsync<CloudCallFailedException>(() =>
            _cloud.Executions.StartAsync(machine, "bad-input", "{not json", TestContext.Current.CancellationToken));

        Assert.Equal("InvalidExecutionInput", error.Code);
        Assert.Empty(_cloud.Host.Context.StepFunctions.Executions);
    }

    [Fact]
    public void CreateStateMachine_MissingSubstitution_ThrowsNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            _cloud.Host.Context.StepFunctions.CreateStateMachine("us-west-2", "failover", "statemachine/failover.asl.json", new Dictionary<string, string> { ["PlanFunctionArn"] = "arn:aws:lambda:us-west-2:000000000000:function:efsdr-plan" }));

        Assert.Contains("SummarizeRunFunctionArn", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PlanFunctionArn,", error.Message, StringComparison.Ordinal);
    }
}
