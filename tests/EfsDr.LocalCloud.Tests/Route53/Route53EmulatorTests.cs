using System.Text;
using System.Xml.Linq;
using EfsDr.Aws.Http;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.LocalCloud.Hosting;
using EfsDr.LocalCloud.Route53;
using EfsDr.LocalCloud.Tests.Support;

namespace EfsDr.LocalCloud.Tests.Route53;

/// <summary>The Route 53 emulator through EfsDr's real Route 53 client, plus raw signed calls for what the client never sends.</summary>
public sealed class Route53EmulatorTests : IAsyncLifetime
{
    private const string Zone = "internal.example.com";
    private const string Record = "minio.internal.example.com";
    private static readonly XNamespace Ns = "https://route53.amazonaws.com/doc/2013-04-01/";
    private CloudHarness _harness = null!;
    private string _zoneId = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Route53Emulator Dns => _harness.Context.Route53;

    /// <summary>At 600×, a change stays PENDING for two real seconds.</summary>
    public async ValueTask InitializeAsync()
    {
        _harness = await CloudHarness.StartAsync(new LocalCloudOptions { TimeScale = 600, DnsPropagation = TimeSpan.FromMinutes(20) });
        _zoneId = Dns.CreateHostedZone(Zone);
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task UpsertARecordAsync_NewRecord_PendingThenInSync()
    {
        var before = _harness.Context.Clock.Now;
        var change = await _harness.Aws.Dns.UpsertARecordAsync(_zoneId, Record, "10.20.1.15", 30, "DR failover to us-west-2", Ct);
        var after = _harness.Context.Clock.Now;

        Assert.Equal(DnsChangeStatus.Pending, change.Status);
        Assert.StartsWith("C", change.ChangeId);
        Assert.Equal("DR failover to us-west-2", change.Comment);
        Assert.InRange(change.SubmittedAt, before.AddSeconds(-1), after); // the cloud's simulated time
        Assert.Equal(DnsChangeStatus.Pending, (await _harness.Aws.Dns.GetChangeAsync("/change/" + change.ChangeId, Ct)).Status);
        var record = Dns.Record(_zoneId, Record, "A");
        Assert.Equal(["10.20.1.15"], record!.Values);
        Assert.Equal(30, record.Ttl);
        await Eventually.True(async () => (await _harness.Aws.Dns.GetChangeAsync(change.ChangeId, Ct)).Status == DnsChangeStatus.InSync, "the change is INSYNC");
    }

    [Fact]
    public async Task UpsertARecordAsync_ExistingRecord_ReplacesValue()
    {
        Dns.UpsertRecord(_zoneId, Record, "A", 60, ["10.10.1.15"]);

        await _harness.Aws.Dns.UpsertARecordAsync("/hostedzone/" + _zoneId, Record + ".", "10.20.1.15", 30, null, Ct);

        var record = await _harness.Aws.Dns.GetRecordAsync(_zoneId, Record, "A", Ct);
        Assert.Equal(["10.20.1.15"], record!.Values);
        Assert.Equal(30, record.Ttl);
    }

    [Fact]
    public async Task GetRecordAsync_ExactNameAnySpelling_ReturnsRecordWithTrailingDot()
    {
        Dns.UpsertRecord(_zoneId, Record, "A", 30, ["10.20.1.15"]);
        Dns.UpsertRecord(_zoneId, "nas.internal.example.com", "A", 30, ["10.20.1.16"]);

        foreach (var spelling in new[] { Record, Record + ".", "MinIO.Internal.Example.COM" })
        {
            var record = await _harness.Aws.Dns.GetRecordAsync(_zoneId, spelling, "a", Ct);
            Assert.Equal(Record + ".", record!.Name);
            Assert.Equal("A", record.Type);
            Assert.Equal(["10.20.1.15"], record.Values);
        }

        // Route 53 answers from the next name on; the client keeps only an exact match.
        Assert.Null(await _harness.Aws.Dns.GetRecordAsync(_zoneId, "minim.internal.example.com", "A", Ct));
        Assert.Null(await _harness.Aws.Dns.GetRecordAsync(_zoneId, Record, "AAAA", Ct));
    }

    [Fact]
    public async Task ListResourceRecordSets_MaxItems_ReversedLabelOrderAndNextRecord()
    {
        Dns.UpsertRecord(_zoneId, "c.internal.example.com", "A", 30, ["10.0.0.3"]);
        Dns.UpsertRecord(_zoneId, "a.b.internal.example.com", "A", 30, ["10.0.0.2"]);
        Dns.UpsertRecord(_zoneId, "b.internal.example.com", "A", 30, ["10.0.0.1"]);

        var first = await ListAsync("maxitems=3");
        var all = await ListAsync(string.Empty);

        Assert.Equal(["internal.example.com./NS", "internal.example.com./SOA", "b.internal.example.com./A"], Names(first));
        Assert.Equal("true", first.Element(Ns + "IsTruncated")!.Value);
        Assert.Equal("a.b.internal.example.com.", first.Element(Ns + "NextRecordName")!.Value);
        Assert.Equal("A", first.Element(Ns + "NextRecordType")!.Value);
        Assert.Equal(["internal.example.com./NS", "internal.example.com./SOA", "b.internal.example.com./A", "a.b.internal.example.com./A", "c.internal.example.com./A"], Names(all));
        Assert.Equal("false", all.Element(Ns + "IsTruncated")!.Value);
        var typeWithoutName = await Assert.ThrowsAsync<CloudCallFailedException>(() => ListAsync("type=A"));
        Assert.Equal("InvalidInput", typeWithoutName.Code);
    }

    [Fact]
    public async Task UpsertARecordAsync_NameOutsideZone_ThrowsInvalidChangeBatch()
    {
        var refused = await Assert.ThrowsAsync<DnsChangeRejectedException>(() => _harness.Aws.Dns.UpsertARecordAsync(_zoneId, "minio.other.example.com", "10.20.1.15", 30, null, Ct));

        Assert.Matches(@"^\[RRSet with DNS name minio\.other\.example\.com\. is not permitted in zone internal\.example\.com\.\]$", Assert.Single(refused.Messages));
        Assert.Equal(400, refused.HttpStatus);
    }

    [Fact]
    public async Task ChangeResourceRecordSets_CreateExistingAndDeleteMissing_RefusesWholeBatchWithEveryMessage()
    {
        Dns.UpsertRecord(_zoneId, Record, "A", 30, ["10.10.1.15"]);
        var batch = Batch(
            ("UPSERT", "new.internal.example.com", "10.0.0.1"),
            ("CREATE", Record, "10.20.1.15"),
            ("DELETE", "missing.internal.example.com", "10.0.0.2"));

        var refused = await Assert.ThrowsAsync<DnsChangeRejectedException>(() => SendAsync(HttpMethod.Post, $"/2013-04-01/hostedzone/{_zoneId}/rrset/", batch));

        Assert.Equal(400, refused.HttpStatus);
        Assert.Equal(
            "[Tried to create resource record set [name='minio.internal.example.com.', type='A'] but it already exists, "
            + "Tried to delete resource record set [name='missing.internal.example.com.', type='A'] but it was not found]",
            Assert.Single(refused.Messages));
        Assert.Null(Dns.Record(_zoneId, "new.internal.example.com", "A"));
        Assert.Equal(["10.10.1.15"], Dns.Record(_zoneId, Record, "A")!.Values);
    }

    [Fact]
    public async Task ChangeResourceRecordSets_DeleteWithCurrentValues_RemovesRecord()
    {
        Dns.UpsertRecord(_zoneId, Record, "A", 30, ["10.10.1.15"]);

        await SendAsync(HttpMethod.Post, $"/2013-04-01/hostedzone/{_zoneId}/rrset/", Batch(("DELETE", Record, "10.10.1.15")));

        Assert.Null(Dns.Record(_zoneId, Record, "A"));
        Assert.Null(await _harness.Aws.Dns.GetRecordAsync(_zoneId, Record, "A", Ct));
    }

    [Fact]
    public async Task CreateHostedZone_NewZone_ReturnsPrefixedIdUsableByTheClient()
    {
        var body = new XElement(Ns + "CreateHostedZoneRequest", new XElement(Ns + "Name", "dr.example.org"), new XElement(Ns + "CallerReference", "ref-1"));

        var created = await SendAsync(HttpMethod.Post, "/2013-04-01/hostedzone", body);

        var id = created.Element(Ns + "HostedZone")!.Element(Ns + "Id")!.Value;
        Assert.StartsWith("/hostedzone/Z", id);
        Assert.Equal("dr.example.org.", created.Element(Ns + "HostedZone")!.Element(Ns + "Name")!.Value);
        Assert.StartsWith("/change/C", created.Element(Ns + "ChangeInfo")!.Element(Ns + "Id")!.Value);
        await _harness.Aws.Dns.UpsertARecordAsync(id, "minio.dr.example.org", "10.0.0.1", 30, null, Ct);
        Assert.NotNull(Dns.Record(id, "minio.dr.example.org.", "A"));
        var again = await Assert.ThrowsAsync<CloudCallFailedException>(() => SendAsync(HttpMethod.Post, "/2013-04-01/hostedzone", body));
        Assert.Equal("HostedZoneAlreadyExists", again.Code);
    }

    [Fact]
    public async Task UpsertARecordAsync_UnknownZoneOrChange_ThrowsNotFound()
    {
        await Assert.ThrowsAsync<DnsZoneNotFoundException>(() => _harness.Aws.Dns.UpsertARecordAsync("Z00000000000000000000", Record, "10.20.1.15", 30, null, Ct));
        await Assert.ThrowsAsync<DnsZoneNotFoundException>(() => _harness.Aws.Dns.GetRecordAsync("Z00000000000000000000", Record, "A", Ct));
        await Assert.ThrowsAsync<DnsChangeNotFoundException>(() => _harness.Aws.Dns.GetChangeAsync("C00000000000000000000", Ct));
    }

    [Fact]
    public async Task GetChangeAsync_HalfOfRequestsThrottled_SucceedsThroughRetries()
    {
        var change = await _harness.Aws.Dns.UpsertARecordAsync(_zoneId, Record, "10.20.1.15", 30, null, Ct);
        var retries = new List<AwsRetryNotice>();
        var patient = _harness.Adapters(new AwsRetryOptions { MaxAttempts = 10, BaseDelay = TimeSpan.Zero }, n => { lock (retries) { retries.Add(n); } });
        _harness.Cloud.Faults.Set("route53", "*", new ServiceFaults { ThrottleRate = 0.5 });

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(change.ChangeId, (await patient.Dns.GetChangeAsync(change.ChangeId, Ct)).ChangeId);
        }

        Assert.NotEmpty(retries);
        Assert.All(retries, r => Assert.Equal(("Throttling", 400), (r.ErrorCode, r.HttpStatus)));
    }

