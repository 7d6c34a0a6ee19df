using System.Net;
using System.Xml.Linq;
using EfsDr.Aws.Efs;
using EfsDr.Aws.Http;
using EfsDr.Aws.Route53;
using EfsDr.Aws.Tests.Support;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Aws.Tests.Route53;

/// <summary>Route 53 on the wire: each operation's request checked against botocore's Route 53 model, and documented responses parsed.</summary>
public sealed class Route53ClientWireTests
{
    private const string ZoneId = "Z1D633PJN98FT9";
    private const string ChangeId = "C2682N5HXP0BZ4";
    private static readonly XNamespace Ns = Route53Client.XmlNamespace;
    private static readonly Lazy<BotocoreModel> LazyModel = new(() => BotocoreModel.Load("route53"));
    private readonly RecordingHandler _handler = new();
    private readonly Route53Client _client;

    public Route53ClientWireTests()
    {
        _client = new Route53Client(TestPipeline.Create(_handler));
    }

    private static BotocoreModel Model => LazyModel.Value;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string ChangeInfoXml(string root, string status, string? comment = null) =>
        $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <{root} xmlns="https://route53.amazonaws.com/doc/2013-04-01/">
          <ChangeInfo>
            <Id>/change/{ChangeId}</Id>
            <Status>{status}</Status>
            <SubmittedAt>2017-03-27T17:48:16.751Z</SubmittedAt>{(comment is null ? string.Empty : $"<Comment>{comment}</Comment>")}
          </ChangeInfo>
        </{root}>
        """;

    private static string RecordSetsXml(string sets, bool truncated = false, string nextName = "", string nextType = "") =>
        $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <ListResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">
          <ResourceRecordSets>{sets}</ResourceRecordSets>
          <IsTruncated>{(truncated ? "true" : "false")}</IsTruncated>{(truncated ? $"<NextRecordName>{nextName}</NextRecordName><NextRecordType>{nextType}</NextRecordType>" : string.Empty)}
          <MaxItems>1</MaxItems>
        </ListResourceRecordSetsResponse>
        """;

    private static string ARecordXml(string name, long ttl, params string[] values) =>
        $"<ResourceRecordSet><Name>{name}</Name><Type>A</Type><TTL>{ttl}</TTL><ResourceRecords>"
        + string.Concat(values.Select(v => $"<ResourceRecord><Value>{v}</Value></ResourceRecord>"))
        + "</ResourceRecords></ResourceRecordSet>";

    private static string ErrorResponseXml(string code, string message, string requestId = "e5f1b0c4-0000-4000-8000-000000000001") =>
        $"""
        <?xml version="1.0"?>
        <ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{requestId}</RequestId></ErrorResponse>
        """;

    private static string CredentialScopeOf(RecordedRequest request)
    {
        var authorization = request.Header("Authorization") ?? throw new InvalidOperationException("The request is not signed.");
        var credential = authorization.Split(' ', ',').First(p => p.StartsWith("Credential=", StringComparison.Ordinal));
        return credential[(credential.IndexOf('/', StringComparison.Ordinal) + 1)..];
    }

