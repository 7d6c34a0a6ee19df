using EfsDr.Core.Workflows;

namespace EfsDr.Core.Tests.Workflows;

/// <summary>A progress line reads a state off the wire, where parts may be missing or null (a crashed run, a hand-started
/// execution): it may be absent, never an exception that stops the run being followed.</summary>
public sealed class ProgressLineTests
{
    public static TheoryData<string, string, string> PartialStates()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var workflow in WorkflowDescription.All)
        {
            foreach (var step in workflow.Steps.Where(s => s.Progress is not null))
            {
                foreach (var output in new[] { "{}", """{"plan":null,"mountTargets":null,"sync":null}""", """{"mountTargets":null}""" })
                {
                    data.Add(workflow.Kind.ToString(), step.StateName, output);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PartialStates))]
    public void ProgressLine_StateWithMissingOrNullParts_NeverThrows(string workflow, string stateName, string output)
    {
        var description = WorkflowDescription.All.Single(d => d.Kind.ToString() == workflow);

        var thrown = Record.Exception(() => description.ProgressLine(stateName, output));

        Assert.Null(thrown);
    }

    [Fact]
    public void ProgressLine_CreateMountTargetsWithTargets_NamesEachSubnetAndTarget()
    {
        var line = ReprotectWorkflow.Description.ProgressLine(ReprotectWorkflow.CreateMountTargets.StateName, """{"mountTargets":{"subnet-0bbb222b":"fsmt-2","subnet-0bbb222a":"fsmt-1"}}""");

        Assert.Equal("2 mount target(s): subnet-0bbb222a fsmt-1, subnet-0bbb222b fsmt-2", line);
    }
}
