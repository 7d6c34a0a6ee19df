using EfsDr.Core.Configuration;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;
using EfsDr.Core.Reprotect;
using EfsDr.LocalCloud.Hosting;
using EfsDr.Runs;

namespace EfsDr.Cli.Tests.Runs;

/// <summary>Start or join a reprotect (one run per file system across both workflows), the failover's refusal while a
/// reprotect runs, and the primary the reprotect runs beside.</summary>
public sealed class ReprotectStarterTests
{
    private const string Account = "111122223333";
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly PrimaryCopy WestPrimary = new("us-west-2", "fs-west", 2);

    private static readonly ClusterConfiguration Configuration = EfsDrJson.ParseConfiguration(
        File.ReadAllText(Path.Combine(LocalCloudHost.FindRepositoryRoot(), "config", "cluster.example.json")));

    private static string Machine(string region, string name) => $"arn:aws:states:{region}:{Account}:stateMachine:{name}";

    private static ReprotectStarter Starter(FakeExecutions executions, long? generation = 5) =>
        new(executions, ReprotectStarter.Reprotects(executions, "efsdr-reprotect"), FailoverStarter.Failovers(executions, "efsdr-failover"), (_, _) => Task.FromResult(generation));

    private static Task<PrimaryCopy> Primary(CancellationToken cancellationToken) => Task.FromResult(WestPrimary);

    private static Task<PrimaryCopy> PrimaryNotAsked(CancellationToken cancellationToken) =>
        throw new InvalidOperationException("the primary must not be looked for when a run is in the way");

    private static string ReprotectInput(bool dryRun = false) => ReprotectJson.SerializeRequest(new ReprotectRequest { DryRun = dryRun });

    private static string FailoverInput(string server, bool dryRun = false) => EfsDrJson.SerializeRequest(new FailoverRequest { TargetServer = server, DryRun = dryRun });

    [Fact]
    public async Task StartOrJoinAsync_NothingRunning_StartsReprotectNamedByTheNextGenerationInThePrimarysRegion()
    {
        var executions = new FakeExecutions();

        var outcome = await Starter(executions).StartOrJoinAsync(Configuration, Primary, ReprotectInput(), TestContext.Current.CancellationToken);

        Assert.False(outcome.Joined);
        Assert.Equal("reprotect-5", outcome.Name);
        Assert.Equal([(Machine("us-west-2", "efsdr-reprotect"), "reprotect-5")], executions.Started);
    }

    [Fact]
    public async Task StartOrJoinAsync_ReprotectRunning_JoinsItWithoutStarting()
    {
        var executions = new FakeExecutions();
        var running = executions.Add(Machine("us-west-2", "efsdr-reprotect"), "reprotect-4", ExecutionStatus.Running, ReprotectInput());

        var outcome = await Starter(executions).StartOrJoinAsync(Configuration, PrimaryNotAsked, ReprotectInput(), TestContext.Current.CancellationToken);

        Assert.True(outcome.Joined);
        Assert.Equal(running.ExecutionArn, outcome.ExecutionArn);
        Assert.Empty(executions.Started);
    }

    [Fact]
    public async Task StartOrJoinAsync_FailoverRunning_RefusesNamingItBeforeAnyChange()
    {
        var executions = new FakeExecutions();
        var failover = executions.Add(Machine("us-east-1", "efsdr-failover"), "failover-server1-9", ExecutionStatus.Running, FailoverInput("server1"));

        var ex = await Assert.ThrowsAsync<RunConflictException>(() => Starter(executions).StartOrJoinAsync(Configuration, PrimaryNotAsked, ReprotectInput(), TestContext.Current.CancellationToken));

        Assert.Contains(failover.ExecutionArn, ex.Message, StringComparison.Ordinal);
        Assert.Contains("a failover to server1 is running", ex.Message, StringComparison.Ordinal);
        Assert.Empty(executions.Started);
    }