    [Fact]
    public async Task UpsertARecordAsync_PrefixedZoneIdAndComment_PostsModelOrderedUpsertAndParsesPending()
    {
        // Arrange
        var response = ChangeInfoXml("ChangeResourceRecordSetsResponse", "PENDING", "DR failover to us-west-2");
        Model.AssertXmlResponseFixture("ChangeResourceRecordSets", response);
        _handler.Respond(HttpStatusCode.OK, response, "text/xml");

        // Act
        var change = await _client.UpsertARecordAsync("/hostedzone/" + ZoneId, "minio.internal.example.com.", "10.20.1.15", 30, "DR failover to us-west-2", Ct);

        // Assert
        var request = Assert.Single(_handler.Requests);
        Model.AssertRequest("ChangeResourceRecordSets", request);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal($"https://route53.amazonaws.com/2013-04-01/hostedzone/{ZoneId}/rrset/", request.Uri.ToString());
        Assert.Null(request.ContentType);
        var root = XDocument.Parse(request.Body).Root!;
        Assert.Equal(Ns + "ChangeResourceRecordSetsRequest", root.Name);
        var batch = root.Element(Ns + "ChangeBatch")!;
        Assert.Equal(["Comment", "Changes"], batch.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("DR failover to us-west-2", batch.Element(Ns + "Comment")!.Value);
        var change1 = Assert.Single(batch.Element(Ns + "Changes")!.Elements(Ns + "Change"));
        Assert.Equal("UPSERT", change1.Element(Ns + "Action")!.Value);
        var set = change1.Element(Ns + "ResourceRecordSet")!;
        Assert.Equal(["Name", "Type", "TTL", "ResourceRecords"], set.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("minio.internal.example.com.", set.Element(Ns + "Name")!.Value);
        Assert.Equal("A", set.Element(Ns + "Type")!.Value);
        Assert.Equal("30", set.Element(Ns + "TTL")!.Value);
        Assert.Equal(["10.20.1.15"], set.Element(Ns + "ResourceRecords")!.Elements(Ns + "ResourceRecord").Select(r => r.Element(Ns + "Value")!.Value));
        Assert.Equal(new DnsChange(ChangeId, DnsChangeStatus.Pending, new DateTimeOffset(2017, 3, 27, 17, 48, 16, 751, TimeSpan.Zero), "DR failover to us-west-2"), change);
    }

    [Fact]
    public async Task UpsertARecordAsync_BareZoneIdWithoutComment_OmitsCommentAndUsesSamePath()
    {
        _handler.Respond(HttpStatusCode.OK, ChangeInfoXml("ChangeResourceRecordSetsResponse", "PENDING"), "text/xml");

        var change = await _client.UpsertARecordAsync(ZoneId, "minio.internal.example.com", "10.20.1.15", 0, null, Ct);

        var request = Assert.Single(_handler.Requests);
        Model.AssertRequest("ChangeResourceRecordSets", request);
        Assert.Equal($"/2013-04-01/hostedzone/{ZoneId}/rrset/", request.Uri.AbsolutePath);
        var batch = XDocument.Parse(request.Body).Root!.Element(Ns + "ChangeBatch")!;
        Assert.Null(batch.Element(Ns + "Comment"));
        Assert.Equal("0", batch.Descendants(Ns + "TTL").Single().Value);
        Assert.Null(change.Comment);
        Assert.Equal(ChangeId, change.ChangeId);
    }

    [Fact]
    public async Task UpsertARecordAsync_SharedPipelineAlsoServingUsWest2_SignsForUsEast1AtGlobalHost()
    {
        // Arrange: one pipeline, as in the orchestrator, serving an EFS call in us-west-2 and then Route 53.
        var pipeline = TestPipeline.Create(_handler);
        var efs = new EfsClient(pipeline);
        var route53 = new Route53Client(pipeline);
        _handler.Respond(HttpStatusCode.OK, """{"FileSystems":[{"OwnerId":"1","CreationToken":"t","FileSystemId":"fs-1","CreationTime":1,"LifeCycleState":"available","NumberOfMountTargets":0,"Tags":[]}]}""");
        _handler.Respond(HttpStatusCode.OK, ChangeInfoXml("ChangeResourceRecordSetsResponse", "PENDING"), "text/xml");

        // Act
        await efs.DescribeAsync("us-west-2", "fs-1", Ct);
        await route53.UpsertARecordAsync(ZoneId, "minio.internal.example.com", "10.20.1.15", 30, null, Ct);

        // Assert
        Assert.Equal(2, _handler.Requests.Count);
        Assert.EndsWith("/us-west-2/elasticfilesystem/aws4_request", CredentialScopeOf(_handler.Requests[0]), StringComparison.Ordinal);
        var r53 = _handler.Requests[1];
        Assert.Equal("route53.amazonaws.com", r53.Uri.Host);
        Assert.Equal("https", r53.Uri.Scheme);
        Assert.EndsWith("/us-east-1/route53/aws4_request", CredentialScopeOf(r53), StringComparison.Ordinal);
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=" + TestPipeline.AccessKey + "/", r53.Header("Authorization"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_Route53AskedForUsWest2_StillSignsForUsEast1AtGlobalHost()
    {
        // Arrange: the pipeline itself must pin the global service, whatever region a caller passes.
        var pipeline = TestPipeline.Create(_handler);
        _handler.Respond(HttpStatusCode.OK, ChangeInfoXml("GetChangeResponse", "INSYNC"), "text/xml");

        // Act
        await pipeline.SendAsync(AwsServiceInfo.Route53, "us-west-2", new AwsRequest(HttpMethod.Get, "/2013-04-01/change/" + ChangeId), XmlErrorReader.Instance, Ct);

        // Assert
        var request = Assert.Single(_handler.Requests);
        Assert.Equal("route53.amazonaws.com", request.Uri.Host);
        Assert.EndsWith("/us-east-1/route53/aws4_request", CredentialScopeOf(request), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpsertARecordAsync_FixedClock_AuthorizationMatchesBotocoreSigV4()
    {
        // Arrange: the expected signature was computed with botocore's SigV4Auth (service route53, region us-east-1)
        // for the same body, keys and instant; the trailing slash of the path is part of what is signed.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 15, 12, 0, 0, TimeSpan.Zero));
        var client = new Route53Client(TestPipeline.Create(_handler, time));
        _handler.Respond(HttpStatusCode.OK, ChangeInfoXml("ChangeResourceRecordSetsResponse", "PENDING"), "text/xml");

        // Act
        await client.UpsertARecordAsync(ZoneId, "minio.internal.example.com", "10.20.1.15", 30, null, Ct);

        // Assert
        var request = Assert.Single(_handler.Requests);
        Assert.Equal(
            """<ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Changes><Change><Action>UPSERT</Action><ResourceRecordSet><Name>minio.internal.example.com.</Name><Type>A</Type><TTL>30</TTL><ResourceRecords><ResourceRecord><Value>10.20.1.15</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>""",
            request.Body);
        Assert.Equal("20260115T120000Z", request.Header("X-Amz-Date"));
        Assert.Equal("7d9ad1810056c6c0254155313bf3369b669d2efce2f75cbd38e54ca033cbafa0", request.Header("X-Amz-Content-SHA256"));
        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260115/us-east-1/route53/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=dc989640304b52b1111ebf9356c77d8ef4b42b5841f0db7e04e66fe04822c4be",
            request.Header("Authorization"));
    }

    [Fact]
    public async Task GetRecordAsync_FixedClockAndWildcardName_AuthorizationMatchesBotocoreSigV4()
    {
        // Arrange: botocore's SigV4Auth signed GET .../rrset?name=%5C052.apps.example.com.&type=A&maxitems=1 at the same instant
        // ('*' is sent in Route 53's stored form, \052, with the trailing dot).
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 15, 12, 0, 0, TimeSpan.Zero));
        var client = new Route53Client(TestPipeline.Create(_handler, time));
        _handler.Respond(HttpStatusCode.OK, RecordSetsXml(string.Empty), "text/xml");

        // Act
        await client.GetRecordAsync(ZoneId, "*.apps.example.com", "A", Ct);

        // Assert
        var request = Assert.Single(_handler.Requests);
        Assert.Equal("https://route53.amazonaws.com/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset?name=%5C052.apps.example.com.&type=A&maxitems=1", request.Uri.OriginalString);
        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260115/us-east-1/route53/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=5909df4ad47d0e6b06acb710b7e21e9140202d385eace3dc031c37a986c88f88",
            request.Header("Authorization"));
    }

    [Theory]
    [InlineData("", "minio.example.com", "10.0.0.1", 30L, "hostedZoneId")]
    [InlineData("/hostedzone/", "minio.example.com", "10.0.0.1", 30L, "hostedZoneId")]
    [InlineData("Z123456789012345678901234567890123", "minio.example.com", "10.0.0.1", 30L, "hostedZoneId")]
    [InlineData(ZoneId, "", "10.0.0.1", 30L, "recordName")]
    [InlineData(ZoneId, "   ", "10.0.0.1", 30L, "recordName")]
    [InlineData(ZoneId, " minio.example.com", "10.0.0.1", 30L, "recordName")]
    [InlineData(ZoneId, "minio.example.com", "", 30L, "ipAddress")]
    [InlineData(ZoneId, "minio.example.com", "10.1", 30L, "ipAddress")]
    [InlineData(ZoneId, "minio.example.com", "010.0.0.1", 30L, "ipAddress")]
    [InlineData(ZoneId, "minio.example.com", "10.0.0.256", 30L, "ipAddress")]
    [InlineData(ZoneId, "minio.example.com", "::1", 30L, "ipAddress")]
    [InlineData(ZoneId, "minio.example.com", "minio.example.com", 30L, "ipAddress")]
    [InlineData(ZoneId, "minio.example.com", "10.0.0.1", -1L, "ttlSeconds")]
    [InlineData(ZoneId, "minio.example.com", "10.0.0.1", 2147483648L, "ttlSeconds")]
    public async Task UpsertARecordAsync_InvalidArgument_ThrowsArgumentExceptionNamingParameterAndSendsNothing(string zone, string name, string ip, long ttl, string parameter)
    {
        var ex = await Assert.ThrowsAnyAsync<ArgumentException>(() => _client.UpsertARecordAsync(zone, name, ip, ttl, "DR", Ct));

        Assert.Equal(parameter, ex.ParamName);
        Assert.Empty(_handler.Requests);
    }

    [Fact]
    public async Task UpsertARecordAsync_CommentLongerThan256_ThrowsArgumentExceptionNamingComment()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => _client.UpsertARecordAsync(ZoneId, "minio.example.com", "10.0.0.1", 30, new string('c', 257), Ct));

