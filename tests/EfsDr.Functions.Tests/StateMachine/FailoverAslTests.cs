using System.Text.Json;
using System.Text.RegularExpressions;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Workflows;
using EfsDr.Functions.Handlers;
using EfsDr.Functions.Tests.Support;

namespace EfsDr.Functions.Tests.StateMachine;

/// <summary>Structural checks of every workflow file (statemachine/failover.asl.json, statemachine/reprotect.asl.json), and
/// the ASL validators run on each; plus the failover's own paths.</summary>
public sealed partial class FailoverAslTests
{
    private static readonly string AslPath = Repo.Path("statemachine", "failover.asl.json");
    private static readonly JsonElement Definition = JsonDocument.Parse(File.ReadAllText(AslPath)).RootElement.Clone();

    private static IEnumerable<JsonProperty> States => StatesOf(Definition);

    private static IEnumerable<JsonProperty> Tasks => TasksOf(Definition);

    private static JsonElement Load(string file) => JsonDocument.Parse(File.ReadAllText(WorkflowFile.All[file].Path)).RootElement.Clone();

    private static List<JsonProperty> StatesOf(JsonElement definition) => [.. definition.GetProperty("States").EnumerateObject()];

    private static IEnumerable<JsonProperty> TasksOf(JsonElement definition) => StatesOf(definition).Where(s => s.Value.GetProperty("Type").GetString() == "Task");

    private static readonly HashSet<string> TransientErrors = new(StringComparer.Ordinal)
    {
        "Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException",
        "Lambda.ClientExecutionTimeoutException", nameof(CloudBusyException), nameof(RegionUnreachableException),
    };

