using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;

namespace EfsDr.Aws.Ssm;

/// <summary>
/// The node agent through SSM Run Command: activate and deactivate become SendCommand of EfsDr's node document with the
/// parameters of <see cref="NodeDocumentParameters"/> (built only here), progress is GetCommandInvocation, where
/// InvocationDoesNotExist (normal right after SendCommand) means <see cref="NodeProgressState.NotYetVisible"/>.
/// </summary>
/// <param name="commands">SSM Run Command.</param>
public sealed class SsmNodeAgent(SsmNodeCommands commands) : INodeAgent
{
    private readonly SsmNodeCommands _commands = commands ?? throw new ArgumentNullException(nameof(commands));

    /// <inheritdoc />
    public Task<string> ActivateAsync(string region, string instanceId, NodeActivationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _commands.SendAsync(region, instanceId, new NodeCommand(request.Document, NodeDocumentParameters.For(request), request.Comment, request.DeliveryTimeoutSeconds), cancellationToken);
    }

    /// <inheritdoc />
    public Task<string> DeactivateAsync(string region, string instanceId, NodeDeactivationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _commands.SendAsync(region, instanceId, new NodeCommand(request.Document, NodeDocumentParameters.For(request), request.Comment, request.DeliveryTimeoutSeconds), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<NodeProgress> GetProgressAsync(string region, string commandRef, string instanceId, CancellationToken cancellationToken)
    {
        try
        {
            return Progress(await _commands.GetInvocationAsync(region, commandRef, instanceId, cancellationToken).ConfigureAwait(false));
        }
        catch (NodeCommandNotFoundException)
        {
            return new NodeProgress(NodeProgressState.NotYetVisible, "InvocationDoesNotExist", null, -1, string.Empty, string.Empty);
        }
    }

    /// <inheritdoc />
    public Task<PingStatus> GetPingStatusAsync(string region, string instanceId, CancellationToken cancellationToken) =>
        _commands.GetPingStatusAsync(region, instanceId, cancellationToken);

    /// <inheritdoc />
    public Task<bool> IsNodeDocumentInstalledAsync(string region, string document, CancellationToken cancellationToken) =>
        _commands.DocumentExistsAsync(region, document, cancellationToken);

    /// <summary>The node progress of an SSM invocation.</summary>
    public static NodeProgress Progress(CommandInvocation invocation)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        return new NodeProgress(State(invocation.Status), invocation.Status.ToString(), invocation.StatusDetails, invocation.ResponseCode, invocation.StandardOutput, invocation.StandardError);
    }

    /// <summary>Where a command stands, for SSM's invocation status: Failed, TimedOut and Cancelled all end it without success.</summary>
    public static NodeProgressState State(CommandStatus status) => status switch
    {
        CommandStatus.Pending => NodeProgressState.Pending,
        CommandStatus.InProgress => NodeProgressState.Running,
        CommandStatus.Delayed => NodeProgressState.Delayed,
        CommandStatus.Cancelling => NodeProgressState.Cancelling,
        CommandStatus.Success => NodeProgressState.Succeeded,
        CommandStatus.Failed or CommandStatus.TimedOut or CommandStatus.Cancelled => NodeProgressState.Failed,
        _ => NodeProgressState.Unknown,
    };
}
