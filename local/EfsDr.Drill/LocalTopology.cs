using System.Text.Json;
using EfsDr.Core.Configuration;
using EfsDr.Core.Failover;
using EfsDr.Functions.Handlers;
using EfsDr.LocalCloud.Hosting;
using EfsDr.Runs;

namespace EfsDr.Drill;

/// <summary>One server of the drill's cluster: name, group, region, AZ, instance id and loopback address.</summary>
public sealed record DrillServer(string Name, string Group, string Region, string AvailabilityZone, string InstanceId, string Address, string SubnetId);

/// <summary>The seeded world: what the drill and the end-to-end tests need to drive and inspect it.</summary>
public sealed record SeededTopology(
    ClusterConfiguration Configuration,
    IReadOnlyList<DrillServer> Servers,
    string PrimaryFileSystemId,
    string ReplicaFileSystemId,
    string HostedZoneId,
    IReadOnlyDictionary<string, string> StateMachineArns,
    IReadOnlyDictionary<string, string> ReprotectStateMachineArns)
{
    /// <summary>A server by name.</summary>
    public DrillServer Server(string name) => Servers.Single(s => s.Name == name);

    /// <summary>The failover state machine of the server's region (the execution runs in the TARGET region).</summary>
    public string StateMachineFor(string server) => StateMachineArns[Server(server).Region];

    /// <summary>The reprotect state machine of <paramref name="region"/> (a reprotect runs in the primary's region).</summary>
    public string ReprotectStateMachineIn(string region) => ReprotectStateMachineArns[region];
}

/// <summary>
/// Seeds the article's topology into a local cloud: server1 and server2 in us-east-1 (group Main, two AZs),
/// server3 in us-west-2 (group Sub); DRTest-EFS1 in us-east-1 replicated to a One Zone replica in us-west-2 that gets
/// the same Name tag and a mount target (as in the article's 3.1.4); drtest.example.com → server1; EfsDr's
/// configuration (with a mount-target subnet per node's AZ, for a reprotect into a new file system), functions, and the
/// failover and reprotect state machines deployed in both regions, as the template would.
/// </summary>
public static class LocalTopology
{
    /// <summary>The protected file system's name.</summary>
    public const string FileSystemName = "DRTest-EFS1";

    /// <summary>The record clients use.</summary>
    public const string RecordName = "drtest.example.com";

    /// <summary>The stack name EfsDr is "deployed" with in both regions (the README's default).</summary>
    public const string StackName = StackNames.Default;

    /// <summary>The failover state machine's name (the template's StateMachineName default).</summary>
    public const string FailoverStateMachineName = "efsdr-failover";

    /// <summary>The reprotect state machine's name (the template's ReprotectStateMachineName default).</summary>
    public const string ReprotectStateMachineName = "efsdr-reprotect";

    /// <summary>The node document's name, as the template names it for <see cref="StackName"/>.</summary>
    public const string NodeDocument = StackNames.DefaultNodeDocument;

    /// <summary>The configuration parameter's name, as the template names it for <see cref="StackName"/>.</summary>
    public static string ConfigParameter { get; } = StackNames.ConfigurationParameter(StackName);

    /// <summary>The security group of the mount targets in <paramref name="region"/>.</summary>
    public static string SecurityGroupIn(string region) => region == "us-east-1" ? "sg-0bbb1111" : "sg-0ccc1111";

    /// <summary>The drill's servers; their loopback addresses are their "private IPs".</summary>
    public static IReadOnlyList<DrillServer> Servers { get; } =
    [
        new("server1", "Main", "us-east-1", "us-east-1a", "i-0aaaaaaaaaaaaaaa1", "127.0.0.11", "subnet-0bbb222a"),
        new("server2", "Main", "us-east-1", "us-east-1b", "i-0aaaaaaaaaaaaaaa2", "127.0.0.12", "subnet-0bbb222b"),
        new("server3", "Sub", "us-west-2", "us-west-2a", "i-0aaaaaaaaaaaaaaa3", "127.0.0.13", "subnet-0ccc222a"),
    ];

    /// <summary>Seeds everything and waits until the replica has completed its first sync.</summary>
    public static async Task<SeededTopology> SeedAsync(LocalCloudContext cloud, Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cloud);
        progress ??= _ => { };
        foreach (var s in Servers)
        {
            cloud.Ec2.AddInstance(s.Region, s.InstanceId, s.AvailabilityZone, s.Address, s.SubnetId);
            cloud.Ssm.AddNode(s.Name, s.InstanceId, s.Region, s.Address);
        }

        progress($"nodes: {string.Join(", ", Servers.Select(s => $"{s.Name} {s.Address} ({s.Region}/{s.AvailabilityZone}, {s.Group})"))}");

