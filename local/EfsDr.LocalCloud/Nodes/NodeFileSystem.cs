namespace EfsDr.LocalCloud.Nodes;

/// <summary>What a simulated node's mount needs of a file system: where its data lives and whether it takes writes now
/// (a replica does not until its replication is deleted).</summary>
/// <param name="DataDirectory">The folder holding the file system's data; the mount binds it to the mount point.</param>
/// <param name="Writable">False for a read-only replica: the write probe and the application refuse it.</param>
public sealed record NodeFileSystem(string DataDirectory, bool Writable);

/// <summary>A mount on a simulated node, as its state file records it.</summary>
/// <param name="Target">The mount point (a sandbox path).</param>
/// <param name="Source">The source as given to mount (<c>fs-….:/</c> or <c>fs-….efs.REGION.amazonaws.com:/</c>).</param>
/// <param name="Options">The options (<c>rw,</c> and what was given with -o).</param>
/// <param name="Region">The file system's region.</param>
/// <param name="FileSystemId">The file system id.</param>
public sealed record NodeMount(string Target, string Source, string Options, string Region, string FileSystemId);

/// <summary>What one run of the node script produced.</summary>
/// <param name="ExitCode">The exit code (-1 when it was killed).</param>
/// <param name="StandardOutput">Everything it wrote to stdout.</param>
/// <param name="StandardError">Everything it wrote to stderr.</param>
/// <param name="TimedOut">True when it was killed at the execution timeout.</param>
public sealed record NodeScriptResult(int ExitCode, string StandardOutput, string StandardError, bool TimedOut);
