using System.Net;
using System.Text;
using System.Xml.Linq;
using EfsDr.Aws.Http;
using EfsDr.Aws.Route53;
using EfsDr.Aws.Tests.Support;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;

namespace EfsDr.Aws.Tests.Route53;

/// <summary>
/// Route53Client against moto_server: a real HTTP round trip through the signed pipeline to an independent
/// implementation of the Route 53 API. Each test creates its own hosted zone, so the tests share moto safely.
/// </summary>
[Trait("Category", "Contract")]
public sealed class Route53ContractTests(MotoServerFixture moto)
{
    private static readonly XNamespace Ns = Route53Client.XmlNamespace;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Creates a public hosted zone with a raw CreateHostedZone request and returns its id as Route 53 gives it (<c>/hostedzone/…</c>).</summary>
    private static async Task<(string Id, string Name)> CreateZoneAsync(SignedRequestPipeline pipeline)
    {
        var reference = Guid.NewGuid().ToString("N");
        var name = $"dr-{reference[..12]}.example.com";
        var body = new XElement(
            Ns + "CreateHostedZoneRequest",
            new XElement(Ns + "Name", name),
            new XElement(Ns + "CallerReference", reference));
        var response = await pipeline.SendAsync(
            AwsServiceInfo.Route53,
            Route53Client.Region,
            new AwsRequest(HttpMethod.Post, "/2013-04-01/hostedzone") { Body = Encoding.UTF8.GetBytes(body.ToString(SaveOptions.DisableFormatting)), Operation = "CreateHostedZone" },
            XmlErrorReader.Instance,
            Ct);
        Assert.Equal(HttpStatusCode.Created, response.Status);
        var id = XDocument.Parse(Encoding.UTF8.GetString(response.Body)).Descendants().First(e => e.Name.LocalName == "HostedZone").Elements().First(e => e.Name.LocalName == "Id").Value;
        Assert.StartsWith("/hostedzone/", id, StringComparison.Ordinal);
        return (id, name);
    }

    [Fact]
    public async Task UpsertARecordAsync_NewRecordThenNewAddress_ReadsBackEachValueAndTtl()
    {
        // Arrange
        var pipeline = moto.Pipeline();
        var client = new Route53Client(pipeline);
        var (zoneId, zoneName) = await CreateZoneAsync(pipeline);
        var record = $"minio.{zoneName}.";

        // Act
        var first = await client.UpsertARecordAsync(zoneId, record, "10.20.1.15", 30, "initial", Ct);
        var afterFirst = await client.GetRecordAsync(zoneId, record, "A", Ct);
        var second = await client.UpsertARecordAsync(zoneId, record, "10.20.2.15", 60, "DR failover to us-west-2", Ct);
        var afterSecond = await client.GetRecordAsync(zoneId.Replace("/hostedzone/", string.Empty, StringComparison.Ordinal), record, "A", Ct);

        // Assert
        Assert.DoesNotContain("/", first.ChangeId, StringComparison.Ordinal);
        Assert.DoesNotContain("/", second.ChangeId, StringComparison.Ordinal);
        Assert.NotNull(afterFirst);
        Assert.Equal(["10.20.1.15"], afterFirst.Values);
        Assert.Equal(30L, afterFirst.Ttl);
        Assert.Equal("A", afterFirst.Type);
        Assert.NotNull(afterSecond);
        Assert.Equal(["10.20.2.15"], afterSecond.Values);
        Assert.Equal(60L, afterSecond.Ttl);
        Assert.Equal(DnsName.Canonical(record), DnsName.Canonical(afterSecond.Name));
    }

    [Fact]
    public async Task GetChangeAsync_ChangeIdReturnedByUpsert_ReportsInSync()
    {
        // Arrange
        var pipeline = moto.Pipeline();
        var client = new Route53Client(pipeline);
        var (zoneId, zoneName) = await CreateZoneAsync(pipeline);
        var upsert = await client.UpsertARecordAsync(zoneId, $"minio.{zoneName}", "10.20.1.15", 30, null, Ct);

        // Act
        var change = await client.GetChangeAsync(upsert.ChangeId, Ct);
        var prefixed = await client.GetChangeAsync("/change/" + upsert.ChangeId, Ct);

        // Assert
        Assert.Equal(upsert.ChangeId, change.ChangeId);
        Assert.Equal(DnsChangeStatus.InSync, change.Status);
        Assert.Equal(upsert.ChangeId, prefixed.ChangeId);
        Assert.True(change.SubmittedAt > DateTimeOffset.UtcNow.AddHours(-1), $"SubmittedAt {change.SubmittedAt:O} is not recent");
    }

    [Fact]
    public async Task GetRecordAsync_OnlyALaterNameExists_ReturnsNull()
    {
        // Arrange: nas.<zone> sorts after minio.<zone>, so a list starting at minio.<zone> yields nas.<zone>.
        var pipeline = moto.Pipeline();
        var client = new Route53Client(pipeline);
        var (zoneId, zoneName) = await CreateZoneAsync(pipeline);
        await client.UpsertARecordAsync(zoneId, $"nas.{zoneName}", "10.20.1.16", 30, null, Ct);

        // Act
        var missing = await client.GetRecordAsync(zoneId, $"minio.{zoneName}", "A", Ct);
        var present = await client.GetRecordAsync(zoneId, $"nas.{zoneName}", "A", Ct);

        // Assert
        Assert.Null(missing);
        Assert.NotNull(present);
        Assert.Equal(["10.20.1.16"], present.Values);
    }

    [Fact]
    public async Task UpsertARecordAsync_UnknownZone_ThrowsNoSuchHostedZone()
    {
        var client = new Route53Client(moto.Pipeline());

        var upsert = await Assert.ThrowsAsync<DnsZoneNotFoundException>(() => client.UpsertARecordAsync("/hostedzone/ZNOSUCHZONE0001", "minio.example.com", "10.20.1.15", 30, null, Ct));
        var read = await Assert.ThrowsAsync<DnsZoneNotFoundException>(() => client.GetRecordAsync("ZNOSUCHZONE0001", "minio.example.com", "A", Ct));

        Assert.Equal(404, upsert.HttpStatus);
        Assert.Equal("NoSuchHostedZone", upsert.Code);
        Assert.Contains("ZNOSUCHZONE0001", upsert.Error.Message, StringComparison.Ordinal);
        Assert.Equal(404, read.HttpStatus);
    }
}
