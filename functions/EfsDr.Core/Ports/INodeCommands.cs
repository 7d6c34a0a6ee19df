using EfsDr.Core.Model;

namespace EfsDr.Core.Ports;

/// <summary>Commands run on cluster nodes (SSM Run Command).</summary>
public interface INodeCommands
{
    /// <summary>Sends a command document to one instance; returns the command id.</summary>
    Task<string> SendAsync(string region, string instanceId, NodeCommand command, CancellationToken cancellationToken);

    /// <summary>The invocation of a command on an instance. Throws <see cref="Exceptions.InvocationDoesNotExistException"/>
    /// while SSM does not know it yet (normal right after sending).</summary>
    Task<CommandInvocation> GetInvocationAsync(string region, string commandId, string instanceId, CancellationToken cancellationToken);

    /// <summary>The SSM agent's ping status for an instance.</summary>
    Task<PingStatus> GetPingStatusAsync(string region, string instanceId, CancellationToken cancellationToken);

    /// <summary>True when the SSM document <paramref name="name"/> exists in <paramref name="region"/> (DescribeDocument).</summary>
    Task<bool> DocumentExistsAsync(string region, string name, CancellationToken cancellationToken);
}
