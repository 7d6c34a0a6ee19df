using EfsDr.Core.Model;

namespace EfsDr.Core.Ports;

/// <summary>Route 53 records in a hosted zone (ids are given without the <c>/hostedzone/</c> or <c>/change/</c> prefix).</summary>
public interface IDnsRecords
{
    /// <summary>UPSERTs one A record with one value.</summary>
    Task<DnsChange> UpsertARecordAsync(string hostedZoneId, string recordName, string ipAddress, long ttlSeconds, string? comment, CancellationToken cancellationToken);

    /// <summary>The status of a change.</summary>
    Task<DnsChange> GetChangeAsync(string changeId, CancellationToken cancellationToken);

    /// <summary>The record set with exactly this name and type, or null when there is none.</summary>
    Task<DnsRecord?> GetRecordAsync(string hostedZoneId, string recordName, string recordType, CancellationToken cancellationToken);
}
