using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Paging;
using EfsDr.Core.Ports;

namespace EfsDr.Runs;

/// <summary>The RUNNING executions (dry runs left out) of one workflow's state machine, region by region: what the
/// starters of both workflows ask before starting (one run per file system, whichever workflow).</summary>
/// <param name="executions">Step Functions.</param>
/// <param name="what">The workflow for people ("failover", "reprotect").</param>
/// <param name="stateMachineIn">The workflow's state machine in a region, or null.</param>
/// <param name="isDryRun">True when an execution input asks for a dry run (it changes nothing: never a conflict).</param>
public sealed class RunningRuns(IExecutions executions, string what, Func<string, CancellationToken, Task<string?>> stateMachineIn, Func<string?, bool> isDryRun)
{
    /// <summary>The workflow for people.</summary>
    public string What { get; } = what;

    /// <summary>The workflow's state machine in <paramref name="region"/>, or null.</summary>
    public Task<string?> StateMachineInAsync(string region, CancellationToken cancellationToken) => stateMachineIn(region, cancellationToken);

    /// <summary>The first RUNNING execution that is not a dry run in <paramref name="region"/>, described (with its input);
    /// null when there is none. A region without the state machine, or that does not answer, is noted and gives null.</summary>
    public async Task<Execution?> FirstInAsync(string region, List<string> notes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notes);
        try
        {
            var machine = await stateMachineIn(region, cancellationToken).ConfigureAwait(false);
            if (machine is null)
            {
                notes.Add($"{region}: no {What} state machine; not checked for running {What}s");
                return null;
            }

            var pages = new PageMarkers("states", "ListExecutions");
            string? token = null;
            do
            {
                var page = await executions.ListAsync(machine, ExecutionStatus.Running, token, cancellationToken).ConfigureAwait(false);
                foreach (var item in page.Items)
                {
                    var described = await executions.DescribeAsync(item.ExecutionArn, cancellationToken).ConfigureAwait(false);
                    if (described.Status == ExecutionStatus.Running && !isDryRun(described.Input))
                    {
                        return described;
                    }
                }

                token = pages.After(page.NextToken);
            }
            while (token is not null);
        }
        catch (CloudCallFailedException ex) when (ex is RegionUnreachableException or CloudBusyException)
        {
            notes.Add($"{region}: unreachable ({ex.Code}); a {What} running there could not be checked (the workflow's run lock still refuses a conflict)");
        }

        return null;
    }
}
