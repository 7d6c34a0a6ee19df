using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EfsDr.Aws.Http;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;
using EfsDr.Core.Workflows;
using EfsDr.Functions.Handlers;
using EfsDr.Functions.Runtime;
using EfsDr.Functions.Tests.Support;

namespace EfsDr.Functions.Tests.StateMachine;

/// <summary>
/// Issue 14 point 6: the Task timeouts, the Lambda timeout and the adapters' retries agree. Every Task waits longer than
/// its function may run; the adapters' worst case is cut by the invocation's call deadline, so a slow AWS call ends
/// inside the Lambda timeout with a typed error every Task retries or catches.
/// </summary>
public sealed partial class TimeoutAgreementTests
{
    private static readonly string Template = File.ReadAllText(Repo.Path("template.yaml"));

    private static JsonElement Definition(string file) => JsonDocument.Parse(File.ReadAllText(WorkflowFile.All[file].Path)).RootElement.Clone();

    private static IEnumerable<(string Name, JsonElement State)> Tasks(JsonElement states) =>
        states.EnumerateObject().SelectMany(s => (s.Value.GetProperty("Type").GetString() switch
        {
            "Task" => [(s.Name, s.Value)],
            "Parallel" => s.Value.GetProperty("Branches").EnumerateArray().SelectMany(b => Tasks(b.GetProperty("States"))),
            "Map" => Tasks((s.Value.TryGetProperty("ItemProcessor", out var p) ? p : s.Value.GetProperty("Iterator")).GetProperty("States")),
            _ => [],
        }).ToList());

    [Fact]
    public void Template_EveryFunction_HasItsHandlersLambdaTimeout()
    {
        var functions = FunctionBlock().Matches(Template).Select(m => (Handler: m.Groups[2].Value, Body: m.Value)).ToList();

        Assert.Equal(FunctionNames.All.Count, functions.Count);
        Assert.Matches(@"Globals:\n  Function:\n(    .*\n)*?    Timeout: " + FunctionTimeouts.FunctionSeconds + "\n", Template);
        Assert.All(functions, f =>
        {
            var own = FunctionTimeout().Match(f.Body);
            var seconds = own.Success ? int.Parse(own.Groups[1].Value, CultureInfo.InvariantCulture) : FunctionTimeouts.FunctionSeconds;
            Assert.True(FunctionTimeouts.FunctionSecondsOf(f.Handler) == seconds, $"{f.Handler}: {seconds} s");
        });
    }

    [Theory]
    [MemberData(nameof(WorkflowFile.FileNames), MemberType = typeof(WorkflowFile))]
    public void Asl_EveryTask_WaitsLongerThanItsLambdaTimeout(string file)
    {
        var workflow = WorkflowFile.All[file];
        var tasks = Tasks(Definition(file).GetProperty("States")).ToList();

        Assert.NotEmpty(tasks);
        Assert.True(FunctionTimeouts.TaskSeconds > FunctionTimeouts.FunctionSeconds);
        Assert.True(FunctionTimeouts.CheckTaskSeconds > FunctionTimeouts.CheckFunctionSeconds);
        Assert.All(tasks, t =>
        {
            var handler = workflow.Tasks.Single(s => s.Resource == t.State.GetProperty("Resource").GetString()).Handler!;
            Assert.True(FunctionTimeouts.TaskSecondsOf(handler) == t.State.GetProperty("TimeoutSeconds").GetInt32(), $"{t.Name} ({handler})");
        });
    }

    [Fact]
    public void CheckFunctions_HoldAtMostTwoMinutes_AndTheirWatchEndsInsideTheCallDeadline()
    {
        var started = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var invocationDeadline = started.AddSeconds(FunctionTimeouts.CheckFunctionSeconds);
        var callDeadline = LambdaRuntime.CallDeadlineFor(invocationDeadline, started);

        Assert.True(FunctionTimeouts.CheckFunctionSeconds <= 120);
        Assert.True(started.AddSeconds(PollSchedule.WatchMaxSeconds) + PollSchedule.CheckAllowance <= callDeadline, $"call deadline {callDeadline - started}");
        Assert.Equal(
            FailoverWorkflow.CheckPromotion.Handler + "," + FailoverWorkflow.CheckNodeCommand.Handler + "," + FailoverWorkflow.CheckDns.Handler,
            string.Join(",", FunctionTimeouts.CheckHandlers));
    }

