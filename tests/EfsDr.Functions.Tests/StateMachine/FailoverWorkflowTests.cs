using System.Text.Json;
using System.Text.Json.Nodes;
using EfsDr.Core.Failover;
using EfsDr.Core.Workflows;
using EfsDr.Functions.Tests.Support;

namespace EfsDr.Functions.Tests.StateMachine;

/// <summary>The failover's description (<see cref="FailoverWorkflow"/>) against statemachine/failover.asl.json: every Task,
/// wait loop and Choice of the ASL is described, nothing described is missing, and each Task's Resource and ResultPath are
/// the description's. <see cref="Disagreements"/> is the check; the tests below run it on the real ASL (nothing to report)
/// and on edited copies (it reports the edit), so it can fail.</summary>
public sealed class FailoverWorkflowTests
{
    private static readonly string AslText = File.ReadAllText(Repo.Path("statemachine", "failover.asl.json"));

    private static JsonObject Definition() => JsonNode.Parse(AslText)!.AsObject();

    /// <summary>Everything on which the ASL and the description disagree, one line each (empty when they agree).</summary>
    private static List<string> Disagreements(JsonObject definition)
    {
        var states = definition["States"]!.AsObject().ToDictionary(s => s.Key, s => s.Value!.AsObject(), StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (name, state) in states)
        {
            var type = Type(state);
            if (type is "Task" or "Wait" or "Choice" && FailoverWorkflow.Find(name) is null)
            {
                problems.Add($"{type} '{name}' is in the ASL but not described in FailoverWorkflow");
            }
        }

        foreach (var step in FailoverWorkflow.Steps)
        {
            problems.AddRange(Check(step, states));
        }

        return problems;
    }

    private static IEnumerable<string> Check(WorkflowStep step, Dictionary<string, JsonObject> states)
    {
        if (!states.TryGetValue(step.StateName, out var state))
        {
            yield return $"'{step.StateName}' is described but not in the ASL";
            yield break;
        }

        var expectedType = step.Kind == StepKind.Choice ? "Choice" : "Task";
        if (Type(state) != expectedType)
        {
            yield return $"'{step.StateName}' is a {Type(state)} in the ASL, described as {step.Kind}";
            yield break;
        }

        if (step.Kind == StepKind.Choice)
        {
            yield break;
        }

        if (Text(state, "Resource") != step.Resource)
        {
            yield return $"'{step.StateName}' runs {Text(state, "Resource")} in the ASL, described as {step.Resource}";
        }

        if (Text(state, "ResultPath") != step.ResultPath)
        {
            yield return $"'{step.StateName}' puts its result at {Text(state, "ResultPath")} in the ASL, described as {step.ResultPath}";
        }

        var catches = state["Catch"]?.AsArray().Select(c => Text(c!.AsObject(), "Next")).ToList() ?? [];
        var continues = catches.Count > 0 && catches.All(n => n == Text(state, "Next"));
        if (continues != (step.Kind == StepKind.BestEffortTask))
        {
            yield return $"'{step.StateName}' {(continues ? "continues" : "does not continue")} at its Next state after a failure, described as {step.Kind}";
        }

        if (step.Kind == StepKind.WaitLoop)
        {
            foreach (var problem in CheckLoop(step, state, states))
            {
                yield return problem;
            }
        }
    }

    private static IEnumerable<string> CheckLoop(WorkflowStep step, JsonObject check, Dictionary<string, JsonObject> states)
    {
        if (step.WaitState is null || !states.TryGetValue(step.WaitState, out var wait) || Type(wait) != "Wait")
        {
            yield return $"'{step.StateName}' is described as a wait loop but its Wait state '{step.WaitState}' is not in the ASL";
            yield break;
        }

        if (Text(wait, "Next") != step.StateName)
        {
            yield return $"'{step.WaitState}' goes to {Text(wait, "Next")}, not to its check '{step.StateName}'";
        }

        if (!states.TryGetValue(Text(check, "Next") ?? string.Empty, out var choice) || Text(choice, "Default") != step.WaitState)
        {
            yield return $"'{step.StateName}' is not followed by a Choice that loops back to '{step.WaitState}'";
        }
    }

    private static string? Type(JsonObject state) => Text(state, "Type");

    private static string? Text(JsonObject state, string field) => state[field]?.GetValue<string>();

    private static JsonObject TaskLike(string resource, string resultPath, string next) => new()
    {
        ["Type"] = "Task",
        ["Resource"] = resource,
        ["ResultPath"] = resultPath,
        ["Catch"] = new JsonArray(new JsonObject { ["ErrorEquals"] = new JsonArray("States.ALL"), ["ResultPath"] = "$.error", ["Next"] = "RecordFailure" }),
        ["Next"] = next,
    };

    [Fact]
    public void Disagreements_TheRepositoryAsl_AgreesWithTheDescription() =>
        Assert.Empty(Disagreements(Definition()));

    [Fact]
    public void Disagreements_ATaskAddedToTheAslButNotDescribed_IsReported()
    {
        // Someone adds "stop the application on the old primary" to the ASL and forgets the description.
        var definition = Definition();
        definition["States"]!["StopOldApplication"] = TaskLike("${StopOldApplicationFunctionArn}", "$.stop", "FenceOldPrimary");

        Assert.Contains("Task 'StopOldApplication' is in the ASL but not described in FailoverWorkflow", Disagreements(definition));
    }

