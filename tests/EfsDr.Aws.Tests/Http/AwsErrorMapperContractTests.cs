using EfsDr.Aws.Http;
using EfsDr.Aws.Tests.Support;
using EfsDr.Core.Exceptions;

namespace EfsDr.Aws.Tests.Http;

/// <summary>The one mapping from AWS error codes to the core's DR errors: each code the services declare (botocore's
/// models) becomes the domain error the core and the CLI tell apart; nothing else is typed.</summary>
public sealed class AwsErrorMapperContractTests
{
    /// <summary>Code, botocore service, an operation EfsDr calls that declares it (null for EC2, whose model declares no
    /// error shapes: its codes are documented in the EC2 API error-code reference), the expected domain error.</summary>
    public static TheoryData<string, string?, string?, Type> Codes => new()
    {
        { "FileSystemNotFound", "efs", "DescribeFileSystems", typeof(FileSystemNotFoundException) },
        { "ReplicationNotFound", "efs", "DescribeReplicationConfigurations", typeof(NoReplicationException) },
        { "MountTargetNotFound", "efs", "DescribeMountTargets", typeof(MountTargetNotFoundException) },
        { "ReplicationAlreadyExists", "efs", "UpdateFileSystemProtection", typeof(AlreadyAReplicaException) },
        { "InvocationDoesNotExist", "ssm", "GetCommandInvocation", typeof(NodeCommandNotFoundException) },
        { "ParameterNotFound", "ssm", "GetParameter", typeof(StoredParameterNotFoundException) },
        { "InvalidInstanceId", "ssm", "SendCommand", typeof(NodeNotFoundException) },
        { "NoSuchHostedZone", "route53", "ListResourceRecordSets", typeof(DnsZoneNotFoundException) },
        { "NoSuchChange", "route53", "GetChange", typeof(DnsChangeNotFoundException) },
        { "InvalidChangeBatch", "route53", "ChangeResourceRecordSets", typeof(DnsChangeRejectedException) },
        { "ExecutionDoesNotExist", "stepfunctions", "DescribeExecution", typeof(RunNotFoundException) },
        { "ExecutionAlreadyExists", "stepfunctions", "StartExecution", typeof(RunNameTakenException) },
        { "StateMachineDoesNotExist", "stepfunctions", "StartExecution", typeof(WorkflowNotFoundException) },
        { "InvalidInstanceID.NotFound", null, null, typeof(NodeNotFoundException) },
        { "InvalidInstanceID.Malformed", null, null, typeof(NodeNotFoundException) },
    };

    [Theory]
    [MemberData(nameof(Codes))]
    public void ToException_DeclaredAwsCode_BecomesItsDomainErrorKeepingWhatAwsSaid(string code, string? service, string? operation, Type expected)
    {
        if (service is not null)
        {
            Assert.Contains(code, BotocoreModel.Load(service).Errors(operation!));
        }

        var ex = AwsErrorMapper.ToException(new AwsErrorDetails(service ?? "ec2", code, "what AWS said", 400, "req-1"), ["what AWS said"]);

        Assert.Equal(expected, ex.GetType());
        Assert.Equal(new CloudError(service ?? "ec2", code, "what AWS said", 400, "req-1"), ex.Error);
    }

    [Fact]
    public void DomainErrors_EveryMappedCode_IsCoveredByTheContract()
    {
        var covered = Codes.Select(row => row.Data.Item1).ToHashSet(StringComparer.Ordinal);

        Assert.All(AwsErrorMapper.DomainErrors.Keys, code => Assert.Contains(code, covered));
    }

    [Theory]
    [InlineData("ThrottlingException", 400)]
    [InlineData("ReplicationNotFound", 503)]
    [InlineData("PriorRequestNotComplete", 400)]
    public void ToException_RetryableStatusOrCode_IsCloudBusyEvenForATypedCode(string code, int status) =>
        Assert.IsType<CloudBusyException>(AwsErrorMapper.ToException(new AwsErrorDetails("efs", code, "m", status, null), []));

    [Fact]
    public void ToException_UnknownCode_IsAPlainCloudCallFailure() =>
        Assert.Equal(typeof(CloudCallFailedException), AwsErrorMapper.ToException(new AwsErrorDetails("efs", "AccessDeniedException", "m", 403, null), []).GetType());

    [Fact]
    public void ToException_InvalidChangeBatch_KeepsEveryMessage()
    {
        var ex = Assert.IsType<DnsChangeRejectedException>(AwsErrorMapper.ToException(new AwsErrorDetails("route53", "InvalidChangeBatch", "first", 400, null), ["first", "second"]));

        Assert.Equal(["first", "second"], ex.Messages);
        Assert.Equal("first; second", ex.Error.Message);
    }

    [Fact]
    public void Unreachable_NoAnswer_IsRegionUnreachableWithStatusZero()
    {
        var ex = AwsErrorMapper.Unreachable("efs", "ConnectionFailure", "DescribeFileSystems: refused");

        Assert.Equal(new CloudError("efs", "ConnectionFailure", "DescribeFileSystems: refused", 0, null), ex.Error);
    }
}
