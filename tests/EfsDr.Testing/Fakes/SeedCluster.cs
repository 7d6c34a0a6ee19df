using EfsDr.Core.Configuration;
using EfsDr.Core.Model;

namespace EfsDr.Testing.Fakes;

/// <summary>The seed article's topology: server1/server2 in us-east-1 (Main), server3 in us-west-2 (Sub), DRTest-EFS1 replicated east → west.</summary>
public static class SeedCluster
{
    public const string PrimaryId = "fs-0aaaaaaaaaaaaaaa1";
    public const string ReplicaId = "fs-0bbbbbbbbbbbbbbb2";

    public static ClusterConfiguration Configuration() => new()
    {
        FileSystem = new FileSystemSettings { Name = "DRTest-EFS1", MountPoint = "/mnt/efs", MountMethod = MountMethod.EfsUtils },
        Servers =
        [
            new ServerSettings { Name = "server1", Group = "Main", Region = "us-east-1", InstanceId = "i-0123456789abcdef1", PrivateIp = "10.60.110.10" },
            new ServerSettings { Name = "server2", Group = "Main", Region = "us-east-1", InstanceId = "i-0123456789abcdef2", PrivateIp = "10.60.120.10" },
            new ServerSettings { Name = "server3", Group = "Sub", Region = "us-west-2", InstanceId = "i-0123456789abcdef3", PrivateIp = "10.70.110.10" },
        ],
        Dns = new DnsSettings { HostedZoneId = "Z0123456789ABCDEFGHIJ", RecordName = "drtest.example.com", Ttl = 300, FailoverTtl = 30 },
    };

    /// <summary>A cloud with the primary, the replica (ENABLED, last synced at <paramref name="lastSync"/>), mount targets, online nodes and the record on server1.</summary>
    public static InMemoryCloud Cloud(DateTimeOffset lastSync)
    {
        var cloud = new InMemoryCloud();
        cloud.AddFileSystem("us-east-1", PrimaryId, "DRTest-EFS1");
        cloud.AddFileSystem("us-west-2", ReplicaId, "DRTest-EFS1", OverwriteProtection.Replicating);
        cloud.Replicate("us-east-1", PrimaryId, "us-west-2", ReplicaId, ReplicationStatus.Enabled, lastSync);
        cloud.MountTargets.Add(new MountTarget("fsmt-1a", PrimaryId, "subnet-b2", "available", "10.60.110.5", "us-east-1a", "use1-az1"));
        cloud.MountTargets.Add(new MountTarget("fsmt-1b", PrimaryId, "subnet-b4", "available", "10.60.120.5", "us-east-1b", "use1-az2"));
        cloud.MountTargets.Add(new MountTarget("fsmt-2a", ReplicaId, "subnet-c2", "available", "10.70.110.5", "us-west-2a", "usw2-az1"));
        foreach (var (id, ip, az) in new[] { ("i-0123456789abcdef1", "10.60.110.10", "us-east-1a"), ("i-0123456789abcdef2", "10.60.120.10", "us-east-1b"), ("i-0123456789abcdef3", "10.70.110.10", "us-west-2a") })
        {
            cloud.Instances[id] = new InstanceInfo(id, ip, az, "running", "subnet-x");
            cloud.Ping[id] = PingStatus.Online;
        }

        cloud.Records["drtest.example.com"] = new DnsRecord("drtest.example.com.", "A", 300, ["10.60.110.10"]);
        return cloud;
    }
}
