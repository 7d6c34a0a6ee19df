namespace EfsDr.Core.Model;

/// <summary>Route 53 change status.</summary>
public enum DnsChangeStatus
{
    /// <summary>Not yet on every authoritative server.</summary>
    Pending,
    /// <summary>Propagated.</summary>
    InSync,
}

/// <summary>A submitted DNS change (ids without the <c>/change/</c> prefix).</summary>
public sealed record DnsChange(string ChangeId, DnsChangeStatus Status, DateTimeOffset SubmittedAt, string? Comment);

/// <summary>A DNS record set: name as returned (FQDN with trailing dot), type, TTL and values.</summary>
public sealed record DnsRecord(string Name, string Type, long? Ttl, IReadOnlyList<string> Values);
