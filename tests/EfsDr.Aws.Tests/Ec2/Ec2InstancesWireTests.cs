using System.Net;
using EfsDr.Aws.Ec2;
using EfsDr.Aws.Http;
using EfsDr.Aws.Sdk;
using EfsDr.Aws.Tests.Support;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;

namespace EfsDr.Aws.Tests.Ec2;

/// <summary>EC2 DescribeInstances on the wire (query protocol, XML answers), through AWSSDK.EC2 over a recording transport.</summary>
public sealed class Ec2InstancesWireTests : IDisposable
{
    private const string Region = "us-west-2";
    private const string InstanceId = "i-0123456789abcdef0";
    private const string XmlType = "text/xml";
    private readonly RecordingHandler _handler = new();
    private readonly SdkClientFactory _clients;
    private readonly Ec2Instances _instances;

    public Ec2InstancesWireTests()
    {
        _clients = TestSdkClients.Create(_handler);
        _instances = new Ec2Instances(_clients);
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _clients.Dispose();

    private static string Instance(string id, string state, int code, string? privateIp, string? subnet, string az = "us-west-2b") =>
        $"""
        <item>
          <instanceId>{id}</instanceId>
          <imageId>ami-0abcdef1234567890</imageId>
          <instanceState><code>{code}</code><name>{state}</name></instanceState>
          <privateDnsName>{(privateIp is null ? string.Empty : "ip-" + privateIp.Replace('.', '-') + ".us-west-2.compute.internal")}</privateDnsName>
          <dnsName/>
          <instanceType>t3.small</instanceType>
          <placement><availabilityZone>{az}</availabilityZone><groupName/><tenancy>default</tenancy></placement>
          {(subnet is null ? string.Empty : $"<subnetId>{subnet}</subnetId><vpcId>vpc-0a1b2c3d4e5f60718</vpcId>")}
          {(privateIp is null ? string.Empty : $"<privateIpAddress>{privateIp}</privateIpAddress>")}
        </item>
        """;

    private static string Response(params string[] instances) =>
        $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
          <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
          <reservationSet>
            {(instances.Length == 0 ? string.Empty : $"<item><reservationId>r-0a1b2c3d4e5f60718</reservationId><ownerId>111122223333</ownerId><groupSet/><instancesSet>{string.Concat(instances)}</instancesSet></item>")}
          </reservationSet>
        </DescribeInstancesResponse>
        """;

    private static string Error(string code, string message) =>
        $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>
        """;

    private static List<KeyValuePair<string, string>> Form(RecordedRequest request) =>
        [.. request.Body.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => new KeyValuePair<string, string>(Uri.UnescapeDataString(p[0]), Uri.UnescapeDataString(p[1].Replace('+', ' '))))];

