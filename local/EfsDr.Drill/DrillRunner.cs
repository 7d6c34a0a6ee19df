using System.Diagnostics;
using System.Globalization;
using Amazon.Runtime;
using EfsDr.Aws;
using EfsDr.Aws.Http;
using EfsDr.Aws.Ssm;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Core.Reprotect;
using EfsDr.LocalCloud.Efs;
using EfsDr.LocalCloud.Hosting;
using EfsDr.Runs;

namespace EfsDr.Drill;

/// <summary>The drill's outcome.</summary>
public sealed record DrillResult(IReadOnlyList<DrillCheck> Checks, IReadOnlyList<RunRecord> Runs, string ReportPath, string TimelinePath, TimeSpan Elapsed)
{
    /// <summary>True when every check passed.</summary>
    public bool Passed => Checks.Count > 0 && Checks.All(c => c.Passed);
}

/// <summary>
/// The DR drill: a complete failover exercise on the local cloud. It seeds the article's topology, starts the group on
/// server1, then runs section 4 as checks through the S3 API at the address the DNS record holds:
/// 4.1 in-region failover to server2 (replication stays ENABLED), 4.2 cross-region failover to server3
/// (replication gone, the replica writable) and its safety checks, then the DR round trip twice (<see cref="RoundTrip"/>:
/// 4.3 reprotect, 4.4 planned failback, 4.5 reprotect back; R2.2–R2.5 the same with its own failover), and writes a
/// markdown report with an SVG timeline.
/// </summary>
public sealed class DrillRunner(DrillOptions options, Action<string> output)
{
    private const string Bucket = "test";
    private readonly List<DrillCheck> _checks = [];
    private readonly List<RunRecord> _runs = [];

    /// <summary>Runs the drill; never throws for a failed check (it is recorded), only for cancellation.</summary>
    public async Task<DrillResult> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        output($"EfsDr drill: the article's section 4 on the local cloud (time scale ×{options.TimeScale:0})");
        var cloudOptions = new LocalCloudOptions { TimeScale = options.TimeScale };
        cloudOptions = options.Promotion is { } promotion ? cloudOptions with { ReplicationDeletion = promotion } : cloudOptions;
        await using var cloud = await LocalCloudHost.StartAsync(cloudOptions, cancellationToken: cancellationToken).ConfigureAwait(false);
        var clockStarted = cloud.Context.Clock.Now;
        output($"local cloud: {cloud.Endpoint}");
        cloud.Faults.DeletionSlowdown = options.DeletionSlowdown;
        var topology = await LocalTopology.SeedAsync(cloud.Context, line => output("  " + line), cancellationToken).ConfigureAwait(false);
        ApplyServiceFaults(cloud.Faults);
        if (options.OfflineNode is { } offline)
        {
            cloud.Faults.SetNodeOffline(topology.Server(offline).InstanceId, offline: true);
            output($"  injecting: {offline}'s SSM agent offline");
        }

        if (options.CommandFailureNode is { } failing)
        {
            cloud.Faults.SetCommandFailure(topology.Server(failing).InstanceId, "efsdr-node: injected failure: mount: mount.nfs4: Connection timed out");
            output($"  injecting: every command on {failing} fails");
        }

        // The drill's own client only observes: it gets more attempts than EfsDr's adapters, so that injected throttling and
        // 5xx test EfsDr's handling, not the observer's luck (at 25 % failures, 6 attempts fail about once in 6,000 calls).
        // It runs on the cloud's clock, as the handlers' clients do: its retries back off in simulated time, as a client's
        // would in production. On the real clock they would be ×scale slower than the workflow they race, and two starts
        // "at the same moment" (4.1.3b) would no longer be: the second, held up by retries, would read the run lock after
        // the first execution took it. Its attempt timeout is at least a real second, so that a busy host never times out
        // an observer's call.
        using var adapters = ObserverAdapters(cloud, options.TimeScale);
        var world = new DrillWorld(cloud, topology, adapters, options, output);

