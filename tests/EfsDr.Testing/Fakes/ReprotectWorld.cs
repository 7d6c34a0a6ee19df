using System.Globalization;
using EfsDr.Core.Configuration;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;

namespace EfsDr.Testing.Fakes;

/// <summary>The seed cluster after a failover to server3 (the us-west-2 copy promoted to epoch 1), in the shapes a reprotect starts from.</summary>
public static class ReprotectWorld
{
    public const string West = "us-west-2";
    public const string East = "us-east-1";

    /// <summary>The failover run that promoted the west copy (its efsdr:run) and, when fenced, fenced the east copy.</summary>
    public const string FailoverRun = "run-failover";

    /// <summary>The seed configuration with a mount-target subnet per availability zone of each region's nodes.</summary>
    public static ClusterConfiguration Configuration() => SeedCluster.Configuration() with
    {
        MountTargets =
        [
            new MountTargetSettings { Region = East, SubnetId = "subnet-0123456789abcdef1", SecurityGroups = ["sg-0123456789abcdef1"] },
            new MountTargetSettings { Region = East, SubnetId = "subnet-0123456789abcdef2", SecurityGroups = ["sg-0123456789abcdef1"] },
            new MountTargetSettings { Region = West, SubnetId = "subnet-0123456789abcdef3", SecurityGroups = ["sg-0123456789abcdef3"] },
        ],
    };

    /// <summary>After the failover: the replication is gone (ALL_CONFIGURATIONS) or orphaned in us-east-1
    /// (<paramref name="orphaned"/>: LOCAL_CONFIGURATION_ONLY); the west copy is the writable primary with epoch 1; the
    /// east copy (the ex-primary) is fenced by that failover's run when <paramref name="fenced"/>, otherwise still writable.</summary>
    public static InMemoryCloud AfterFailover(bool fenced, bool orphaned = false)
    {
        var cloud = SeedCluster.Cloud(DateTimeOffset.UnixEpoch.AddDays(1));
        if (orphaned)
        {
            cloud.OrphanAtSource(SeedCluster.PrimaryId);
        }
        else
        {
            cloud.CompleteDeletion(SeedCluster.PrimaryId);
        }

        Tag(cloud, West, SeedCluster.ReplicaId, new() { [EfsDrTags.Role] = EfsDrTags.Primary, [EfsDrTags.Epoch] = "1", [EfsDrTags.Run] = FailoverRun });
        if (fenced)
        {
            cloud.FileSystemsById[SeedCluster.PrimaryId] = cloud.FileSystemsById[SeedCluster.PrimaryId] with { Protection = OverwriteProtection.Disabled };
            Tag(cloud, East, SeedCluster.PrimaryId, new() { [EfsDrTags.Role] = EfsDrTags.Fenced, [EfsDrTags.FencedEpoch] = "1", [EfsDrTags.FencedBy] = FailoverRun });
        }

        cloud.SubnetZones["subnet-0123456789abcdef1"] = "us-east-1a";
        cloud.SubnetZones["subnet-0123456789abcdef2"] = "us-east-1b";
        cloud.SubnetZones["subnet-0123456789abcdef3"] = "us-west-2a";
        cloud.Writes.Clear();
        return cloud;
    }

    public static void Tag(InMemoryCloud cloud, string region, string id, Dictionary<string, string> tags) =>
        cloud.TagAsync(region, id, tags, CancellationToken.None).GetAwaiter().GetResult();

    public static string Epoch(long epoch) => epoch.ToString(CultureInfo.InvariantCulture);
}
