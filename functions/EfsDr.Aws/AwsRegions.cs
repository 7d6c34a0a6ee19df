using Amazon;

namespace EfsDr.Aws;

/// <summary>
/// The AWS regions as the SDK's own endpoint data (AWSSDK.Core's partitions) lists them, for checking region names in a
/// configuration: a typo such as <c>us-wset-2</c> is refused up front instead of failing later as "AWS unreachable".
/// The core takes <see cref="IsKnown"/> as a plain function; it references nothing of AWS.
/// </summary>
public static class AwsRegions
{
    private static readonly Lazy<HashSet<string>> Names = new(() =>
        [.. RegionEndpoint.EnumerableAllRegions.Select(r => r.SystemName).Where(IsRegionName)]);

    /// <summary>Every region the SDK knows, in every partition (aws, aws-cn, aws-us-gov, the isolated ones).</summary>
    public static IReadOnlyCollection<string> All => Names.Value;

    /// <summary>True when <paramref name="region"/> is one of <see cref="All"/>.</summary>
    public static bool IsKnown(string region) => region is not null && Names.Value.Contains(region);

    // The endpoint data also names pseudo-regions such as us-east-1-regional (an endpoint variant, not a region).
    private static bool IsRegionName(string name) => !name.EndsWith("-regional", StringComparison.Ordinal) && !name.StartsWith("aws-", StringComparison.Ordinal);
}
