using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;
using EfsDr.Runs;

namespace EfsDr.Cli.Tests.Runs;

/// <summary><c>efsdr runs</c> lists both workflows' runs, newest first, and names an unreachable region once.</summary>
public sealed class RunListerWorkflowsTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ListAsync_FailoverAndReprotectMachines_MergesNewestFirstUpToMax()
    {
        var executions = new TwoWorkflows(unreachableRegion: null);

        var listing = await RunLister.ListAsync(executions, ["efsdr-failover", "efsdr-reprotect"], ["us-east-1", "us-west-2"], 3, TestContext.Current.CancellationToken);

        Assert.Equal(["reprotect-3", "failover-server3-2", "failover-server1-1"], listing.Runs.Select(r => r.Execution.Name));
        Assert.Equal(2, listing.RegionsRead);
    }

    [Fact]
    public async Task ListAsync_ARegionUnreachableForBothMachines_IsReportedOnce()
    {
        var executions = new TwoWorkflows(unreachableRegion: "us-east-1");

        var listing = await RunLister.ListAsync(executions, ["efsdr-failover", "efsdr-reprotect"], ["us-east-1", "us-west-2"], 10, TestContext.Current.CancellationToken);

        Assert.Equal("us-east-1", Assert.Single(listing.Unreachable).Region);
        Assert.Equal(1, listing.RegionsRead);
        Assert.Equal(["reprotect-3", "failover-server3-2"], listing.Runs.Select(r => r.Execution.Name));
    }

    /// <summary>failover-server1-1 (us-east-1), failover-server3-2 and reprotect-3 (us-west-2), an hour apart.</summary>
    private sealed class TwoWorkflows(string? unreachableRegion) : IExecutions
    {
        private static readonly (string Region, string Machine, string Name, int Hour)[] Runs =
            [("us-east-1", "efsdr-failover", "failover-server1-1", 1), ("us-west-2", "efsdr-failover", "failover-server3-2", 2), ("us-west-2", "efsdr-reprotect", "reprotect-3", 3)];

        private static string Arn(string region, string machine) => $"arn:aws:states:{region}:111122223333:stateMachine:{machine}";

        public Task<string?> FindStateMachineAsync(string region, string name, CancellationToken cancellationToken) =>
            region == unreachableRegion
                ? throw new RegionUnreachableException(new CloudError("states", "RequestTimeout", region, 0, null))
                : Task.FromResult<string?>(Arn(region, name));

        public Task<Page<Execution>> ListAsync(string stateMachineArn, ExecutionStatus? status, string? nextToken, CancellationToken cancellationToken) =>
            Task.FromResult(new Page<Execution>(
                [.. Runs.Where(r => Arn(r.Region, r.Machine) == stateMachineArn).Select(r => new Execution(stateMachineArn + ":" + r.Name, stateMachineArn, r.Name, ExecutionStatus.Succeeded, Start.AddHours(r.Hour), Start.AddHours(r.Hour).AddMinutes(1), null, null, null, null))],
                null));

        public Task<Execution> DescribeAsync(string executionArn, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<StartedExecution> StartAsync(string stateMachineArn, string name, string input, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Page<HistoryEvent>> GetLatestHistoryPageAsync(string executionArn, int maxResults, string? nextToken, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Page<HistoryEvent>> GetHistoryPageAsync(string executionArn, string? nextToken, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
