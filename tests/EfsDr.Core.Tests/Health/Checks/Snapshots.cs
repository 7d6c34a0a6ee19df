using EfsDr.Core.Health;
using EfsDr.Core.Model;
using EfsDr.Testing.Fakes;

namespace EfsDr.Core.Tests.Health.Checks;

/// <summary>Hand-built snapshots of the seed cluster, for the pure checks of each area.</summary>
internal static class Snapshots
{
    public static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    public static FileSystem Fs(string region, string id, OverwriteProtection protection, string state = "available", int epoch = 0) =>
        new(region, id, $"arn:aws:elasticfilesystem:{region}:111122223333:file-system/{id}", "DRTest-EFS1", state, protection, null, 1, Now.AddDays(-1),
            new Dictionary<string, string>(StringComparer.Ordinal) { ["Name"] = "DRTest-EFS1", ["efsdr:epoch"] = epoch.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    public static ReplicationConfiguration Config(FileSystem source, string destinationRegion, string destinationId, ReplicationStatus status = ReplicationStatus.Enabled, double? lagSeconds = 60) =>
        new(source.FileSystemId, source.Region, source.Arn, source.Arn, Now.AddDays(-1),
            [new ReplicationDestination(status, destinationId, destinationRegion, lagSeconds is { } l ? Now.AddSeconds(-l) : null, null, null, null)], null);

    public static FileSystem Primary => Fs("us-east-1", SeedCluster.PrimaryId, OverwriteProtection.Enabled);

    public static FileSystem Replica => Fs("us-west-2", SeedCluster.ReplicaId, OverwriteProtection.Replicating);

    /// <summary>The primary replicated to the replica, both sides listing <paramref name="config"/> (by default ENABLED, 60 s behind).</summary>
    public static HealthSnapshot Healthy(ReplicationConfiguration? config = null)
    {
        config ??= Config(Primary, "us-west-2", SeedCluster.ReplicaId);
        return With([Primary], [Replica], [new(Primary, [config]), new(Replica, [config])]);
    }

    public static HealthSnapshot With(IReadOnlyList<FileSystem> east, IReadOnlyList<FileSystem> west, IReadOnlyList<ReplicationSide> sides) => new()
    {
        Configuration = SeedCluster.Configuration(),
        Now = Now,
        ByRegion = new Dictionary<string, IReadOnlyList<FileSystem>>(StringComparer.Ordinal) { ["us-east-1"] = east, ["us-west-2"] = west },
        Sides = sides,
    };

    public static HealthFinding Single(IHealthCheck check, HealthSnapshot snapshot, string id) => Assert.Single(check.Check(snapshot), f => f.Id == id);
}
