using System.Text.Json;
using System.Text.RegularExpressions;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Locking;
using EfsDr.Core.Model;
using EfsDr.Testing.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Core.Tests.Locking;

/// <summary>The run lock on in-memory Parameter Store and Step Functions fakes, with a fake clock.</summary>
public sealed partial class RunLockServiceTests
{
    private const string Fs = "DRTest-EFS1";
    private const string East = "us-east-1";
    private const string West = "us-west-2";
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 11, 0, 0, TimeSpan.Zero);
    private static readonly string[] BothRegions = [West, East];
    private readonly FakeTimeProvider _time = new(Now);
    private readonly InMemoryCloud _ssm = new();
    private readonly InMemoryExecutions _executions = new();

    public RunLockServiceTests() => _ssm.ParameterClock = _time;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private RunLockService Service(TimeSpan? maxRunTime = null) => new(_ssm, _executions, _time, maxRunTime);

    /// <summary>A RUNNING execution in <paramref name="region"/> that fails over to <paramref name="target"/>.</summary>
    private RunLockOwner Run(string name, string target = "server3", string region = West, ExecutionStatus status = ExecutionStatus.Running) =>
        new(_executions.Add(region, name, status, _time.GetUtcNow()), name, target);

    private void Close(RunLockOwner owner, ExecutionStatus status)
    {
        var e = _executions.Executions[owner.ExecutionArn];
        _executions.Executions[owner.ExecutionArn] = e with { Status = status, StopDate = _time.GetUtcNow() };
    }

    private RunLockRecord? Stored(string region, long generation) =>
        _ssm.ParameterValues.TryGetValue(region + ":" + RunLockService.NameOf(Fs, generation), out var value)
            ? JsonSerializer.Deserialize(value, RunLockJsonContext.Default.RunLockRecord)
            : null;

    private List<long> Generations(string region) =>
        [.. _ssm.ParameterValues.Keys
            .Where(k => k.StartsWith(region + ":" + RunLockService.PathOf(Fs) + "/", StringComparison.Ordinal))
            .Select(k => long.Parse(k[^10..], System.Globalization.CultureInfo.InvariantCulture))
            .Order()];

    private void Seed(string region, long generation, RunLockRecord record) =>
        _ssm.ParameterValues[region + ":" + RunLockService.NameOf(Fs, generation)] = JsonSerializer.Serialize(record, RunLockJsonContext.Default.RunLockRecord);

    [Fact]
    public async Task AcquireAsync_FreeLock_TakesGenerationOneInEveryRegion()
    {
        var me = Run("run-1");

        var held = await Service().AcquireAsync(Fs, BothRegions, West, me, Token);

        Assert.Equal([(East, 1L, false), (West, 1L, false)], held.Held.Select(h => (h.Region, h.Generation, h.AlreadyHeld)));
        Assert.Empty(held.Skipped);
        Assert.Equal(RunLockService.PathOf(Fs), held.Path);
        Assert.All(held.Held, h => Assert.Equal($"{RunLockService.PathOf(Fs)}/0000000001", h.ParameterName));
        Assert.All(held.Held, h => Assert.Null(h.TakenOverFrom));
        Assert.Equal(new RunLockRecord(me.ExecutionArn, "run-1", "server3", Now, false, null), Stored(West, 1));
        Assert.Equal(new RunLockRecord(me.ExecutionArn, "run-1", "server3", Now, false, null), Stored(East, 1));
    }

    [Fact]
    public async Task AcquireAsync_HolderRunning_RefusesNamingItsExecutionTargetAndStartAndChangesNothing()
    {
        var first = Run("run-1", "server3");
        await Service().AcquireAsync(Fs, BothRegions, West, first, Token);
        _time.Advance(TimeSpan.FromSeconds(0.2));
        var writes = _ssm.ParameterWrites.Count;
        var second = Run("run-2", "server2", East);

        var ex = await Assert.ThrowsAsync<RunInProgressException>(() => Service().AcquireAsync(Fs, BothRegions, East, second, Token));

        Assert.Contains(first.ExecutionArn, ex.Message, StringComparison.Ordinal);
        Assert.Contains("to server3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("started 2026-11-27 11:00:00Z", ex.Message, StringComparison.Ordinal);
        Assert.Contains("efsdr failover --to server3 --wait", ex.Message, StringComparison.Ordinal);
        Assert.Equal(writes, _ssm.ParameterWrites.Count);
        Assert.Equal(first.ExecutionArn, Stored(East, 1)!.ExecutionArn);
        Assert.Equal([1L], Generations(West));
    }

    [Theory]
    [InlineData(ExecutionStatus.PendingRedrive)]
    [InlineData(ExecutionStatus.Unknown)]
    public async Task AcquireAsync_HolderPendingRedriveOrUnknownStatus_Refuses(ExecutionStatus status)
    {
        var first = Run("run-1");
        await Service().AcquireAsync(Fs, [West], West, first, Token);
        Close(first, status);

        await Assert.ThrowsAsync<RunInProgressException>(() => Service().AcquireAsync(Fs, [West], West, Run("run-2"), Token));

        Assert.Equal([1L], Generations(West));
    }

    [Theory]
    [InlineData(ExecutionStatus.Succeeded, "SUCCEEDED")]
    [InlineData(ExecutionStatus.Failed, "FAILED")]
    [InlineData(ExecutionStatus.TimedOut, "TIMED_OUT")]
    [InlineData(ExecutionStatus.Aborted, "ABORTED")]
    public async Task AcquireAsync_HolderClosedWithoutReleasing_TakesOverWithTheNextGeneration(ExecutionStatus closed, string wire)
    {
        var crashed = Run("run-1");
        await Service().AcquireAsync(Fs, BothRegions, West, crashed, Token);
        Close(crashed, closed);
        var me = Run("run-2", "server2", East);

        var held = await Service().AcquireAsync(Fs, BothRegions, East, me, Token);

        Assert.All(held.Held, h => Assert.Equal((2L, crashed.ExecutionArn), (h.Generation, h.TakenOverFrom)));
        Assert.All(held.Held, h => Assert.Contains($"is closed ({wire}", h.TakeOverReason, StringComparison.Ordinal));
        Assert.Equal(me.ExecutionArn, Stored(West, 2)!.ExecutionArn);
        Assert.False(Stored(West, 1)!.Released); // the abandoned generation is left as it was
    }

    [Fact]
    public async Task AcquireAsync_HolderExecutionDoesNotExist_TakesOver()
    {
        var ghost = InMemoryExecutions.Arn(West, "deleted-run");
        Seed(West, 1, new RunLockRecord(ghost, "deleted-run", "server3", Now.AddMinutes(-1), false, null));

        var held = await Service().AcquireAsync(Fs, [West], West, Run("run-2"), Token);

        var lockHeld = Assert.Single(held.Held);
        Assert.Equal((2L, ghost), (lockHeld.Generation, lockHeld.TakenOverFrom));
        Assert.Contains("does not exist", lockHeld.TakeOverReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcquireAsync_ReleasedHolder_TakesNextGenerationWithoutAskingStepFunctions()
    {
        var first = Run("run-1");
        await Service().AcquireAsync(Fs, [West], West, first, Token);
        await Service().ReleaseAsync(Fs, [West], first.ExecutionArn, Token);
        _executions.Described.Clear();

        var held = await Service().AcquireAsync(Fs, [West], West, Run("run-2"), Token);

        Assert.Equal((2L, (string?)null), (Assert.Single(held.Held).Generation, held.Held[0].TakenOverFrom));
        Assert.Empty(_executions.Described);
    }

    [Fact]
    public async Task AcquireAsync_OtherRegionUnreachable_SkipsItAndReportsWhy()
    {
        _ssm.UnreachableRegions.Add(East);

        var held = await Service().AcquireAsync(Fs, BothRegions, West, Run("run-1"), Token);

        Assert.Equal([West], held.Held.Select(h => h.Region));
        var skipped = Assert.Single(held.Skipped);
        Assert.Equal(East, skipped.Region);
        Assert.Contains("could not be reached", skipped.Reason, StringComparison.Ordinal);
        Assert.Contains("ConnectionFailure", skipped.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcquireAsync_OtherRegionThrottledBeyondRetries_SkipsIt()
    {
        _ssm.ThrottledParameterRegions.Add(East);

        var held = await Service().AcquireAsync(Fs, BothRegions, West, Run("run-1"), Token);

        Assert.Equal([West], held.Held.Select(h => h.Region));
        Assert.Equal([East], held.Skipped.Select(s => s.Region));
    }

    [Fact]
    public async Task AcquireAsync_OwnRegionUnreachable_Throws()
    {
        _ssm.UnreachableRegions.Add(West);

        await Assert.ThrowsAsync<RegionUnreachableException>(() => Service().AcquireAsync(Fs, BothRegions, West, Run("run-1"), Token));
    }

    [Fact]
    public async Task AcquireAsync_TwoAcquirersInterleavedAtCreate_ExactlyOneWins()
    {
        // Both read the free lock, then both try to create generation 1 at once.
        var arrived = 0;
        var bothRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ssm.BeforeTryCreate = async (_, _) =>
        {
            if (Interlocked.Increment(ref arrived) == 2)
            {
                bothRead.SetResult();
            }

            await bothRead.Task.WaitAsync(TimeSpan.FromSeconds(30), Token);
        };
        var a = Run("run-a", "server3", West);
        var b = Run("run-b", "server2", East);

        var attempts = await Task.WhenAll(
            Attempt(() => Service().AcquireAsync(Fs, BothRegions, West, a, Token)),
            Attempt(() => Service().AcquireAsync(Fs, BothRegions, East, b, Token)));

        Assert.True(arrived >= 2, "both acquirers reached the create");
        var winner = Assert.Single(attempts, x => x.Lock is not null).Lock!;
        var loser = Assert.Single(attempts, x => x.Error is not null).Error;
        Assert.IsType<RunInProgressException>(loser);
        Assert.Contains(winner.Owner.ExecutionArn, loser!.Message, StringComparison.Ordinal);
        Assert.Equal([1L], Generations(East));
        Assert.Equal([1L], Generations(West));
        Assert.Equal(winner.Owner.ExecutionArn, Stored(East, 1)!.ExecutionArn);
        Assert.Equal(winner.Owner.ExecutionArn, Stored(West, 1)!.ExecutionArn);
    }

    private static async Task<(RunLock? Lock, Exception? Error)> Attempt(Func<Task<RunLock>> acquire)
    {
        try
        {
            return (await acquire(), null);
        }
        catch (EfsDrException ex)
        {
            return (null, ex);
        }
    }

    [Fact]
    public async Task AcquireAsync_SameOwnerAgain_AlreadyHeldAndWritesNothing()
    {
        var me = Run("run-1");
        await Service().AcquireAsync(Fs, BothRegions, West, me, Token);
        var writes = _ssm.ParameterWrites.Count;

        var again = await Service().AcquireAsync(Fs, BothRegions, West, me, Token);

        Assert.All(again.Held, h => Assert.Equal((1L, true), (h.Generation, h.AlreadyHeld)));
        Assert.Equal(2, again.Held.Count);
        Assert.Equal(writes, _ssm.ParameterWrites.Count);
    }

    [Fact]
    public async Task AcquireAsync_RegionsInAnyOrder_LocksInOrdinalOrderAndAddsTheOwnRegion()
    {
        var held = await Service().AcquireAsync(Fs, [West, "eu-west-1"], "us-east-1", Run("run-1"), Token);

        Assert.Equal(["eu-west-1", "us-east-1", "us-west-2"], held.Held.Select(h => h.Region));
        Assert.Equal(["eu-west-1", "us-east-1", "us-west-2"], _ssm.ParameterWrites.Select(w => w.Split(' ')[1]));
    }

    [Fact]
    public async Task AcquireAsync_LaterRegionRefuses_ReleasesWhatThisCallTook()
    {
        // A run in us-west-2 took only its own region while us-east-1 was unreachable; it still runs.
        _ssm.UnreachableRegions.Add(East);
        var first = Run("run-1", "server3", West);
        await Service().AcquireAsync(Fs, BothRegions, West, first, Token);
        _ssm.UnreachableRegions.Clear();
        var second = Run("run-2", "server2", East);

        var ex = await Assert.ThrowsAsync<RunInProgressException>(() => Service().AcquireAsync(Fs, BothRegions, East, second, Token));

        Assert.Contains(first.ExecutionArn, ex.Message, StringComparison.Ordinal);
        var east = Stored(East, 1)!;
        Assert.Equal((second.ExecutionArn, true, Now), (east.ExecutionArn, east.Released, east.ReleasedAt!.Value));
        Assert.False(Stored(West, 1)!.Released);
    }

    [Fact]
    public async Task AcquireAsync_HolderRegionUnreachableAndLockOlderThanMaxRunTime_TakesOver()
    {
        var first = Run("run-1", "server1", East);
        await Service().AcquireAsync(Fs, BothRegions, East, first, Token);
        _time.Advance(TimeSpan.FromHours(4) + TimeSpan.FromSeconds(1));
        _ssm.UnreachableRegions.Add(East);
        _executions.UnreachableRegions.Add(East);
        var me = Run("run-2", "server3", West);

        var held = await Service().AcquireAsync(Fs, BothRegions, West, me, Token);

        var west = Assert.Single(held.Held);
        Assert.Equal((West, 2L, first.ExecutionArn), (west.Region, west.Generation, west.TakenOverFrom));
        Assert.Contains("could not be reached", west.TakeOverReason, StringComparison.Ordinal);
        Assert.Equal([East], held.Skipped.Select(s => s.Region));
    }

    [Fact]
    public async Task AcquireAsync_HolderRegionUnreachableAndLockYoungerThanMaxRunTime_RefusesSayingWhenItLapses()
    {
        var first = Run("run-1", "server1", East);
        await Service(TimeSpan.FromHours(2)).AcquireAsync(Fs, BothRegions, East, first, Token);
        _time.Advance(TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1));
        _executions.UnreachableRegions.Add(East);

        var ex = await Assert.ThrowsAsync<RunInProgressException>(() => Service(TimeSpan.FromHours(2)).AcquireAsync(Fs, BothRegions, West, Run("run-2"), Token));

        Assert.Contains(first.ExecutionArn, ex.Message, StringComparison.Ordinal);
        Assert.Contains("could not be reached", ex.Message, StringComparison.Ordinal);
        Assert.Contains("abandoned from 2026-11-27 13:00:00Z", ex.Message, StringComparison.Ordinal);
        Assert.Contains("efsdr failover --to server1 --wait", ex.Message, StringComparison.Ordinal);
        Assert.Equal([1L], Generations(West));
    }

    [Fact]
    public async Task AcquireAsync_HigherGenerationAppearsBehindTheCreate_LetsGoOfItsOwnAndDecidesAgain()
    {
        // Between this run's read and its create, another (running) run lands generation 2 — as a listing that lagged
        // behind would let happen. This run's generation 1 must not count.
        var other = Run("run-other", "server2", East);
        _ssm.BeforeTryCreate = (region, name) =>
        {
            _ssm.BeforeTryCreate = null;
            Seed(region, 2, new RunLockRecord(other.ExecutionArn, other.RunId, other.TargetServer, Now, false, null));
            return Task.CompletedTask;
        };

        var ex = await Assert.ThrowsAsync<RunInProgressException>(() => Service().AcquireAsync(Fs, [West], West, Run("run-1"), Token));

        Assert.Contains(other.ExecutionArn, ex.Message, StringComparison.Ordinal);
        Assert.True(Stored(West, 1)!.Released);
        Assert.False(Stored(West, 2)!.Released);
    }

    [Fact]
    public async Task AcquireAsync_LockChangesHandsEveryRound_ThrowsContendedAfterMaxRounds()
    {
        // Each time this run is about to create top+1, another (already closed) run creates it first.
        _ssm.BeforeTryCreate = (region, name) =>
        {
            var generation = long.Parse(name[^10..], System.Globalization.CultureInfo.InvariantCulture);
            var closed = Run("closed-" + generation, status: ExecutionStatus.Succeeded);
            Seed(region, generation, new RunLockRecord(closed.ExecutionArn, closed.RunId, "server3", Now, false, null));
            return Task.CompletedTask;
        };
        var me = Run("run-1");

        var ex = await Assert.ThrowsAsync<RunLockContendedException>(() => Service().AcquireAsync(Fs, [West], West, me, Token));

        Assert.Contains($"{RunLockService.MaxRounds} times", ex.Message, StringComparison.Ordinal);
        Assert.Equal([1L, 2L, 3L], Generations(West));
        Assert.Empty(_ssm.ParameterWrites);
    }

    [Fact]
    public async Task AcquireAsync_UnreadableTopYoungerThanMaxRunTime_RefusesNamingTheParameter()
    {
        await _ssm.PutAsync(West, RunLockService.NameOf(Fs, 1), "not json", Token);

        var ex = await Assert.ThrowsAsync<RunInProgressException>(() => Service().AcquireAsync(Fs, [West], West, Run("run-1"), Token));

        Assert.Contains(RunLockService.NameOf(Fs, 1), ex.Message, StringComparison.Ordinal);
        Assert.Contains("cannot read", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcquireAsync_UnreadableTopOlderThanMaxRunTime_TakesOver()
    {
        await _ssm.PutAsync(West, RunLockService.NameOf(Fs, 1), """{"executionArn":"not an arn","runId":"x","targetServer":"y"}""", Token);
        _time.Advance(TimeSpan.FromHours(5));

        var held = await Service().AcquireAsync(Fs, [West], West, Run("run-1"), Token);

        Assert.Equal((2L, (string?)null), (Assert.Single(held.Held).Generation, held.Held[0].TakenOverFrom));
        Assert.Contains("could not be read", held.Held[0].TakeOverReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcquireAsync_TakingGenerationSix_DeletesGenerationsUpToThree()
    {
        var closed = Run("old", status: ExecutionStatus.Succeeded);
        for (var g = 1; g <= 5; g++)
        {
            Seed(West, g, new RunLockRecord(closed.ExecutionArn, "old", "server3", Now, g < 5, null));
        }

        await Service().AcquireAsync(Fs, [West], West, Run("run-6"), Token);

        Assert.Equal([4L, 5L, 6L], Generations(West));
    }

    [Fact]
    public async Task AcquireAsync_NotAnExecutionArn_ThrowsArgumentException() =>
        await Assert.ThrowsAsync<ArgumentException>(() => Service().AcquireAsync(Fs, [West], West, new RunLockOwner("run-1", "run-1", "server3"), Token));

    [Fact]
    public async Task ReleaseAsync_HeldLock_MarksItsGenerationReleasedInEveryRegion()
    {
        var me = Run("run-1");
        await Service().AcquireAsync(Fs, BothRegions, West, me, Token);
        _time.Advance(TimeSpan.FromMinutes(20));

        var release = await Service().ReleaseAsync(Fs, BothRegions, me.ExecutionArn, Token);

        Assert.Equal([(East, 1L, false), (West, 1L, false)], release.Released.Select(r => (r.Region, r.Generation, r.AlreadyReleased)));
        Assert.Empty(release.Failed);
        Assert.Empty(release.NotHeld);
        Assert.Equal(new RunLockRecord(me.ExecutionArn, "run-1", "server3", Now, true, Now.AddMinutes(20)), Stored(West, 1));
        Assert.True(Stored(East, 1)!.Released);
    }

    [Fact]
    public async Task ReleaseAsync_Twice_SecondFindsItReleasedAndWritesNothing()
    {
        var me = Run("run-1");
        await Service().AcquireAsync(Fs, [West], West, me, Token);
        await Service().ReleaseAsync(Fs, [West], me.ExecutionArn, Token);
        var writes = _ssm.ParameterWrites.Count;

        var again = await Service().ReleaseAsync(Fs, [West], me.ExecutionArn, Token);

        Assert.True(Assert.Single(again.Released).AlreadyReleased);
        Assert.Equal(writes, _ssm.ParameterWrites.Count);
    }

    [Fact]
    public async Task ReleaseAsync_RegionUnreachable_ReleasesTheOthersAndReportsIt()
    {
        var me = Run("run-1");
        await Service().AcquireAsync(Fs, BothRegions, West, me, Token);
        _ssm.UnreachableRegions.Add(East);

        var release = await Service().ReleaseAsync(Fs, BothRegions, me.ExecutionArn, Token);

        Assert.Equal([West], release.Released.Select(r => r.Region));
        Assert.Equal([East], release.Failed.Select(f => f.Region));
        Assert.True(Stored(West, 1)!.Released);
        Assert.False(Stored(East, 1)!.Released);
    }

    [Fact]
    public async Task ReleaseAsync_AnotherRunsLock_LeavesItAndSaysNotHeld()
    {
        var holder = Run("run-1");
        await Service().AcquireAsync(Fs, [West], West, holder, Token);

        var release = await Service().ReleaseAsync(Fs, [West], Run("run-2").ExecutionArn, Token);

        Assert.Equal([West], release.NotHeld);
        Assert.Empty(release.Released);
        Assert.False(Stored(West, 1)!.Released);
    }

    [Fact]
    public async Task CurrentAsync_NoneHeldThenReleased_ReportsTopGenerationAndWhetherHeld()
    {
        var service = Service();
        var me = Run("run-1");

        var none = await service.CurrentAsync(Fs, West, Token);
        await service.AcquireAsync(Fs, [West], West, me, Token);
        var held = await service.CurrentAsync(Fs, West, Token);
        await service.ReleaseAsync(Fs, [West], me.ExecutionArn, Token);
        var released = await service.CurrentAsync(Fs, West, Token);

        Assert.Null(none);
        Assert.Equal((1L, true, me.ExecutionArn), (held!.Generation, held.IsHeld, held.Record!.ExecutionArn));
        Assert.Equal((1L, false), (released!.Generation, released.IsHeld));
    }

    [Theory]
    [InlineData("DRTest-EFS1")]
    [InlineData("media share: prod+dr=1 @tokyo")]
    [InlineData("データ")]
    [InlineData("a/b/../c")]
    public void KeyOf_AnyName_IsAValidSsmPathSegmentWithAHashSuffix(string name)
    {
        var key = RunLockService.KeyOf(name);

        Assert.Matches(SsmSegment(), key);
        Assert.Matches("-[0-9a-f]{12}$", key);
        Assert.Equal(key, RunLockService.KeyOf(name));
    }

    [Fact]
    public void KeyOf_NamesDifferingOnlyInReplacedCharacters_DifferentKeys()
    {
        var spaced = RunLockService.KeyOf("media share");
        var colon = RunLockService.KeyOf("media:share");
        var underscore = RunLockService.KeyOf("media_share");

        Assert.Equal(3, new[] { spaced, colon, underscore }.Distinct(StringComparer.Ordinal).Count());
        Assert.StartsWith("media_share-", spaced, StringComparison.Ordinal);
    }

    [Fact]
    public void NameOf_LongName_StaysWithinSsmLimits()
    {
        var name = RunLockService.NameOf(new string('x', 256), 42);

        Assert.EndsWith("/0000000042", name, StringComparison.Ordinal);
        Assert.StartsWith("/efsdr/run-lock/", name, StringComparison.Ordinal);
        Assert.True(name.Length <= 105, name);
        Assert.Equal(4, name.Count(c => c == '/'));
    }

    /// <summary>SSM's allowed characters in one hierarchy level (PutParameterRequest.Name in botocore's SSM model).</summary>
    [GeneratedRegex("^[a-zA-Z0-9_.-]{1,77}$")]
    private static partial Regex SsmSegment();
}