        var start = new RoundTrip(world, Check, Record, _runs, output).Shape();
        output($"  topology: {start}");
        try
        {
            await Step("start the group on server1", () => world.FailoverAsync("start", "server1", null, _runs, cancellationToken)).ConfigureAwait(false);

            output(string.Empty);
            output("4.1 failover within a region: server1 → server2");
            await Check("4.1.2-3", "create bucket test and upload test.txt at the DNS record's address", async () =>
            {
                using var s3 = await world.S3AtRecordAsync(cancellationToken).ConfigureAwait(false);
                await s3.EnsureBucketAsync(Bucket, cancellationToken).ConfigureAwait(false);
                await s3.PutAsync(Bucket, "test.txt", "written on server1", cancellationToken).ConfigureAwait(false);
                return $"uploaded to {s3.Address}";
            }).ConfigureAwait(false);
            await Step("stop the group on server1", () => world.DeactivateAsync("server1", cancellationToken)).ConfigureAwait(false);
            var executionsBefore = await world.ExecutionCountAsync("server2", cancellationToken).ConfigureAwait(false);
            var (toServer2, starts) = await world.FailoverStartedTwiceAsync("4.1 to server2", "server2", _runs, cancellationToken).ConfigureAwait(false);
            var created = await world.ExecutionCountAsync("server2", cancellationToken).ConfigureAwait(false) - executionsBefore;
            Record("4.1.3b", "two starts of the failover at the same moment make one execution", created == 1 && starts.Distinct(StringComparer.Ordinal).Count() == 1,
                $"{created} execution(s) created: {string.Join(", ", starts.Select(a => a[(a.LastIndexOf(':') + 1)..]))}");
            Record("4.1.4", "failover to server2 succeeds", toServer2.Succeeded, toServer2.Succeeded ? $"{toServer2.Duration.TotalSeconds:0.0} s" : toServer2.Reason);
            await Check("4.1.5", "test.txt is readable at the DNS record's address (server2)", async () =>
            {
                using var s3 = await world.S3AtRecordAsync(cancellationToken).ConfigureAwait(false);
                var text = await s3.GetAsync(Bucket, "test.txt", cancellationToken).ConfigureAwait(false);
                return s3.Address == topology.Server("server2").Address && text == "written on server1"
                    ? $"read from {s3.Address}"
                    : throw new InvalidOperationException($"record points at {s3.Address}, content '{text}'");
            }).ConfigureAwait(false);
            await Check("4.1.6", "replication is still ENABLED", async () =>
            {
                var status = await world.ReplicationStatusAsync("us-east-1", topology.PrimaryFileSystemId, cancellationToken).ConfigureAwait(false);
                return status == ReplicationStatus.Enabled ? "ENABLED" : throw new InvalidOperationException($"replication is {status}");
            }).ConfigureAwait(false);

            output(string.Empty);
            output("4.2 failover across regions: server2 → server3");
            DateTimeOffset uploaded = default;
            await Check("4.2.1", "upload test2.txt", async () =>
            {
                using var s3 = await world.S3AtRecordAsync(cancellationToken).ConfigureAwait(false);
                await s3.PutAsync(Bucket, "test2.txt", "written on server2", cancellationToken).ConfigureAwait(false);
                // Taken once the PUT is acknowledged: a copy that started while the PUT was still writing has a
                // LastReplicatedTimestamp after an instant taken before it, without the object (at ×60 a 20 ms PUT is
                // 1.2 simulated s, and the bench met that race: R2.2.4 found the object missing on server3).
                uploaded = cloud.Context.Clock.Now;
                return $"uploaded to {s3.Address}";
            }).ConfigureAwait(false);
            await Check("4.2.2", "wait until replication has copied test2.txt (LastReplicatedTimestamp after the upload)", async () =>
            {
                var last = await world.WaitForReplicationAfterAsync(topology.ReplicaFileSystemId, uploaded, cancellationToken).ConfigureAwait(false);
                return $"LastReplicatedTimestamp {last:O}";
            }).ConfigureAwait(false);
            if (options.RegionDown is { } down)
            {
                // A real outage: server2 keeps running, cut off from AWS, and the region's endpoints hang (no refusal).
                output($"  injecting: {down} black-holed (EFS, SSM, EC2, Step Functions, Lambda accept connections and never answer); server2 stays up");
                cloud.Faults.BlackHoleRegion(down);
            }
            else
            {
                await Step("stop the group on server2", () => world.DeactivateAsync("server2", cancellationToken)).ConfigureAwait(false);
            }

            var toServer3 = await world.FailoverAsync("4.2 to server3", "server3", options.RegionDown is null ? null : "us-east-1 outage", _runs, cancellationToken).ConfigureAwait(false);
            Record("4.2.3", "failover to server3 succeeds", toServer3.Succeeded, toServer3.Succeeded ? $"{toServer3.Duration.TotalSeconds:0.0} s" : toServer3.Reason);
            await Check("4.2.4", "test.txt and test2.txt are readable at the DNS record's address (server3)", async () =>
            {
                using var s3 = await world.S3AtRecordAsync(cancellationToken).ConfigureAwait(false);
                var one = await s3.GetAsync(Bucket, "test.txt", cancellationToken).ConfigureAwait(false);
                var two = await s3.GetAsync(Bucket, "test2.txt", cancellationToken).ConfigureAwait(false);
                return s3.Address == topology.Server("server3").Address && one == "written on server1" && two == "written on server2"
                    ? $"both read from {s3.Address}"
                    : throw new InvalidOperationException($"record points at {s3.Address}; contents '{one}', '{two}'");
            }).ConfigureAwait(false);
            await Check("4.2.5", "the replica takes part in no replication any more", async () =>
            {
                var status = await world.ReplicationStatusAsync("us-west-2", topology.ReplicaFileSystemId, cancellationToken).ConfigureAwait(false);
                return status is null ? "ReplicationNotFound" : throw new InvalidOperationException($"replication is {status}");
            }).ConfigureAwait(false);
            await Check("4.2.6", "upload test3.txt to server3 (the promoted file system is writable)", async () =>
            {
                using var s3 = await world.S3AtRecordAsync(cancellationToken).ConfigureAwait(false);
                await s3.PutAsync(Bucket, "test3.txt", "written on server3", cancellationToken).ConfigureAwait(false);
                var back = await s3.GetAsync(Bucket, "test3.txt", cancellationToken).ConfigureAwait(false);
                return back == "written on server3" ? $"uploaded to {s3.Address}" : throw new InvalidOperationException("read back differs");
            }).ConfigureAwait(false);
            var safety = new SafetyChecks(world, topology, Check, output);
            await safety.RunAsync(toServer3, options.RegionDown, cancellationToken).ConfigureAwait(false);
            await RoundTripsAsync(world, start, safety, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Record("drill", "the drill ran to the end", false, $"{ex.GetType().Name}: {ex.Message}");
        }

        var measurement = new DrillMeasurement(
            DrillFigures.Spans(cloud.Context.Timeline.Events),
            DrillFigures.PerTimestampSecond(cloud.Context.Clock.Now - clockStarted, clock.Elapsed, options.TimeScale),
            cloudOptions.ReplicationDeletion.TotalSeconds,
            options.DeletionSlowdown);
        var (report, timeline) = DrillReport.Write(options.ReportDirectory, _checks, _runs, clock.Elapsed, cloud.RequestCounts, options.TimeScale, measurement);
        output(string.Empty);
        output($"{_checks.Count(c => c.Passed)}/{_checks.Count} checks passed in {clock.Elapsed.TotalSeconds:0.0} s; report: {report}");
        return new DrillResult(_checks, _runs, report, timeline, clock.Elapsed);
    }

