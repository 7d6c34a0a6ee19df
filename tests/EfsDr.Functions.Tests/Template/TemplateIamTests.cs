using System.Reflection;
using EfsDr.Core.Failover;
using EfsDr.Core.Locking;
using EfsDr.Core.Reprotect;
using EfsDr.Core.Workflows;
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

    /// <summary>The template's functions of the reprotect (one per Task of <see cref="ReprotectWorkflow"/>).</summary>
    private static readonly HashSet<string> ReprotectFunctions =
        ReprotectWorkflow.Tasks.Select(t => t.SubstitutionName![..^"Arn".Length]).ToHashSet(StringComparer.Ordinal);

    /// <summary>The tags the reprotect may write besides EfsDr's: the replica's origin, who kept a diverged copy, and the Name.</summary>
    private static readonly string[] ReprotectTagKeys = [.. EfsDrTagKeys, ReprotectTags.ReplicaOf, ReprotectTags.KeptBy, "Name"];

    [Fact]
    public void TagResource_EveryGrant_AllowsOnlyEfsDrsTagKeysOnTheNamedFileSystem()
    {
        var grants = Statements().Where(s => Actions(s.Statement).Contains("elasticfilesystem:TagResource") && !ReprotectFunctions.Contains(s.Resource)).ToList();

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
    public void TagResource_ReprotectGrants_AllowOnlyItsTagKeys_TheNameOnlyToTheProtectedOrDivergedName_OnEfsDrsFileSystems()
    {
        var grants = Statements().Where(s => Actions(s.Statement).Contains("elasticfilesystem:TagResource") && ReprotectFunctions.Contains(s.Resource)).ToList();

        Assert.NotEmpty(grants);
        Assert.All(grants, grant =>
        {
            var condition = Mapping(grant.Statement, "Condition");
            Assert.True(condition is not null, $"{grant.Resource}: TagResource without a condition");
            var keys = Texts(Child(condition, "ForAllValues:StringEquals", "aws:TagKeys"));
            Assert.NotEmpty(keys);
            Assert.All(keys, k => Assert.Contains(k, ReprotectTagKeys));
            Assert.Equal("false", Text(Child(condition, "Null", "aws:TagKeys")));
            if (keys.Contains("Name"))
            {
                var name = Text(Child(condition, "StringEquals", "aws:RequestTag/Name")) + Text(Child(condition, "StringLike", "aws:RequestTag/Name"));
                Assert.True(name is "!Ref ProtectedFileSystemName" or "!Sub ${ProtectedFileSystemName}-diverged-*", $"{grant.Resource}: the Name may be set to {name}");
            }

            var onNamed = Text(Child(condition, "StringEquals", "aws:ResourceTag/Name")) == "!Ref ProtectedFileSystemName";
            var onNewReplica = Text(Child(condition, "Null", "aws:ResourceTag/" + ReprotectTags.ReplicaOf)) == "false";
            var onCreate = Text(Child(condition, "StringEquals", "elasticfilesystem:CreateAction")) == "CreateFileSystem";
            Assert.True(onNamed || onNewReplica || onCreate, $"{grant.Resource}: TagResource on any file system");
        });
    }

    [Theory]
    [InlineData("elasticfilesystem:UpdateFileSystemProtection")]
    [InlineData("elasticfilesystem:CreateMountTarget")]
    public void ReprotectChanges_EveryGrant_IsLimitedToTheNamedDivergedOrNewReplica(string action)
    {
        var grants = Statements().Where(s => Actions(s.Statement).Contains(action)).ToList();

        Assert.NotEmpty(grants);
        Assert.All(grants, grant =>
        {
            var condition = Mapping(grant.Statement, "Condition");
            Assert.True(condition is not null, $"{grant.Resource}: {action} without a condition");
            var names = Texts(Child(condition, "StringEquals", "aws:ResourceTag/Name")).Concat(Texts(Child(condition, "StringLike", "aws:ResourceTag/Name"))).ToList();
            var onNewReplica = Text(Child(condition, "Null", "aws:ResourceTag/" + ReprotectTags.ReplicaOf)) == "false";
            Assert.True(onNewReplica || names.Count > 0, $"{grant.Resource}: {action} on any file system");
            Assert.All(names, n => Assert.Contains(n, new[] { "!Ref ProtectedFileSystemName", "!Sub ${ProtectedFileSystemName}-diverged-*" }));
        });
    }

    [Fact]
    public void CreateReplicationConfiguration_Grant_HasNoTagConditionBecauseReplicationHasNoAbac()
    {
        // EFS: "Amazon EFS replication does not support using tags for attribute-based access control (ABAC)"; a tag
        // condition would deny every reprotect. The destination's protection change is what is limited by Name.
        var grant = Assert.Single(Statements(), s => Actions(s.Statement).Contains("elasticfilesystem:CreateReplicationConfiguration"));

        Assert.Equal("CreateReplicationFunction", grant.Resource);
        Assert.Null(Child(grant.Statement, "Condition"));
        Assert.Equal(["!Sub arn:${AWS::Partition}:elasticfilesystem:*:${AWS::AccountId}:file-system/*"], Texts(Child(grant.Statement, "Resource")));
    }

    [Fact]
    public void CreateNetworkInterface_Grant_IsLimitedToTheConfiguredMountTargetSubnets()
    {
        var grant = Assert.Single(Statements(), s => Actions(s.Statement).Contains("ec2:CreateNetworkInterface"));
        var resource = Child(grant.Statement, "Resource");

        Assert.Equal("CreateMountTargetsFunction", grant.Resource);
        Assert.NotNull(resource);
        var scalars = resource.AllNodes.OfType<YamlDotNet.RepresentationModel.YamlScalarNode>().Select(Text).ToList();
        Assert.DoesNotContain("*", scalars);
        Assert.Contains("!Ref MountTargetSubnetIds", scalars);
        Assert.Contains(scalars, t => t.Contains(":subnet/${Ids}", StringComparison.Ordinal));
    }

    [Fact]
    public void CreateFileSystem_Grant_TagsOnCreateOnlyWithEfsDrsKeysAndNeverTheName()
    {
        var grant = Assert.Single(Statements(), s => Actions(s.Statement).Contains("elasticfilesystem:CreateFileSystem"));
        var condition = Mapping(grant.Statement, "Condition");

        Assert.Equal("EnsureReplicaFunction", grant.Resource);
        var keys = Texts(Child(condition, "ForAllValues:StringEquals", "aws:TagKeys"));
        Assert.Equal(new[] { EfsDrTags.Run, ReprotectTags.ReplicaOf }.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
        Assert.Equal("false", Text(Child(condition, "Null", "aws:TagKeys")));
    }

    [Fact]
    public void DeleteReplicationConfiguration_Grant_HasNoTagConditionAndCoversTheAccountsFileSystemsInEveryRegion()
    {
        var grants = Statements().Where(s => Actions(s.Statement).Contains("elasticfilesystem:DeleteReplicationConfiguration")).ToList();

        Assert.Equal(["CleanUpOrphanedConfigurationFunction", "PromoteReplicaFunction"], grants.Select(g => g.Resource).Order(StringComparer.Ordinal));
        Assert.All(grants, grant =>
        {
            Assert.Equal(["elasticfilesystem:DeleteReplicationConfiguration"], Actions(grant.Statement));
            Assert.Null(Child(grant.Statement, "Condition"));
            Assert.Equal(["!Sub arn:${AWS::Partition}:elasticfilesystem:*:${AWS::AccountId}:file-system/*"], Texts(Child(grant.Statement, "Resource")));
        });
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
        Assert.All(Texts(Child(executions, "Resource")), r => Assert.Matches(@":execution:\$\{(Reprotect)?StateMachineName\}:\*$", r));
        Assert.All(Texts(Child(start, "Resource")), r => Assert.Matches(@":stateMachine:\$\{(Reprotect)?StateMachineName\}$", r));
    }

    [Theory]
    [InlineData("NodeInstancePolicyArn", "!Ref NodeInstancePolicy")]
    [InlineData("OperatorPolicyArn", "!Ref OperatorPolicy")]
    public void Outputs_NameTheManagedPolicies(string output, string value)
    {
        Assert.Equal(value, Text(Child(Document, "Outputs", output, "Value")));
    }
}
