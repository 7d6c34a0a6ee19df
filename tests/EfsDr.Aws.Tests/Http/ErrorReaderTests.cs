using System.Net;
using System.Text;
using EfsDr.Aws.Http;
using EfsDr.Core.Exceptions;

namespace EfsDr.Aws.Tests.Http;

/// <summary>Error codes, messages and request ids read the way the AWS SDKs read them.</summary>
public sealed class ErrorReaderTests
{
    private static AwsErrorResponse ReadJson(string body, params (string Name, string Value)[] headers)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.BadRequest);
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return JsonErrorReader.Instance.Read(400, response.Headers, Encoding.UTF8.GetBytes(body));
    }

    private static AwsErrorResponse ReadXml(string body)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.BadRequest);
        response.Headers.TryAddWithoutValidation("x-amzn-RequestId", "hdr-id");
        return XmlErrorReader.Instance.Read(400, response.Headers, Encoding.UTF8.GetBytes(body));
    }

    [Fact]
    public void Read_ErrorTypeHeader_WinsAndIsSanitized()
    {
        var error = ReadJson("""{"ErrorCode":"BodyCode","Message":"m"}""", ("x-amzn-ErrorType", "ReplicationNotFound:http://internal.amazon.com/coral/com.amazonaws.efs/"));

        Assert.Equal("ReplicationNotFound", error.Code);
        Assert.Equal("m", error.Message);
    }

    [Theory]
    [InlineData("""{"__type":"com.amazonaws.swf.service.v2.model#ExecutionDoesNotExist","message":"x"}""", "ExecutionDoesNotExist")]
    [InlineData("""{"code":"ThrottlingException","message":"x"}""", "ThrottlingException")]
    [InlineData("""{"ErrorCode":"FileSystemNotFound","Message":"x"}""", "FileSystemNotFound")]
    [InlineData("""{"Code":"ValidationException","Message":"x"}""", "ValidationException")]
    [InlineData("not json", "400")]
    [InlineData("", "400")]
    public void Read_BodyForms_GiveCode(string body, string code) => Assert.Equal(code, ReadJson(body).Code);

    [Fact]
    public void Read_RequestIdHeader_IsKept() =>
        Assert.Equal("abc-123", ReadJson("{}", ("x-amzn-RequestId", "abc-123")).RequestId);

    [Fact]
    public void Read_Route53ErrorResponse_GivesCodeMessageAndBodyRequestId()
    {
        var error = ReadXml("""
            <?xml version="1.0"?>
            <ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>NoSuchHostedZone</Code><Message>No hosted zone found with ID: Z1</Message></Error><RequestId>body-id</RequestId></ErrorResponse>
            """);

        Assert.Equal("NoSuchHostedZone", error.Code);
        Assert.Equal("No hosted zone found with ID: Z1", error.Message);
        Assert.Equal("hdr-id", error.RequestId);
    }

    [Fact]
    public void Read_InvalidChangeBatchRootForm_KeepsEveryMessage()
    {
        var error = ReadXml("""
            <?xml version="1.0"?>
            <InvalidChangeBatch xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Messages><Message>first problem</Message><Message>second problem</Message></Messages><RequestId>r</RequestId></InvalidChangeBatch>
            """);
        var ex = Assert.IsType<DnsChangeRejectedException>(AwsErrorMapper.ToException("route53", 400, error));

        Assert.Equal("InvalidChangeBatch", error.Code);
        Assert.Equal(["first problem", "second problem"], ex.Messages);
        Assert.Contains("second problem", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("FileSystemNotFound", typeof(FileSystemNotFoundException))]
    [InlineData("ReplicationNotFound", typeof(NoReplicationException))]
    [InlineData("InvocationDoesNotExist", typeof(NodeCommandNotFoundException))]
    [InlineData("NoSuchHostedZone", typeof(DnsZoneNotFoundException))]
    [InlineData("ExecutionDoesNotExist", typeof(RunNotFoundException))]
    [InlineData("InvalidInstanceID.NotFound", typeof(NodeNotFoundException))]
    [InlineData("ExecutionAlreadyExists", typeof(RunNameTakenException))]
    [InlineData("SomethingElse", typeof(CloudCallFailedException))]
    public void ToException_Code_GivesDistinctType(string code, Type expected)
    {
        var ex = AwsErrorMapper.ToException("efs", 404, new AwsErrorResponse(code, "msg", "rid", ["msg"]));

        Assert.Equal(expected, ex.GetType());
        Assert.Equal(code, ex.Code);
        Assert.Equal("rid", ex.RequestId);
        Assert.Equal(404, ex.HttpStatus);
    }

    [Fact]
    public void ToException_ThrottlingCodeOn400_IsTransientEvenIfTyped() =>
        Assert.IsType<CloudBusyException>(AwsErrorMapper.ToException("route53", 400, new AwsErrorResponse("Throttling", "Rate exceeded", null, [])));

    [Fact]
    public void Read_HtmlErrorPageFromAProxy_FallsBackToStatus()
    {
        var error = ReadXml("<html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>Bad Gateway</p></body></html>");

        Assert.Equal("400", error.Code);
    }
}
