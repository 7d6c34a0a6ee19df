namespace EfsDr.Core.Exceptions;

/// <summary>
/// Another run holds the run lock of the protected file system and is (or may still be) running; this run was refused
/// before it changed anything. The message names that run's execution, its target server and its start time, and says
/// what to do: wait, or join it with <c>efsdr failover --to &lt;its target&gt; --wait</c>.
/// </summary>
public sealed class RunInProgressException(string message)
    : EfsDrException(message);

/// <summary>
/// The run lock changed hands under this run several times in a row, so this run did not take it. Nothing was changed;
/// it is transient: retrying the step decides again.
/// </summary>
public sealed class RunLockContendedException(string message)
    : EfsDrException(message);
