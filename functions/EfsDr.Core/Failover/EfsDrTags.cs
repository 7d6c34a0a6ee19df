using System.Globalization;

namespace EfsDr.Core.Failover;

/// <summary>The tags EfsDr puts on a file system it promotes or fences, and how they are read.</summary>
public static class EfsDrTags
{
    /// <summary>promoting while the replication is being deleted, primary once writable.</summary>
    public const string Role = "efsdr:role";

    /// <summary>A number that grows with every promotion; the highest epoch is the current primary.</summary>
    public const string Epoch = "efsdr:epoch";

    /// <summary>The run that promoted it.</summary>
    public const string Run = "efsdr:run";

    /// <summary>When it became writable (ISO 8601).</summary>
    public const string PromotedAt = "efsdr:promoted-at";

    /// <summary>The source it was a replica of.</summary>
    public const string PromotedFrom = "efsdr:promoted-from";

    /// <summary>The epoch of the primary that superseded a fenced ex-primary.</summary>
    public const string FencedEpoch = "efsdr:fenced-epoch";

    /// <summary>The run (or <c>efsdr fence</c> invocation) that fenced it.</summary>
    public const string FencedBy = "efsdr:fenced-by";

    /// <summary>When it was fenced (ISO 8601).</summary>
    public const string FencedAt = "efsdr:fenced-at";

    /// <summary>Role value while the replication is being deleted.</summary>
    public const string Promoting = "promoting";

    /// <summary>Role value once the file system is writable.</summary>
    public const string Primary = "primary";

    /// <summary>Role value of an ex-primary made read-only (protection DISABLED) after a newer copy was promoted; its data is kept.</summary>
    public const string Fenced = "fenced";

    /// <summary>The epoch tag's value, or 0 when absent or not a number.</summary>
    public static long EpochOf(IReadOnlyDictionary<string, string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        return tags.TryGetValue(Epoch, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch) ? epoch : 0;
    }

    /// <summary>True when EfsDr promoted (or is promoting) this file system.</summary>
    public static bool PromotedByEfsDr(IReadOnlyDictionary<string, string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        return tags.TryGetValue(Role, out var role) && role is Promoting or Primary;
    }

    /// <summary>True when EfsDr tagged this file system as a fenced ex-primary.</summary>
    public static bool IsFenced(IReadOnlyDictionary<string, string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        return tags.TryGetValue(Role, out var role) && role == Fenced;
    }
}
