using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EfsDr.Aws.Http;
using EfsDr.Core.Exceptions;
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
    public void Template_EveryFunction_HasTheOneLambdaTimeout()
    {
        var timeouts = FunctionTimeout().Matches(Template).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();

        Assert.Equal([FunctionTimeouts.FunctionSeconds], timeouts.Distinct());
        Assert.Matches(@"Globals:\n  Function:\n(    .*\n)*?    Timeout: " + FunctionTimeouts.FunctionSeconds + "\n", Template);
    }

    [Theory]
    [MemberData(nameof(WorkflowFile.FileNames), MemberType = typeof(WorkflowFile))]
    public void Asl_EveryTask_WaitsLongerThanTheLambdaTimeout(string file)
    {
        var tasks = Tasks(Definition(file).GetProperty("States")).ToList();

        Assert.NotEmpty(tasks);
        Assert.True(FunctionTimeouts.TaskSeconds > FunctionTimeouts.FunctionSeconds);
        Assert.All(tasks, t => Assert.Equal(FunctionTimeouts.TaskSeconds, t.State.GetProperty("TimeoutSeconds").GetInt32()));
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
    public void Asl_ReprotectTimeout_OutlastsTheOrphanDeletionWaitWithEveryCheck()
    {
        var definition = Definition(WorkflowFile.Reprotect.FileName);
        var checks = (EfsDr.Core.Reprotect.ReprotectPlanner.DefaultOrphanDeletionBudgetSeconds / new EfsDr.Core.Configuration.PollSettings().PromotionSeconds) + 1;
        var worstCase = EfsDr.Core.Reprotect.ReprotectPlanner.DefaultOrphanDeletionBudgetSeconds + (checks * FunctionTimeouts.TaskSeconds);

        Assert.Equal(EfsDr.Core.Reprotect.ReprotectPlanner.DefaultOrphanDeletionBudgetSeconds, new EfsDr.Core.Configuration.BudgetSettings().PromotionSeconds);
        Assert.True(definition.GetProperty("TimeoutSeconds").GetInt32() > worstCase, $"the orphan wait may take {worstCase} s");
    }

    [GeneratedRegex(@"^\s+Timeout: (\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex FunctionTimeout();
}