        Assert.Equal("comment", ex.ParamName);
        Assert.Empty(_handler.Requests);
    }

    [Fact]
    public async Task UpsertARecordAsync_MaximumTtl_SendsIt()
    {
        _handler.Respond(HttpStatusCode.OK, ChangeInfoXml("ChangeResourceRecordSetsResponse", "PENDING"), "text/xml");

        await _client.UpsertARecordAsync(ZoneId, "minio.example.com", "255.255.255.255", 2147483647, new string('c', 256), Ct);

        var body = XDocument.Parse(_handler.Requests[0].Body);
        Assert.Equal("2147483647", body.Descendants(Ns + "TTL").Single().Value);
        Assert.Equal("255.255.255.255", body.Descendants(Ns + "Value").Single().Value);
    }

    [Fact]
    public async Task UpsertARecordAsync_InvalidChangeBatchInErrorResponseForm_ThrowsTypedWithMessageAndNoRetry()
    {
        // Arrange
        Assert.Contains("InvalidChangeBatch", Model.Errors("ChangeResourceRecordSets"));
        var message = "[RRSet of type A with DNS name minio.example.com. is not permitted in zone internal.example.com.]";
        _handler.Respond((HttpStatusCode)Model.ErrorStatus("InvalidChangeBatch"), ErrorResponseXml("InvalidChangeBatch", message, "req-icb-1"), "text/xml");

        // Act
        var ex = await Assert.ThrowsAsync<DnsChangeRejectedException>(() => _client.UpsertARecordAsync(ZoneId, "minio.example.com", "10.0.0.1", 30, null, Ct));

        // Assert
        Assert.Equal("InvalidChangeBatch", ex.Code);
        Assert.Equal(400, ex.HttpStatus);
        Assert.Equal("req-icb-1", ex.RequestId);
        Assert.Equal([message], ex.Messages);
        Assert.Equal("route53", ex.Error.Service);
        Assert.Single(_handler.Requests);
    }

    [Fact]
    public async Task UpsertARecordAsync_InvalidChangeBatchInMessagesForm_KeepsEveryMessageInOrder()
    {
        // Arrange
        const string body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <InvalidChangeBatch xmlns="https://route53.amazonaws.com/doc/2013-04-01/">
              <Messages>
                <Message>Tried to create resource record set [name='a.example.com.', type='A'] but it already exists</Message>
                <Message>Tried to delete resource record set [name='b.example.com.', type='A'] but it was not found</Message>
              </Messages>
              <RequestId>b25f48e8-84fd-11e6-80d9-574e0c4664cb</RequestId>
            </InvalidChangeBatch>
            """;
        _handler.Respond(HttpStatusCode.BadRequest, body, "text/xml");

        // Act
        var ex = await Assert.ThrowsAsync<DnsChangeRejectedException>(() => _client.UpsertARecordAsync(ZoneId, "a.example.com", "10.0.0.1", 30, null, Ct));

        // Assert
        Assert.Equal(
            [
                "Tried to create resource record set [name='a.example.com.', type='A'] but it already exists",
                "Tried to delete resource record set [name='b.example.com.', type='A'] but it was not found",
            ],
            ex.Messages);
        Assert.Equal("InvalidChangeBatch", ex.Code);
        Assert.Equal("b25f48e8-84fd-11e6-80d9-574e0c4664cb", ex.RequestId);
        Assert.Contains("already exists; Tried to delete", ex.Error.Message, StringComparison.Ordinal);
        Assert.Single(_handler.Requests);
    }

    [Fact]
    public async Task UpsertARecordAsync_NoSuchHostedZone_ThrowsTypedNotFoundWithRequestId()
    {
        Assert.Contains("NoSuchHostedZone", Model.Errors("ChangeResourceRecordSets"));
        _handler.Respond(
            (HttpStatusCode)Model.ErrorStatus("NoSuchHostedZone"),
            ErrorResponseXml("NoSuchHostedZone", "No hosted zone found with ID: ZNOPE", "body-request-id"),
            "text/xml",
            new Dictionary<string, string> { ["x-amzn-RequestId"] = "header-request-id" });

        var ex = await Assert.ThrowsAsync<DnsZoneNotFoundException>(() => _client.UpsertARecordAsync("/hostedzone/ZNOPE", "a.example.com", "10.0.0.1", 30, null, Ct));

        Assert.Equal(404, ex.HttpStatus);
        Assert.Equal("NoSuchHostedZone", ex.Code);
        Assert.Equal("header-request-id", ex.RequestId);
        Assert.Contains("ZNOPE", ex.Error.Message, StringComparison.Ordinal);
        Assert.Single(_handler.Requests);
    }

    [Theory]
    [InlineData("Throttling", "Rate exceeded")]
    [InlineData("PriorRequestNotComplete", "The request was rejected because Route 53 was still processing a prior request.")]
    public async Task UpsertARecordAsync_TransientCodeThenSuccess_RetriesSameRequestAndReturnsChange(string code, string message)
    {
        // Arrange
        Assert.True(AwsErrorMapper.RetryableCodes.Contains(code), code + " is not in the retry set");
        _handler.Respond(HttpStatusCode.BadRequest, ErrorResponseXml(code, message), "text/xml");
        _handler.Respond(HttpStatusCode.OK, ChangeInfoXml("ChangeResourceRecordSetsResponse", "PENDING"), "text/xml");

        // Act
        var change = await _client.UpsertARecordAsync(ZoneId, "a.example.com", "10.0.0.1", 30, null, Ct);

        // Assert
        Assert.Equal(2, _handler.Requests.Count);
        Assert.Equal(_handler.Requests[0].Body, _handler.Requests[1].Body);
        Assert.Equal(_handler.Requests[0].Uri, _handler.Requests[1].Uri);
        Assert.Equal(ChangeId, change.ChangeId);
    }

    [Fact]
    public async Task UpsertARecordAsync_ThrottlingOnEveryAttempt_ThrowsTransientAfterMaxAttempts()
    {
        for (var i = 0; i < 3; i++)
        {
            _handler.Respond(HttpStatusCode.BadRequest, ErrorResponseXml("Throttling", "Rate exceeded"), "text/xml");
        }

        var ex = await Assert.ThrowsAsync<CloudBusyException>(() => _client.UpsertARecordAsync(ZoneId, "a.example.com", "10.0.0.1", 30, null, Ct));

        Assert.Equal("Throttling", ex.Code);
        Assert.Equal(3, _handler.Requests.Count);
    }

    [Fact]
    public async Task UpsertARecordAsync_InvalidInput_ThrowsServiceExceptionWithoutRetry()
    {
        Assert.Contains("InvalidInput", Model.Errors("ChangeResourceRecordSets"));
        _handler.Respond((HttpStatusCode)Model.ErrorStatus("InvalidInput"), ErrorResponseXml("InvalidInput", "Invalid XML ; cvc-complex-type.2.4.a"), "text/xml");
        _handler.Respond(HttpStatusCode.OK, ChangeInfoXml("ChangeResourceRecordSetsResponse", "PENDING"), "text/xml");

        var ex = await Assert.ThrowsAsync<CloudCallFailedException>(() => _client.UpsertARecordAsync(ZoneId, "a.example.com", "10.0.0.1", 30, null, Ct));

        Assert.Equal("InvalidInput", ex.Code);
        Assert.Equal(400, ex.HttpStatus);
        Assert.Single(_handler.Requests);
    }

    [Theory]
    [InlineData("/change/" + ChangeId)]
    [InlineData(ChangeId)]
    public async Task GetChangeAsync_PrefixedOrBareId_GetsChangePathAndParsesInSync(string id)
    {
        // Arrange
        var response = ChangeInfoXml("GetChangeResponse", "INSYNC");
        Model.AssertXmlResponseFixture("GetChange", response);
        _handler.Respond(HttpStatusCode.OK, response, "text/xml");

        // Act
        var change = await _client.GetChangeAsync(id, Ct);

        // Assert
        var request = Assert.Single(_handler.Requests);
        Model.AssertRequest("GetChange", request);
        Assert.Equal($"https://route53.amazonaws.com/2013-04-01/change/{ChangeId}", request.Uri.ToString());
        Assert.Equal(string.Empty, request.Body);
        Assert.Equal(ChangeId, change.ChangeId);
        Assert.Equal(DnsChangeStatus.InSync, change.Status);
        Assert.Equal(new DateTimeOffset(2017, 3, 27, 17, 48, 16, 751, TimeSpan.Zero), change.SubmittedAt);
        Assert.Null(change.Comment);
    }

    [Theory]
    [InlineData("PENDING", DnsChangeStatus.Pending)]
    [InlineData("INSYNC", DnsChangeStatus.InSync)]
    public async Task GetChangeAsync_Status_ParsesStatusAndComment(string wire, DnsChangeStatus expected)
    {
        Assert.Contains(wire, Model.EnumValues("ChangeStatus"));
        var response = ChangeInfoXml("GetChangeResponse", wire, "flip");
        Model.AssertXmlResponseFixture("GetChange", response);
        _handler.Respond(HttpStatusCode.OK, response, "text/xml");

        var change = await _client.GetChangeAsync(ChangeId, Ct);

        Assert.Equal(expected, change.Status);
        Assert.Equal("flip", change.Comment);
    }

    [Fact]
    public async Task GetChangeAsync_SubmittedAtWithoutFraction_ParsesAsUtc()
    {
        _handler.Respond(HttpStatusCode.OK, ChangeInfoXml("GetChangeResponse", "INSYNC").Replace("2017-03-27T17:48:16.751Z", "2017-03-27T17:48:16Z", StringComparison.Ordinal), "text/xml");

        var change = await _client.GetChangeAsync(ChangeId, Ct);

        Assert.Equal(new DateTimeOffset(2017, 3, 27, 17, 48, 16, TimeSpan.Zero), change.SubmittedAt);
        Assert.Equal(TimeSpan.Zero, change.SubmittedAt.Offset);
    }

    [Theory]
    [InlineData("<GetChangeResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"/>")]
    [InlineData("<GetChangeResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><ChangeInfo><Id>/change/C1</Id><Status>DONE</Status><SubmittedAt>2017-03-27T17:48:16.751Z</SubmittedAt></ChangeInfo></GetChangeResponse>")]
    [InlineData("<GetChangeResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><ChangeInfo><Id>/change/C1</Id><Status>INSYNC</Status><SubmittedAt>yesterday</SubmittedAt></ChangeInfo></GetChangeResponse>")]
    [InlineData("not xml")]
    public async Task GetChangeAsync_UnusableSuccessBody_ThrowsXmlException(string body)
    {
        _handler.Respond(HttpStatusCode.OK, body, "text/xml");

        await Assert.ThrowsAsync<System.Xml.XmlException>(() => _client.GetChangeAsync(ChangeId, Ct));

        Assert.Single(_handler.Requests);
    }

    [Fact]
    public async Task GetChangeAsync_NoSuchChange_ThrowsTypedNotFound()
    {
        Assert.Contains("NoSuchChange", Model.Errors("GetChange"));
        _handler.Respond((HttpStatusCode)Model.ErrorStatus("NoSuchChange"), ErrorResponseXml("NoSuchChange", "A change with the specified change ID does not exist."), "text/xml");

        var ex = await Assert.ThrowsAsync<DnsChangeNotFoundException>(() => _client.GetChangeAsync("/change/CNOPE", Ct));

        Assert.Equal(404, ex.HttpStatus);
        Assert.Equal("/2013-04-01/change/CNOPE", _handler.Requests[0].Uri.AbsolutePath);
        Assert.Single(_handler.Requests);
    }

    [Fact]
    public async Task GetChangeAsync_EmptyId_ThrowsArgumentExceptionNamingChangeId()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => _client.GetChangeAsync("/change/", Ct));

        Assert.Equal("changeId", ex.ParamName);
        Assert.Empty(_handler.Requests);
    }

    [Fact]
    public async Task GetRecordAsync_MatchingRecord_SendsLowercaseQueryNamesAndParsesTtlAndEveryValue()
    {
        // Arrange
        var response = RecordSetsXml(ARecordXml("minio.internal.example.com.", 30, "10.20.1.15", "10.20.2.15"), truncated: true, "n.internal.example.com.", "A");
        Model.AssertXmlResponseFixture("ListResourceRecordSets", response);
        _handler.Respond(HttpStatusCode.OK, response, "text/xml");

        // Act
        var record = await _client.GetRecordAsync("/hostedzone/" + ZoneId, "minio.internal.example.com", "A", Ct);

        // Assert
        var request = Assert.Single(_handler.Requests);
        Model.AssertRequest("ListResourceRecordSets", request);
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal($"/2013-04-01/hostedzone/{ZoneId}/rrset", request.Uri.AbsolutePath);
        Assert.Equal(["name", "type", "maxitems"], request.Query.Select(q => q.Key));
        Assert.Equal("minio.internal.example.com.", request.QueryValue("name"));
        Assert.Equal("A", request.QueryValue("type"));
        Assert.Equal("1", request.QueryValue("maxitems"));
        Assert.Equal(string.Empty, request.Body);
        Assert.NotNull(record);
        Assert.Equal("minio.internal.example.com.", record.Name);
        Assert.Equal("A", record.Type);
        Assert.Equal(30L, record.Ttl);
        Assert.Equal(["10.20.1.15", "10.20.2.15"], record.Values);
    }

    [Fact]
    public async Task GetRecordAsync_NextNameReturnedInstead_ReturnsNull()
    {
        // Route 53 starts at the first name >= the one asked for, so an absent name yields its successor.
        var response = RecordSetsXml(ARecordXml("minio2.internal.example.com.", 30, "10.0.0.9"), truncated: true, "x.internal.example.com.", "A");
        Model.AssertXmlResponseFixture("ListResourceRecordSets", response);
        _handler.Respond(HttpStatusCode.OK, response, "text/xml");

        var record = await _client.GetRecordAsync(ZoneId, "minio.internal.example.com.", "A", Ct);

        Assert.Null(record);
        Assert.Single(_handler.Requests);
    }

    [Fact]
    public async Task GetRecordAsync_SameNameOtherType_ReturnsNull()
    {
        var response = RecordSetsXml("<ResourceRecordSet><Name>minio.internal.example.com.</Name><Type>TXT</Type><TTL>300</TTL><ResourceRecords><ResourceRecord><Value>\"v\"</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>");
        Model.AssertXmlResponseFixture("ListResourceRecordSets", response);
        _handler.Respond(HttpStatusCode.OK, response, "text/xml");

        var record = await _client.GetRecordAsync(ZoneId, "minio.internal.example.com", "A", Ct);

        Assert.Null(record);
    }

    [Fact]
    public async Task GetRecordAsync_EmptyZone_ReturnsNull()
    {
        var response = RecordSetsXml(string.Empty);
        Model.AssertXmlResponseFixture("ListResourceRecordSets", response);
        _handler.Respond(HttpStatusCode.OK, response, "text/xml");

        var record = await _client.GetRecordAsync(ZoneId, "minio.internal.example.com", "A", Ct);

        Assert.Null(record);
        Assert.Single(_handler.Requests);
    }

    [Fact]
    public async Task GetRecordAsync_WildcardAndUpperCaseAsked_MatchesEscapedLowerCaseAnswer()
    {
        // Arrange: Route 53 returns '*' as \052 and names in lower case with a trailing dot.
        var response = RecordSetsXml(ARecordXml(@"\052.apps.example.com.", 60, "10.0.0.7"));
        Model.AssertXmlResponseFixture("ListResourceRecordSets", response);
        _handler.Respond(HttpStatusCode.OK, response, "text/xml");

        // Act
        var record = await _client.GetRecordAsync(ZoneId, "*.Apps.Example.COM", "a", Ct);

        // Assert
        Assert.NotNull(record);
        Assert.Equal(@"\052.apps.example.com.", record.Name);
        Assert.Equal(["10.0.0.7"], record.Values);
        var request = Assert.Single(_handler.Requests);
        Assert.Equal("A", request.QueryValue("type"));
        Assert.Equal(@"\052.apps.example.com.", request.QueryValue("name"));
    }

    [Fact]
    public async Task UpsertARecordAsync_MixedCaseNameWithoutTrailingDot_SendsRoute53StoredForm()
    {
        _handler.Respond(HttpStatusCode.OK, ChangeInfoXml("ChangeResourceRecordSetsResponse", "PENDING"), "text/xml");

        await _client.UpsertARecordAsync(ZoneId, "Drtest.Example.com", "10.20.1.15", 30, null, Ct);

        var request = Assert.Single(_handler.Requests);
        var set = XDocument.Parse(request.Body).Root!.Descendants(Ns + "ResourceRecordSet").Single();
        Assert.Equal("drtest.example.com.", set.Element(Ns + "Name")!.Value);
    }

    [Fact]
    public async Task GetRecordAsync_MixedCaseNameWithoutTrailingDot_AsksForStoredFormAndMatchesTheAnswer()
    {
        var response = RecordSetsXml(ARecordXml("drtest.example.com.", 300, "10.20.1.15"));
        Model.AssertXmlResponseFixture("ListResourceRecordSets", response);
        _handler.Respond(HttpStatusCode.OK, response, "text/xml");

        var record = await _client.GetRecordAsync(ZoneId, "Drtest.Example.com", "A", Ct);

        var request = Assert.Single(_handler.Requests);
        Assert.Equal("drtest.example.com.", request.QueryValue("name"));
        Assert.NotNull(record);
        Assert.Equal(["10.20.1.15"], record.Values);
    }

    [Fact]
    public async Task GetRecordAsync_AliasRecord_HasNoTtlAndNoValues()
    {
        var response = RecordSetsXml(
            "<ResourceRecordSet><Name>minio.internal.example.com.</Name><Type>A</Type>"
            + "<AliasTarget><HostedZoneId>Z35SXDOTRQ7X7K</HostedZoneId><DNSName>lb-1.us-west-2.elb.amazonaws.com.</DNSName><EvaluateTargetHealth>true</EvaluateTargetHealth></AliasTarget>"
            + "</ResourceRecordSet>");
        Model.AssertXmlResponseFixture("ListResourceRecordSets", response);
        _handler.Respond(HttpStatusCode.OK, response, "text/xml");

        var record = await _client.GetRecordAsync(ZoneId, "minio.internal.example.com", "A", Ct);

        Assert.NotNull(record);
        Assert.Null(record.Ttl);
        Assert.Empty(record.Values);
    }

    [Fact]
    public async Task GetRecordAsync_NoSuchHostedZone_ThrowsTypedNotFound()
    {
        Assert.Contains("NoSuchHostedZone", Model.Errors("ListResourceRecordSets"));
        _handler.Respond((HttpStatusCode)Model.ErrorStatus("NoSuchHostedZone"), ErrorResponseXml("NoSuchHostedZone", "No hosted zone found with ID: ZNOPE", "req-nz"), "text/xml");

        var ex = await Assert.ThrowsAsync<DnsZoneNotFoundException>(() => _client.GetRecordAsync("ZNOPE", "a.example.com", "A", Ct));

        Assert.Equal("req-nz", ex.RequestId);
        Assert.Single(_handler.Requests);
    }

    [Theory]
    [InlineData("", "a.example.com", "A", "hostedZoneId")]
    [InlineData(ZoneId, "", "A", "recordName")]
    [InlineData(ZoneId, "a.example.com", " ", "recordType")]
    public async Task GetRecordAsync_InvalidArgument_ThrowsArgumentExceptionNamingParameter(string zone, string name, string type, string parameter)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => _client.GetRecordAsync(zone, name, type, Ct));

        Assert.Equal(parameter, ex.ParamName);
        Assert.Empty(_handler.Requests);
    }

    [Theory]
    [InlineData("/hostedzone/Z1D633PJN98FT9", "Z1D633PJN98FT9")]
    [InlineData("Z1D633PJN98FT9", "Z1D633PJN98FT9")]
    [InlineData("/change/C2682N5HXP0BZ4", "C2682N5HXP0BZ4")]
    [InlineData(" /change/C2682N5HXP0BZ4 ", "C2682N5HXP0BZ4")]
    public void StripIdPrefix_PrefixedOrBare_ReturnsTextAfterLastSlash(string id, string expected)
    {
        Assert.Equal(expected, Route53Client.StripIdPrefix(id, "id"));
    }

    [Fact]
    public void ParseStatus_UnknownValue_Throws()
    {
        Assert.Throws<System.Xml.XmlException>(() => Route53Client.ParseStatus("DONE"));
    }
}
