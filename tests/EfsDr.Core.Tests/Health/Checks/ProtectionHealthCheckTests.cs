using EfsDr.Core.Health;
using EfsDr.Core.Health.Checks;
using EfsDr.Core.Model;
using static EfsDr.Core.Tests.Health.Checks.Snapshots;

namespace EfsDr.Core.Tests.Health.Checks;

public sealed class ProtectionHealthCheckTests
{
    private readonly ProtectionHealthCheck _check = new();

    [Fact]
    public void Check_PrimaryEnabledReplicaReplicating_FindsNothing()
    {
        Assert.Empty(_check.Check(Healthy()));
    }

    [Fact]
    public void Check_ReplicaWritable_ReportsCriticalProtectionReplica()
    {
        var config = Config(Primary, "us-west-2", Replica.FileSystemId);
        var writable = Fs("us-west-2", Replica.FileSystemId, OverwriteProtection.Disabled);
        var snapshot = With([Primary], [writable], [new(Primary, [config]), new(writable, [config])]);

        Assert.Contains("DISABLED, not REPLICATING", Single(_check, snapshot, HealthFindingIds.ProtectionReplica).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_ReplicaNotReplicatingWhileDeleting_FindsNothing()
    {
        var config = Config(Primary, "us-west-2", Replica.FileSystemId, ReplicationStatus.Deleting);
        var writable = Fs("us-west-2", Replica.FileSystemId, OverwriteProtection.Disabled);
        var snapshot = With([Primary], [writable], [new(Primary, [config]), new(writable, [config])]);

        Assert.Empty(_check.Check(snapshot));
    }

    [Fact]
    public void Check_PrimaryNotEnabledAndUnavailable_ReportsBoth()
    {
        var primary = Fs("us-east-1", Primary.FileSystemId, OverwriteProtection.Disabled, state: "updating");
        var config = Config(primary, "us-west-2", Replica.FileSystemId);
        var snapshot = With([primary], [Replica], [new(primary, [config]), new(Replica, [config])]);

        Assert.Equal(FindingSeverity.Critical, Single(_check, snapshot, HealthFindingIds.ProtectionSource).Severity);
        Assert.Contains("'updating'", Single(_check, snapshot, HealthFindingIds.FileSystemUnavailable).Message, StringComparison.Ordinal);
    }
}
