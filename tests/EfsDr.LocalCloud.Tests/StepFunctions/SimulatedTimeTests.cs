using System.Diagnostics;
using System.Globalization;
using EfsDr.Core.Deadlines;
using EfsDr.Core.Model;
using EfsDr.LocalCloud.Hosting;
using EfsDr.LocalCloud.Tests.Support;

namespace EfsDr.LocalCloud.Tests.StepFunctions;

/// <summary>Executions on the cloud's simulated clock, all in one engine process: Wait states last what the ASL says in
/// simulated time, handlers see the same clock, and StopExecution or a crash of the engine touch only what they should.</summary>
[Collection(SfnEngineGroup.Name)]
public sealed class SimulatedTimeTests : IAsyncDisposable
{
    private const string WaitThenSucceed = """
        {
          "StartAt": "WaitForIt",
          "States": {
            "WaitForIt": { "Type": "Wait", "SecondsPath": "$.seconds", "Next": "Done" },
            "Done": { "Type": "Succeed" }
          }
        }
        """;

    private SfnTestCloud? _cloud;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        if (_cloud is not null)
        {
            await _cloud.DisposeAsync();
        }
    }

    private async Task<SfnTestCloud> CloudAsync(double scale)
    {
        SfnTestCloud.RequireEngine();
        _cloud = await SfnTestCloud.StartAsync(new LocalCloudOptions { TimeScale = scale });
        return _cloud;
    }

    private static string Seconds(int seconds) => $$"""{"seconds":{{seconds}}}""";

    [Fact]
    public async Task StartExecution_WaitSecondsPath600AtScale6000_LeavesTheWaitAtLeast600SimulatedSecondsAfterEnteringIt()
    {
        var cloud = await CloudAsync(6000);
        var machine = cloud.StateMachine("wait-600", WaitThenSucceed);

        var started = await cloud.Executions.StartAsync(machine, "wait-1", Seconds(600), Ct);
        var execution = await cloud.ClosedAsync(started.ExecutionArn);
        var history = await cloud.HistoryAsync(started.ExecutionArn);

        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        var entered = Assert.Single(history, e => e.Type == "WaitStateEntered").Timestamp;
        var exited = Assert.Single(history, e => e.Type == "WaitStateExited").Timestamp;
        Assert.True(exited - entered >= TimeSpan.FromSeconds(600), $"the Wait lasted {(exited - entered).TotalSeconds} simulated s");
        Assert.True(execution.StopDate - execution.StartDate >= TimeSpan.FromSeconds(600), $"the run lasted {(execution.StopDate - execution.StartDate)?.TotalSeconds} simulated s");
    }

    [Fact]
    public async Task StartExecution_WaitTimestampPathTenSimulatedMinutesAhead_LeavesTheWaitAtThatTimestamp()
    {
        var cloud = await CloudAsync(3000);
        var machine = cloud.StateMachine("wait-until", """
            {
              "StartAt": "WaitUntil",
              "States": {
                "WaitUntil": { "Type": "Wait", "TimestampPath": "$.until", "Next": "Done" },
                "Done": { "Type": "Succeed" }
              }
            }
            """);
        var until = cloud.Host.Context.Clock.Now.AddMinutes(10);

        var started = await cloud.Executions.StartAsync(machine, "until-1", $$"""{"until":"{{until.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}"}""", Ct);
        var execution = await cloud.ClosedAsync(started.ExecutionArn);
        var history = await cloud.HistoryAsync(started.ExecutionArn);

        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        var exited = Assert.Single(history, e => e.Type == "WaitStateExited").Timestamp;
        Assert.True(exited >= until.AddSeconds(-1), $"left the Wait at {exited:O}, before {until:O}");
        Assert.True(exited - execution.StartDate >= TimeSpan.FromMinutes(9), $"the Wait ended {(exited - execution.StartDate).TotalSeconds} simulated s after the start");
    }

    [Fact]
    public async Task StartExecution_TwoExecutionsAtOnce_RunConcurrentlyOnOneEngineProcess()
    {
        var cloud = await CloudAsync(60);
        var machine = cloud.StateMachine("two-at-once", WaitThenSucceed);

        var one = await cloud.Executions.StartAsync(machine, "one", Seconds(60), Ct);
        var two = await cloud.Executions.StartAsync(machine, "two", Seconds(60), Ct);
        var first = await cloud.ClosedAsync(one.ExecutionArn);
        var second = await cloud.ClosedAsync(two.ExecutionArn);

        Assert.Equal((ExecutionStatus.Succeeded, ExecutionStatus.Succeeded), (first.Status, second.Status));
        Assert.Equal(1, cloud.Host.Context.StepFunctions.EngineProcessesStarted);
        var processes = cloud.Host.Context.StepFunctions.Executions.Select(e => e.EngineProcessId).Distinct().ToList();
        Assert.NotNull(Assert.Single(processes));
        Assert.True(second.StartDate < first.StopDate && first.StartDate < second.StopDate, "the two runs overlapped");
    }

    [Fact]
    public async Task StopExecution_OneOfTwoOnTheSameEngine_AbortsItAndTheOtherSucceeds()
    {
        var cloud = await CloudAsync(60);
        var machine = cloud.StateMachine("stop-one", WaitThenSucceed);
        var stopped = await cloud.Executions.StartAsync(machine, "stopped", Seconds(86_400), Ct);
        var other = await cloud.Executions.StartAsync(machine, "other", Seconds(90), Ct);
        await SfnTestCloud.UntilAsync(() => WaitEntered(cloud, stopped.ExecutionArn) && WaitEntered(cloud, other.ExecutionArn), "both executions are in their Wait");

        await cloud.CallAsync("StopExecution", $$"""{"executionArn":"{{stopped.ExecutionArn}}","error":"Operator.Stop"}""");
        var aborted = await cloud.ClosedAsync(stopped.ExecutionArn);
        var succeeded = await cloud.ClosedAsync(other.ExecutionArn);

        Assert.Equal(ExecutionStatus.Aborted, aborted.Status);
        Assert.Equal(ExecutionStatus.Succeeded, succeeded.Status);
        Assert.Equal(1, cloud.Host.Context.StepFunctions.EngineProcessesStarted);
        Assert.Equal(cloud.Host.Context.StepFunctions.Execution(stopped.ExecutionArn)!.EngineProcessId, cloud.Host.Context.StepFunctions.Execution(other.ExecutionArn)!.EngineProcessId);
        Assert.Equal("ExecutionAborted", (await cloud.HistoryAsync(stopped.ExecutionArn))[^1].Type);
    }

    [Fact]
    public async Task EngineCrash_TwoRunningExecutions_BothFailAndTheNextRunsOnANewEngine()
    {
        var cloud = await CloudAsync(60);
        var machine = cloud.StateMachine("crash", WaitThenSucceed);
        var one = await cloud.Executions.StartAsync(machine, "crash-one", Seconds(86_400), Ct);
        var two = await cloud.Executions.StartAsync(machine, "crash-two", Seconds(86_400), Ct);
        await SfnTestCloud.UntilAsync(() => WaitEntered(cloud, one.ExecutionArn) && WaitEntered(cloud, two.ExecutionArn), "both executions are in their Wait");
        var engineId = cloud.Host.Context.StepFunctions.Execution(one.ExecutionArn)!.EngineProcessId!.Value;

        using (var engine = Process.GetProcessById(engineId))
        {
            engine.Kill();
        }

        var first = await cloud.ClosedAsync(one.ExecutionArn);
        var second = await cloud.ClosedAsync(two.ExecutionArn);
        var after = await cloud.ClosedAsync((await cloud.Executions.StartAsync(machine, "after-crash", Seconds(1), Ct)).ExecutionArn);

        Assert.Equal((ExecutionStatus.Failed, "LocalCloud.EngineError"), (first.Status, first.Error));
        Assert.Equal((ExecutionStatus.Failed, "LocalCloud.EngineError"), (second.Status, second.Error));
        Assert.Contains("engine process ended", first.Cause, StringComparison.Ordinal);
        Assert.Equal(ExecutionStatus.Succeeded, after.Status);
        Assert.Equal(2, cloud.Host.Context.StepFunctions.EngineProcessesStarted);
        Assert.NotEqual(engineId, cloud.Host.Context.StepFunctions.Execution(after.ExecutionArn)!.EngineProcessId);
    }

    [Fact]
    public async Task Invoke_AfterATenMinuteWait_HandlerRunsOnTheSimulatedClock()
    {
        var cloud = await CloudAsync(600);
        DateTimeOffset? deadline = null;
        DateTimeOffset? callDeadline = null;
        var clock = cloud.Function("clock", (_, context, _) =>
        {
            deadline = context.Deadline;
            callDeadline = CallDeadline.Current;
            return Task.FromResult("{}"u8.ToArray());
        });
        var machine = cloud.StateMachine("wait-then-call", $$"""
            {
              "StartAt": "WaitForIt",
              "States": {
                "WaitForIt": { "Type": "Wait", "SecondsPath": "$.seconds", "Next": "ReadClock" },
                "ReadClock": { "Type": "Task", "Resource": "{{clock}}", "End": true }
              }
            }
            """);

        var started = await cloud.Executions.StartAsync(machine, "clock-1", Seconds(600), Ct);
        var execution = await cloud.ClosedAsync(started.ExecutionArn);
        var history = await cloud.HistoryAsync(started.ExecutionArn);

        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        var invokedAt = deadline!.Value - cloud.Host.Context.Lambda.FunctionTimeout;
        var scheduled = Assert.Single(history, e => e.Type == "LambdaFunctionScheduled").Timestamp;
        var answered = Assert.Single(history, e => e.Type == "LambdaFunctionSucceeded").Timestamp;
        var slack = TimeSpan.FromSeconds(5); // the engine reads the same clock at the real clock's millisecond resolution
        Assert.True(invokedAt >= execution.StartDate + TimeSpan.FromSeconds(600), $"the handler ran {(invokedAt - execution.StartDate).TotalSeconds} simulated s after the start");
        Assert.InRange(invokedAt, scheduled - slack, answered + slack);
        Assert.True(callDeadline < deadline, "the handler's AWS calls end before its deadline");
    }

    private static bool WaitEntered(SfnTestCloud cloud, string executionArn) =>
        cloud.Host.Context.StepFunctions.Execution(executionArn) is { EngineProcessId: not null, HistoryEvents: >= 2 };
}