    /// <summary>The round trip twice: round 1 continues from 4.2 (4.3 reprotect, 4.4 planned failback, 4.5 reprotect back);
    /// round 2 repeats all of it, its own cross-region failover included (R2.2–R2.5).</summary>
    private async Task RoundTripsAsync(DrillWorld world, TopologyShape start, SafetyChecks safety, CancellationToken cancellationToken)
    {
        var trip = new RoundTrip(world, Check, Record, _runs, output);
        trip.Files["test.txt"] = "written on server1";
        trip.Files["test2.txt"] = "written on server2";
        trip.Files["test3.txt"] = "written on server3";
        if (options.RoundTrips < 1)
        {
            return;
        }

        var summary = await trip.ReprotectIntoUsEast1Async("4", cancellationToken).ConfigureAwait(false);
        if (options.RegionDown is not null)
        {
            await safety.DivergedKeptAsync(summary).ConfigureAwait(false);
        }

        await trip.FailBackAsync("4", cancellationToken).ConfigureAwait(false);
        await trip.ReprotectBackAsync("4", start, start, cancellationToken).ConfigureAwait(false);
        if (options.RoundTrips < 2)
        {
            return;
        }

        var afterRound1 = trip.Shape();
        await trip.CrossRegionAsync("R2", cancellationToken).ConfigureAwait(false);
        await trip.ReprotectIntoUsEast1Async("R2", cancellationToken).ConfigureAwait(false);
        await trip.FailBackAsync("R2", cancellationToken).ConfigureAwait(false);
        await trip.ReprotectBackAsync("R2", start, afterRound1, cancellationToken).ConfigureAwait(false);
    }

