using System.Text.Json;
using Amazon.Runtime;
using EfsDr.Aws;
using EfsDr.Aws.Http;
using EfsDr.Core.Failover;
using EfsDr.Drill;
using EfsDr.LocalCloud.Hosting;
using EfsDr.Runs;

namespace EfsDr.Cli.Tests.EndToEnd;

/// <summary>A seeded local cloud with the group started on server1 and test.txt/test2.txt in bucket test, replicated.</summary>
public sealed class LocalWorld : IAsyncDisposable
{
    private LocalWorld(LocalCloudHost cloud, DrillWorld world, AwsAdapters adapters, List<string> log)
    {
        Cloud = cloud;
        World = world;
        Adapters = adapters;
        Log = log;
    }

    /// <summary>The cloud.</summary>
    public LocalCloudHost Cloud { get; }

    /// <summary>The drill's handles (topology, failover, S3 at the record, deactivate).</summary>
    public DrillWorld World { get; }

    /// <summary>Clients of the cloud.</summary>
    public AwsAdapters Adapters { get; }

    /// <summary>Everything printed so far (shown when a test fails).</summary>
    public List<string> Log { get; }

    /// <summary>Runs recorded so far.</summary>
    public List<RunRecord> Runs { get; } = [];

    /// <summary>Skips (locally) or fails (CI=true) when the Node tooling is missing.</summary>
    public static void RequireNodeTooling()
    {
        var root = LocalCloudHost.FindRepositoryRoot();
        foreach (var tool in new[] { "aws-local-stepfunctions", "s3rver" })
        {
            if (!Directory.Exists(Path.Combine(root, "node_modules", tool)))
            {
                var reason = $"node_modules/{tool} is missing: run npm ci at the repository root";
                if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
                {
                    Assert.Fail(reason + " (CI=true)");
                }

                Assert.Skip(reason);
            }
        }
    }

    /// <summary>
    /// The end-to-end worlds' cloud: ×60 (a simulated minute per real second), the scale the drill runs at, so that the
    /// simulated budgets mean what they mean in production (a 60 s function timeout is a real second, far more than a
    /// handler's calls take; a node script of about a real second is a simulated minute, inside its 300 s budget). The
    /// physical durations no test depends on are shortened to keep the project fast: a 2-minute promotion (seen by the
    /// first sparse check, 3 minutes after the delete request, when the file system has no history), and a quicker
    /// replication lag, enabling and DNS propagation. A test that needs the defaults passes its own options.
    /// </summary>
    public static LocalCloudOptions Options { get; } = new()
    {
        TimeScale = 60,
        ReplicationDeletion = TimeSpan.FromMinutes(2),
        ReplicationEnabling = TimeSpan.FromMinutes(1),
        ReplicationLag = TimeSpan.FromSeconds(30),
        DnsPropagation = TimeSpan.FromSeconds(20),
    };

    /// <summary>Starts a world on <see cref="Options"/>.</summary>
    public static Task<LocalWorld> StartAsync(CancellationToken cancellationToken) => StartAsync(Options, cancellationToken);

    /// <summary>Starts a cloud, seeds it, starts the group on server1 and writes test.txt and test2.txt (replicated).</summary>
    public static async Task<LocalWorld> StartAsync(LocalCloudOptions options, CancellationToken cancellationToken)
    {
        RequireNodeTooling();
        var log = new List<string>();
        void Output(string line)
        {
            lock (log)
            {
                log.Add(line);
            }
        }

        var cloud = await LocalCloudHost.StartAsync(options, cancellationToken: cancellationToken);
        var topology = await LocalTopology.SeedAsync(cloud.Context, Output, cancellationToken);
        var adapters = new AwsAdapters(
            new BasicAWSCredentials("local", "local"),
            new EndpointResolver(n => n == "AWS_ENDPOINT_URL" ? cloud.Endpoint.ToString() : null),
            new AwsRetryOptions { MaxAttempts = 6, BaseDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromSeconds(1) });
        // Its follower runs on the cloud's clock (simulated); the run timeout is real time.
        var world = new DrillWorld(cloud, topology, adapters, new DrillOptions { TimeScale = options.TimeScale, RunTimeout = TimeSpan.FromMinutes(2) }, Output);
        var result = new LocalWorld(cloud, world, adapters, log);
        var start = await world.FailoverAsync("start", "server1", null, result.Runs, cancellationToken);
        Assert.True(start.Succeeded, $"starting the group on server1 failed: {start.Execution.Error} {start.Execution.Cause}\n{string.Join('\n', log)}");
        using (var s3 = await world.S3AtRecordAsync(cancellationToken))
        {
            await s3.EnsureBucketAsync("test", cancellationToken);
            await s3.PutAsync("test", "test.txt", "one", cancellationToken);
            // Compared with LastReplicatedTimestamp: the cloud's simulated time, ahead of the real clock.
            var written = cloud.Context.Clock.Now;
            await s3.PutAsync("test", "test2.txt", "two", cancellationToken);
            await world.WaitForReplicationAfterAsync(topology.ReplicaFileSystemId, written.AddSeconds(1), cancellationToken);
        }

        return result;
    }

    /// <summary>Asserts that both files are readable at the record's address, and that it is <paramref name="server"/>'s.</summary>
    public async Task AssertFilesServedByAsync(string server, CancellationToken cancellationToken)
    {
        using var s3 = await World.S3AtRecordAsync(cancellationToken);
        Assert.Equal(World.Topology.Server(server).Address, s3.Address);
        Assert.Equal("one", await s3.GetAsync("test", "test.txt", cancellationToken));
        Assert.Equal("two", await s3.GetAsync("test", "test2.txt", cancellationToken));
    }

    /// <summary>Writes the world's cluster configuration to a temporary file for <c>efsdr --config</c> (delete it after), and
    /// gives the CLI the local cloud's credentials.</summary>
    public async Task<string> ConfigFileAsync(CancellationToken cancellationToken)
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "local");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "local");
        var config = Path.Combine(Path.GetTempPath(), $"efsdr-config-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(World.Topology.Configuration, StrictJsonContext.Default.ClusterConfiguration), cancellationToken);
        return config;
    }

    /// <summary>Runs <c>efsdr</c> in-process against this cloud with <paramref name="config"/>; returns its exit code and output.</summary>
    public async Task<(int Exit, string Out, string Err)> EfsdrAsync(string config, CancellationToken cancellationToken, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var all = args.Concat(["--endpoint-url", Cloud.Endpoint.ToString(), "--config", config]).ToArray();
        var exit = await Program.InvokeAsync(all, output, error, cancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>The log, for failure messages.</summary>
    public string Transcript()
    {
        lock (Log)
        {
            return string.Join('\n', Log);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Adapters.Dispose();
        await Cloud.DisposeAsync();
    }
}
