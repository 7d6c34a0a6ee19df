using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;

namespace EfsDr.Core.Failover;

/// <summary>ActivateNode and CheckNodeCommand: the target node runs EfsDr's node document (mount, write probe, start the unit, health).</summary>
/// <param name="nodes">The node agent (SSM Run Command).</param>
/// <param name="documentName">The node document.</param>
/// <param name="time">The clock.</param>
/// <param name="pause">How a check waits while it holds its invocation; null: a delay on <paramref name="time"/>.</param>
public sealed class NodeActivationService(INodeAgent nodes, string documentName, TimeProvider time, Pause? pause = null)
{
    private readonly Pause _pause = pause ?? ((delay, token) => Task.Delay(delay, time, token));

    /// <summary>How much of the node's stderr a failure carries.</summary>
    public const int StderrTail = 1500;

    /// <summary>What the target node is asked to do for <paramref name="plan"/>.</summary>
    public static NodeActivationRequest Request(FailoverPlan plan, string documentName)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new NodeActivationRequest(
            documentName,
            plan.FileSystemId,
            plan.TargetRegion,
            plan.MountPoint,
            plan.Unit,
            plan.MountMethod,
            plan.HealthUrl,
            plan.Budgets.HealthSeconds,
            $"EfsDr {plan.RunId}: activate {plan.TargetServer}",
            Math.Max(30, plan.Budgets.NodeCommandSeconds));
    }

    /// <summary>Asks the target node to activate. The node document is idempotent, so asking again is safe.</summary>
    public async Task<NodeState> ActivateAsync(FailoverState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var plan = state.Plan;
        var commandId = await nodes.ActivateAsync(plan.TargetRegion, plan.TargetInstanceId, Request(plan, documentName), cancellationToken).ConfigureAwait(false);
        return new NodeState { CommandId = commandId, StartedAt = time.GetUtcNow(), NextWaitSeconds = PollSchedule.FirstLoopWait(plan.Waits.NodeSeconds) };
    }

    /// <summary>One invocation of CheckNodeCommand: a check, repeated every 2 s for a few seconds while the node hold
    /// allows (<see cref="PollSchedule.NodeHoldSeconds"/>). A command the node agent does not show yet counts as pending.
    /// Sets the next wait.</summary>
    /// <exception cref="NodeCommandFailedException">Failed, TimedOut or Cancelled; the message carries the stderr tail.</exception>
    /// <exception cref="NodeCommandTimeoutException">No result within the node-command budget.</exception>
    public Task<NodeState> CheckAsync(FailoverState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        return CheckAsync(state.Plan, state.Node, cancellationToken);
    }

    /// <summary>CheckNodeCommand from only what it reads: the plan and the node command's progress.</summary>
    public async Task<NodeState> CheckAsync(FailoverPlan plan, NodeState? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        progress = progress ?? throw new InvalidOperationException("CheckNodeCommand needs the node state from ActivateNode.");
        var startedAt = time.GetUtcNow();
        var hold = Math.Min(PollSchedule.LoopHoldPerCheckSeconds, PollSchedule.NodeHoldSeconds - progress.HeldSeconds);
        var holdUntil = PollSchedule.HoldUntil(startedAt, TimeSpan.FromSeconds(Math.Max(0, hold)));
        while (true)
        {
            progress = await CheckOnceAsync(plan, progress, cancellationToken).ConfigureAwait(false);
            if (progress.Done || holdUntil is not { } until || time.GetUtcNow() + PollSchedule.HoldInterval > until)
            {
                break;
            }

            await _pause(PollSchedule.HoldInterval, cancellationToken).ConfigureAwait(false);
        }

        var now = time.GetUtcNow();
        progress = progress with { HeldSeconds = progress.HeldSeconds + (now - startedAt).TotalSeconds };
        if (progress.Done)
        {
            return progress with { NextWaitSeconds = 0 };
        }

        var elapsed = now - progress.StartedAt;
        return elapsed.TotalSeconds > plan.Budgets.NodeCommandSeconds
            ? throw new NodeCommandTimeoutException($"{plan.TargetServer} did not report within {plan.Budgets.NodeCommandSeconds} s (last status {EfsDrJson.WireName(progress.LastStatus)}).")
            : progress with { NextWaitSeconds = PollSchedule.LoopWait(elapsed.TotalSeconds, plan.Waits.NodeSeconds) };
    }

    private async Task<NodeState> CheckOnceAsync(FailoverPlan plan, NodeState progress, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        progress = progress with { Checks = progress.Checks + 1 };
        var node = await nodes.GetProgressAsync(plan.TargetRegion, progress.CommandId, plan.TargetInstanceId, cancellationToken).ConfigureAwait(false);
        if (node.State == NodeProgressState.NotYetVisible)
        {
            return progress with { LastStatus = NodeCommandStatus.NotYetVisible };
        }

        var output = Tail(node.Output, StderrTail);
        return node.State switch
        {
            NodeProgressState.Succeeded => progress with { Done = true, CompletedAt = now, LastStatus = NodeCommandStatus.Success, OutputTail = output },
            NodeProgressState.Failed => throw new NodeCommandFailedException(
                $"{plan.TargetServer} ({plan.TargetInstanceId}) command {progress.CommandId} {node.Status}" +
                $"{(node.StatusDetail is null ? string.Empty : " (" + node.StatusDetail + ")")}, exit {node.ExitCode}: {Tail(node.ErrorOutput, StderrTail)}"),
            _ => progress with { LastStatus = StateStatuses.From(node.State), OutputTail = output },
        };
    }

    internal static string Tail(string text, int length)
    {
        text = (text ?? string.Empty).Trim();
        return text.Length <= length ? text : "…" + text[^length..];
    }
}
