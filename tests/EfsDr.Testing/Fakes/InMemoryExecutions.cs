using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;

namespace EfsDr.Testing.Fakes;

/// <summary>Step Functions executions in memory, for DescribeExecution: an unknown ARN is ExecutionDoesNotExist, an ARN
/// whose region is in <see cref="UnreachableRegions"/> is unreachable.</summary>
public sealed class InMemoryExecutions : IExecutions
{
    private readonly Lock _gate = new();

    public Dictionary<string, Execution> Executions { get; } = new(StringComparer.Ordinal);

    public HashSet<string> UnreachableRegions { get; } = new(StringComparer.Ordinal);

    /// <summary>Every DescribeAsync call, by ARN.</summary>
    public List<string> Described { get; } = [];

    /// <summary>An execution ARN of the failover state machine in <paramref name="region"/>.</summary>
    public static string Arn(string region, string name) => $"arn:aws:states:{region}:111122223333:execution:efsdr-failover:{name}";

    /// <summary>Adds (or replaces) an execution; returns its ARN.</summary>
    public string Add(string region, string name, ExecutionStatus status, DateTimeOffset startDate, DateTimeOffset? stopDate = null)
    {
        var arn = Arn(region, name);
        lock (_gate)
        {
            Executions[arn] = new Execution(arn, $"arn:aws:states:{region}:111122223333:stateMachine:efsdr-failover", name, status, startDate, stopDate, "{}", null, null, null);
        }

        return arn;
    }

    public Task<Execution> DescribeAsync(string executionArn, CancellationToken cancellationToken)
    {
        var region = executionArn.Split(':')[3];
        lock (_gate)
        {
            Described.Add(executionArn);
            if (UnreachableRegions.Contains(region))
            {
                throw new RegionUnreachableException(new CloudError("states", "ConnectionFailure", region + " unreachable", 0, null));
            }

            return Executions.TryGetValue(executionArn, out var execution)
                ? Task.FromResult(execution)
                : throw new RunNotFoundException(new CloudError("states", "ExecutionDoesNotExist", "Execution Does Not Exist: " + executionArn, 400, null));
        }
    }

    public Task<StartedExecution> StartAsync(string stateMachineArn, string name, string input, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<Page<HistoryEvent>> GetLatestHistoryPageAsync(string executionArn, int maxResults, string? nextToken, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<Page<HistoryEvent>> GetHistoryPageAsync(string executionArn, string? nextToken, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<string?> FindStateMachineAsync(string region, string name, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<Page<Execution>> ListAsync(string stateMachineArn, ExecutionStatus? status, string? nextToken, CancellationToken cancellationToken) =>
        throw new NotSupportedException();
}