    [Fact]
    public async Task DescribeAsync_RunningInstance_SendsOneInstanceIdAndMapsIpZoneStateSubnet()
    {
        // Arrange
        _handler.Respond(HttpStatusCode.OK, Response(Instance(InstanceId, "running", 16, "10.0.1.15", "subnet-0a1b2c3d4e5f60718")), XmlType);

        // Act
        var info = await _instances.DescribeAsync(Region, InstanceId, Token);

        // Assert
        Assert.Equal(new InstanceInfo(InstanceId, "10.0.1.15", "us-west-2b", "running", "subnet-0a1b2c3d4e5f60718"), info);
        var request = Assert.Single(_handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("https://ec2.us-west-2.amazonaws.com/", request.Uri.AbsoluteUri);
        Assert.StartsWith("application/x-www-form-urlencoded", request.ContentType, StringComparison.Ordinal);
        var form = Form(request);
        Assert.Contains(new KeyValuePair<string, string>("Action", "DescribeInstances"), form);
        Assert.Contains(new KeyValuePair<string, string>("Version", "2016-11-15"), form);
        Assert.Equal([new KeyValuePair<string, string>("InstanceId.1", InstanceId)], form.Where(p => p.Key.StartsWith("InstanceId", StringComparison.Ordinal)));
        Assert.DoesNotContain(form, p => p.Key.StartsWith("Filter", StringComparison.Ordinal));
        Assert.Contains("/us-west-2/ec2/aws4_request", request.Header("Authorization"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeAsync_TerminatedInstanceWithoutNetwork_MapsAbsentIpAndSubnetToNull()
    {
        _handler.Respond(HttpStatusCode.OK, Response(Instance(InstanceId, "terminated", 48, privateIp: null, subnet: null)), XmlType);

        var info = await _instances.DescribeAsync(Region, InstanceId, Token);

        Assert.Equal(new InstanceInfo(InstanceId, null, "us-west-2b", "terminated", null), info);
    }

    [Fact]
    public async Task DescribeAsync_ResponseListsOtherInstancesOnly_PicksNone()
    {
        _handler.Respond(HttpStatusCode.OK, Response(Instance("i-0fedcba9876543210", "running", 16, "10.0.2.9", "subnet-1")), XmlType);

        var ex = await Assert.ThrowsAsync<NodeNotFoundException>(() => _instances.DescribeAsync(Region, InstanceId, Token));

        Assert.Contains(InstanceId, ex.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeAsync_EmptyReservations_ThrowsInstanceNotFound()
    {
        _handler.Respond(HttpStatusCode.OK, Response(), XmlType);

        var ex = await Assert.ThrowsAsync<NodeNotFoundException>(() => _instances.DescribeAsync(Region, InstanceId, Token));

        Assert.Equal("InvalidInstanceID.NotFound", ex.Code);
        Assert.Equal("ec2", ex.Error.Service);
        Assert.Single(_handler.Requests);
    }

    [Theory]
    [InlineData("InvalidInstanceID.NotFound", "The instance ID 'i-0123456789abcdef0' does not exist")]
    [InlineData("InvalidInstanceID.Malformed", "Invalid id: \"i-0123456789abcdef0\"")]
    public async Task DescribeAsync_NotFoundOrMalformedError_ThrowsInstanceNotFoundWithoutRetrying(string code, string message)
    {
        _handler.Respond(HttpStatusCode.BadRequest, Error(code, message), XmlType);

        var ex = await Assert.ThrowsAsync<NodeNotFoundException>(() => _instances.DescribeAsync(Region, InstanceId, Token));

        Assert.Equal(new CloudError("ec2", code, message, 400, "ea966190-f9aa-478e-9ede-example"), ex.Error);
        Assert.Single(_handler.Requests);
    }

    [Fact]
    public async Task DescribeAsync_RequestLimitExceededOnEveryAttempt_ThrowsTransient()
    {
        for (var i = 0; i < 3; i++)
        {
            _handler.Respond(HttpStatusCode.ServiceUnavailable, Error("RequestLimitExceeded", "Request limit exceeded."), XmlType);
        }

        var ex = await Assert.ThrowsAsync<CloudBusyException>(() => _instances.DescribeAsync(Region, InstanceId, Token));

        Assert.Equal("RequestLimitExceeded", ex.Code);
        Assert.Equal(503, ex.HttpStatus);
        Assert.Equal(3, _handler.Requests.Count);
    }

    [Fact]
    public async Task DescribeAsync_UnauthorizedOperation_ThrowsPlainServiceError()
    {
        _handler.Respond(HttpStatusCode.Forbidden, Error("UnauthorizedOperation", "You are not authorized to perform this operation."), XmlType);

        var ex = await Assert.ThrowsAsync<CloudCallFailedException>(() => _instances.DescribeAsync(Region, InstanceId, Token));

        Assert.Equal(typeof(CloudCallFailedException), ex.GetType());
        Assert.Equal("UnauthorizedOperation", ex.Code);
        Assert.Equal(403, ex.HttpStatus);
        Assert.Single(_handler.Requests);
    }

    [Fact]
    public async Task DescribeAsync_GlobalEndpointVariableSet_SendsToThatHost()
    {
        using var clients = TestSdkClients.Create(_handler, environment: new Dictionary<string, string> { ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:5000" });
        _handler.Respond(HttpStatusCode.OK, Response(Instance(InstanceId, "running", 16, "10.0.1.15", "subnet-1")), XmlType);

        await new Ec2Instances(clients).DescribeAsync("ap-southeast-2", InstanceId, Token);

        var request = Assert.Single(_handler.Requests);
        Assert.Equal("http://127.0.0.1:5000/", request.Uri.AbsoluteUri);
        Assert.Contains("/ap-southeast-2/ec2/aws4_request", request.Header("Authorization"), StringComparison.Ordinal);
    }
}
