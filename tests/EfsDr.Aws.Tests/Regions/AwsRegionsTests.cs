namespace EfsDr.Aws.Tests.Regions;

/// <summary>The region list comes from AWSSDK.Core's endpoint data, not from a hand list.</summary>
public sealed class AwsRegionsTests
{
    [Theory]
    [InlineData("us-east-1")]
    [InlineData("us-west-2")]
    [InlineData("eu-central-2")]
    [InlineData("cn-north-1")]
    [InlineData("us-gov-west-1")]
    public void IsKnown_RealRegion_IsTrue(string region) => Assert.True(AwsRegions.IsKnown(region));

    [Theory]
    [InlineData("us-wset-2")]
    [InlineData("us-west-22")]
    [InlineData("US-WEST-2")]
    [InlineData("us-east-1-regional")]
    [InlineData("aws-global")]
    [InlineData("")]
    public void IsKnown_TypoOrPseudoRegion_IsFalse(string region) => Assert.False(AwsRegions.IsKnown(region));

    [Fact]
    public void All_ComesFromTheSdksPartitions()
    {
        Assert.Equal(
            Amazon.RegionEndpoint.EnumerableAllRegions.Select(r => r.SystemName).Where(n => !n.EndsWith("-regional", StringComparison.Ordinal) && !n.StartsWith("aws-", StringComparison.Ordinal)).Order(StringComparer.Ordinal),
            AwsRegions.All.Order(StringComparer.Ordinal));
        Assert.True(AwsRegions.All.Count > 30, string.Join(", ", AwsRegions.All));
    }
}
