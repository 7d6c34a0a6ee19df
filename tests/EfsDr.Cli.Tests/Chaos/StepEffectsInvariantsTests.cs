using EfsDr.Core.Workflows;
using EfsDr.Drill.Chaos;

namespace EfsDr.Cli.Tests.Chaos;

public sealed class StepEffectsInvariantsTests
{
    public static TheoryData<WorkflowKind> Kinds => [WorkflowKind.Failover, WorkflowKind.Reprotect];

    private static WorkflowDescription Description(WorkflowKind kind) => WorkflowDescription.All.Single(d => d.Kind == kind);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EveryTask_OfTheWorkflow_IsListedEitherReadOnlyOrMutating(WorkflowKind kind)
    {
        var tasks = Description(kind).Steps.Where(s => s.RunsLambda).Select(s => s.StateName).ToList();

        var unlisted = tasks.Where(t => !StepEffects.ReadOnlyTasks(kind).ContainsKey(t) && !StepEffects.MutatingTasks(kind).Contains(t)).ToList();
        var both = tasks.Where(t => StepEffects.ReadOnlyTasks(kind).ContainsKey(t) && StepEffects.MutatingTasks(kind).Contains(t)).ToList();

        Assert.True(unlisted.Count == 0, $"{kind}: Tasks in neither list (say whether each changes the world): {string.Join(", ", unlisted)}");
        Assert.True(both.Count == 0, $"{kind}: Tasks in both lists: {string.Join(", ", both)}");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Lists_OfTheWorkflow_NameOnlyItsTasks(WorkflowKind kind)
    {
        var tasks = Description(kind).Steps.Where(s => s.RunsLambda).Select(s => s.StateName).ToHashSet(StringComparer.Ordinal);

        Assert.All(StepEffects.ReadOnlyTasks(kind).Keys.Concat(StepEffects.MutatingTasks(kind)), name => Assert.Contains(name, tasks));
        Assert.All(StepEffects.ReadOnlyTasks(kind).Values, why => Assert.False(string.IsNullOrWhiteSpace(why)));
    }

    [Theory]
    [InlineData(WorkflowKind.Failover, "PlanFailover", false)]
    [InlineData(WorkflowKind.Failover, "Is this a dry run?", false)]
    [InlineData(WorkflowKind.Failover, "AcquireRunLock", false)]
    [InlineData(WorkflowKind.Failover, "CleanUpFailedRun", false)]
    [InlineData(WorkflowKind.Failover, "LowerDnsTtl", true)]
    [InlineData(WorkflowKind.Failover, "PromoteReplica", true)]
    [InlineData(WorkflowKind.Failover, "WaitForPromotion", true)]
    [InlineData(WorkflowKind.Failover, "SwitchDns", true)]
    [InlineData(WorkflowKind.Failover, "NoSuchPassOrFailState", false)]
    [InlineData(WorkflowKind.Reprotect, "PlanReprotect", false)]
    [InlineData(WorkflowKind.Reprotect, "Is the replica already protected?", false)]
    [InlineData(WorkflowKind.Reprotect, "KeepDivergedCopy", true)]
    [InlineData(WorkflowKind.Reprotect, "CreateReplication", true)]
    [InlineData(WorkflowKind.Reprotect, "WaitForSync", true)]
    public void IsMutating_State_SaysWhetherEnteringItMayChangeTheWorld(WorkflowKind kind, string state, bool expected)
    {
        Assert.Equal(expected, StepEffects.IsMutating(kind, state));
    }
}
