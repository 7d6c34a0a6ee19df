using EfsDr.Core.Model;

namespace EfsDr.Core.Tests.Model;

/// <summary>Record names in Route 53's stored form (lower-case, trailing dot, <c>\ddd</c> escapes).</summary>
public sealed class DnsNameTests
{
    [Theory]
    [InlineData("drtest.example.com.", "drtest.example.com.")]
    [InlineData("Drtest.Example.com", "drtest.example.com.")]
    [InlineData("MinIO.Internal.Example.COM.", "minio.internal.example.com.")]
    [InlineData("*.Apps.example.com", @"\052.apps.example.com.")]
    [InlineData(@"\052.apps.example.com.", @"\052.apps.example.com.")]
    [InlineData(@"\104rtest.example.com", "drtest.example.com.")]
    [InlineData(@"a\@b.example.com", @"a\100b.example.com.")]
    [InlineData(@"a\.b.example.com", @"a\056b.example.com.")]
    [InlineData(@"a\056b.example.com.", @"a\056b.example.com.")]
    [InlineData("_dmarc.my-host.example.com", "_dmarc.my-host.example.com.")]
    [InlineData("ex\u00e4mple.com", @"ex\303\244mple.com.")]
    [InlineData(".", ".")]
    public void Canonical_Variants_GivesRoute53StoredForm(string name, string expected) =>
        Assert.Equal(expected, DnsName.Canonical(name));

    [Theory]
    [InlineData("Drtest.Example.com", "drtest.example.com.", true)]
    [InlineData("*.apps.example.com", @"\052.apps.example.com.", true)]
    [InlineData(@"a\.b.example.com", "a.b.example.com", false)]
    [InlineData("drtest.example.com", "drtest2.example.com", false)]
    [InlineData(null, "drtest.example.com", false)]
    public void Same_Pairs_ComparesStoredForms(string? left, string right, bool expected) =>
        Assert.Equal(expected, DnsName.Same(left, right));
}
