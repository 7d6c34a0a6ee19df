using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using EfsDr.Aws.Http;
using EfsDr.Aws.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Aws.Tests.Signing;

/// <summary>
/// SigV4 through the shared pipeline at a fixed time. The expected Authorization values were computed independently
/// with botocore's SigV4Auth (botocore_sigv4.py beside this file), and are also recomputed live when python3/botocore exist.
/// </summary>
public sealed class SigningTests
{
    private const string Token = "FQoGZXIvYXdzEXAMPLETOKEN";
    private static readonly DateTimeOffset SignedAt = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, string, string, string, string, string, string, string?, string> Vectors => new()
    {
        // name, service-id, region, method, path+query, body, content type, token, expected Authorization (botocore)
        {
            "efs-get", "EFS", "us-west-2", "GET", "/2015-02-01/file-systems", string.Empty, string.Empty, null,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-west-2/elasticfilesystem/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=3cb23485487aeb0a8145654b6dccec50a9a22df16f0890c7a3563c498fea0510"
        },
        {
            "efs-get-session", "EFS", "us-west-2", "GET", "/2015-02-01/file-systems", string.Empty, string.Empty, Token,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-west-2/elasticfilesystem/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=0a36d0846d08abab722b31849d4fb5bc8923cf1fd9c98fedd0b4be4a219052e4"
        },
        {
            "efs-delete-query", "EFS", "us-west-2", "DELETE", "/2015-02-01/file-systems/fs-0123456789abcdef0/replication-configuration?deletionMode=ALL_CONFIGURATIONS", string.Empty, string.Empty, null,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-west-2/elasticfilesystem/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=2e1c3862569924e8560d68a328724fa7b685d890ddcec5bcf4750e8dd0811a52"
        },
        {
            "sfn-post-json", "SFN", "us-west-2", "POST", "/", """{"executionArn":"arn:aws:states:us-west-2:1:execution:m:e"}""", "application/x-amz-json-1.0", null,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-west-2/states/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target, Signature=6eef998f22678dc191d13accc6d879b3af2e2466d7495eea18e44b36e4ac9fe7"
        },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public async Task SignAsync_FixedTimeVector_MatchesBotocore(string name, string serviceId, string region, string method, string pathAndQuery, string body, string contentType, string? token, string expected)
    {
        // Arrange
        var (service, uri, request, pipeline) = Arrange(serviceId, region, method, pathAndQuery, body, contentType, token, "https://" + Host(serviceId, region));

        // Act
        using var message = await pipeline.SignAsync(service, region, uri, request, TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(expected, string.Join(",", message.Headers.GetValues("Authorization")));
        Assert.Equal("20250101T000000Z", string.Join(",", message.Headers.GetValues("X-Amz-Date")));
        Assert.Equal(token is not null, message.Headers.Contains("X-Amz-Security-Token"));
        Assert.False(string.IsNullOrEmpty(name));
    }

    [Fact]
    public async Task SignAsync_Route53FromAnyRegion_SignsForUsEast1()
    {
        var (service, uri, request, pipeline) = Arrange("Route 53", "us-west-2", "GET", "/2013-04-01/change/C1", string.Empty, string.Empty, null, "https://route53.amazonaws.com");

        using var message = await pipeline.SignAsync(service, "us-west-2", uri, request, TestContext.Current.CancellationToken);

        Assert.Contains("/20250101/us-east-1/route53/aws4_request", string.Join(",", message.Headers.GetValues("Authorization")), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public async Task SignAsync_SameRequestOnLoopbackPort_MatchesLiveBotocore(string name, string serviceId, string region, string method, string pathAndQuery, string body, string contentType, string? token, string expected)
    {
        // The fixed vectors above use the real hosts; this recomputes with botocore for a host with a port, as the local cloud uses.
        Assert.StartsWith("AWS4-HMAC-SHA256", expected, StringComparison.Ordinal);
        var (service, uri, request, pipeline) = Arrange(serviceId, region, method, pathAndQuery, body, contentType, token, "http://127.0.0.1:4566");
        using var message = await pipeline.SignAsync(service, region, uri, request, TestContext.Current.CancellationToken);
        var headers = new Dictionary<string, string>();
        if (contentType.Length > 0)
        {
            headers["Content-Type"] = contentType;
        }

        foreach (var (k, v) in request.Headers)
        {
            headers[k] = v;
        }

        var spec = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["method"] = method,
            ["url"] = uri.ToString(),
            ["body"] = body,
            ["headers"] = headers,
            ["service"] = service.SigningName,
            ["region"] = service.SigningRegion(region),
            ["token"] = token,
        });

        var botocore = RunBotocore(spec);

        Assert.Equal(botocore, string.Join(",", message.Headers.GetValues("Authorization")));
        Assert.False(string.IsNullOrEmpty(name));
    }

    private static (AwsServiceInfo Service, Uri Uri, AwsRequest Request, SignedRequestPipeline Pipeline) Arrange(
        string serviceId, string region, string method, string pathAndQuery, string body, string contentType, string? token, string baseUrl)
    {
        var service = serviceId switch
        {
            "EFS" => AwsServiceInfo.Efs,
            "SFN" => AwsServiceInfo.StepFunctions,
            "Route 53" => AwsServiceInfo.Route53,
            _ => throw new ArgumentOutOfRangeException(nameof(serviceId)),
        };
        var headers = serviceId == "SFN" ? new Dictionary<string, string> { ["X-Amz-Target"] = "AWSStepFunctions.DescribeExecution" } : new Dictionary<string, string>();
        var request = new AwsRequest(new HttpMethod(method), pathAndQuery.Split('?')[0])
        {
            Body = body.Length == 0 ? null : Encoding.UTF8.GetBytes(body),
            ContentType = contentType.Length == 0 ? null : contentType,
            Headers = headers,
        };
        AWSCredentials credentials = token is null
            ? new BasicAWSCredentials(TestPipeline.AccessKey, TestPipeline.SecretKey)
            : new SessionAWSCredentials(TestPipeline.AccessKey, TestPipeline.SecretKey, token);
        var pipeline = TestPipeline.Create(new RecordingHandler(), new FakeTimeProvider(SignedAt), credentials: credentials);
        return (service, new Uri(baseUrl + pathAndQuery), request, pipeline);
    }

    private static string Host(string serviceId, string region) => serviceId switch
    {
        "EFS" => $"elasticfilesystem.{region}.amazonaws.com",
        "SFN" => $"states.{region}.amazonaws.com",
        _ => "route53.amazonaws.com",
    };

    private static string RunBotocore(string spec)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Signing", "botocore_sigv4.py");
        ProcessStartInfo start = new("python3", [script, spec]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        Process? process = null;
        try
        {
            process = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            ExternalTool.Unavailable("python3 is not on PATH, so botocore cannot recompute the signature");
        }

        using (process)
        {
            var output = process!.StandardOutput.ReadToEnd().Trim();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0 && error.Contains("No module named 'botocore'", StringComparison.Ordinal))
            {
                ExternalTool.Unavailable("botocore is not installed for python3");
            }

            Assert.True(process.ExitCode == 0, error);
            return output;
        }
    }
}