        var primary = cloud.Efs.CreateFileSystem("us-east-1", FileSystemName);
        cloud.Efs.CreateMountTarget("us-east-1", primary, "subnet-0bbb222a", "us-east-1a");
        cloud.Efs.CreateMountTarget("us-east-1", primary, "subnet-0bbb222b", "us-east-1b");
        var replica = cloud.Efs.CreateReplica("us-east-1", primary, "us-west-2", "us-west-2a");
        cloud.Efs.TagFileSystem("us-west-2", replica, new Dictionary<string, string> { ["Name"] = FileSystemName });
        cloud.Efs.CreateMountTarget("us-west-2", replica, "subnet-0ccc222a", "us-west-2a");
        progress($"efs: {FileSystemName} {primary} (us-east-1) replicating to {replica} (us-west-2)");

        var zone = cloud.Route53.CreateHostedZone("example.com");
        cloud.Route53.UpsertRecord(zone, RecordName, "A", 300, [Server("server1").Address]);
        progress($"dns: {RecordName} A {Server("server1").Address} (zone {zone})");

        var configuration = new ClusterConfiguration
        {
            FileSystem = new FileSystemSettings { Name = FileSystemName, MountPoint = "/mnt/efs", MountMethod = MountMethod.EfsUtils },
            Servers = [.. Servers.Select(s => new ServerSettings { Name = s.Name, Group = s.Group, Region = s.Region, InstanceId = s.InstanceId, PrivateIp = s.Address })],
            Dns = new DnsSettings { HostedZoneId = zone, RecordName = RecordName, Ttl = 300, FailoverTtl = 30 },
            Budgets = new BudgetSettings { PromotionSeconds = BudgetSettings.DefaultPromotionSeconds, NodeCommandSeconds = 300, HealthSeconds = 30, DnsSeconds = 300 },
            MountTargets = [.. Servers.Select(s => new MountTargetSettings { Region = s.Region, SubnetId = s.SubnetId, SecurityGroups = [SecurityGroupIn(s.Region)] })],
        };
        ClusterConfigurationValidator.EnsureValid(configuration);
        var json = JsonSerializer.Serialize(configuration, StrictJsonContext.Default.ClusterConfiguration);

        var machines = new Dictionary<string, string>(StringComparer.Ordinal);
        var reprotectMachines = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var region in configuration.Regions)
        {
            cloud.Ssm.PutParameter(region, ConfigParameter, json);
            cloud.Ssm.PutParameter(region, StackNames.StackParametersParameter(StackName), StackParametersJson(configuration, region));
            var functions = cloud.Lambda.DeployFunctions(region, new Dictionary<string, string>
            {
                ["AWS_REGION"] = region,
                ["EFSDR_CONFIG_PARAMETER"] = ConfigParameter,
                ["EFSDR_NODE_DOCUMENT"] = NodeDocument,
            });
            var substitutions = functions.ToDictionary(f => SubstitutionName(f.Key), f => f.Value, StringComparer.Ordinal);
            machines[region] = cloud.StepFunctions.CreateStateMachine(region, FailoverStateMachineName, Path.Combine(cloud.RepositoryRoot, "statemachine", "failover.asl.json"), substitutions);
            reprotectMachines[region] = cloud.StepFunctions.CreateStateMachine(region, ReprotectStateMachineName, Path.Combine(cloud.RepositoryRoot, "statemachine", "reprotect.asl.json"), substitutions);
        }

        progress($"efsdr: configuration, functions and the failover and reprotect state machines deployed in {string.Join(" and ", machines.Keys)}");

        // A bound on the drill's own wait, in real time (the cloud's clock is simulated and runs ahead).
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30);
        while (cloud.Efs.Replication("us-west-2", replica)?.LastReplicatedTimestamp is null)
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException("The replica did not complete its first sync within 30 s.");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        progress("efs: replica ENABLED and in sync");
        return new SeededTopology(configuration, Servers, primary, replica, zone, machines, reprotectMachines);
    }

    /// <summary>What template.yaml's StackParametersParameter holds when the stack is deployed in <paramref name="region"/>
    /// with the values of <paramref name="configuration"/>.</summary>
    public static string StackParametersJson(ClusterConfiguration configuration, string region)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return JsonSerializer.Serialize(
            new StackParameters
            {
                ProtectedFileSystemName = configuration.FileSystem.Name,
                HostedZoneId = configuration.Dns.HostedZoneId,
                RecordName = configuration.Dns.RecordName.TrimEnd('.').ToLowerInvariant(),
                RpoSeconds = configuration.RpoSeconds,
                MountTargetSubnetIds = ConfigurationDrift.SubnetSet(configuration.MountTargetsIn(region).Select(m => m.SubnetId)),
            },
            StackParametersJsonContext.Default.StackParameters);
    }

    /// <summary>The DefinitionSubstitutions name of a handler: promote-replica → PromoteReplicaFunctionArn.</summary>
    public static string SubstitutionName(string handler) =>
        string.Concat(handler.Split('-').Select(p => char.ToUpperInvariant(p[0]) + p[1..])) + "FunctionArn";

    private static DrillServer Server(string name) => Servers.Single(s => s.Name == name);

    /// <summary>Every handler the state machine uses (for checks).</summary>
    public static IReadOnlyList<string> Handlers => FunctionNames.All;
}
