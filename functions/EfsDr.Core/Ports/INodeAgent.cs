using EfsDr.Core.Model;

namespace EfsDr.Core.Ports;

/// <summary>The agent on each cluster node that runs EfsDr's node document (node/efsdr-node.sh) for a DR run.</summary>
public interface INodeAgent
{
    /// <summary>Asks the node to take over: mount the file system, write a probe, start the unit, wait for health.
    /// Returns a reference for <see cref="GetProgressAsync"/>. The node document is idempotent, so asking again is safe.</summary>
    Task<string> ActivateAsync(string region, string instanceId, NodeActivationRequest request, CancellationToken cancellationToken);

    /// <summary>Asks the node to stand down: stop the unit and unmount. Returns a reference for <see cref="GetProgressAsync"/>.</summary>
    Task<string> DeactivateAsync(string region, string instanceId, NodeDeactivationRequest request, CancellationToken cancellationToken);

    /// <summary>Where the command <paramref name="commandRef"/> stands on the node. A command the agent does not show yet
    /// (normal right after sending) is <see cref="NodeProgressState.NotYetVisible"/>, not an error.</summary>
    Task<NodeProgress> GetProgressAsync(string region, string commandRef, string instanceId, CancellationToken cancellationToken);

    /// <summary>Whether the node's agent answers.</summary>
    Task<PingStatus> GetPingStatusAsync(string region, string instanceId, CancellationToken cancellationToken);

    /// <summary>True when EfsDr's node document <paramref name="document"/> is installed in <paramref name="region"/>.</summary>
    Task<bool> IsNodeDocumentInstalledAsync(string region, string document, CancellationToken cancellationToken);
}