    [Fact]
    public async Task StartOrJoinAsync_OnlyDryRunsRunning_StartsItsOwn()
    {
        var executions = new FakeExecutions();
        executions.Add(Machine("us-east-1", "efsdr-failover"), "plan-server1-x", ExecutionStatus.Running, FailoverInput("server1", dryRun: true));
        executions.Add(Machine("us-west-2", "efsdr-reprotect"), "reprotect-plan-x", ExecutionStatus.Running, ReprotectInput(dryRun: true));

        var outcome = await Starter(executions).StartOrJoinAsync(Configuration, Primary, ReprotectInput(), TestContext.Current.CancellationToken);

        Assert.False(outcome.Joined);
        Assert.Equal("reprotect-5", outcome.Name);
    }

    [Fact]
    public async Task StartOrJoinAsync_NameTakenByAClosedRun_MovesOnToTheNextName()
    {
        var executions = new FakeExecutions();
        executions.Add(Machine("us-west-2", "efsdr-reprotect"), "reprotect-5", ExecutionStatus.Failed, ReprotectInput());

        var outcome = await Starter(executions).StartOrJoinAsync(Configuration, Primary, ReprotectInput(), TestContext.Current.CancellationToken);

        Assert.Equal("reprotect-5-2", outcome.Name);
        Assert.False(outcome.Joined);
    }

    [Fact]
    public async Task StartOrJoinAsync_DuplicateTookTheLockBetweenTheLookAndTheNamesRead_JoinsItInsteadOfStartingASecond()
    {
        // The other start of the same reprotect was not running at the first look, then started and took the lock
        // (generation 5) before this start read it (next: 6).
        var executions = new FakeExecutions();
        var lockGeneration = 4L;
        Execution? duplicate = null;
        executions.AfterList = machine =>
        {
            if (duplicate is null && machine == Machine("us-west-2", "efsdr-reprotect"))
            {
                duplicate = executions.Add(machine, "reprotect-5", ExecutionStatus.Running, ReprotectInput());
                lockGeneration = 5;
            }
        };
        var starter = new ReprotectStarter(executions, ReprotectStarter.Reprotects(executions, "efsdr-reprotect"), FailoverStarter.Failovers(executions, "efsdr-failover"), (_, _) => Task.FromResult<long?>(lockGeneration + 1));

        var outcome = await starter.StartOrJoinAsync(Configuration, Primary, ReprotectInput(), TestContext.Current.CancellationToken);

        Assert.True(outcome.Joined, $"started {outcome.Name} beside the running {duplicate?.Name}");
        Assert.Equal(duplicate!.ExecutionArn, outcome.ExecutionArn);
        Assert.Empty(executions.Started);
    }

    [Fact]
    public async Task FailoverStartOrJoinAsync_DuplicateTookTheLockWhileRunsWereLookedFor_JoinsItInsteadOfStartingASecond()
    {
        // Chaos drill 2026-12-03, round 90: two starts for server2 at once under throttling made failover-server2-84 and
        // -85. The other start took the lock (84) after this one had looked in us-east-1 and before it read the lock.
        var executions = new FakeExecutions();
        var lockGeneration = 83L;
        Execution? duplicate = null;
        executions.AfterList = machine =>
        {
            if (duplicate is null && machine == Machine("us-east-1", "efsdr-failover"))
            {
                duplicate = executions.Add(machine, "failover-server2-84", ExecutionStatus.Running, FailoverInput("server2"));
                lockGeneration = 84;
            }
        };
        var starter = new FailoverStarter(executions, (region, token) => executions.FindStateMachineAsync(region, "efsdr-failover", token), _ => Task.FromResult<long?>(lockGeneration + 1), ReprotectStarter.Reprotects(executions, "efsdr-reprotect"));

        var outcome = await starter.StartOrJoinAsync(Configuration, Configuration.Server("server2")!, FailoverInput("server2"), TestContext.Current.CancellationToken);

        Assert.True(outcome.Joined, $"started {outcome.Name} beside the running {duplicate?.Name}");
        Assert.Equal(duplicate!.ExecutionArn, outcome.ExecutionArn);
        Assert.Empty(executions.Started);
    }