    [Fact]
    public void Disagreements_ADescribedTaskRemovedFromTheAsl_IsReported()
    {
        var definition = Definition();
        definition["States"]!.AsObject().Remove(FailoverWorkflow.FenceOldPrimary.StateName);

        Assert.Contains($"'{FailoverWorkflow.FenceOldPrimary.StateName}' is described but not in the ASL", Disagreements(definition));
    }

    [Fact]
    public void Disagreements_AResourceOrResultPathThatDiffers_IsReported()
    {
        var definition = Definition();
        definition["States"]![FailoverWorkflow.CheckDns.StateName]!["Resource"] = "${SwitchDnsFunctionArn}";
        definition["States"]![FailoverWorkflow.CheckDns.StateName]!["ResultPath"] = "$.dnsCheck";

        var problems = Disagreements(definition);

        Assert.Contains(problems, p => p.StartsWith("'CheckDns' runs ${SwitchDnsFunctionArn}", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("'CheckDns' puts its result at $.dnsCheck", StringComparison.Ordinal));
    }

    [Fact]
    public void Disagreements_ABestEffortTaskThatFailsTheRun_IsReported()
    {
        var definition = Definition();
        definition["States"]![FailoverWorkflow.FenceOldPrimary.StateName]!["Catch"]![0]!["Next"] = "RecordFailure";

        Assert.Contains(Disagreements(definition), p => p.StartsWith("'FenceOldPrimary' does not continue", StringComparison.Ordinal));
    }

    [Fact]
    public void Disagreements_AWaitLoopWithoutItsWaitState_IsReported()
    {
        var definition = Definition();
        definition["States"]!.AsObject().Remove(FailoverWorkflow.CheckNodeCommand.WaitState!);

        Assert.Contains(Disagreements(definition), p => p.StartsWith("'CheckNodeCommand' is described as a wait loop", StringComparison.Ordinal));
    }

    [Fact]
    public void Steps_StateNamesAndHandlers_AreUnique()
    {
        var names = FailoverWorkflow.Steps.SelectMany(s => s.StateNames).ToList();

        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(FailoverWorkflow.Tasks.Count, FailoverWorkflow.Handlers.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Tasks_ResultFields_AreFieldsOfTheStateOrTheSummary()
    {
        var fields = StateJsonContext.Default.FailoverState.Properties.Select(p => p.Name).Append("summary").ToHashSet(StringComparer.Ordinal);

        Assert.All(FailoverWorkflow.Tasks, t => Assert.True(fields.Contains(t.ResultField!), $"{t.StateName} writes {t.ResultField}, not a field of FailoverState"));
    }

    [Fact]
    public void Tasks_Labels_StartWithTheVerbOfTheStateName() =>
        Assert.All(FailoverWorkflow.Tasks, t => Assert.StartsWith(t.Label.Split(' ')[0], t.StateName, StringComparison.OrdinalIgnoreCase));

    [Fact]
    public void Steps_WithASummaryEntry_HaveAWindowAndTheOthersNone() =>
        Assert.All(FailoverWorkflow.Steps, s => Assert.Equal(s.SummaryName is null, s.Window is null));

    [Fact]
    public void Find_AWaitState_GivesItsLoop() =>
        Assert.Same(FailoverWorkflow.CheckPromotion, FailoverWorkflow.Find("WaitForPromotion"));

    [Fact]
    public void SubstitutionName_Handler_IsPascalCasedWithFunctionArn() =>
        Assert.Equal("CheckNodeCommandFunctionArn", FailoverWorkflow.CheckNodeCommand.SubstitutionName);

    [Fact]
    public void Definition_ChoiceVariables_AreTheWireNamesTheStateCarries()
    {
        // The Choices read $.plan.action == "promote", $.plan.dryRun, $.plan.fenceExPrimary, $.plan.planned, $.sync.done, $.promotion.done, $.node.done, $.dns.done.
        var state = JsonSerializer.SerializeToNode(new FailoverState
        {
            Plan = new FailoverPlan { Action = PlanAction.Promote, DryRun = true, FenceExPrimary = true, Planned = true },
            Sync = new SyncState { Done = true },
            Promotion = new PromotionState { Done = true },
            Node = new NodeState { Done = true },
            Dns = new DnsState { Done = true },
        }, StateJsonContext.Default.FailoverState)!;
        var choices = Definition()["States"]!.AsObject().Where(s => Text(s.Value!.AsObject(), "Type") == "Choice").SelectMany(s => s.Value!["Choices"]!.AsArray()).ToList();

        Assert.NotEmpty(choices);
        foreach (var choice in choices)
        {
            var path = Text(choice!.AsObject(), "Variable")!.TrimStart('$', '.').Split('.');
            var value = path.Aggregate<string, JsonNode?>(state, (node, field) => node?[field]);
            Assert.NotNull(value);
            if (choice["StringEquals"] is { } expected)
            {
                Assert.Equal(expected.GetValue<string>(), value.GetValue<string>());
            }
            else
            {
                Assert.Equal(choice["BooleanEquals"]!.GetValue<bool>(), value.GetValue<bool>());
            }
        }
    }
}
