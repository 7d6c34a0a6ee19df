namespace EfsDr.Core.Model;

/// <summary>Step Functions execution status.</summary>
public enum ExecutionStatus
{
    /// <summary>A value EfsDr does not know.</summary>
    Unknown = 0,
    /// <summary>Running.</summary>
    Running,
    /// <summary>Finished successfully.</summary>
    Succeeded,
    /// <summary>Failed.</summary>
    Failed,
    /// <summary>Timed out.</summary>
    TimedOut,
    /// <summary>Stopped by someone.</summary>
    Aborted,
    /// <summary>Failed and waiting for a redrive.</summary>
    PendingRedrive,
}

/// <summary>The answer to StartExecution.</summary>
public sealed record StartedExecution(string ExecutionArn, DateTimeOffset StartDate);

/// <summary>An execution as DescribeExecution or ListExecutions report it (list items have no input or output).</summary>
public sealed record Execution(
    string ExecutionArn,
    string StateMachineArn,
    string Name,
    ExecutionStatus Status,
    DateTimeOffset StartDate,
    DateTimeOffset? StopDate,
    string? Input,
    string? Output,
    string? Error,
    string? Cause);

/// <summary>One history event. <paramref name="StateName"/> is set on state entered/exited events,
/// <paramref name="Error"/>/<paramref name="Cause"/> on failure events, <paramref name="Details"/> holds the raw details object.</summary>
public sealed record HistoryEvent(
    long Id,
    long PreviousEventId,
    string Type,
    DateTimeOffset Timestamp,
    string? StateName,
    string? Error,
    string? Cause,
    string? Details);

/// <summary>One page of results with the token for the next page (null on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextToken);
