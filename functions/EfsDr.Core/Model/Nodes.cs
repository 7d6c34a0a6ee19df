using EfsDr.Core.Configuration;

namespace EfsDr.Core.Model;

/// <summary>Where a node command stands.</summary>
public enum NodeProgressState
{
    /// <summary>The agent answered a status EfsDr does not know.</summary>
    Unknown = 0,
    /// <summary>Sent, but the agent does not show it yet (normal right after sending).</summary>
    NotYetVisible,
    /// <summary>Accepted by the agent, not yet started.</summary>
    Pending,
    /// <summary>Running on the node.</summary>
    Running,
    /// <summary>Delayed by the agent.</summary>
    Delayed,
    /// <summary>Being cancelled.</summary>
    Cancelling,
    /// <summary>The node document finished successfully.</summary>
    Succeeded,
    /// <summary>It ended without success (failed, timed out or cancelled; <see cref="NodeProgress.Status"/> says which).</summary>
    Failed,
}

/// <summary>Where one node command stands.</summary>
/// <param name="State">Where it stands.</param>
/// <param name="Status">The agent's own word for it (for example <c>InProgress</c> or <c>TimedOut</c>), for people.</param>
/// <param name="StatusDetail">The agent's detail, when it gave one.</param>
/// <param name="ExitCode">The node document's exit code, or -1 while there is none.</param>
/// <param name="Output">What the node document wrote to stdout (possibly truncated by the agent).</param>
/// <param name="ErrorOutput">What it wrote to stderr.</param>
public sealed record NodeProgress(NodeProgressState State, string Status, string? StatusDetail, int ExitCode, string Output, string ErrorOutput)
{
    /// <summary>True once the command can no longer change.</summary>
    public bool IsFinal => State is NodeProgressState.Succeeded or NodeProgressState.Failed;
}

/// <summary>What a node needs to take over as the primary's server.</summary>
/// <param name="Document">EfsDr's node document.</param>
/// <param name="FileSystemId">The file system to mount.</param>
/// <param name="Region">Its region.</param>
/// <param name="MountPoint">Where to mount it.</param>
/// <param name="Unit">The application's systemd unit.</param>
/// <param name="MountMethod">How to mount.</param>
/// <param name="HealthUrl">The health URL to wait for, if any.</param>
/// <param name="HealthTimeoutSeconds">How long to wait for health.</param>
/// <param name="Comment">A note for people (the run and the server).</param>
/// <param name="DeliveryTimeoutSeconds">How long the agent may take to pick the command up.</param>
public sealed record NodeActivationRequest(
    string Document,
    string FileSystemId,
    string Region,
    string MountPoint,
    string Unit,
    MountMethod MountMethod,
    string? HealthUrl,
    int HealthTimeoutSeconds,
    string Comment,
    int DeliveryTimeoutSeconds);

/// <summary>What a node needs to stand down: stop the unit and unmount (no cloud call on the node).</summary>
/// <param name="Document">EfsDr's node document.</param>
/// <param name="FileSystemId">The ex-primary (deactivate unmounts whatever the mount point holds).</param>
/// <param name="Region">Its region.</param>
/// <param name="MountPoint">The mount point.</param>
/// <param name="Unit">The application's systemd unit.</param>
/// <param name="Comment">A note for people (the run and the server).</param>
/// <param name="DeliveryTimeoutSeconds">How long the agent may take to pick the command up.</param>
public sealed record NodeDeactivationRequest(
    string Document,
    string FileSystemId,
    string Region,
    string MountPoint,
    string Unit,
    string Comment,
    int DeliveryTimeoutSeconds);

/// <summary>Whether a node's agent answers.</summary>
public enum PingStatus
{
    /// <summary>The node is not registered with the agent service (stopped, terminated or never managed).</summary>
    NotRegistered = 0,
    /// <summary>Reachable.</summary>
    Online,
    /// <summary>The agent stopped pinging.</summary>
    ConnectionLost,
    /// <summary>Inactive; treated as unreachable.</summary>
    Inactive,
}

/// <summary>What EfsDr needs of an EC2 instance.</summary>
public sealed record InstanceInfo(string InstanceId, string? PrivateIpAddress, string AvailabilityZone, string State, string? SubnetId);
