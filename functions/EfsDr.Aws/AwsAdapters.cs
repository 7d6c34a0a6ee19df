using Amazon.Runtime;
using EfsDr.Aws.Ec2;
using EfsDr.Aws.Efs;
using EfsDr.Aws.Http;
using EfsDr.Aws.Route53;
using EfsDr.Aws.Sdk;
using EfsDr.Aws.Ssm;
using EfsDr.Aws.StepFunctions;
using EfsDr.Core.Ports;

namespace EfsDr.Aws;

/// <summary>
/// Every domain port backed by AWS, built once per process from one credential source, one endpoint resolver and one
/// retry policy. This is what a composition root (a Lambda's Program, the CLI) creates; nothing else builds clients.
/// </summary>
public sealed class AwsAdapters : IDisposable
{
    private readonly HttpClient _http;
    private readonly SdkClientFactory _sdk;

    /// <summary>Creates the adapters.</summary>
    /// <param name="credentials">Null resolves the default AWS credential chain on first use.</param>
    /// <param name="endpoints">Null reads <c>AWS_ENDPOINT_URL</c> and <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c> from the environment.</param>
    /// <param name="retry">Null uses <see cref="AwsRetryOptions.Default"/>.</param>
    /// <param name="time">Null uses the system clock.</param>
    /// <param name="onRetry">Told about each retry of the hand-written clients (for logs).</param>
    /// <param name="transport">The HTTP transport of every client, hand-written and SDK (the local cloud's Lambda
    /// emulator decorates it); null: each builds its own. It is shared and never disposed here.</param>
    public AwsAdapters(AWSCredentials? credentials = null, EndpointResolver? endpoints = null, AwsRetryOptions? retry = null, TimeProvider? time = null, Action<AwsRetryNotice>? onRetry = null, HttpMessageHandler? transport = null)
    {
        endpoints ??= new EndpointResolver();
        retry ??= AwsRetryOptions.Default;
        _http = transport is null ? new HttpClient() : new HttpClient(transport, disposeHandler: false);
        _http.Timeout = Timeout.InfiniteTimeSpan;
        var pipeline = new SignedRequestPipeline(_http, credentials, endpoints, retry, time, onRetry: onRetry);
        _sdk = new SdkClientFactory(credentials, endpoints, retry, transport is null ? null : new MessageHandlerHttpClientFactory(transport), time);
        var efs = new EfsClient(pipeline);
        FileSystems = efs;
        Replications = efs;
        Dns = new Route53Client(pipeline);
        Executions = new StepFunctionsClient(pipeline);
        NodeCommands = new SsmNodeCommands(_sdk);
        NodeAgent = new SsmNodeAgent(NodeCommands);
        Parameters = new SsmParameters(_sdk);
        Instances = new Ec2Instances(_sdk);
    }

    /// <summary>EFS file systems, tags and mount targets.</summary>
    public IFileSystems FileSystems { get; }

    /// <summary>EFS replication configurations.</summary>
    public IReplications Replications { get; }

    /// <summary>Route 53 records.</summary>
    public IDnsRecords Dns { get; }

    /// <summary>Step Functions executions.</summary>
    public IExecutions Executions { get; }

    /// <summary>The cluster nodes' agent (SSM Run Command of EfsDr's node document).</summary>
    public INodeAgent NodeAgent { get; }

    /// <summary>SSM Run Command itself, for tools and tests that send other documents or raw parameters.</summary>
    public SsmNodeCommands NodeCommands { get; }

    /// <summary>SSM Parameter Store.</summary>
    public IParameters Parameters { get; }

    /// <summary>EC2 instances.</summary>
    public IInstances Instances { get; }

    /// <summary>The SDK client factory (for adapters that need a raw SSM client, such as the configuration store).</summary>
    public SdkClientFactory Sdk => _sdk;

    /// <inheritdoc />
    public void Dispose()
    {
        _http.Dispose();
        _sdk.Dispose();
    }
}
