using System.Text.Json;
using Amazon.Runtime;
using EfsDr.Aws;
using EfsDr.Aws.Http;
using EfsDr.Core.Failover;
using EfsDr.LocalCloud.Hosting;
using EfsDr.Runs;

namespace EfsDr.Drill;

/// <summary>How <c>efsdr-drill up</c> starts its world.</summary>
public sealed record LocalWorldOptions
{
    /// <summary>The default configuration file, relative to the working directory.</summary>
    public static readonly string DefaultConfigFile = Path.Combine("artifacts", "local-world", "cluster.json");

    /// <summary>Port of the local cloud's endpoint on 127.0.0.1; 0 for any free port.</summary>
    public int Port { get; init; } = UpCommand.DefaultPort;

    /// <summary>Simulated seconds per real second.</summary>
    public double TimeScale { get; init; } = 60;

    /// <summary>Where the cluster configuration for <c>efsdr</c> is written (removed when the world stops).</summary>
    public string ConfigFile { get; init; } = DefaultConfigFile;

    /// <summary>How long starting the group on server1 may take.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromMinutes(3);
}

/// <summary>A seeded local world kept running: the local cloud on its loopback addresses, the article's topology, the group
/// started on server1 and the cluster configuration written to a file, for <c>efsdr</c> to be pointed at.</summary>
public sealed class LocalWorldHost : IAsyncDisposable
{
    private readonly AwsAdapters _adapters;

    private LocalWorldHost(LocalCloudHost cloud, SeededTopology topology, AwsAdapters adapters, string configFile)
    {
        Cloud = cloud;
        Topology = topology;
        _adapters = adapters;
        ConfigFile = configFile;
    }

    /// <summary>The local cloud.</summary>
    public LocalCloudHost Cloud { get; }

    /// <summary>The seeded topology.</summary>
    public SeededTopology Topology { get; }

    /// <summary>The absolute path of the cluster configuration written for <c>efsdr</c>.</summary>
    public string ConfigFile { get; }

    /// <summary>The endpoint for AWS_ENDPOINT_URL / --endpoint-url, without a trailing slash.</summary>
    public string Endpoint => Cloud.Endpoint.ToString().TrimEnd('/');

    /// <summary>The environment that points <c>efsdr</c> at this world, in the order printed.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment =>
    [
        new("AWS_ENDPOINT_URL", Endpoint),
        new("AWS_ACCESS_KEY_ID", "local"),
        new("AWS_SECRET_ACCESS_KEY", "local"),
        new("AWS_REGION", Topology.Server("server1").Region),
        new("EFSDR_CONFIG_FILE", ConfigFile),
    ];

    /// <summary>Starts the cloud, seeds it, starts the group on server1 and writes the configuration file. Throws
    /// <see cref="InvalidOperationException"/> when the group could not be started (the world is disposed then).</summary>
    public static async Task<LocalWorldHost> StartAsync(LocalWorldOptions options, Action<string> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        output($"efsdr-drill up: starting the local cloud (time scale ×{options.TimeScale:0})");
        var cloud = await LocalCloudHost.StartAsync(new LocalCloudOptions { TimeScale = options.TimeScale }, options.Port, cancellationToken: cancellationToken).ConfigureAwait(false);
        AwsAdapters? adapters = null;
        try
        {
            var topology = await LocalTopology.SeedAsync(cloud.Context, line => output("  " + line), cancellationToken).ConfigureAwait(false);
            adapters = new AwsAdapters(
                new BasicAWSCredentials("local", "local"),
                new EndpointResolver(n => n == "AWS_ENDPOINT_URL" ? cloud.Endpoint.ToString() : null),
                new AwsRetryOptions { MaxAttempts = 6, BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(2), AttemptTimeout = TimeSpan.FromSeconds(15) });
            var world = new DrillWorld(cloud, topology, adapters, new DrillOptions { TimeScale = options.TimeScale, RunTimeout = options.StartTimeout }, output);
            var start = await world.FailoverAsync("start", "server1", null, [], cancellationToken).ConfigureAwait(false);
            if (!start.Succeeded)
            {
                throw new InvalidOperationException($"starting the group on server1 failed: {start.Reason}");
            }

            var configFile = Path.GetFullPath(options.ConfigFile);
            Directory.CreateDirectory(Path.GetDirectoryName(configFile)!);
            await File.WriteAllTextAsync(configFile, JsonSerializer.Serialize(topology.Configuration, StrictJsonContext.Default.ClusterConfiguration), cancellationToken).ConfigureAwait(false);
            return new LocalWorldHost(cloud, topology, adapters, configFile);
        }
        catch
        {
            adapters?.Dispose();
            await cloud.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>What <c>up</c> prints once the world is up: where it is, the environment for <c>efsdr</c>, and commands to try.</summary>
    public IReadOnlyList<string> Instructions()
    {
        var servers = string.Join(", ", Topology.Servers.Select(s => $"{s.Name} {s.Address} ({s.Region})"));
        return
        [
            string.Empty,
            $"EfsDr local world is up: the local cloud on {Endpoint}; {servers}; the group runs on server1 ({LocalTopology.RecordName} → {Topology.Server("server1").Address}).",
            $"Cluster configuration: {ConfigFile}",
            string.Empty,
            "Point efsdr at it (bash):",
            .. Environment.Select(e => $"  export {e.Key}={e.Value}"),
            $"or give each command --endpoint-url {Endpoint} --config {ConfigFile} (and the credentials above).",
            string.Empty,
            "Then, for example:",
            "  efsdr status",
            "  efsdr plan --to server3",
            "  efsdr failover --to server3 --wait",
            "  efsdr runs",
            "(efsdr: artifacts/cli/efsdr after tools/publish-cli.sh, or dotnet run --project cli/EfsDr.Cli --)",
            string.Empty,
            "Ctrl-C (or SIGTERM) stops the world.",
        ];
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _adapters.Dispose();
        await Cloud.DisposeAsync().ConfigureAwait(false);
        File.Delete(ConfigFile);
    }
}
