using EfsDr.Core.Exceptions;
using EfsDr.Core.Locking;
using EfsDr.Core.Model;
using EfsDr.Core.Reprotect;
using EfsDr.Testing.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Core.Tests.Reprotect;

/// <summary>The reprotect's run lock: the failover's lock (same key per file system), owned by the reprotect's execution.</summary>
public sealed class ReprotectLockStepsTests
{
    private const string Fs = "DRTest-EFS1";
    private const string East = "us-east-1";
    private const string West = "us-west-2";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 11, 0, 0, TimeSpan.Zero));
    private readonly InMemoryCloud _ssm = new();
    private readonly InMemoryExecutions _executions = new();

    public ReprotectLockStepsTests() => _ssm.ParameterClock = _time;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private RunLockService Locks => new(_ssm, _executions, _time);

    private ReprotectState Reprotect(string name) => new()
    {
        Plan = new ReprotectPlan
        {
            RunId = name,
            ExecutionArn = _executions.Add(West, name, ExecutionStatus.Running, _time.GetUtcNow()),
            FileSystemName = Fs,
            PrimaryRegion = West,
            ReplicaRegion = East,
            PrimaryFileSystemId = "fs-0123456789abcdef0",
        },
    };

    [Fact]
    public async Task AcquireAsync_FailoverInFlight_RefusesTheReprotect()
    {
        var failover = new RunLockOwner(_executions.Add(West, "failover-1", ExecutionStatus.Running, _time.GetUtcNow()), "failover-1", "server3");
        await Locks.AcquireAsync(Fs, [West, East], West, failover, Token);

        await Assert.ThrowsAsync<RunInProgressException>(() => new ReprotectLockSteps(Locks).AcquireAsync(Reprotect("reprotect-1"), Token));
    }

    [Fact]
    public async Task AcquireAsync_ReprotectInFlight_RefusesAFailoverOfTheSameFileSystem()
    {
        await new ReprotectLockSteps(Locks).AcquireAsync(Reprotect("reprotect-1"), Token);
        var failover = new RunLockOwner(_executions.Add(East, "failover-1", ExecutionStatus.Running, _time.GetUtcNow()), "failover-1", "server1");

        await Assert.ThrowsAsync<RunInProgressException>(() => Locks.AcquireAsync(Fs, [West, East], East, failover, Token));
    }

    [Fact]
    public async Task AcquireAsync_Free_TakesTheLockInBothRegions_AndReleaseFreesItForTheNextRun()
    {
        var state = Reprotect("reprotect-1");
        var steps = new ReprotectLockSteps(Locks);

        var held = await steps.AcquireAsync(state, Token);
        var released = await steps.ReleaseAsync(state, Token);
        var next = await new ReprotectLockSteps(Locks).AcquireAsync(Reprotect("reprotect-2"), Token);

        Assert.Equal([East, West], held.Held.Select(h => h.Region).Order(StringComparer.Ordinal));
        Assert.Equal([East, West], released.Released.Select(r => r.Region).Order(StringComparer.Ordinal));
        Assert.Equal(2, next.Held.Count);
    }

    [Fact]
    public async Task CleanUpAsync_NoPlan_ReportsNoLockAndChangesNothing()
    {
        var report = await new ReprotectLockSteps(Locks).CleanUpAsync(new ReprotectState(), Token);

        Assert.Equal("no run lock was held", report);
        Assert.Empty(_ssm.ParameterValues);
    }

    [Fact]
    public async Task CleanUpAsync_AfterAcquire_ReleasesTheLock()
    {
        var state = Reprotect("reprotect-1");
        await new ReprotectLockSteps(Locks).AcquireAsync(state, Token);

        var report = await new ReprotectLockSteps(Locks).CleanUpAsync(state, Token);

        Assert.StartsWith("run lock released in ", report, StringComparison.Ordinal);
    }
}