    private static IEnumerable<string> Targets(JsonElement state)
    {
        foreach (var name in new[] { "Next", "Default" })
        {
            if (state.TryGetProperty(name, out var next))
            {
                yield return next.GetString()!;
            }
        }

        foreach (var list in new[] { "Choices", "Catch" })
        {
            if (state.TryGetProperty(list, out var items))
            {
                foreach (var item in items.EnumerateArray())
                {
                    yield return item.GetProperty("Next").GetString()!;
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(WorkflowFile.FileNames), MemberType = typeof(WorkflowFile))]
    public void Definition_TopLevel_HasStartTimeoutAndComment(string file)
    {
        var Definition = Load(file);
        var States = StatesOf(Definition);
        Assert.True(Definition.GetProperty("TimeoutSeconds").GetInt32() >= 3600);
        Assert.False(string.IsNullOrWhiteSpace(Definition.GetProperty("Comment").GetString()));
        Assert.Contains(States, s => s.Name == Definition.GetProperty("StartAt").GetString());
        Assert.False(Definition.TryGetProperty("QueryLanguage", out var language) && language.GetString() == "JSONata", "the local engine runs JSONPath only");
    }

    [Theory]
    [MemberData(nameof(WorkflowFile.FileNames), MemberType = typeof(WorkflowFile))]
    public void EveryTransition_PointsAtAnExistingState(string file)
    {
        var States = StatesOf(Load(file));
        var names = States.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var state in States)
        {
            Assert.All(Targets(state.Value), t => Assert.True(names.Contains(t), $"{state.Name} → {t} does not exist"));
        }
    }

    [Theory]
    [MemberData(nameof(WorkflowFile.FileNames), MemberType = typeof(WorkflowFile))]
    public void EveryState_IsReachableFromStartAt(string file)
    {
        var Definition = Load(file);
        var States = StatesOf(Definition);
        var reached = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>([Definition.GetProperty("StartAt").GetString()!]);
        var byName = States.ToDictionary(s => s.Name, s => s.Value, StringComparer.Ordinal);
        while (queue.TryDequeue(out var name))
        {
            if (reached.Add(name))
            {
                foreach (var next in Targets(byName[name]))
                {
                    queue.Enqueue(next);
                }
            }
        }

        Assert.Equal(byName.Keys.Order(StringComparer.Ordinal), reached.Order(StringComparer.Ordinal));
    }

    /// <summary>Error names Step Functions or Lambda themselves report (not classes of ours).</summary>
    private static readonly HashSet<string> PlatformErrors = new(StringComparer.Ordinal)
    {
        // A Task's own TimeoutSeconds; a function that ran out of its Lambda timeout (errorType Sandbox.Timedout, see
        // https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html#troubleshooting-timeouts).
        "States.ALL", "States.Timeout", "Sandbox.Timedout",
    };

    private static readonly Type[] ReportableTypes =
        [.. typeof(EfsDrException).Assembly.GetTypes().Concat(typeof(FunctionNames).Assembly.GetTypes()).Where(t => typeof(Exception).IsAssignableFrom(t) && !t.IsAbstract)];

    private static IEnumerable<(string State, JsonElement Rule)> Rules(string kind) => Rules(Definition, kind);

    private static IEnumerable<(string State, JsonElement Rule)> Rules(JsonElement definition, string kind) =>
        TasksOf(definition).Where(t => t.Value.TryGetProperty(kind, out _)).SelectMany(t => t.Value.GetProperty(kind).EnumerateArray().Select(r => (t.Name, r)));

    private static IEnumerable<string> Names(JsonElement rule) => rule.GetProperty("ErrorEquals").EnumerateArray().Select(e => e.GetString()!);

    [Theory]
    [MemberData(nameof(WorkflowFile.FileNames), MemberType = typeof(WorkflowFile))]
    public void EveryErrorEquals_IsANameAFunctionOrTheServiceCanReport(string file)
    {
        var definition = Load(file);
        var reportable = ReportableTypes.Select(t => t.Name).Concat(PlatformErrors).ToHashSet(StringComparer.Ordinal);
        var names = Rules(definition, "Retry").Concat(Rules(definition, "Catch")).SelectMany(r => Names(r.Rule))
            .Where(n => !n.StartsWith("Lambda.", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .ToList();

        Assert.NotEmpty(names);
        Assert.All(names, n => Assert.True(reportable.Contains(n), $"ErrorEquals '{n}' is not a concrete exception a function reports, nor a Step Functions/Lambda error name"));
    }

    [Theory]
    [MemberData(nameof(WorkflowFile.FileNames), MemberType = typeof(WorkflowFile))]
    public void EveryCatch_NeverReliesOnExceptionInheritance(string file)
    {
        // Step Functions matches error names exactly: naming a base class catches none of its subclasses.
        var withSubtypes = ReportableTypes.Where(t => ReportableTypes.Any(s => s != t && t.IsAssignableFrom(s))).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (state, rule) in Rules(Load(file), "Catch"))
        {
            Assert.All(Names(rule), n => Assert.False(withSubtypes.Contains(n), $"{state} catches '{n}', a base class: its subclasses would fall through"));
        }
    }

    [Theory]
    [InlineData("SwitchDns")]
    [InlineData("CheckDns")]
    public void DnsStates_SendEveryFailureToTheSwitchByHandAnswer(string state)
    {
        var task = States.Single(s => s.Name == state).Value;

        var rule = Assert.Single(task.GetProperty("Catch").EnumerateArray());
        Assert.Equal(["States.ALL"], Names(rule));
        Assert.Equal("ReportDnsFailure", rule.GetProperty("Next").GetString());
        Assert.Contains("by hand", States.Single(s => s.Name == "ReportDnsFailure").Value.GetProperty("Parameters").GetProperty("Cause.$").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(WorkflowFile.FileNames), MemberType = typeof(WorkflowFile))]
    public void EveryFailurePath_CleansUpBeforeFailRun(string file)
    {
        var States = StatesOf(Load(file)).ToList();
        var byName = States.ToDictionary(s => s.Name, s => s.Value, StringComparer.Ordinal);
        var intoFail = States.Where(s => Targets(s.Value).Contains("FailRun")).Select(s => s.Name).ToList();

        Assert.Equal(["CleanUpFailedRun"], intoFail);
        Assert.Equal("CleanUpFailedRun", byName["RecordFailure"].GetProperty("Next").GetString());
        Assert.All(States.Where(s => s.Value.GetProperty("Type").GetString() == "Pass"), s => Assert.Equal("CleanUpFailedRun", s.Value.GetProperty("Next").GetString()));
    }

    [Fact]
    public void FailoverDnsFailure_CleansUpBeforeFailRun() =>
        Assert.Equal("CleanUpFailedRun", State("ReportDnsFailure").GetProperty("Next").GetString());

    [Theory]
    [MemberData(nameof(WorkflowFile.FileNames), MemberType = typeof(WorkflowFile))]
    public void EveryTask_HasCommentRetryForTransientOnlyAndCatch(string file)
    {
        var Tasks = TasksOf(Load(file)).ToList();
        Assert.NotEmpty(Tasks);
        foreach (var task in Tasks)
        {
            Assert.False(string.IsNullOrWhiteSpace(task.Value.GetProperty("Comment").GetString()), task.Name);
            var retries = task.Value.GetProperty("Retry").EnumerateArray().ToList();
            Assert.InRange(retries.Count, 1, 2);
            Assert.All(Names(retries[0]), e => Assert.Contains(e, TransientErrors));
            if (retries.Count == 2)
            {
                // Idempotent steps are tried once more after a timeout; the others report it by name.
                Assert.Equal(["States.Timeout", "Sandbox.Timedout", "FunctionTimeoutException"], Names(retries[1]));
                Assert.Equal(2, retries[1].GetProperty("MaxAttempts").GetInt32());
            }

            Assert.All(retries, r => Assert.True(r.GetProperty("MaxAttempts").GetInt32() is > 0 and <= 10, task.Name));
            var catches = task.Value.GetProperty("Catch").EnumerateArray().ToList();
            Assert.NotEmpty(catches);
            Assert.All(catches, c => Assert.Equal("$.error", c.GetProperty("ResultPath").GetString()));
        }
    }

    private static JsonElement State(string name) => States.Single(s => s.Name == name).Value;

    [Fact]
    public void PlannedPath_StopsTheSourceAndWaitsForTheSyncBeforeThePromotion()
    {
        Assert.Equal("Is this a planned move?", State("LowerDnsTtl").GetProperty("Next").GetString());
        var planned = State("Is this a planned move?");
        Assert.Equal("$.plan.planned", planned.GetProperty("Choices")[0].GetProperty("Variable").GetString());
        Assert.Equal("DeactivateSource", planned.GetProperty("Choices")[0].GetProperty("Next").GetString());
        Assert.Equal("Is the old primary in another region?", planned.GetProperty("Default").GetString());
        Assert.Equal("WaitForSync", State("DeactivateSource").GetProperty("Next").GetString());
        Assert.Equal("$.plan.waits.syncSeconds", State("WaitForSync").GetProperty("SecondsPath").GetString());
        var inSync = State("Is the replica in sync?");
        Assert.Equal("Does the replica need promotion?", inSync.GetProperty("Choices")[0].GetProperty("Next").GetString());
        Assert.Equal("WaitForSync", inSync.GetProperty("Default").GetString());
    }

    [Theory]
    [InlineData("DeactivateSource", nameof(SourceDeactivationFailedException))]
    [InlineData("CheckSync", nameof(SourceDeactivationFailedException))]
    [InlineData("CheckSync", nameof(SyncTimeoutException))]
    [InlineData("CheckSync", nameof(ReplicationFailedException))]
    public void PlannedSteps_CatchTheirErrorsByNameIntoTheFailurePath(string state, string error)
    {
        var catches = State(state).GetProperty("Catch").EnumerateArray().ToList();

        var named = Assert.Single(catches, c => c.GetProperty("ErrorEquals").EnumerateArray().Any(e => e.GetString() == error));
        Assert.Equal("RecordFailure", named.GetProperty("Next").GetString());
        Assert.DoesNotContain(State(state).GetProperty("Retry").EnumerateArray().SelectMany(Names), n => n == error);
    }

    [Fact]
    public void ActivateNode_IsNotRetriedAfterATimeout()
    {
        var retries = States.Single(s => s.Name == "ActivateNode").Value.GetProperty("Retry").EnumerateArray();

        Assert.DoesNotContain(retries.SelectMany(Names), n => n is "States.Timeout" or "Sandbox.Timedout" or "FunctionTimeoutException");
    }

    [Fact]
    public void NoState_ReplacesTheWholeStateWithResultPathDollar()
    {
        var text = File.ReadAllText(AslPath);

        Assert.DoesNotMatch(@"""ResultPath""\s*:\s*""\$""", text);
    }

    [Theory]
    [MemberData(nameof(WorkflowFile.FileNames), MemberType = typeof(WorkflowFile))]
    public void ChoiceStates_ArePhrasedAsQuestions_AndTasksStartWithAVerb(string file)
    {
        var workflow = WorkflowFile.All[file];
        var definition = Load(file);
        Assert.All(StatesOf(definition).Where(s => s.Value.GetProperty("Type").GetString() == "Choice"), s => Assert.EndsWith("?", s.Name, StringComparison.Ordinal));
        // The verb is the first word of the described step's label (FailoverWorkflowTests checks the labels).
        Assert.All(TasksOf(definition), t => Assert.StartsWith(workflow.Find(t.Name)!.Label.Split(' ')[0], t.Name, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [MemberData(nameof(WorkflowFile.FileNames), MemberType = typeof(WorkflowFile))]
    public void TaskResources_AreSubstitutionsOfKnownFunctions(string file)
    {
        var Tasks = TasksOf(Load(file));
        var expected = WorkflowFile.All[file].Tasks.Select(t => t.SubstitutionName!).ToHashSet(StringComparer.Ordinal);
        var used = Tasks.Select(t => Placeholder().Match(t.Value.GetProperty("Resource").GetString()!).Groups[1].Value).ToList();

        Assert.All(used, u => Assert.Contains(u, expected));
        Assert.Equal(expected.Order(StringComparer.Ordinal), used.Distinct().Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(WorkflowFile.FileNames), MemberType = typeof(WorkflowFile))]
    public void WaitStates_ReadTheirSecondsFromThePlanOrTheirLoopsLastCheck(string file)
    {
        var waits = StatesOf(Load(file)).Where(s => s.Value.GetProperty("Type").GetString() == "Wait").ToList();
        var loops = WorkflowFile.All[file].Steps.Where(s => s.Kind == StepKind.WaitLoop).ToDictionary(s => s.WaitState!, StringComparer.Ordinal);

        Assert.Equal(loops.Count, waits.Count);
        Assert.All(waits, w => Assert.True(
            w.Value.GetProperty("SecondsPath").GetString() is { } path
                && (path.StartsWith("$.plan.", StringComparison.Ordinal) || path == $"$.{loops[w.Name].ResultField}.nextWaitSeconds"),
            $"{w.Name} reads {w.Value.GetProperty("SecondsPath")}"));
    }

    [Theory]
    [InlineData("WaitForPromotion", "$.promotion.nextWaitSeconds")]
    [InlineData("WaitForNode", "$.node.nextWaitSeconds")]
    [InlineData("WaitForDns", "$.dns.nextWaitSeconds")]
    [InlineData("WaitForSync", "$.plan.waits.syncSeconds")]
    public void WaitStates_OfTheFailover_WaitWhatTheLastStepComputed(string wait, string path) =>
        Assert.Equal(path, State(wait).GetProperty("SecondsPath").GetString());

    [Theory]
    [MemberData(nameof(WorkflowFile.FileNames), MemberType = typeof(WorkflowFile))]
    public void Validators_AslValidatorAndStatelint_AcceptTheSubstitutedDefinition(string file)
    {
        var bin = Repo.Path("node_modules", ".bin");
        if (!File.Exists(Path.Combine(bin, "asl-validator")) || !File.Exists(Path.Combine(bin, "statelint")))
        {
            Repo.Unavailable("asl-validator/statelint are not installed (run npm ci at the repository root)");
        }

        var substituted = Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}-{file}");
        File.WriteAllText(substituted, Placeholder().Replace(File.ReadAllText(WorkflowFile.All[file].Path), m => $"arn:aws:lambda:us-west-2:123456789012:function:{m.Groups[1].Value}"));
        try
        {
            var asl = Repo.Run(Path.Combine(bin, "asl-validator"), ["--json-path", substituted]);
            Assert.True(asl.ExitCode == 0, asl.Output);
            var lint = Repo.Run(Path.Combine(bin, "statelint"), [substituted]);
            Assert.True(lint.ExitCode == 0, lint.Output);
        }
        finally
        {
            File.Delete(substituted);
        }
    }

    [Fact]
    public void Validators_BrokenDefinition_AreRejected()
    {
        // The validators must be able to fail: a transition to a missing state is refused.
        var bin = Repo.Path("node_modules", ".bin");
        if (!File.Exists(Path.Combine(bin, "statelint")))
        {
            Repo.Unavailable("statelint is not installed (run npm ci at the repository root)");
        }

        var broken = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.asl.json");
        File.WriteAllText(broken, """{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Missing"}}}""");
        try
        {
            Assert.NotEqual(0, Repo.Run(Path.Combine(bin, "statelint"), [broken]).ExitCode);
            Assert.NotEqual(0, Repo.Run(Path.Combine(bin, "asl-validator"), ["--json-path", broken]).ExitCode);
        }
        finally
        {
            File.Delete(broken);
        }
    }

    [GeneratedRegex(@"\$\{([A-Za-z0-9]+)\}")]
    private static partial Regex Placeholder();
}
