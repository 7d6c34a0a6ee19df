using System.Text.Json.Nodes;
using EfsDr.Core.Failover;
using EfsDr.Core.Reprotect;
using EfsDr.Core.Workflows;
using EfsDr.Functions.Tests.Support;

namespace EfsDr.Functions.Tests.StateMachine;

/// <summary>One workflow file of statemachine/ with its one description and the fields of the state its Tasks write to.</summary>
/// <param name="FileName">The ASL file name under statemachine/.</param>
/// <param name="Description">The name of the description class (for messages).</param>
/// <param name="Steps">The description's steps.</param>
/// <param name="StateFields">The JSON names of the state's fields (and of the summary, written last).</param>
public sealed record WorkflowFile(string FileName, string Description, IReadOnlyList<WorkflowStep> Steps, IReadOnlySet<string> StateFields)
{
    /// <summary>The failover.</summary>
    public static WorkflowFile Failover { get; } = new(
        "failover.asl.json",
        nameof(FailoverWorkflow),
        FailoverWorkflow.Steps,
        StateJsonContext.Default.FailoverState.Properties.Select(p => p.Name).Append("summary").ToHashSet(StringComparer.Ordinal));

    /// <summary>The reprotect.</summary>
    public static WorkflowFile Reprotect { get; } = new(
        "reprotect.asl.json",
        nameof(ReprotectWorkflow),
        ReprotectWorkflow.Steps,
        ReprotectStateJsonContext.Default.ReprotectState.Properties.Select(p => p.Name).Append("summary").ToHashSet(StringComparer.Ordinal));

    /// <summary>Every workflow file, by file name.</summary>
    public static IReadOnlyDictionary<string, WorkflowFile> All { get; } =
        new[] { Failover, Reprotect }.ToDictionary(w => w.FileName, StringComparer.Ordinal);

    /// <summary>The file names, for theories.</summary>
    public static TheoryData<string> FileNames => [.. All.Keys];

    /// <summary>The steps a Lambda runs.</summary>
    public IReadOnlyList<WorkflowStep> Tasks => [.. Steps.Where(s => s.RunsLambda)];

    /// <summary>The full path of the file.</summary>
    public string Path => Repo.Path("statemachine", FileName);

    /// <summary>The definition, parsed afresh (tests edit copies).</summary>
    public JsonObject Definition() => JsonNode.Parse(File.ReadAllText(Path))!.AsObject();

    /// <summary>The step an ASL state belongs to, or null.</summary>
    public WorkflowStep? Find(string? stateName) =>
        stateName is null ? null : Steps.FirstOrDefault(s => s.StateNames.Contains(stateName, StringComparer.Ordinal));
}
