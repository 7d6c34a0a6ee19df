using EfsDr.Core.Model;

namespace EfsDr.Core.Ports;

/// <summary>Step Functions executions. The region is taken from the ARN.</summary>
public interface IExecutions
{
    /// <summary>Starts an execution. Throws <see cref="Exceptions.RunNameTakenException"/> when the name was used
    /// with other input or by a closed execution.</summary>
    Task<StartedExecution> StartAsync(string stateMachineArn, string name, string input, CancellationToken cancellationToken);

    /// <summary>One execution, with input and output.</summary>
    Task<Execution> DescribeAsync(string executionArn, CancellationToken cancellationToken);

    /// <summary>One page of the execution's history, oldest first.</summary>
    Task<Page<HistoryEvent>> GetHistoryPageAsync(string executionArn, string? nextToken, CancellationToken cancellationToken);

    /// <summary>One page of the execution's history, NEWEST first, of at most <paramref name="maxResults"/> events (1–1000):
    /// what a follower that already holds the older events asks for, so that a poll reads only what is new.
    /// <paramref name="nextToken"/> continues the same listing (with the same <paramref name="maxResults"/>).</summary>
    Task<Page<HistoryEvent>> GetLatestHistoryPageAsync(string executionArn, int maxResults, string? nextToken, CancellationToken cancellationToken);

    /// <summary>The ARN of the state machine named <paramref name="name"/> in <paramref name="region"/>, or null (ListStateMachines, all pages).</summary>
    Task<string?> FindStateMachineAsync(string region, string name, CancellationToken cancellationToken);

    /// <summary>One page of the state machine's executions, optionally only those in <paramref name="status"/>.</summary>
    Task<Page<Execution>> ListAsync(string stateMachineArn, ExecutionStatus? status, string? nextToken, CancellationToken cancellationToken);
}