    [Fact]
    public async Task StartOrJoinAsync_LockUnreadable_NamesByTheMinuteAndSaysSo()
    {
        var executions = new FakeExecutions();

        var outcome = await Starter(executions, generation: null).StartOrJoinAsync(Configuration, Primary, ReprotectInput(), TestContext.Current.CancellationToken);

        Assert.Matches("^reprotect-[0-9]{12}$", outcome.Name);
        Assert.Contains(outcome.Notes, n => n.Contains("run lock could not be read", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartOrJoinAsync_PrimaryNotProven_StartsNothing()
    {
        var executions = new FakeExecutions();

        await Assert.ThrowsAsync<PrimaryNotProvenException>(() => Starter(executions).StartOrJoinAsync(Configuration, _ => throw new PrimaryNotProvenException("no primary", unreachable: false), ReprotectInput(), TestContext.Current.CancellationToken));

        Assert.Empty(executions.Started);
    }

    [Fact]
    public async Task StartOrJoinAsync_NoReprotectMachineInThePrimarysRegion_ThrowsNamingTheRegionAndStartsNothing()
    {
        var executions = new FakeExecutions { Missing = Machine("us-west-2", "efsdr-reprotect") };

        var ex = await Assert.ThrowsAsync<StateMachineMissingException>(() => Starter(executions).StartOrJoinAsync(Configuration, Primary, ReprotectInput(), TestContext.Current.CancellationToken));

        Assert.Equal("us-west-2", ex.Region);
        Assert.Empty(executions.Started);
    }

    [Fact]
    public async Task FailoverStartOrJoinAsync_ReprotectRunning_RefusesNamingIt()
    {
        var executions = new FakeExecutions();
        var reprotect = executions.Add(Machine("us-west-2", "efsdr-reprotect"), "reprotect-4", ExecutionStatus.Running, ReprotectInput());
        var starter = new FailoverStarter(executions, (region, token) => executions.FindStateMachineAsync(region, "efsdr-failover", token), _ => Task.FromResult<long?>(3), ReprotectStarter.Reprotects(executions, "efsdr-reprotect"));

        var ex = await Assert.ThrowsAsync<RunConflictException>(() => starter.StartOrJoinAsync(Configuration, Configuration.Server("server3")!, FailoverInput("server3"), TestContext.Current.CancellationToken));

        Assert.Contains(reprotect.ExecutionArn, ex.Message, StringComparison.Ordinal);
        Assert.Contains("efsdr reprotect --wait", ex.Message, StringComparison.Ordinal);
        Assert.Empty(executions.Started);
    }

    [Fact]
    public async Task FailoverStartOrJoinAsync_OnlyADryRunReprotectRunning_Starts()
    {
        var executions = new FakeExecutions();
        executions.Add(Machine("us-west-2", "efsdr-reprotect"), "reprotect-plan-x", ExecutionStatus.Running, ReprotectInput(dryRun: true));
        var starter = new FailoverStarter(executions, (region, token) => executions.FindStateMachineAsync(region, "efsdr-failover", token), _ => Task.FromResult<long?>(3), ReprotectStarter.Reprotects(executions, "efsdr-reprotect"));

        var outcome = await starter.StartOrJoinAsync(Configuration, Configuration.Server("server3")!, FailoverInput("server3"), TestContext.Current.CancellationToken);

        Assert.Equal("failover-server3-3", outcome.Name);
    }

    [Fact]
    public async Task JoinTargetOf_RefusedByARunningReprotect_GivesIt()
    {
        var executions = new FakeExecutions();
        var other = executions.Add(Machine("us-west-2", "efsdr-reprotect"), "reprotect-4", ExecutionStatus.Running, ReprotectInput());
        var refused = executions.Add(Machine("us-west-2", "efsdr-reprotect"), "reprotect-5", ExecutionStatus.Failed, ReprotectInput()) with
        {
            Error = nameof(RunInProgressException),
            Cause = $"the run lock is held by {other.ExecutionArn}",
        };

        Assert.Equal(other.ExecutionArn, await Starter(executions).JoinTargetOf(refused, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task JoinTargetOf_RefusedByARunningFailover_IsNull()
    {
        var executions = new FakeExecutions();
        var failover = executions.Add(Machine("us-west-2", "efsdr-failover"), "failover-server3-4", ExecutionStatus.Running, FailoverInput("server3"));
        var refused = executions.Add(Machine("us-west-2", "efsdr-reprotect"), "reprotect-5", ExecutionStatus.Failed, ReprotectInput()) with
        {
            Error = nameof(RunInProgressException),
            Cause = $"the run lock is held by {failover.ExecutionArn}",
        };

        Assert.Null(await Starter(executions).JoinTargetOf(refused, TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(7L, 1, "reprotect-7")]
    [InlineData(7L, 2, "reprotect-7-2")]
    [InlineData(long.MaxValue, 10, "reprotect-9223372036854775807-10")]
    public void NameFor_GenerationAndAttempt_IsDeterministicAndValid(long generation, int attempt, string expected)
    {
        var name = ReprotectStarter.NameFor(generation, attempt);

        Assert.Equal(expected, name);
        Assert.True(ExecutionNames.IsValid(name));
    }

    [Theory]
    [InlineData("""{"dryRun":true}""", true)]
    [InlineData("""{"reason":"x"}""", false)]
    [InlineData("""{"targetServer":"server1"}""", false)]
    [InlineData(null, false)]
    public void IsDryRun_Input_ReadsTheReprotectRequest(string? input, bool expected) =>
        Assert.Equal(expected, ReprotectStarter.IsDryRun(input));

    private static FileSystem Copy(string region, string id, long epoch, OverwriteProtection protection, string state = "available") =>
        new(region, id, $"arn:aws:elasticfilesystem:{region}:{Account}:file-system/{id}", "DRTest-EFS1", state, protection, null, 1, Start,
            new Dictionary<string, string> { [EfsDrTags.Epoch] = epoch.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    [Fact]
    public void Choose_WritableHighestEpoch_IsThePrimary()
    {
        var primary = PrimaryLocator.Choose([Copy("us-east-1", "fs-east", 1, OverwriteProtection.Disabled), Copy("us-west-2", "fs-west", 2, OverwriteProtection.Enabled)], "DRTest-EFS1");

        Assert.Equal(new PrimaryCopy("us-west-2", "fs-west", 2), primary);
    }

    [Fact]
    public void Choose_HigherEpochNotWritable_Refuses()
    {
        var ex = Assert.Throws<PrimaryNotProvenException>(() => PrimaryLocator.Choose([Copy("us-east-1", "fs-east", 3, OverwriteProtection.Replicating), Copy("us-west-2", "fs-west", 2, OverwriteProtection.Enabled)], "DRTest-EFS1"));

        Assert.Contains("fs-east (us-east-1) carries epoch 3", ex.Message, StringComparison.Ordinal);
        Assert.False(ex.Unreachable);
    }

    [Fact]
    public void Choose_TwoWritableWithTheSameEpoch_Refuses() =>
        Assert.Contains("both writable with epoch 2", Assert.Throws<PrimaryNotProvenException>(() => PrimaryLocator.Choose([Copy("us-east-1", "fs-east", 2, OverwriteProtection.Enabled), Copy("us-west-2", "fs-west", 2, OverwriteProtection.Enabled)], "DRTest-EFS1")).Message, StringComparison.Ordinal);

    [Fact]
    public void Choose_NoWritableCopy_Refuses() =>
        Assert.Contains("no writable copy", Assert.Throws<PrimaryNotProvenException>(() => PrimaryLocator.Choose([Copy("us-east-1", "fs-east", 2, OverwriteProtection.Enabled, "creating")], "DRTest-EFS1")).Message, StringComparison.Ordinal);

    [Fact]
    public async Task FindAsync_ARegionUnreachable_RefusesAsUnreachable()
    {
        var fileSystems = new RegionFileSystems(new Dictionary<string, IReadOnlyList<FileSystem>> { ["us-west-2"] = [Copy("us-west-2", "fs-west", 2, OverwriteProtection.Enabled)] });

        var ex = await Assert.ThrowsAsync<PrimaryNotProvenException>(() => PrimaryLocator.FindAsync(fileSystems, Configuration, TestContext.Current.CancellationToken));

        Assert.True(ex.Unreachable);
        Assert.Contains("EFS in us-east-1 could not be read", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FindAsync_BothRegionsRead_GivesTheWritableHighestEpoch()
    {
        var fileSystems = new RegionFileSystems(new Dictionary<string, IReadOnlyList<FileSystem>>
        {
            ["us-east-1"] = [Copy("us-east-1", "fs-east", 1, OverwriteProtection.Disabled)],
            ["us-west-2"] = [Copy("us-west-2", "fs-west", 2, OverwriteProtection.Enabled)],
        });

        Assert.Equal(WestPrimary, await PrimaryLocator.FindAsync(fileSystems, Configuration, TestContext.Current.CancellationToken));
    }

    /// <summary>Copies by region; a region missing from the map does not answer.</summary>
    private sealed class RegionFileSystems(Dictionary<string, IReadOnlyList<FileSystem>> byRegion) : IFileSystems
    {
        public Task<IReadOnlyList<FileSystem>> FindByNameAsync(string region, string name, CancellationToken cancellationToken) =>
            byRegion.TryGetValue(region, out var copies)
                ? Task.FromResult(copies)
                : throw new RegionUnreachableException(new CloudError("elasticfilesystem", "RequestTimeout", $"{region} did not answer", 0, null));

        public Task<FileSystem> DescribeAsync(string region, string fileSystemId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<OverwriteProtection> UpdateProtectionAsync(string region, string fileSystemId, OverwriteProtection protection, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task TagAsync(string region, string fileSystemId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyDictionary<string, string>> ListTagsAsync(string region, string fileSystemId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<MountTarget>> DescribeMountTargetsAsync(string region, string fileSystemId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<FileSystem> CreateFileSystemAsync(string region, FileSystemToCreate request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<MountTarget> CreateMountTargetAsync(string region, MountTargetRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    /// <summary>Both workflows' state machines in both regions; executions by ARN; a start with a taken name is refused as Step Functions does.</summary>
    private sealed class FakeExecutions : IExecutions
    {
        private readonly Dictionary<string, Execution> _byArn = new(StringComparer.Ordinal);

        public List<(string Machine, string Name)> Started { get; } = [];

        public Execution Add(string machine, string name, ExecutionStatus status, string input)
        {
            var execution = new Execution(FailoverStarter.ExecutionArn(machine, name), machine, name, status, Start, status == ExecutionStatus.Running ? null : Start.AddMinutes(1), input, null, null, null);
            _byArn[execution.ExecutionArn] = execution;
            return execution;
        }

        public Task<StartedExecution> StartAsync(string stateMachineArn, string name, string input, CancellationToken cancellationToken)
        {
            var arn = FailoverStarter.ExecutionArn(stateMachineArn, name);
            if (_byArn.ContainsKey(arn))
            {
                throw new RunNameTakenException(new CloudError("states", "ExecutionAlreadyExists", name, 400, null));
            }

            Started.Add((stateMachineArn, name));
            Add(stateMachineArn, name, ExecutionStatus.Running, input);
            return Task.FromResult(new StartedExecution(arn, Start));
        }

        public Task<Execution> DescribeAsync(string executionArn, CancellationToken cancellationToken) => Task.FromResult(_byArn[executionArn]);

        public Task<Page<HistoryEvent>> GetLatestHistoryPageAsync(string executionArn, int maxResults, string? nextToken, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Page<HistoryEvent>> GetHistoryPageAsync(string executionArn, string? nextToken, CancellationToken cancellationToken) => throw new NotSupportedException();

        /// <summary>A state machine ARN that does not exist (the stack is not deployed there).</summary>
        public string? Missing { get; init; }

        public Task<string?> FindStateMachineAsync(string region, string name, CancellationToken cancellationToken) =>
            Task.FromResult(Machine(region, name) == Missing ? null : Machine(region, name));

        /// <summary>Told of each list of a state machine's executions once it is answered (another starter acting then).</summary>
        public Action<string>? AfterList { get; set; }

        public Task<Page<Execution>> ListAsync(string stateMachineArn, ExecutionStatus? status, string? nextToken, CancellationToken cancellationToken)
        {
            var page = new Page<Execution>([.. _byArn.Values.Where(e => e.StateMachineArn == stateMachineArn && (status is null || e.Status == status)).Select(e => e with { Input = null })], null);
            AfterList?.Invoke(stateMachineArn);
            return Task.FromResult(page);
        }
    }
}
