using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Paging;
using EfsDr.Core.Ports;

namespace EfsDr.Runs;

/// <summary>A region that could not be read, and why (the exception's type and message, on one line).</summary>
public sealed record UnreachableRegion(string Region, string Reason)
{
    /// <summary>The region and the reason for <paramref name="failure"/>.</summary>
    public static UnreachableRegion From(string region, Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return new UnreachableRegion(region, $"{failure.GetType().Name}: {failure.Message.ReplaceLineEndings(" ")}");
    }
}

/// <summary>One run and the region whose state machine ran it.</summary>
public sealed record RegionRun(string Region, Execution Execution);

/// <summary>What <c>efsdr runs</c> found: the newest runs across the regions that answered, and those that did not.</summary>
/// <param name="Runs">Newest first across regions, at most the requested number.</param>
/// <param name="Unreachable">The regions that could not be read, in the configuration's order.</param>
/// <param name="RegionsRead">How many regions answered.</param>
public sealed record RunListing(IReadOnlyList<RegionRun> Runs, IReadOnlyList<UnreachableRegion> Unreachable, int RegionsRead);

/// <summary>Where a run named on the command line was found, and the regions that could not be searched.</summary>
/// <param name="ExecutionArn">The run's ARN, or null when no region that answered has it.</param>
/// <param name="Unreachable">The regions skipped because they could not be read.</param>
public sealed record RunLookup(string? ExecutionArn, IReadOnlyList<UnreachableRegion> Unreachable);

/// <summary>
/// Reads failover runs in several regions. A region that cannot be reached (the very outage a failover answers) is recorded
/// and skipped, never a reason to stop: the other regions' runs are what the operator needs then.
/// </summary>
public static class RunLister
{
    /// <summary>True for the failures that mean "AWS could not be reached" (exit 5): no answer, or throttling/5xx beyond the retries.</summary>
    public static bool IsUnreachable(Exception failure) =>
        failure is RegionUnreachableException or CloudBusyException or HttpRequestException;

    /// <summary>The region of an execution (or state machine) ARN: <c>arn:aws:states:REGION:…</c>; null when it is not one.</summary>
    public static string? RegionOf(string arn)
    {
        ArgumentNullException.ThrowIfNull(arn);
        var parts = arn.Split(':');
        return parts.Length > 4 && parts[0] == "arn" && parts[3].Length > 0 ? parts[3] : null;
    }

    /// <summary>The <paramref name="max"/> newest runs across <paramref name="regions"/> (read in parallel), newest first.
    /// Each region's ListExecutions pages are followed until <paramref name="max"/> runs are read or none are left, never
    /// more than <see cref="PageMarkers.DefaultMaxPages"/> pages and never past a repeated page marker
    /// (<see cref="RunawayListingException"/>).</summary>
    public static async Task<RunListing> ListAsync(IExecutions executions, string stateMachineName, IReadOnlyList<string> regions, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(regions);
        var reads = await Task.WhenAll(regions.Select(r => ReadRegionAsync(executions, stateMachineName, r, max, cancellationToken))).ConfigureAwait(false);
        var runs = reads.SelectMany(r => r.Runs)
            .OrderByDescending(r => r.Execution.StartDate)
            .ThenBy(r => r.Region, StringComparer.Ordinal)
            .Take(max)
            .ToList();
        return new RunListing(runs, [.. reads.Select(r => r.Failure).OfType<UnreachableRegion>()], reads.Count(r => r.Failure is null));
    }

    /// <summary>The <paramref name="max"/> newest runs of several workflows' state machines (the failover's and the
    /// reprotect's) across <paramref name="regions"/>, newest first; a region unreachable for any of them is reported once.</summary>
    public static async Task<RunListing> ListAsync(IExecutions executions, IReadOnlyList<string> stateMachineNames, IReadOnlyList<string> regions, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stateMachineNames);
        ArgumentNullException.ThrowIfNull(regions);
        var listings = await Task.WhenAll(stateMachineNames.Distinct(StringComparer.Ordinal).Select(name => ListAsync(executions, name, regions, max, cancellationToken))).ConfigureAwait(false);
        var unreachable = listings.SelectMany(l => l.Unreachable).DistinctBy(u => u.Region, StringComparer.Ordinal)
            .OrderBy(u => IndexOf(regions, u.Region)).ToList();
        var runs = listings.SelectMany(l => l.Runs)
            .OrderByDescending(r => r.Execution.StartDate)
            .ThenBy(r => r.Region, StringComparer.Ordinal)
            .Take(max)
            .ToList();
        return new RunListing(runs, unreachable, regions.Count(r => unreachable.All(u => u.Region != r)));
    }

    private static int IndexOf(IReadOnlyList<string> regions, string region)
    {
        for (var i = 0; i < regions.Count; i++)
        {
            if (string.Equals(regions[i], region, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return regions.Count;
    }

    /// <summary>Looks for the run named <paramref name="name"/> in each region in turn; a region that cannot be read is skipped and reported.</summary>
    public static async Task<RunLookup> FindByNameAsync(IExecutions executions, string stateMachineName, IReadOnlyList<string> regions, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(executions);
        ArgumentNullException.ThrowIfNull(regions);
        var skipped = new List<UnreachableRegion>();
        foreach (var region in regions)
        {
            try
            {
                if (await FindInRegionAsync(executions, stateMachineName, region, name, cancellationToken).ConfigureAwait(false) is { } arn)
                {
                    return new RunLookup(arn, skipped);
                }
            }
            catch (Exception ex) when (IsUnreachable(ex))
            {
                skipped.Add(UnreachableRegion.From(region, ex));
            }
        }

        return new RunLookup(null, skipped);
    }

    private static async Task<string?> FindInRegionAsync(IExecutions executions, string stateMachineName, string region, string name, CancellationToken cancellationToken)
    {
        var machine = await executions.FindStateMachineAsync(region, stateMachineName, cancellationToken).ConfigureAwait(false);
        if (machine is null)
        {
            return null;
        }

        var pages = new PageMarkers("states", "ListExecutions");
        string? token = null;
        do
        {
            var page = await executions.ListAsync(machine, null, token, cancellationToken).ConfigureAwait(false);
            if (page.Items.FirstOrDefault(e => e.Name == name) is { } found)
            {
                return found.ExecutionArn;
            }

            token = pages.After(page.NextToken);
        }
        while (token is not null);

        return null;
    }

    /// <summary>One region's newest runs (ListExecutions pages come newest first), or why it could not be read.</summary>
    private static async Task<(IReadOnlyList<RegionRun> Runs, UnreachableRegion? Failure)> ReadRegionAsync(IExecutions executions, string stateMachineName, string region, int max, CancellationToken cancellationToken)
    {
        try
        {
            var machine = await executions.FindStateMachineAsync(region, stateMachineName, cancellationToken).ConfigureAwait(false);
            if (machine is null)
            {
                return ([], null);
            }

            var runs = new List<RegionRun>();
            var pages = new PageMarkers("states", "ListExecutions");
            string? token = null;
            do
            {
                var page = await executions.ListAsync(machine, null, token, cancellationToken).ConfigureAwait(false);
                runs.AddRange(page.Items.Select(e => new RegionRun(region, e)));
                token = runs.Count < max ? pages.After(page.NextToken) : null;
            }
            while (token is not null);

            return (runs.Take(max).ToList(), null);
        }
        catch (Exception ex) when (IsUnreachable(ex))
        {
            return ([], UnreachableRegion.From(region, ex));
        }
    }
}
