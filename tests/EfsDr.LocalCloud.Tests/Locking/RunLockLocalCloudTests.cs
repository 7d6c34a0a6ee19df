using Amazon.Runtime;
using EfsDr.Aws;
using EfsDr.Aws.Http;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Locking;
using EfsDr.Core.Model;
using EfsDr.LocalCloud.Tests.Support;

namespace EfsDr.LocalCloud.Tests.Locking;

/// <summary>
/// The run lock end to end on the local cloud: two RunLockService instances, each with its own EfsDr adapters (SSM
/// Parameter Store in two regions, Step Functions), for two executions that really run in the local Step Functions.
/// </summary>
[Collection(SfnEngineGroup.Name)]
public sealed class RunLockLocalCloudTests : IAsyncLifetime
{
    private const string East = "us-east-1";
    private const string West = "us-west-2";
    private static readonly string[] Regions = [West, East];
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<AwsAdapters> _adapters = [];
    private SfnTestCloud _cloud = null!;
    private int _running;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _cloud = await SfnTestCloud.StartAsync();

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        foreach (var adapters in _adapters)
        {
            adapters.Dispose();
        }

        await _cloud.DisposeAsync();
    }

    /// <summary>A RunLockService with adapters of its own (own HTTP and SDK clients), as a second Lambda would have.</summary>
    private RunLockService Service()
    {
        var adapters = new AwsAdapters(
            new BasicAWSCredentials("local", "local"),
            new EndpointResolver(n => n == "AWS_ENDPOINT_URL" ? _cloud.Host.Endpoint.ToString() : null),
            new AwsRetryOptions { MaxAttempts = 2, BaseDelay = TimeSpan.Zero });
        _adapters.Add(adapters);
        return new RunLockService(adapters.Parameters, adapters.Executions, TimeProvider.System);
    }

    /// <summary>Starts an execution that stays RUNNING in a Task until the test releases it.</summary>
    private async Task<RunLockOwner> RunningAsync(string machine, string name, string target)
    {
        var started = await _cloud.Executions.StartAsync(machine, name, "{}", Token);
        return new RunLockOwner(started.ExecutionArn, name, target);
    }

    private string HoldingMachine()
    {
        var gate = _cloud.Function("hold", async (_, cancellationToken) =>
        {
            Interlocked.Increment(ref _running);
            await _release.Task.WaitAsync(cancellationToken);
            return new { released = true };
        });
        return _cloud.StateMachine("hold", $$$$"""{"StartAt":"Hold","States":{"Hold":{"Type":"Task","Resource":"{{{{gate}}}}","End":true}}}""");
    }

    private static async Task<(RunLock? Lock, EfsDrException? Error)> AttemptAsync(Task<RunLock> acquire)
    {
        try
        {
            return (await acquire, null);
        }
        catch (EfsDrException ex)
        {
            return (null, ex);
        }
    }

    [Fact]
    public async Task AcquireAsync_TwoRunsAtOnceThroughTheRealAdapters_ExactlyOneHoldsAndTheOtherTakesOverOnceItClosed()
    {
        SfnTestCloud.RequireEngine();
        var machine = HoldingMachine();
        var a = await RunningAsync(machine, "run-a", "server3");
        var b = await RunningAsync(machine, "run-b", "server1");
        await SfnTestCloud.UntilAsync(() => Volatile.Read(ref _running) == 2, "both executions are running");
        var (serviceA, serviceB) = (Service(), Service());
        string[] names = ["DRTest-EFS1", "media share: prod", "third"];

        // Act: for each file system, both runs acquire at the same moment, from different own regions.
        var winners = new Dictionary<string, RunLockOwner>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var attempts = await Task.WhenAll(
                AttemptAsync(serviceA.AcquireAsync(name, Regions, West, a, Token)),
                AttemptAsync(serviceB.AcquireAsync(name, Regions, East, b, Token)));

            // Assert: exactly one holds both regions; the other was refused naming it, and holds nothing.
            var won = Assert.Single(attempts, x => x.Lock is not null).Lock!;
            var refused = Assert.IsType<RunInProgressException>(Assert.Single(attempts, x => x.Error is not null).Error);
            Assert.Equal([East, West], won.Held.Select(h => h.Region));
            Assert.Empty(won.Skipped);
            Assert.Contains(won.Owner.ExecutionArn, refused.Message, StringComparison.Ordinal);
            Assert.Contains($"efsdr failover --to {won.Owner.TargetServer} --wait", refused.Message, StringComparison.Ordinal);
            foreach (var region in Regions)
            {
                var current = await serviceA.CurrentAsync(name, region, Token);
                Assert.True(current is { IsHeld: true, Generation: 1 }, $"{name} in {region}: {current}");
                Assert.Equal(won.Owner.ExecutionArn, current.Record!.ExecutionArn);
            }

            winners[name] = won.Owner;
        }

        // The runs end without releasing (a crash); the lock recovers by itself: the loser takes over.
        _release.SetResult();
        Assert.Equal(ExecutionStatus.Succeeded, (await _cloud.ClosedAsync(a.ExecutionArn)).Status);
        Assert.Equal(ExecutionStatus.Succeeded, (await _cloud.ClosedAsync(b.ExecutionArn)).Status);
        foreach (var name in names)
        {
            var loser = winners[name] == a ? b : a;
            var taken = await Service().AcquireAsync(name, Regions, West, loser, Token);
            Assert.All(taken.Held, h => Assert.Equal((2L, winners[name].ExecutionArn), (h.Generation, h.TakenOverFrom)));
            Assert.All(taken.Held, h => Assert.Contains("SUCCEEDED", h.TakeOverReason, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task AcquireAsync_OtherRegionsParameterStoreUnreachable_HoldsTheOwnRegionAndReportsTheOther()
    {
        _cloud.Host.Faults.Set("ssm", East, new LocalCloud.Hosting.ServiceFaults { Unreachable = true });
        var owner = new RunLockOwner($"arn:aws:states:{West}:000000000000:execution:efsdr-failover:run-1", "run-1", "server3");

        var held = await Service().AcquireAsync("DRTest-EFS1", Regions, West, owner, Token);
        var release = await Service().ReleaseAsync("DRTest-EFS1", Regions, owner.ExecutionArn, Token);

        Assert.Equal([West], held.Held.Select(h => h.Region));
        Assert.Equal([East], held.Skipped.Select(s => s.Region));
        Assert.Equal([West], release.Released.Select(r => r.Region));
        Assert.Equal([East], release.Failed.Select(f => f.Region));
        Assert.False((await Service().CurrentAsync("DRTest-EFS1", West, Token))!.IsHeld);
    }
}