    [Fact]
    public async Task UpsertARecordAsync_EveryRequestFailsWithServerError_ThrowsTransient()
    {
        _harness.Cloud.Faults.Set("route53", "us-east-1", new ServiceFaults { ServerErrorRate = 1.0 });

        var failure = await Assert.ThrowsAsync<CloudBusyException>(() => _harness.Aws.Dns.UpsertARecordAsync(_zoneId, Record, "10.20.1.15", 30, null, Ct));

        Assert.Equal(503, failure.HttpStatus);
        Assert.Equal("ServiceUnavailable", failure.Code);
        Assert.Null(Dns.Record(_zoneId, Record, "A"));
    }

    private static XElement Batch(params (string Action, string Name, string Value)[] changes) =>
        new(Ns + "ChangeResourceRecordSetsRequest", new XElement(
            Ns + "ChangeBatch",
            new XElement(Ns + "Changes", changes.Select(c => new XElement(
                Ns + "Change",
                new XElement(Ns + "Action", c.Action),
                new XElement(
                    Ns + "ResourceRecordSet",
                    new XElement(Ns + "Name", c.Name),
                    new XElement(Ns + "Type", "A"),
                    new XElement(Ns + "TTL", "30"),
                    new XElement(Ns + "ResourceRecords", new XElement(Ns + "ResourceRecord", new XElement(Ns + "Value", c.Value)))))))));

    private static List<string> Names(XElement list) =>
        [.. list.Element(Ns + "ResourceRecordSets")!.Elements(Ns + "ResourceRecordSet").Select(s => s.Element(Ns + "Name")!.Value + "/" + s.Element(Ns + "Type")!.Value)];

    private Task<XElement> ListAsync(string query) =>
        SendAsync(HttpMethod.Get, $"/2013-04-01/hostedzone/{_zoneId}/rrset", null, query);

    private async Task<XElement> SendAsync(HttpMethod method, string path, XElement? body, string query = "")
    {
        var request = new AwsRequest(method, path)
        {
            Body = body is null ? null : Encoding.UTF8.GetBytes(body.ToString(SaveOptions.DisableFormatting)),
            Query = [.. query.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=')).Select(p => new KeyValuePair<string, string>(p[0], p[1]))],
            Operation = "Raw",
        };
        var response = await _harness.Pipeline().SendAsync(AwsServiceInfo.Route53, "us-east-1", request, XmlErrorReader.Instance, Ct);
        return XDocument.Parse(Encoding.UTF8.GetString(response.Body)).Root!;
    }
}
