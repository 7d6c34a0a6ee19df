using System.Text.Json;
using System.Text.Json.Nodes;
using EfsDr.Core.Failover;
using EfsDr.Core.Reprotect;
using EfsDr.Core.Workflows;
using EfsDr.Functions.Tests.Support;

namespace EfsDr.Functions.Tests.StateMachine;

/// <summary>Every workflow file against its one description (<see cref="FailoverWorkflow"/> for statemachine/failover.asl.json,
/// <see cref="ReprotectWorkflow"/> for statemachine/reprotect.asl.json, see <see cref="WorkflowFile"/>): every Task, wait loop
/// and Choice of the ASL is described, nothing described is missing, and each Task's Resource and ResultPath are the
/// description's. <see cref="Disagreements"/> is the check; the tests below run it on the real ASL files (nothing to report)
/// and on edited copies (it reports the edit), so it can fail.</summary>
public sealed class FailoverWorkflowTests
{
    private static JsonObject Definition() => WorkflowFile.Failover.Definition();

    private static List<string> Disagreements(JsonObject definition) => Disagreements(WorkflowFile.Failover, definition);

    /// <summary>Everything on which the ASL and the description disagree, one line each (empty when they agree).</summary>
    private static List<string> Disagreements(WorkflowFile workflow, JsonObject definition)
    {
        var states = definition["States"]!.AsObject().ToDictionary(s => s.Key, s => s.Value!.AsObject(), StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (name, state) in states)
        {
            var type = Type(state);
            if (type is "Task" or "Wait" or "Choice" && workflow.Find(name) is null)
            {
                problems.Add($"{type} '{name}' is in the ASL but not described in {workflow.Description}");
            }
        }

        foreach (var step in workflow.Steps)
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

    [Theory]
    [MemberData(nameof(WorkflowFile.FileNames), MemberType = typeof(WorkflowFile))]
    public void Disagreements_TheRepositoryAsl_AgreesWithTheDescription(string file) =>
        Assert.Empty(Disagreements(WorkflowFile.All[file], WorkflowFile.All[file].Definition()));

    [Fact]
    public void WorkflowFiles_EveryAslFileOfTheRepository_HasADescription()
    {
        var files = Directory.GetFiles(Repo.Path("statemachine"), "*.asl.json").Select(Path.GetFileName).Order(StringComparer.Ordinal);

        Assert.Equal(files, WorkflowFile.All.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Disagreements_AReprotectTaskRemovedFromTheAsl_IsReported()
    {
        var definition = WorkflowFile.Reprotect.Definition();
        definition["States"]!.AsObject().Remove(ReprotectWorkflow.KeepDivergedCopy.StateName);

        Assert.Contains($"'{ReprotectWorkflow.KeepDivergedCopy.StateName}' is described but not in the ASL", Disagreements(WorkflowFile.Reprotect, definition));
    }

    [Fact]
    public void Disagreements_AReprotectTaskAddedButNotDescribed_IsReported()
    {
        var definition = WorkflowFile.Reprotect.Definition();
        definition["States"]!["DeleteDivergedCopy"] = TaskLike("${DeleteDivergedCopyFunctionArn}", "$.deleted", "EnsureReplica");

        Assert.Contains("Task 'DeleteDivergedCopy' is in the ASL but not described in ReprotectWorkflow", Disagreements(WorkflowFile.Reprotect, definition));
    }

    [Fact]
    public void Disagreements_AWholeStateTaskGivenAResultPath_IsReported()
    {
        var definition = WorkflowFile.Reprotect.Definition();
        definition["States"]![ReprotectWorkflow.CreateReplication.StateName]!["ResultPath"] = "$.replication";

        Assert.Contains(Disagreements(WorkflowFile.Reprotect, definition), p => p.StartsWith("'CreateReplication' puts its result at $.replication", StringComparison.Ordinal));
    }

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

    [Theory]
    [MemberData(nameof(WorkflowFile.FileNames), MemberType = typeof(WorkflowFile))]
    public void Steps_StateNamesAndHandlers_AreUnique(string file)
    {
        var workflow = WorkflowFile.All[file];
        var names = workflow.Steps.SelectMany(s => s.StateNames).ToList();

        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(workflow.Tasks.Count, workflow.Tasks.Select(t => t.Handler).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Handlers_OfAllWorkflows_AreUnique()
    {
        var handlers = WorkflowFile.All.Values.SelectMany(w => w.Tasks).Select(t => t.Handler!).ToList();

        Assert.Equal(handlers.Count, handlers.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [MemberData(nameof(WorkflowFile.FileNames), MemberType = typeof(WorkflowFile))]
    public void Tasks_ResultFields_AreFieldsOfTheStateOrTheSummary(string file)
    {
        var workflow = WorkflowFile.All[file];

        Assert.All(workflow.Tasks.Where(t => t.ResultField is not null), t => Assert.True(workflow.StateFields.Contains(t.ResultField!), $"{t.StateName} writes {t.ResultField}, not a field of the state of {workflow.Description}"));
    }

    [Fact]
    public void Tasks_FailoverResultFields_AreAllNamed() =>
        Assert.All(FailoverWorkflow.Tasks, t => Assert.NotNull(t.ResultField));

    [Theory]
    [MemberData(nameof(WorkflowFile.FileNames), MemberType = typeof(WorkflowFile))]
    public void Tasks_Labels_StartWithTheVerbOfTheStateName(string file) =>
        Assert.All(WorkflowFile.All[file].Tasks, t => Assert.StartsWith(t.Label.Split(' ')[0], t.StateName, StringComparison.OrdinalIgnoreCase));

    [Theory]
    [MemberData(nameof(WorkflowFile.FileNames), MemberType = typeof(WorkflowFile))]
    public void Steps_WithASummaryEntry_HaveAWindowAndTheOthersNone(string file) =>
        Assert.All(WorkflowFile.All[file].Steps, s => Assert.Equal(s.SummaryName is null, s.Window is null));

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

    [Fact]
    public void Definition_ReprotectChoiceVariables_AreTheWireNamesTheStateCarries()
    {
        // $.plan.dryRun, $.plan.action == "AlreadyProtected" / "IntoNewFileSystem", $.orphanDeletion.done, $.replicaAvailable, $.sync.done.
        var choices = WorkflowFile.Reprotect.Definition()["States"]!.AsObject().Where(s => Text(s.Value!.AsObject(), "Type") == "Choice").SelectMany(s => s.Value!["Choices"]!.AsArray()).ToList();

        Assert.NotEmpty(choices);
        foreach (var choice in choices)
        {
            var expected = choice!["StringEquals"]?.GetValue<string>();
            var action = expected is null ? ReprotectAction.IntoNewFileSystem : Enum.Parse<ReprotectAction>(expected);
            var state = JsonSerializer.SerializeToNode(new ReprotectState
            {
                Plan = new ReprotectPlan { DryRun = true, Action = action },
                OrphanDeletion = new OrphanDeletionState { Done = true },
                ReplicaAvailable = true,
                Sync = new SyncWaitState { Done = true },
            }, ReprotectStateJsonContext.Default.ReprotectState)!;
            var path = Text(choice.AsObject(), "Variable")!.TrimStart('$', '.').Split('.');
            var value = path.Aggregate<string, JsonNode?>(state, (node, field) => node?[field]);
            Assert.NotNull(value);
            if (expected is not null)
            {
                Assert.Equal(expected, value.GetValue<string>());
            }
            else
            {
                Assert.Equal(choice["BooleanEquals"]!.GetValue<bool>(), value.GetValue<bool>());
            }
        }
    }

    [Fact]
    public void Definition_ReprotectOrphanWait_LoopsUntilGoneBeforeAnyReplicaStepAndFailsByNameIntoTheFailurePath()
    {
        var states = WorkflowFile.Reprotect.Definition()["States"]!.AsObject();
        var gone = states[ReprotectWorkflow.IsOrphanGone.StateName]!.AsObject();
        var check = states[ReprotectWorkflow.CheckOrphanDeletion.StateName]!.AsObject();

        Assert.Equal(ReprotectWorkflow.IsOrphanGone.StateName, Text(states[ReprotectWorkflow.CleanUpOrphanedConfiguration.StateName]!.AsObject(), "Next"));
        Assert.Equal("$.orphanDeletion.done", gone["Choices"]![0]!["Variable"]!.GetValue<string>());
        Assert.Equal(ReprotectWorkflow.KeepDivergedCopy.StateName, gone["Choices"]![0]!["Next"]!.GetValue<string>());
        Assert.Equal(ReprotectWorkflow.CheckOrphanDeletion.WaitState, Text(gone, "Default"));
        Assert.Equal("$.plan.pollSeconds", Text(states[ReprotectWorkflow.CheckOrphanDeletion.WaitState!]!.AsObject(), "SecondsPath"));
        Assert.Equal(ReprotectWorkflow.CheckOrphanDeletion.StateName, Text(states[ReprotectWorkflow.CheckOrphanDeletion.WaitState!]!.AsObject(), "Next"));
        Assert.Equal(ReprotectWorkflow.IsOrphanGone.StateName, Text(check, "Next"));
        var named = Assert.Single(check["Catch"]!.AsArray(), c => c!["ErrorEquals"]!.AsArray().Any(e => e!.GetValue<string>() == nameof(EfsDr.Core.Exceptions.OrphanDeletionTimeoutException)));
        Assert.Equal("RecordFailure", named!["Next"]!.GetValue<string>());
        Assert.DoesNotContain(check["Retry"]!.AsArray().SelectMany(r => r!["ErrorEquals"]!.AsArray()), e => e!.GetValue<string>() == nameof(EfsDr.Core.Exceptions.OrphanDeletionTimeoutException));
    }
}
