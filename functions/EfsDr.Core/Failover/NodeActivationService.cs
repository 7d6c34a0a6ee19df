using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;

namespace EfsDr.Core.Failover;

/// <summary>ActivateNode and CheckNodeCommand: run EfsDr's node document (mount, write probe, start the unit, health) on the target.</summary>
public sealed class NodeActivationService(INodeCommands nodes, string documentName, TimeProvider time)
{
    /// <summary>How much of the node's stderr a failure carries.</summary>
    public const int StderrTail = 1500;

    /// <summary>The parameters the document receives for <paramref name="action"/> (each a list of one string).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Parameters(FailoverPlan plan, string action)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return NodeDocumentParameters.For(action, plan.FileSystemId, plan.TargetRegion, plan.MountPoint, plan.Unit, plan.MountMethod, plan.HealthUrl, plan.Budgets.HealthSeconds);
    }

    /// <summary>Sends the activate command. The script is idempotent, so sending it again is safe.</summary>
    public async Task<NodeState> ActivateAsync(FailoverState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var plan = state.Plan;
        var command = new NodeCommand(documentName, Parameters(plan, NodeDocumentParameters.Activate), $"EfsDr {plan.RunId}: activate {plan.TargetServer}", DeliveryTimeoutSeconds: Math.Max(30, plan.Budgets.NodeCommandSeconds));
        var commandId = await nodes.SendAsync(plan.TargetRegion, plan.TargetInstanceId, command, cancellationToken).ConfigureAwait(false);
        return new NodeState { CommandId = commandId, StartedAt = time.GetUtcNow() };
    }

    /// <summary>One check of the command. InvocationDoesNotExist right after sending counts as pending.</summary>
    /// <exception cref="NodeCommandFailedException">Failed, TimedOut or Cancelled; the message carries the stderr tail.</exception>
    /// <exception cref="NodeCommandTimeoutException">No result within the node-command budget.</exception>
    public async Task<NodeState> CheckAsync(FailoverState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var plan = state.Plan;
        var progress = state.Node ?? throw new InvalidOperationException("CheckNodeCommand needs the node state from ActivateNode.");
        var now = time.GetUtcNow();
        progress = progress with { Checks = progress.Checks + 1 };
        CommandInvocation invocation;
        try
        {
            invocation = await nodes.GetInvocationAsync(plan.TargetRegion, progress.CommandId, plan.TargetInstanceId, cancellationToken).ConfigureAwait(false);
        }
        catch (InvocationDoesNotExistException)
        {
            return Budget(plan, progress with { LastStatus = NodeCommandStatus.NotYetVisible }, now);
        }

        var output = Tail(invocation.StandardOutput, StderrTail);
        switch (invocation.Status)
        {
            case CommandStatus.Success:
                return progress with { Done = true, CompletedAt = now, LastStatus = NodeCommandStatus.Success, OutputTail = output };
            case CommandStatus.Failed or CommandStatus.TimedOut or CommandStatus.Cancelled:
                throw new NodeCommandFailedException(
                    $"{plan.TargetServer} ({plan.TargetInstanceId}) command {progress.CommandId} {invocation.Status}" +
                    $"{(invocation.StatusDetails is null ? string.Empty : " (" + invocation.StatusDetails + ")")}, exit {invocation.ResponseCode}: {Tail(invocation.StandardError, StderrTail)}");
            default:
                return Budget(plan, progress with { LastStatus = StateStatuses.From(invocation.Status), OutputTail = output }, now);
        }
    }

    private static NodeState Budget(FailoverPlan plan, NodeState progress, DateTimeOffset now)
    {
        var elapsed = now - progress.StartedAt;
        return elapsed.TotalSeconds > plan.Budgets.NodeCommandSeconds
            ? throw new NodeCommandTimeoutException($"{plan.TargetServer} did not report within {plan.Budgets.NodeCommandSeconds} s (last status {EfsDrJson.WireName(progress.LastStatus)}).")
            : progress;
    }

    internal static string Tail(string text, int length)
    {
        text = (text ?? string.Empty).Trim();
        return text.Length <= length ? text : "…" + text[^length..];
    }
}
