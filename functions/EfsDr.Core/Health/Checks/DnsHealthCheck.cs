using System.Globalization;

namespace EfsDr.Core.Health.Checks;

/// <summary>DNS: the record exists, names exactly one server of the cluster, and has the configured TTL.</summary>
public sealed class DnsHealthCheck : IHealthCheck
{
    /// <inheritdoc/>
    public IEnumerable<HealthFinding> Check(HealthSnapshot snapshot)
    {
        var settings = snapshot.Configuration.Dns;
        if (snapshot.Dns is not { } reading)
        {
            yield break;
        }

        if (reading.Record is not { } r)
        {
            yield return new HealthFinding(HealthFindingIds.DnsMissing, FindingSeverity.Critical,
                $"The A record {settings.RecordName} does not exist in zone {settings.HostedZoneId}; clients cannot reach the cluster.",
                "Create it pointing at the active server's private IP with the configured TTL.");
            yield break;
        }

        var active = snapshot.Configuration.Servers.Where(s => r.Values.Contains(s.PrivateIp, StringComparer.Ordinal)).ToList();
        yield return active.Count == 0 || r.Values.Count != 1
            ? new HealthFinding(HealthFindingIds.DnsForeign, FindingSeverity.Critical,
                $"The A record {settings.RecordName} holds {string.Join(", ", r.Values)}, {(active.Count == 0 ? "no server of the cluster" : "more than one value")}.",
                "UPSERT it to the active server's private IP (efsdr failover does this).")
            : new HealthFinding(HealthFindingIds.DnsActive, FindingSeverity.Info, $"{settings.RecordName} points at {active[0].Name} ({active[0].PrivateIp}, {active[0].Region}).", string.Empty);

        if (r.Ttl != settings.Ttl)
        {
            yield return new HealthFinding(HealthFindingIds.DnsTtl, FindingSeverity.Warning,
                $"The A record {settings.RecordName} has TTL {r.Ttl?.ToString(CultureInfo.InvariantCulture) ?? "none"}, not the configured {settings.Ttl.ToString(CultureInfo.InvariantCulture)} (a failover that stopped after LowerDnsTtl?).",
                $"Set its TTL back to {settings.Ttl.ToString(CultureInfo.InvariantCulture)}.");
        }
    }

    /// <summary>The server of the cluster that the record's first value names, if any.</summary>
    public static Configuration.ServerSettings? ActiveServer(HealthSnapshot snapshot) =>
        snapshot.Dns?.Record is { Values.Count: > 0 } r ? snapshot.Configuration.Servers.FirstOrDefault(s => s.PrivateIp == r.Values[0]) : null;
}