    private void ApplyServiceFaults(FaultInjector faults)
    {
        if (options.ThrottleRate > 0 || options.ServerErrorRate > 0 || options.Latency > TimeSpan.Zero)
        {
            faults.Set("*", "*", new ServiceFaults { ThrottleRate = options.ThrottleRate, ServerErrorRate = options.ServerErrorRate, Latency = options.Latency });
            output($"  injecting: throttling {options.ThrottleRate:P0}, 5xx {options.ServerErrorRate:P0}, latency {options.Latency.TotalMilliseconds:0} ms on every AWS call");
        }
    }

    private async Task Step(string what, Func<Task> action)
    {
        output($"• {what}");
        await action().ConfigureAwait(false);
    }

    private async Task Step(string what, Func<Task<RunRecord>> action)
    {
        output($"• {what}");
        var run = await action().ConfigureAwait(false);
        if (!run.Succeeded)
        {
            throw new InvalidOperationException($"{what}: {run.Reason}");
        }
    }

    private async Task Check(string id, string description, Func<Task<string>> check)
    {
        try
        {
            Record(id, description, true, await check().ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Record(id, description, false, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private void Record(string id, string description, bool passed, string detail)
    {
        _checks.Add(new DrillCheck(id, description, passed, detail));
        output($"{(passed ? "✔" : "✘")} {id} {description}: {detail}");
    }

    /// <summary>The drill's own AWS client, which only observes and starts runs: more attempts than EfsDr's adapters, on the
    /// cloud's clock (see <see cref="RunAsync"/>), so that injected faults test EfsDr, not the observer's luck. The chaos
    /// drill uses the same.</summary>
    internal static AwsAdapters ObserverAdapters(LocalCloudHost cloud, double timeScale) => new(
        new BasicAWSCredentials("local", "local"),
        new EndpointResolver(n => n == "AWS_ENDPOINT_URL" ? cloud.Endpoint.ToString() : null),
        new AwsRetryOptions
        {
            MaxAttempts = 10,
            BaseDelay = TimeSpan.FromMilliseconds(100),
            MaxDelay = TimeSpan.FromSeconds(2),
            AttemptTimeout = TimeSpan.FromSeconds(Math.Max(15, timeScale)),
        },
        cloud.Context.Clock);
}

/// <summary>The drill's handles on the seeded world, shared with the end-to-end tests.</summary>
/// <remarks>Its follower (<see cref="Driver"/>) polls and times out on the cloud's simulated clock, as a follower in
/// production polls in production time: its cadence and call count per simulated second are what production would
/// see. <see cref="DrillOptions.RunTimeout"/> stays real time (<see cref="RunTimeout"/> converts it).</remarks>
public sealed class DrillWorld(LocalCloudHost cloud, SeededTopology topology, AwsAdapters adapters, DrillOptions options, Action<string> output)
{
    private int _runs;

    /// <summary>The follower of every run: on the cloud's simulated clock.</summary>
    public FailoverDriver Driver { get; } = new(adapters.Executions, cloud.Context.Clock);

    /// <summary><see cref="DrillOptions.RunTimeout"/> (real time) on <see cref="Driver"/>'s simulated clock.</summary>
    public TimeSpan RunTimeout => options.RunTimeout * cloud.Context.Clock.Scale;

    /// <summary>Follows an execution started elsewhere to its end (at most <see cref="DrillOptions.RunTimeout"/>, real
    /// time), printing its progress.</summary>
    public Task<RunRecord> FollowAsync(string executionArn, string label, string target, CancellationToken cancellationToken) =>
        Driver.FollowAsync(executionArn, label, target, line => output("  " + line), RunTimeout, cancellationToken);

    /// <summary>The cloud.</summary>
    public LocalCloudHost Cloud => cloud;

    /// <summary>The topology.</summary>
    public SeededTopology Topology => topology;

    /// <summary>Clients of the cloud.</summary>
    public AwsAdapters Adapters => adapters;

    /// <summary>Runs a failover to <paramref name="target"/> in its region's state machine and records it.</summary>
    public async Task<RunRecord> FailoverAsync(string label, string target, string? reason, List<RunRecord> runs, CancellationToken cancellationToken, string? input = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var name = NextName("failover", target);
        input ??= Input(target, reason);
        output($"• fail over to {target} ({topology.Server(target).Region})");
        var run = await Driver.RunAsync(topology.StateMachineFor(target), name, input, label, target, line => output("  " + line), RunTimeout, cancellationToken).ConfigureAwait(false);
        runs.Add(run);
        return run;
    }

    /// <summary>Starts a failover to <paramref name="target"/> in its region's state machine without following it; returns
    /// the execution ARN (<see cref="FollowAsync"/> follows it).</summary>
    public async Task<string> StartFailoverAsync(string target, string? reason, CancellationToken cancellationToken)
    {
        var name = NextName("failover", target);
        output($"• fail over to {target} ({topology.Server(target).Region})");
        var started = await adapters.Executions.StartAsync(topology.StateMachineFor(target), name, Input(target, reason), cancellationToken).ConfigureAwait(false);
        output($"    started {name}");
        return started.ExecutionArn;
    }

    /// <summary>Waits (at most <see cref="DrillOptions.RunTimeout"/>, real time) until the execution has entered a state
    /// after <paramref name="stateName"/> or has ended, as the emulator holds it (injected faults do not hide it).</summary>
    /// <exception cref="TimeoutException">Neither within the timeout.</exception>
    public async Task UntilPastAsync(string executionArn, string stateName, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + options.RunTimeout;
        while (true)
        {
            var states = cloud.Context.StepFunctions.StatesEntered(executionArn) ?? [];
            var at = states.ToList().LastIndexOf(stateName);
            if ((at >= 0 && at < states.Count - 1) || cloud.Context.StepFunctions.Execution(executionArn) is { Status: not "RUNNING" })
            {
                return;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"{executionArn} did not pass {stateName} within {options.RunTimeout.TotalSeconds:0} s");
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A unique execution name: the kind, its target, this world's run number and the time.</summary>
    private string NextName(string kind, string target) =>
        $"{kind}-{target}-{Interlocked.Increment(ref _runs).ToString(CultureInfo.InvariantCulture)}-{DateTimeOffset.UtcNow:HHmmss}";

    /// <summary>The execution input for a failover to <paramref name="target"/>; <paramref name="planned"/> makes it a planned move.</summary>
    public static string Input(string target, string? reason = null, bool planned = false) =>
        EfsDrJson.SerializeRequest(new FailoverRequest { TargetServer = target, Reason = reason, Planned = planned });

    /// <summary>Runs a reprotect in <paramref name="primaryRegion"/>'s state machine (a reprotect runs in the primary's region)
    /// and records it; the run's target column names the replica's region.</summary>
    public async Task<RunRecord> ReprotectAsync(string label, string primaryRegion, string reason, List<RunRecord> runs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var name = NextName("reprotect", primaryRegion);
        var input = ReprotectJson.SerializeRequest(new ReprotectRequest { Reason = reason });
        var replicaRegion = topology.Configuration.Regions.First(r => r != primaryRegion);
        output($"• reprotect from {primaryRegion} into {replicaRegion}");
        var run = await Driver.RunAsync(topology.ReprotectStateMachineIn(primaryRegion), name, input, label, replicaRegion, line => output("  " + line), RunTimeout, cancellationToken).ConfigureAwait(false);
        runs.Add(run);
        return run;
    }

    /// <summary>The copies in <paramref name="region"/> whose Name is exactly the cluster's (as the emulator holds them).</summary>
    public IReadOnlyList<FileSystemSnapshot> CopiesNamed(string region) =>
        [.. cloud.Context.Efs.FileSystems(region).Where(f => f.Name == topology.Configuration.FileSystem.Name)];

    /// <summary>The one copy in <paramref name="region"/> carrying the cluster's Name.</summary>
    /// <exception cref="InvalidOperationException">None, or more than one.</exception>
    public FileSystemSnapshot NamedCopy(string region) => CopiesNamed(region) is [var one]
        ? one
        : throw new InvalidOperationException($"{region} has {CopiesNamed(region).Count} copies named {topology.Configuration.FileSystem.Name}");

    /// <summary>The servers whose application (the S3 server) runs now.</summary>
    public IReadOnlyList<string> ServersServing() =>
        [.. topology.Servers.Where(s => cloud.Context.Ssm.ApplicationPid(s.InstanceId) is not null).Select(s => s.Name)];

    /// <summary>Starts the failover to <paramref name="target"/> twice at the same moment, as two nodes or operators would,
    /// through the operator's starter; follows what they started. Returns the run and both starts' execution ARNs.</summary>
    public async Task<(RunRecord Run, IReadOnlyList<string> Starts)> FailoverStartedTwiceAsync(string label, string target, List<RunRecord> runs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var server = topology.Configuration.Server(target)!;
        output($"• fail over to {target} ({server.Region}), started twice at once");
        var starter = FailoverStarter.Create(adapters.Executions, adapters.Parameters, "efsdr-failover", topology.Configuration.FileSystem.Name, server.Region);
        var input = Input(target);
        var both = await Task.WhenAll(
            starter.StartOrJoinAsync(topology.Configuration, server, input, cancellationToken),
            starter.StartOrJoinAsync(topology.Configuration, server, input, cancellationToken)).ConfigureAwait(false);
        var run = await FollowAsync(both[0].ExecutionArn, label, target, cancellationToken).ConfigureAwait(false);
        runs.Add(run);
        return (run, [.. both.Select(b => b.ExecutionArn)]);
    }

    /// <summary>How many executions the state machine of <paramref name="target"/>'s region has (every status).</summary>
    public async Task<int> ExecutionCountAsync(string target, CancellationToken cancellationToken)
    {
        var count = 0;
        string? token = null;
        do
        {
            var page = await adapters.Executions.ListAsync(topology.StateMachineFor(target), null, token, cancellationToken).ConfigureAwait(false);
            count += page.Items.Count;
            token = page.NextToken;
        }
        while (token is not null);

        return count;
    }

    /// <summary>Stops the application and unmounts on a node, as EXPRESSCLUSTER's stop script does (through SSM).</summary>
    public async Task DeactivateAsync(string server, CancellationToken cancellationToken)
    {
        var node = topology.Server(server);
        var parameters = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["Action"] = ["deactivate"],
            ["FileSystemId"] = [MountedOrNamed(node)],
            ["Region"] = [node.Region],
            ["MountPoint"] = [topology.Configuration.FileSystem.MountPoint],
            ["Unit"] = [topology.Configuration.Application.Unit],
        };
        var commandId = await adapters.NodeCommands.SendAsync(node.Region, node.InstanceId, new NodeCommand(LocalTopology.NodeDocument, parameters, "drill: stop the group"), cancellationToken).ConfigureAwait(false);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                var invocation = await adapters.NodeCommands.GetInvocationAsync(node.Region, commandId, node.InstanceId, cancellationToken).ConfigureAwait(false);
                if (invocation.IsTerminal)
                {
                    if (invocation.Status != CommandStatus.Success)
                    {
                        throw new InvalidOperationException($"deactivate on {server}: {invocation.Status}: {invocation.StandardError}");
                    }

                    output($"  {server}: application stopped, file system unmounted");
                    return;
                }
            }
            catch (NodeCommandNotFoundException)
            {
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"deactivate on {server} did not finish within 60 s");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The file system mounted on <paramref name="node"/>, or else the copy carrying the Name in its region.</summary>
    private string MountedOrNamed(DrillServer node) =>
        cloud.Context.Ssm.Mounts(node.InstanceId).Select(m => m.FileSystemId).FirstOrDefault()
        ?? CopiesNamed(node.Region).Select(f => f.FileSystemId).FirstOrDefault()
        ?? (node.Region == "us-east-1" ? topology.PrimaryFileSystemId : topology.ReplicaFileSystemId);

    /// <summary>An S3 client for the address the DNS record holds now, read through Route 53's API.</summary>
    public async Task<S3Probe> S3AtRecordAsync(CancellationToken cancellationToken)
    {
        var record = await adapters.Dns.GetRecordAsync(topology.HostedZoneId, LocalTopology.RecordName, "A", cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"{LocalTopology.RecordName} has no A record");
        return new S3Probe(record.Values[0]);
    }

    /// <summary>The replication status seen from a file system, or null when it takes part in none.</summary>
    public async Task<ReplicationStatus?> ReplicationStatusAsync(string region, string fileSystemId, CancellationToken cancellationToken)
    {
        var all = await adapters.Replications.DescribeReplicationsAsync(region, fileSystemId, cancellationToken).ConfigureAwait(false);
        return all.Count == 0 ? null : all[0].Destination.Status;
    }

    /// <summary>Waits until the replica's LastReplicatedTimestamp is after <paramref name="after"/>; returns it.</summary>
    public Task<DateTimeOffset> WaitForReplicationAfterAsync(string replicaId, DateTimeOffset after, CancellationToken cancellationToken) =>
        WaitForReplicationAfterAsync("us-west-2", replicaId, after, cancellationToken);

    /// <summary>Waits until the replica in <paramref name="region"/> has a LastReplicatedTimestamp after <paramref name="after"/>; returns it.</summary>
    public async Task<DateTimeOffset> WaitForReplicationAfterAsync(string region, string replicaId, DateTimeOffset after, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (true)
        {
            var all = await adapters.Replications.DescribeReplicationsAsync(region, replicaId, cancellationToken).ConfigureAwait(false);
            if (all.Count > 0 && all[0].Destination.LastReplicatedTimestamp is { } last && last > after)
            {
                return last;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException("replication did not catch up within 60 s");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }
}
