using System.Globalization;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Paging;
using EfsDr.Core.Ports;
using EfsDr.Runs;

namespace EfsDr.Cli.Tests.Runs;

/// <summary><c>efsdr runs --max N</c> follows ListExecutions pages until N runs, and never follows a repeated marker.</summary>
public sealed class RunListerPagingTests
{
    private const string Region = "us-west-2";
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ListAsync_MaxAboveOnePage_Returns250NewestAcrossThreePages()
    {
        var executions = new PagedExecutions(runs: 400, pageSize: 100);

        var listing = await RunLister.ListAsync(executions, "efsdr-failover", [Region], 250, TestContext.Current.CancellationToken);

        Assert.Equal(250, listing.Runs.Count);
        Assert.Equal(3, executions.ListCalls);
        Assert.Equal("run-000", listing.Runs[0].Execution.Name);
        Assert.Equal("run-249", listing.Runs[^1].Execution.Name);
        Assert.Empty(listing.Unreachable);
    }

    [Fact]
    public async Task ListAsync_ServiceRepeatsNextToken_ThrowsRunawayListingAfterTwoPages()
    {
        var executions = new PagedExecutions(runs: 400, pageSize: 100) { RepeatToken = true };

        var ex = await Assert.ThrowsAsync<RunawayListingException>(() => RunLister.ListAsync(executions, "efsdr-failover", [Region], 250, TestContext.Current.CancellationToken));

        Assert.Equal(PageMarkers.RepeatedMarkerCode, ex.Code);
        Assert.Equal(2, executions.ListCalls);
    }

    [Fact]
    public async Task FindByNameAsync_ServiceRepeatsNextToken_ThrowsRunawayListingAfterTwoPages()
    {
        var executions = new PagedExecutions(runs: 400, pageSize: 100) { RepeatToken = true };

        await Assert.ThrowsAsync<RunawayListingException>(() => RunLister.FindByNameAsync(executions, "efsdr-failover", [Region], "absent", TestContext.Current.CancellationToken));

        Assert.Equal(2, executions.ListCalls);
    }

    [Fact]
    public async Task HistoryAsync_ServiceRepeatsNextToken_ThrowsRunawayListingAfterTwoPages()
    {
        var executions = new PagedExecutions(runs: 0, pageSize: 100) { RepeatToken = true };

        var ex = await Assert.ThrowsAsync<RunawayListingException>(() => FailoverDriver.HistoryAsync(executions, "arn:aws:states:us-west-2:111122223333:execution:efsdr-failover:run-1", TestContext.Current.CancellationToken));

        Assert.Equal(PageMarkers.RepeatedMarkerCode, ex.Code);
        Assert.Equal(2, executions.HistoryCalls);
    }

    /// <summary>One state machine with <c>runs</c> executions, newest first, served <c>pageSize</c> at a time; the token is the offset.</summary>
    private sealed class PagedExecutions(int runs, int pageSize) : IExecutions
    {
        private const string Machine = "arn:aws:states:us-west-2:111122223333:stateMachine:efsdr-failover";

        public bool RepeatToken { get; init; }

        public int ListCalls { get; private set; }

        public Task<string?> FindStateMachineAsync(string region, string name, CancellationToken cancellationToken) =>
            Task.FromResult<string?>(Machine);

        public Task<Page<Execution>> ListAsync(string stateMachineArn, ExecutionStatus? status, string? nextToken, CancellationToken cancellationToken)
        {
            if (++ListCalls > 1000)
            {
                throw new InvalidOperationException("The listing did not stop after 1000 pages.");
            }

            var offset = nextToken is null ? 0 : int.Parse(nextToken, CultureInfo.InvariantCulture);
            var items = Enumerable.Range(offset, Math.Max(0, Math.Min(pageSize, runs - offset))).Select(Run).ToList();
            var next = RepeatToken ? pageSize : offset + pageSize;
            return Task.FromResult(new Page<Execution>(items, next < runs ? next.ToString(CultureInfo.InvariantCulture) : null));
        }

        public Task<Execution> DescribeAsync(string executionArn, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<StartedExecution> StartAsync(string stateMachineArn, string name, string input, CancellationToken cancellationToken) => throw new NotSupportedException();

        public int HistoryCalls { get; private set; }

        /// <summary>One empty page per call whose token is always "next" when <see cref="RepeatToken"/> is set.</summary>
        public Task<Page<HistoryEvent>> GetLatestHistoryPageAsync(string executionArn, int maxResults, string? nextToken, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Page<HistoryEvent>> GetHistoryPageAsync(string executionArn, string? nextToken, CancellationToken cancellationToken)
        {
            if (++HistoryCalls > 1000)
            {
                throw new InvalidOperationException("The history did not stop after 1000 pages.");
            }

            return Task.FromResult(new Page<HistoryEvent>([], RepeatToken ? "next" : null));
        }

        private static Execution Run(int i)
        {
            var name = $"run-{i:000}";
            return new Execution($"arn:aws:states:us-west-2:111122223333:execution:efsdr-failover:{name}", Machine, name, ExecutionStatus.Succeeded, Start.AddMinutes(-i), Start.AddMinutes(-i + 1), "{}", null, null, null);
        }
    }
}
