namespace EfsDr.Core.Health;

/// <summary>The checks of one area (replication, names, targets, DNS, protection): a pure function of what was read.</summary>
public interface IHealthCheck
{
    /// <summary>The findings of this area in <paramref name="snapshot"/>.</summary>
    IEnumerable<HealthFinding> Check(HealthSnapshot snapshot);
}
