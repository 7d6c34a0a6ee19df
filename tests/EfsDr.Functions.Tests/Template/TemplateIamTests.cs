using System.Reflection;
using EfsDr.Core.Failover;
using EfsDr.Core.Locking;
using EfsDr.Functions.Tests.Support;
using YamlDotNet.RepresentationModel;
using static EfsDr.Functions.Tests.Template.TemplateModel;

namespace EfsDr.Functions.Tests.Template;

/// <summary>template.yaml's IAM: what the functions, the nodes and the operators may do, parsed as YAML.</summary>
public sealed class TemplateIamTests
{
    /// <summary>The tag keys EfsDr writes (every efsdr: constant of <see cref="EfsDrTags"/>).</summary>
    private static readonly string[] EfsDrTagKeys =
    [
        .. typeof(EfsDrTags).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Where(v => v.StartsWith("efsdr:", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal),
    ];

    /// <summary>What efsdr calls, by command (cli/ and the Core services it runs on the AWS adapters).</summary>
    public static TheoryData<string> OperatorActions =>
    [
        // failover, plan, runs, report, status: the state machine by name, executions, their history
        "states:ListStateMachines", "states:StartExecution", "states:ListExecutions", "states:DescribeExecution", "states:GetExecutionHistory",
        // failover: the run lock (RunLockService) in every region
        "ssm:GetParametersByPath", "ssm:PutParameter", "ssm:DeleteParameter",
        // config push (writes /<stack>/configuration) and config diff (reads it and /<stack>/stack-parameters)
        "ssm:GetParameter",
        // status, health (HealthSnapshotReader, HealthChecker), fence (FencingService)
        "elasticfilesystem:DescribeFileSystems", "elasticfilesystem:DescribeReplicationConfigurations", "elasticfilesystem:DescribeMountTargets",
        "ec2:DescribeInstances", "ssm:DescribeInstanceInformation", "ssm:DescribeDocument", "route53:ListResourceRecordSets",
        // fence: protection DISABLED, EfsDr's tags, deactivate the ex-primary's nodes and read the commands back
        "elasticfilesystem:UpdateFileSystemProtection", "elasticfilesystem:TagResource", "ssm:SendCommand", "ssm:GetCommandInvocation",
    ];

    /// <summary>What cluster/start.sh's <c>efsdr failover --to THIS --wait</c> calls.</summary>
    public static TheoryData<string> NodeActions =>
    [
        "states:ListStateMachines", "states:StartExecution", "states:ListExecutions", "states:DescribeExecution", "states:GetExecutionHistory",
        "ssm:GetParametersByPath", "ssm:PutParameter", "ssm:DeleteParameter",
    ];

    [Fact]
    public void TagResource_EveryGrant_AllowsOnlyEfsDrsTagKeysOnTheNamedFileSystem()
    {
        var grants = Statements().Where(s => Actions(s.Statement).Contains("elasticfilesystem:TagResource")).ToList();

        Assert.NotEmpty(grants);
        Assert.DoesNotContain("Name", EfsDrTagKeys);
        Assert.All(grants, grant =>
        {
            var condition = Mapping(grant.Statement, "Condition");
            Assert.True(condition is not null, $"{grant.Resource}: TagResource without a condition");
            Assert.Equal(EfsDrTagKeys, Texts(Child(condition, "ForAllValues:StringEquals", "aws:TagKeys")).Order(StringComparer.Ordinal));
            Assert.Equal("false", Text(Child(condition, "Null", "aws:TagKeys")));
            Assert.Equal("!Ref ProtectedFileSystemName", Text(Child(condition, "StringEquals", "aws:ResourceTag/Name")));
        });
    }

    [Fact]
    public void DeleteReplicationConfiguration_Grant_HasNoTagConditionAndCoversTheAccountsFileSystemsInEveryRegion()
    {
        var grants = Statements().Where(s => Actions(s.Statement).Contains("elasticfilesystem:DeleteReplicationConfiguration")).ToList();

        var grant = Assert.Single(grants);
        Assert.Equal("PromoteReplicaFunction", grant.Resource);
        Assert.Equal(["elasticfilesystem:DeleteReplicationConfiguration"], Actions(grant.Statement));
        Assert.Null(Child(grant.Statement, "Condition"));
        Assert.Equal(["!Sub arn:${AWS::Partition}:elasticfilesystem:*:${AWS::AccountId}:file-system/*"], Texts(Child(grant.Statement, "Resource")));
    }

    [Fact]
    public void PromoteReplica_TagResource_IsLimitedToThisRegion()
    {
        var statement = Assert.Single(StatementsOf(Resource("PromoteReplicaFunction")), s => Actions(s).Contains("elasticfilesystem:TagResource"));

        Assert.All(Texts(Child(statement, "Resource")), r => Assert.Contains(":elasticfilesystem:${AWS::Region}:", r, StringComparison.Ordinal));
    }

    /// <summary>FencingService.DeactivateAsync pings each node (ssm:DescribeInstanceInformation) before it sends deactivate.</summary>
    [Theory]
    [InlineData("DeactivateOldPrimaryFunction")]
    [InlineData("DeactivateSourceFunction")]
    public void DeactivatingFunctions_PingBeforeSending_MayDescribeInstanceInformation(string function)
    {
        var statements = StatementsOf(Resource(function)).ToList();

        Assert.Contains(statements, s => Text(Child(s, "Effect")) == "Allow" && Actions(s).Contains("ssm:DescribeInstanceInformation"));
        Assert.Contains(statements, s => Text(Child(s, "Effect")) == "Allow" && Actions(s).Contains("ssm:SendCommand"));
    }

    [Fact]
    public void Template_Arns_UseThePartitionNeverTheAwsLiteral()
    {
        var text = File.ReadAllText(Repo.Path("template.yaml"));

        Assert.DoesNotContain("arn:aws:", text, StringComparison.Ordinal);
        Assert.DoesNotContain("arn:aws-", text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(OperatorActions))]
    public void OperatorPolicy_GrantsEveryActionTheCliCalls(string action)
    {
        var policy = Resource("OperatorPolicy");

        Assert.Equal("AWS::IAM::ManagedPolicy", TypeOf(policy));
        Assert.Contains(StatementsOf(policy), s => Text(Child(s, "Effect")) == "Allow" && Actions(s).Contains(action));
    }

    [Theory]
    [MemberData(nameof(NodeActions))]
    public void NodeInstancePolicy_GrantsEveryActionAFailoverFromANodeCalls(string action)
    {
        var policy = Resource("NodeInstancePolicy");

        Assert.Equal("AWS::IAM::ManagedPolicy", TypeOf(policy));
        Assert.Contains(StatementsOf(policy), s => Text(Child(s, "Effect")) == "Allow" && Actions(s).Contains(action));
    }

    [Theory]
    [InlineData("OperatorPolicy")]
    [InlineData("NodeInstancePolicy")]
    public void ManagedPolicies_RunLockAndExecutions_AreLimitedToEfsDrsNames(string name)
    {
        var statements = StatementsOf(Resource(name)).ToList();
        var runLock = Assert.Single(statements, s => Actions(s).Contains("ssm:PutParameter") && Actions(s).Contains("ssm:GetParametersByPath"));
        var executions = Assert.Single(statements, s => Actions(s).Contains("states:DescribeExecution"));
        var start = Assert.Single(statements, s => Actions(s).Contains("states:StartExecution"));

        Assert.All(Texts(Child(runLock, "Resource")), r => Assert.Contains(":parameter" + RunLockService.Root, r, StringComparison.Ordinal));
        Assert.All(Texts(Child(executions, "Resource")), r => Assert.EndsWith(":execution:${StateMachineName}:*", r, StringComparison.Ordinal));
        Assert.All(Texts(Child(start, "Resource")), r => Assert.EndsWith(":stateMachine:${StateMachineName}", r, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("NodeInstancePolicyArn", "!Ref NodeInstancePolicy")]
    [InlineData("OperatorPolicyArn", "!Ref OperatorPolicy")]
    public void Outputs_NameTheManagedPolicies(string output, string value)
    {
        Assert.Equal(value, Text(Child(Document, "Outputs", output, "Value")));
    }
}
