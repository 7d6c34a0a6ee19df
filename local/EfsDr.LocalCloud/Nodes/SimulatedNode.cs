namespace EfsDr.LocalCloud.Nodes;

/// <summary>A cluster node simulated in a sandbox folder: its own loopback address, shims for mount, umount, mountpoint,
/// findmnt and systemctl, and the application (an S3-compatible server) over its mount point.</summary>
/// <param name="Name">The server name (server1 …).</param>
/// <param name="InstanceId">Its EC2 instance id.</param>
/// <param name="Region">Its region.</param>
/// <param name="Address">Its loopback address, 127.0.0.x; the application listens there on port 9000.</param>
/// <param name="Directory">The sandbox folder.</param>
/// <param name="MountPoint">The node's mount point inside the sandbox (what /mnt/efs is on a real node).</param>
public sealed record SimulatedNode(string Name, string InstanceId, string Region, string Address, string Directory, string MountPoint)
{
    /// <summary>What /var/lib/efsdr is on a real node: EFSDR_STATE_DIR of every command run in the sandbox, where the node
    /// script records the active file system (<c>active-file-system</c>) for cluster/genw.sh.</summary>
    public string StateDirectory => Path.Combine(Directory, "var", "lib", "efsdr");
}