    [Fact]
    public void Adapters_WorstCase_IsCutByTheCallDeadlineInsideTheLambdaTimeout()
    {
        var retry = AwsRetryOptions.Default;
        var backoff = Enumerable.Range(1, retry.MaxAttempts - 1).Aggregate(TimeSpan.Zero, (sum, n) => sum + retry.BackoffFor(n, 1));
        var worstCase = (retry.AttemptTimeout * retry.MaxAttempts) + backoff;
        var started = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var invocationDeadline = started.AddSeconds(FunctionTimeouts.FunctionSeconds);

        var callBudget = LambdaRuntime.CallDeadlineFor(invocationDeadline, started) - started;

        // Left alone the adapters would outlive the function; the call deadline is what ends them in time.
        Assert.True(worstCase > TimeSpan.FromSeconds(FunctionTimeouts.FunctionSeconds), $"worst case {worstCase}");
        Assert.True(callBudget + LambdaRuntime.MinCallReserve <= TimeSpan.FromSeconds(FunctionTimeouts.FunctionSeconds), $"call budget {callBudget}");
        Assert.True(callBudget >= retry.AttemptTimeout + retry.MinUsefulAttempt, "a full attempt and a retry fit in the call budget");
    }

    [Theory]
    [MemberData(nameof(WorkflowFile.FileNames), MemberType = typeof(WorkflowFile))]
    public void Asl_EveryTask_RetriesOrCatchesTheDeadlineErrors(string file)
    {
        foreach (var (name, task) in Tasks(Definition(file).GetProperty("States")))
        {
            var handled = new[] { "Retry", "Catch" }
                .Where(kind => task.TryGetProperty(kind, out _))
                .SelectMany(kind => task.GetProperty(kind).EnumerateArray())
                .SelectMany(rule => rule.GetProperty("ErrorEquals").EnumerateArray().Select(e => e.GetString()!))
                .ToHashSet(StringComparer.Ordinal);
            Assert.All(
                new[] { nameof(RegionUnreachableException), nameof(CloudBusyException) },
                error => Assert.True(handled.Contains(error) || handled.Contains("States.ALL"), $"{name} neither retries nor catches {error}"));
        }
    }

    [Fact]
    public void Asl_FailoverTimeout_OutlastsEveryDefaultBudgetWithFortyFullChecks()
    {
        var budgets = new EfsDr.Core.Configuration.BudgetSettings();
        var worstCase = budgets.SyncSeconds + budgets.PromotionSeconds + budgets.NodeCommandSeconds + budgets.DnsSeconds + (40 * FunctionTimeouts.CheckTaskSeconds);

        Assert.True(Definition(WorkflowFile.Failover.FileName).GetProperty("TimeoutSeconds").GetInt32() > worstCase, $"the waits may take {worstCase} s");
    }

    [Fact]
    public void Asl_ReprotectTimeout_OutlastsTheOrphanDeletionWaitWithEveryCheck()
    {
        var definition = Definition(WorkflowFile.Reprotect.FileName);
        var checks = (EfsDr.Core.Reprotect.ReprotectPlanner.DefaultOrphanDeletionBudgetSeconds / new EfsDr.Core.Configuration.PollSettings().PromotionSeconds) + 1;
        // A check ends within its function's timeout (an invocation out of time reports FunctionTimeoutException); the
        // Task's longer timeout is only the backstop for a function that never answers.
        var worstCase = EfsDr.Core.Reprotect.ReprotectPlanner.DefaultOrphanDeletionBudgetSeconds + (checks * FunctionTimeouts.FunctionSeconds);

        Assert.Equal(EfsDr.Core.Reprotect.ReprotectPlanner.DefaultOrphanDeletionBudgetSeconds, new EfsDr.Core.Configuration.BudgetSettings().PromotionSeconds);
        Assert.True(definition.GetProperty("TimeoutSeconds").GetInt32() > worstCase, $"the orphan wait may take {worstCase} s");
    }

    [GeneratedRegex(@"^      Timeout: (\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex FunctionTimeout();

    [GeneratedRegex(@"^  (\w+):\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: ([\w-]+)\n(?:      .*\n|[ \t]*\n)*", RegexOptions.Multiline)]
    private static partial Regex FunctionBlock();
}
