using System.Text.Json;
using EfsDr.Core.Model;
using EfsDr.LocalCloud.Lambda;
using EfsDr.LocalCloud.Tests.Support;

namespace EfsDr.LocalCloud.Tests.StepFunctions;

/// <summary>Executions of small test state machines in aws-local-stepfunctions, whose Task states invoke test handlers
/// registered in the local cloud's Lambda; observed through EfsDr's real Step Functions client.</summary>
[Collection(SfnEngineGroup.Name)]
public sealed class StepFunctionsExecutionTests : IAsyncLifetime
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

    private string CountLoop()
    {
        var count = _cloud.Function("count", (input, _) => Task.FromResult<object?>(new
        {
            count = input.GetProperty("count").GetInt32() + 1,
            execution = input.GetProperty("execution").GetString(),
        }));
        return _cloud.StateMachine("count-loop", $$"""
            {
              "StartAt": "Count",
              "States": {
                "Count": { "Type": "Task", "Resource": "{{count}}", "TimeoutSeconds": 90,
                           "Parameters": { "count.$": "$.count", "execution.$": "$$.Execution.Name" }, "Next": "Enough?" },
                "Enough?": { "Type": "Choice", "Choices": [ { "Variable": "$.count", "NumericGreaterThanEquals": 3, "Next": "Done" } ], "Default": "Pause" },
                "Pause": { "Type": "Wait", "Seconds": 30, "Next": "Count" },
                "Done": { "Type": "Succeed" }
              }
            }
            """);
    }

    [Fact]
    public async Task StartExecution_TaskChoiceWaitLoop_SucceedsWithHistoryOutputAndCounts()
    {
        var machine = CountLoop();

        var started = await _cloud.Executions.StartAsync(machine, "loop-1", """{"count":0}""", TestContext.Current.CancellationToken);
        var execution = await _cloud.ClosedAsync(started.ExecutionArn);
        var history = await _cloud.HistoryAsync(started.ExecutionArn);

        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        Assert.Equal("arn:aws:states:us-west-2:000000000000:execution:count-loop:loop-1", started.ExecutionArn);
        Assert.Equal("""{"count":3,"execution":"loop-1"}""", execution.Output);
        Assert.NotNull(execution.StopDate);
        string[] iteration = ["TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded", "TaskStateExited", "ChoiceStateEntered", "ChoiceStateExited"];
        string[] expected = ["ExecutionStarted", .. iteration, "WaitStateEntered", "WaitStateExited", .. iteration, "WaitStateEntered", "WaitStateExited", .. iteration, "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"];
        Assert.Equal(expected, history.Select(e => e.Type));
        Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (long)i), history.Select(e => e.Id));
        Assert.Equal(Enumerable.Range(0, history.Count).Select(i => (long)i), history.Select(e => e.PreviousEventId));
        Assert.True(history.Zip(history.Skip(1)).All(p => p.First.Timestamp <= p.Second.Timestamp), "timestamps must not go back");
        var scheduled = history.First(e => e.Type == "LambdaFunctionScheduled");
        using (var details = JsonDocument.Parse(scheduled.Details!))
        {
            Assert.Equal(LambdaEmulator.FunctionArn(SfnTestCloud.Region, "count"), details.RootElement.GetProperty("resource").GetString());
            Assert.Equal("""{"count":0,"execution":"loop-1"}""", details.RootElement.GetProperty("input").GetString());
            Assert.Equal(90, details.RootElement.GetProperty("timeoutInSeconds").GetInt32());
        }

        Assert.Equal("Enough?", history.First(e => e.Type == "ChoiceStateEntered").StateName);
        var snapshot = _cloud.Host.Context.StepFunctions.Execution(started.ExecutionArn)!;
        Assert.Equal(3, snapshot.LambdaInvocations);
        Assert.Equal(9, snapshot.StateTransitions);
        Assert.Equal(history.Count, snapshot.HistoryEvents);
        Assert.Equal(3, _cloud.Host.Context.Lambda.Invocations["count"]);
    }

    [Fact]
    public async Task StartExecution_HandlerThrowsCaughtIntoFailState_FailsWithTheExceptionName()
    {
        var check = _cloud.Function("check", (_, _) => throw new ReplicaLagTestException("replica is 20 minutes behind"));
        var machine = _cloud.StateMachine("catch-into-fail", $$"""
            {
              "StartAt": "Check",
              "States": {
                "Check": { "Type": "Task", "Resource": "{{check}}", "ResultPath": "$.check", "Next": "Fine",
                           "Catch": [ { "ErrorEquals": ["ReplicaLagTestException"], "ResultPath": "$.error", "Next": "RecordFailure" } ] },
                "Fine": { "Type": "Succeed" },
                "RecordFailure": { "Type": "Pass", "Parameters": { "Error.$": "$.error.Error", "Cause.$": "$.error.Cause" }, "ResultPath": "$.failure", "Next": "FailRun" },
                "FailRun": { "Type": "Fail", "ErrorPath": "$.failure.Error", "CausePath": "$.failure.Cause" }
              }
            }
            """);

        var started = await _cloud.Executions.StartAsync(machine, "catch-1", """{"targetServer":"server3"}""", TestContext.Current.CancellationToken);
        var execution = await _cloud.ClosedAsync(started.ExecutionArn);
        var history = await _cloud.HistoryAsync(started.ExecutionArn);

        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("ReplicaLagTestException", execution.Error);
        using (var cause = JsonDocument.Parse(execution.Cause!))
        {
            // As in AWS, the Cause a Catch sees is the function's error document.
            Assert.Equal("ReplicaLagTestException", cause.RootElement.GetProperty("errorType").GetString());
            Assert.Equal("replica is 20 minutes behind", cause.RootElement.GetProperty("errorMessage").GetString());
        }

        Assert.Null(execution.Output);
        var failed = Assert.Single(history, e => e.Type == "LambdaFunctionFailed");
        Assert.Equal("ReplicaLagTestException", failed.Error);
        Assert.Contains("\"errorType\":\"ReplicaLagTestException\"", failed.Cause, StringComparison.Ordinal);
        Assert.Equal(
            ["TaskStateExited", "PassStateEntered", "PassStateExited", "FailStateEntered", "ExecutionFailed"],
            history.SkipWhile(e => e.Type != "TaskStateExited").Select(e => e.Type));
        Assert.Equal("ReplicaLagTestException", history[^1].Error);
        Assert.DoesNotContain(history, e => e.Type == "FailStateExited");
    }

    [Fact]
    public async Task StartExecution_TransientErrorWithRetry_RetriesAndSucceeds()
    {
        var calls = 0;
        var flaky = _cloud.Function("flaky", (_, _) => Interlocked.Increment(ref calls) <= 2
            ? throw new FlakyTestException("try again")
            : Task.FromResult<object?>(new { ok = true }));
        var machine = _cloud.StateMachine("retry", $$"""
            {
              "StartAt": "Flaky",
              "States": {
                "Flaky": { "Type": "Task", "Resource": "{{flaky}}", "End": true,
                           "Retry": [ { "ErrorEquals": ["FlakyTestException"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2 } ] }
              }
            }
            """);

        var started = await _cloud.Executions.StartAsync(machine, "retry-1", "{}", TestContext.Current.CancellationToken);
        var execution = await _cloud.ClosedAsync(started.ExecutionArn);
        var history = await _cloud.HistoryAsync(started.ExecutionArn);

        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        Assert.Equal("""{"ok":true}""", execution.Output);
        Assert.Equal(3, calls);
        Assert.Equal(2, history.Count(e => e.Type == "LambdaFunctionFailed" && e.Error == "FlakyTestException"));
        Assert.Single(history, e => e.Type == "LambdaFunctionSucceeded");
        Assert.Single(history, e => e.Type == "TaskStateEntered");
        var snapshot = _cloud.Host.Context.StepFunctions.Execution(started.ExecutionArn)!;
        Assert.Equal(3, snapshot.LambdaInvocations);
        Assert.Equal(3, snapshot.StateTransitions);
    }

    [Fact]
    public async Task StartExecution_RetriesExhausted_FailsWithTheHandlersErrorTypeAndErrorDocumentAsCause()
    {
        var broken = _cloud.Function("broken", (_, _) => throw new FlakyTestException("still down"));
        var machine = _cloud.StateMachine("retry-exhausted", $$"""
            {
              "StartAt": "Broken",
              "States": {
                "Broken": { "Type": "Task", "Resource": "{{broken}}", "End": true,
                            "Retry": [ { "ErrorEquals": ["FlakyTestException"], "IntervalSeconds": 1, "MaxAttempts": 2 } ] }
              }
            }
            """);

        var started = await _cloud.Executions.StartAsync(machine, "exhausted-1", "{}", TestContext.Current.CancellationToken);
        var execution = await _cloud.ClosedAsync(started.ExecutionArn);

        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("FlakyTestException", execution.Error);
        using var cause = JsonDocument.Parse(execution.Cause!);
        Assert.Equal("FlakyTestException", cause.RootElement.GetProperty("errorType").GetString());
        Assert.Equal("still down", cause.RootElement.GetProperty("errorMessage").GetString());
        Assert.Equal(3, _cloud.Host.Context.Lambda.Invocations["broken"]);
    }

    [Fact]
    public async Task StartExecution_CrashAfterFunction_StopsTheRunAfterThatStepOnceThenRerunSucceeds()
    {
        var ran = new List<string>();
        string Step(string name) => _cloud.Function(name, (_, _) =>
        {
            lock (ran)
            {
                ran.Add(name);
            }

            return Task.FromResult<object?>(new { step = name });
        });
        var one = Step("step-one");
        var two = Step("step-two");
        var three = Step("step-three");
        var machine = _cloud.StateMachine("three-steps", $$"""
            {
              "StartAt": "One",
              "States": {
                "One": { "Type": "Task", "Resource": "{{one}}", "ResultPath": "$.one", "Next": "Two" },
                "Two": { "Type": "Task", "Resource": "{{two}}", "ResultPath": "$.two", "Next": "Three" },
                "Three": { "Type": "Task", "Resource": "{{three}}", "ResultPath": "$.three", "End": true }
              }
            }
            """);
        _cloud.Host.Faults.CrashAfterFunction = "step-one";

        var crashed = await _cloud.ClosedAsync((await _cloud.Executions.StartAsync(machine, "crash-1", "{}", TestContext.Current.CancellationToken)).ExecutionArn);
        var ranBeforeRerun = ran.ToArray();
        var rerun = await _cloud.ClosedAsync((await _cloud.Executions.StartAsync(machine, "crash-2", "{}", TestContext.Current.CancellationToken)).ExecutionArn);

        Assert.Equal(ExecutionStatus.Failed, crashed.Status);
        Assert.Equal(LambdaEmulator.SimulatedCrashErrorType, crashed.Error);
        Assert.Contains("injected crash after step-one", crashed.Cause, StringComparison.Ordinal);
        Assert.Equal(["step-one"], ranBeforeRerun);
        Assert.Null(_cloud.Host.Faults.CrashAfterFunction);
        Assert.Equal(ExecutionStatus.Succeeded, rerun.Status);
        Assert.Equal(["step-one", "step-one", "step-two", "step-three"], ran);
    }

    [Fact]
    public async Task StartExecution_TaskOfUndeployedFunction_FailsWithLambdaServiceErrorName()
    {
        var machine = _cloud.StateMachine("undeployed", """
            {
              "StartAt": "Missing",
              "States": {
                "Missing": { "Type": "Task", "Resource": "arn:aws:lambda:us-west-2:000000000000:function:efsdr-missing", "End": true }
              }
            }
            """);

        var execution = await _cloud.ClosedAsync((await _cloud.Executions.StartAsync(machine, "missing-1", "{}", TestContext.Current.CancellationToken)).ExecutionArn);

        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("Lambda.ResourceNotFoundException", execution.Error);
        Assert.Contains("efsdr-missing", execution.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartExecution_TaskTimesOut_RecordsLambdaFunctionTimedOutAndStatesTimeout()
    {
        var slow = _cloud.Function("slow", async (_, cancellationToken) =>
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return null;
        });
        var machine = _cloud.StateMachine("timeout", $$"""
            {
              "StartAt": "Slow",
              "States": {
                "Slow": { "Type": "Task", "Resource": "{{slow}}", "TimeoutSeconds": 1, "End": true }
              }
            }
            """);

        var started = await _cloud.Executions.StartAsync(machine, "timeout-1", "{}", TestContext.Current.CancellationToken);
        var execution = await _cloud.ClosedAsync(started.ExecutionArn);
        var history = await _cloud.HistoryAsync(started.ExecutionArn);

        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("States.Timeout", execution.Error);
        Assert.Equal(
            ["ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionTimedOut", "ExecutionFailed"],
            history.Select(e => e.Type));
        Assert.Equal("States.Timeout", history[4].Error);
    }

    [Fact]
    public async Task GetExecutionHistory_SmallPages_ReturnsEveryEventOnceInOrder()
    {
        var machine = CountLoop();
        var started = await _cloud.Executions.StartAsync(machine, "paged-1", """{"count":0}""", TestContext.Current.CancellationToken);
        await _cloud.ClosedAsync(started.ExecutionArn);
        var smallPages = new EfsDr.Aws.StepFunctions.StepFunctionsClient(_cloud.Pipeline) { PageSize = 4 };

        var all = await _cloud.HistoryAsync(started.ExecutionArn);
        var pages = new List<int>();
        var paged = new List<HistoryEvent>();
        string? token = null;
        do
        {
            var page = await smallPages.GetHistoryPageAsync(started.ExecutionArn, token, TestContext.Current.CancellationToken);
            pages.Add(page.Items.Count);
            paged.AddRange(page.Items);
            token = page.NextToken;
        }
        while (token is not null && pages.Count < 100);
        var reversed = await _cloud.CallAsync("GetExecutionHistory", $$"""{"executionArn":"{{started.ExecutionArn}}","maxResults":3,"reverseOrder":true}""");

        Assert.Equal(29, all.Count);
        Assert.Equal(all.Select(e => (e.Id, e.Type)), paged.Select(e => (e.Id, e.Type)));
        Assert.Equal((all.Count + 3) / 4, pages.Count);
        Assert.All(pages.SkipLast(1), size => Assert.Equal(4, size));
        Assert.Equal([29L, 28L, 27L], reversed.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()));
        Assert.Equal("ExecutionSucceeded", reversed.GetProperty("events")[0].GetProperty("type").GetString());
        Assert.True(reversed.TryGetProperty("nextToken", out _));
    }

    [Fact]
    public async Task GetExecutionHistory_BadToken_AnswersInvalidToken()
    {
        var machine = _cloud.StateMachine("trivial", """{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}""");
        var started = await _cloud.Executions.StartAsync(machine, "trivial-1", "{}", TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<EfsDr.Core.Exceptions.CloudCallFailedException>(() =>
            _cloud.Executions.GetHistoryPageAsync(started.ExecutionArn, "not-a-token", TestContext.Current.CancellationToken));

        Assert.Equal("InvalidToken", error.Code);
    }
}
