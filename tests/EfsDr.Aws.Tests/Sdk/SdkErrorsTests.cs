using System.Net;
using Amazon.Runtime;
using EfsDr.Aws.Http;
using EfsDr.Aws.Sdk;
using EfsDr.Core.Exceptions;

namespace EfsDr.Aws.Tests.Sdk;

/// <summary>The one SDK-exception mapping shared by the SSM and EC2 adapters, for the failures a fake transport cannot easily make.</summary>
public sealed class SdkErrorsTests
{
    [Fact]
    public void Translate_ClientExceptionWrappingHttpRequestException_GivesUnreachable()
    {
        var sdk = new AmazonClientException("request failed", new HttpRequestException("No such host is known. (ssm.xx-nowhere-1.amazonaws.com:443)"));

        var translated = SdkErrors.Translate(AwsServiceInfo.Ssm, "SendCommand", sdk, CancellationToken.None);

        var ex = Assert.IsType<RegionUnreachableException>(translated);
        Assert.Equal(new CloudError("ssm", "ConnectionFailure", "SendCommand: No such host is known. (ssm.xx-nowhere-1.amazonaws.com:443)", 0, null), ex.Error);
        Assert.Same(sdk, ex.InnerException);
    }

    [Fact]
    public void Translate_TaskCanceledWithoutCallerCancellation_GivesUnreachableTimeout()
    {
        var timeout = new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 20 seconds elapsing.", new TimeoutException());

        var translated = SdkErrors.Translate(AwsServiceInfo.Ec2, "DescribeInstances", timeout, CancellationToken.None);

        var ex = Assert.IsType<RegionUnreachableException>(translated);
        Assert.Equal("RequestTimeout", ex.Code);
        Assert.Equal("ec2", ex.Error.Service);
    }

    [Fact]
    public async Task Translate_CallerCancelledAndSdkWrappedTheCancellation_GivesOperationCanceledForThatToken()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var sdk = new AmazonClientException("cancelled", new TaskCanceledException());

        var translated = SdkErrors.Translate(AwsServiceInfo.Ssm, "GetCommandInvocation", sdk, cts.Token);

        var ex = Assert.IsType<OperationCanceledException>(translated);
        Assert.Equal(cts.Token, ex.CancellationToken);
    }

    [Fact]
    public async Task Translate_CallerCancelledOperationCanceled_ReturnsNullSoItPropagatesUnchanged()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        Assert.Null(SdkErrors.Translate(AwsServiceInfo.Ssm, "SendCommand", new OperationCanceledException(cts.Token), cts.Token));
    }

    [Fact]
    public void Translate_ClientExceptionWithoutNetworkCause_GivesPlainServiceErrorWithStatusZero()
    {
        var sdk = new AmazonClientException("Failed to resolve AWS credentials.");

        var translated = SdkErrors.Translate(AwsServiceInfo.Ssm, "SendCommand", sdk, CancellationToken.None);

        var ex = Assert.IsType<CloudCallFailedException>(translated);
        Assert.Equal("ClientError", ex.Code);
        Assert.Equal(0, ex.HttpStatus);
    }

    [Fact]
    public void Translate_ServiceExceptionWithStatus_CarriesCodeMessageStatusAndRequestId()
    {
        var sdk = new AmazonServiceException("Rate exceeded", ErrorType.Sender, "ThrottlingException", "req-9", HttpStatusCode.BadRequest);

        var translated = SdkErrors.Translate(AwsServiceInfo.Ssm, "SendCommand", sdk, CancellationToken.None);

        var ex = Assert.IsType<CloudBusyException>(translated);
        Assert.Equal(new CloudError("ssm", "ThrottlingException", "Rate exceeded", 400, "req-9"), ex.Error);
    }

    [Fact]
    public void Translate_ServiceExceptionWithoutCode_UsesTheStatusAsCode()
    {
        var sdk = new AmazonServiceException("Bad Gateway", ErrorType.Unknown, null, null, HttpStatusCode.BadGateway);

        var translated = SdkErrors.Translate(AwsServiceInfo.Ec2, "DescribeInstances", sdk, CancellationToken.None);

        var ex = Assert.IsType<CloudBusyException>(translated);
        Assert.Equal("502", ex.Code);
        Assert.Null(ex.RequestId);
    }

    [Fact]
    public void Translate_NotAnSdkFailure_ReturnsNull()
    {
        Assert.Null(SdkErrors.Translate(AwsServiceInfo.Ssm, "SendCommand", new ArgumentException("region"), CancellationToken.None));
    }
}
