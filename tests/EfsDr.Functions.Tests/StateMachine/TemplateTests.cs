using System.Text.RegularExpressions;
using EfsDr.Aws.Ssm;
using EfsDr.Core.Configuration;
using EfsDr.Core.Failover;
using EfsDr.Core.Workflows;
using EfsDr.Functions.Handlers;
using EfsDr.Functions.Tests.Support;

namespace EfsDr.Functions.Tests.StateMachine;

/// <summary>template.yaml against the ASL, the handlers, the domain's patterns and the node script; and cfn-lint.</summary>
public sealed partial class TemplateTests
{
    private static readonly string Template = File.ReadAllText(Repo.Path("template.yaml"));

    /// <summary>The DefinitionSubstitutions of the state machine whose DefinitionUri is <paramref name="file"/>.</summary>
    private static string Substitutions(string file)
    {
        var at = Template.IndexOf($"DefinitionUri: statemachine/{file}\n", StringComparison.Ordinal);
        Assert.True(at >= 0, $"no state machine of template.yaml runs statemachine/{file}");
        var block = Template[at..];
        block = block[block.IndexOf("DefinitionSubstitutions:", StringComparison.Ordinal)..];
        return block[..block.IndexOf("      Logging:", StringComparison.Ordinal)];
    }

    [Theory]
    [MemberData(nameof(WorkflowFile.FileNames), MemberType = typeof(WorkflowFile))]
    public void DefinitionSubstitutions_CoverExactlyTheAslPlaceholders(string file)
    {
        var placeholders = Placeholder().Matches(File.ReadAllText(WorkflowFile.All[file].Path)).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var block = Substitutions(file);
        var substitutions = Substitution().Matches(block).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(placeholders.Order(StringComparer.Ordinal), substitutions.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void FunctionHandlers_AreExactlyTheRegisteredFunctions()
    {
        var handlers = HandlerLine().Matches(Template).Select(m => m.Groups[1].Value).ToList();

        Assert.Equal(FunctionNames.All.Order(StringComparer.Ordinal), handlers.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(WorkflowFile.FileNames), MemberType = typeof(WorkflowFile))]
    public void DefinitionSubstitutions_EachPointsAtTheFunctionOfItsDescribedHandler(string file)
    {
        var workflow = WorkflowFile.All[file];
        var targets = SubstitutionTarget().Matches(Substitutions(file)).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);

        Assert.Equal(workflow.Tasks.Select(t => t.SubstitutionName!).Order(StringComparer.Ordinal), targets.Keys.Order(StringComparer.Ordinal));
        Assert.All(workflow.Tasks, t => Assert.Contains($"Handler: {t.Handler}\n", Resource(targets[t.SubstitutionName!]), StringComparison.Ordinal));
    }

    [Fact]
    public void Functions_UseTheCustomRuntimeWithSmallMemory()
    {
        Assert.Matches(@"Runtime: provided\.al2023", Template);
        var memory = int.Parse(Regex.Match(Template, @"MemorySize: (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(memory, 128, 256);
    }

    [Fact]
    public void NodeDocument_ParametersAreWhatTheWorkflowSends_EachWithAPatternOrValuesAndEnvVarInterpolation()
    {
        var document = Template[Template.IndexOf("NodeDocument:", StringComparison.Ordinal)..];
        var parameters = document[document.IndexOf("        parameters:", StringComparison.Ordinal)..document.IndexOf("        mainSteps:", StringComparison.Ordinal)];
        var names = DocumentParameter().Matches(parameters).Select(m => m.Groups[1].Value).ToList();
        var sent = NodeDocumentParameters.For(NodeActivationService.Request(new FailoverPlan(), "EfsDr-Node")).Keys;

        Assert.Equal(sent.Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
        Assert.Matches(@"schemaVersion: ""2\.2""", document);
        Assert.Equal(names.Count, Regex.Count(parameters, "interpolationType: ENV_VAR"));
        Assert.Equal(names.Count, Regex.Count(parameters, "allowedPattern: |allowedValues: "));
    }

    [Theory]
    [InlineData("FileSystemId", "fs-0123456789abcdef0", "fs-123; reboot")]
    [InlineData("Region", "us-west-2", "us-west-2 && id")]
    [InlineData("MountPoint", "/mnt/efs", "/mnt/efs $(id)")]
    [InlineData("Unit", "minio", "minio;id")]
    [InlineData("HealthUrl", "http://127.0.0.1:9000/minio/health/live", "http://127.0.0.1:9000/`id`")]
    public void NodeDocument_AllowedPatterns_MatchTheDomainPatterns(string parameter, string good, string bad)
    {
        var pattern = DocumentPattern(parameter);
        var domain = parameter switch
        {
            "FileSystemId" => Patterns.FileSystemId(),
            "Region" => Patterns.Region(),
            "MountPoint" => Patterns.MountPointPattern(),
            "Unit" => Patterns.Unit(),
            _ => Patterns.HealthUrlPattern(),
        };

        Assert.Equal(domain.ToString(), pattern);
        Assert.Matches(pattern, good);
        Assert.DoesNotMatch(pattern, bad);
    }

    [Fact]
    public void NodeDocument_ScriptBlock_IsTheNodeScript()
    {
        var scriptPath = Repo.Path("node", "efsdr-node.sh");
        Assert.True(File.Exists(scriptPath), "node/efsdr-node.sh is missing");
        var lines = Template.Split('\n');
        var start = Array.FindIndex(lines, l => l.Contains("# >>> node/efsdr-node.sh", StringComparison.Ordinal));
        var end = Array.FindIndex(lines, l => l.Contains("# <<< node/efsdr-node.sh", StringComparison.Ordinal));
        Assert.True(start > 0 && end > start, "markers missing");
        Assert.Equal("- |", lines[start + 1].Trim());
        var indent = lines[start + 1].IndexOf('-', StringComparison.Ordinal) + 2;
        var embedded = string.Join('\n', lines[(start + 2)..end].Select(l => l.Length >= indent ? l[indent..] : l.Trim()));

        Assert.Equal(File.ReadAllText(scriptPath).TrimEnd('\n'), embedded.TrimEnd('\n'));
    }

    [Fact]
    public void CfnLint_Template_IsClean()
    {
        var cfnLint = FindOnPath("cfn-lint");
        if (cfnLint is null)
        {
            Repo.Unavailable("cfn-lint is not on PATH (it ships with the machine image's Python)");
        }

        var (code, output) = Repo.Run(cfnLint!, ["template.yaml"]);

        Assert.True(code == 0, output);
    }

    [Theory]
    [InlineData("ReplicationLagAlarm", "ReplicationLagSeconds", "GreaterThanThreshold")]
    [InlineData("ReplicationHealthyAlarm", "ReplicationHealthy", "LessThanThreshold")]
    [InlineData("DrReadyAlarm", "DrReady", "LessThanThreshold")]
    public void HealthAlarms_WatchTheEmittedMetric_AndTreatMissingDataAsBreaching(string alarm, string metric, string comparison)
    {
        var block = Resource(alarm);

        Assert.Contains("Type: AWS::CloudWatch::Alarm", block, StringComparison.Ordinal);
        Assert.Contains($"Namespace: {EfsDr.Functions.Observability.HealthMetrics.Namespace}\n", block, StringComparison.Ordinal);
        Assert.Contains($"MetricName: {metric}\n", block, StringComparison.Ordinal);
        Assert.Contains($"ComparisonOperator: {comparison}\n", block, StringComparison.Ordinal);
        Assert.Contains("TreatMissingData: breaching\n", block, StringComparison.Ordinal);
        Assert.Contains("Name: FileSystemName\n", block, StringComparison.Ordinal);
        Assert.Contains("Name: Region\n", block, StringComparison.Ordinal);
        Assert.Contains("AlarmActions: [!Ref HealthAlarmTopic]", block, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplicationLagAlarm_FiresAboveTheRpoForTwoPeriods()
    {
        var block = Resource("ReplicationLagAlarm");

        Assert.Contains("Threshold: !Ref RpoSeconds\n", block, StringComparison.Ordinal);
        Assert.Contains("EvaluationPeriods: 2\n", block, StringComparison.Ordinal);
        Assert.Contains("DatapointsToAlarm: 2\n", block, StringComparison.Ordinal);
        Assert.Contains("Default: 900\n", Parameter("RpoSeconds"), StringComparison.Ordinal);
    }

    [Fact]
    public void HealthCheckSchedule_InvokesTheFunctionEveryFiveMinutesByDefault()
    {
        var schedule = Resource("HealthCheckSchedule");

        Assert.Contains("Type: AWS::Scheduler::Schedule", schedule, StringComparison.Ordinal);
        Assert.Contains("ScheduleExpression: !Ref HealthCheckRate\n", schedule, StringComparison.Ordinal);
        Assert.Contains("Default: rate(5 minutes)\n", Parameter("HealthCheckRate"), StringComparison.Ordinal);
        Assert.Contains("Arn: !GetAtt HealthCheckFunction.Arn", schedule, StringComparison.Ordinal);
        Assert.Contains("RoleArn: !GetAtt HealthCheckScheduleRole.Arn", schedule, StringComparison.Ordinal);
        var role = Resource("HealthCheckScheduleRole");
        Assert.Contains("Service: scheduler.amazonaws.com", role, StringComparison.Ordinal);
        Assert.Matches(@"Action: lambda:InvokeFunction\s+Resource: !GetAtt HealthCheckFunction\.Arn", role);
    }

    [Fact]
    public void HealthCheckFunction_IsReadOnly()
    {
        var block = Resource("HealthCheckFunction");
        var actions = Regex.Matches(block, @"(?:- |Action: )([a-z0-9]+:[A-Za-z*]+)").Select(m => m.Groups[1].Value).ToList();

        Assert.Contains("Handler: health-check\n", block, StringComparison.Ordinal);
        Assert.Contains("ssm:DescribeDocument", actions);
        Assert.Contains("route53:ListResourceRecordSets", actions);
        Assert.All(actions, a => Assert.Matches(@":(Describe|Get|List)[A-Za-z]*$", a));
    }

    [Fact]
    public void HealthAlarmSubscription_ExistsOnlyWithAnEmail()
    {
        Assert.Contains("Condition: HasAlarmEmail\n", Resource("HealthAlarmSubscription"), StringComparison.Ordinal);
        Assert.Contains("HasAlarmEmail: !Not [!Equals [!Ref AlarmEmail, \"\"]]", Template, StringComparison.Ordinal);
        Assert.Contains("Default: \"\"\n", Parameter("AlarmEmail"), StringComparison.Ordinal);
    }

    [Fact]
    public void HealthDashboard_ShowsEveryHealthMetric()
    {
        var block = Resource("HealthDashboard");

        Assert.Contains("Type: AWS::CloudWatch::Dashboard", block, StringComparison.Ordinal);
        Assert.All(
            [EfsDr.Functions.Observability.HealthMetrics.ReplicationLagSeconds, EfsDr.Functions.Observability.HealthMetrics.ReplicationHealthy, EfsDr.Functions.Observability.HealthMetrics.DrReady, EfsDr.Functions.Observability.HealthMetrics.FindingCount],
            m => Assert.Contains($"\"{m}\"", block, StringComparison.Ordinal));
    }

    [Fact]
    public void StackNames_TheTemplateNamesWhatTheCliDerivesFromTheStackName()
    {
        // StackNames.X("${AWS::StackName}") is the !Sub expression the template must use for X.
        const string Stack = "${AWS::StackName}";
        var substituted = (Func<string, string> name) => name(StackNames.Default).Replace(StackNames.Default, Stack, StringComparison.Ordinal);

        Assert.Contains($"Name: !Sub \"{substituted(StackNames.NodeDocument)}\"", Resource("NodeDocument"), StringComparison.Ordinal);
        Assert.Contains($"EFSDR_CONFIG_PARAMETER: !Sub \"{substituted(StackNames.ConfigurationParameter)}\"", Template, StringComparison.Ordinal);
        Assert.Contains($"Name: !Sub \"{substituted(StackNames.StackParametersParameter)}\"", Resource("StackParametersParameter"), StringComparison.Ordinal);
        Assert.All(
            Regex.Matches(Template, @"Action: ssm:GetParameter\s+Resource: (.+)").Select(m => m.Groups[1].Value),
            arn => Assert.EndsWith($":parameter{substituted(StackNames.ConfigurationParameter)}\"", arn, StringComparison.Ordinal));
    }

    [Fact]
    public void PromotionHistory_OnlyThePromotionFunctionsReachItAndOnlyInTheirRegion()
    {
        var arn = $"\"arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{PromotionHistory.Root}/*\"";
        var promote = Resource("PromoteReplicaFunction");
        var check = Resource("CheckPromotionFunction");

        Assert.Contains("- ssm:GetParameter\n              Resource: !Sub " + arn, promote, StringComparison.Ordinal);
        Assert.DoesNotContain("ssm:PutParameter", promote, StringComparison.Ordinal);
        Assert.Contains("- ssm:GetParameter\n                - ssm:PutParameter\n              Resource: !Sub " + arn, check, StringComparison.Ordinal);
        Assert.Equal(2, Regex.Count(Template, Regex.Escape(PromotionHistory.Root)));
    }

    [Fact]
    public void Configuration_IsNoTemplateParameterAndTheStackOwnsNoConfigurationParameter()
    {
        // The configuration reaches each region by `efsdr config push`, never through --parameter-overrides (SAM strips
        // the double quotes of JSON there), and the stack does not overwrite what push wrote.
        Assert.DoesNotContain("\n  ClusterConfiguration:\n", Template, StringComparison.Ordinal);
        Assert.DoesNotContain("\n  ConfigurationParameter:\n", Template, StringComparison.Ordinal);
        Assert.Equal(1, Regex.Count(Template, @"Type: AWS::SSM::Parameter\n"));
    }

    [Fact]
    public void StackParametersParameter_RecordsEveryRepeatedParameterAsValidJson()
    {
        var resource = Resource("StackParametersParameter");
        var value = Regex.Match(resource, "Value: !Sub\n\\s+- '(.*)'").Groups[1].Value;
        Assert.Contains("- Subnets: !Join [\",\", !Ref MountTargetSubnetIds]", resource, StringComparison.Ordinal);
        var json = value.Replace("${ProtectedFileSystemName}", "DRTest-EFS1", StringComparison.Ordinal)
            .Replace("${HostedZoneId}", "Z0123456789ABCDEFGHIJ", StringComparison.Ordinal)
            .Replace("${RecordName}", "drtest.example.com", StringComparison.Ordinal)
            .Replace("${RpoSeconds}", "900", StringComparison.Ordinal)
            .Replace("${Subnets}", "subnet-0bbb222a,subnet-0bbb222b", StringComparison.Ordinal);

        var recorded = ConfigurationDrift.ParseStackParameters(json);

        Assert.Equal(new StackParameters { ProtectedFileSystemName = "DRTest-EFS1", HostedZoneId = "Z0123456789ABCDEFGHIJ", RecordName = "drtest.example.com", RpoSeconds = 900, MountTargetSubnetIds = "subnet-0bbb222a,subnet-0bbb222b" }, recorded);
        var namePattern = Regex.Match(Parameter("ProtectedFileSystemName"), "AllowedPattern: \"(.*)\"").Groups[1].Value.Replace(@"\\", @"\", StringComparison.Ordinal);
        Assert.Matches(namePattern, "DRTest-EFS1");
        Assert.DoesNotMatch(namePattern, "a\"b");
        Assert.DoesNotMatch(namePattern, "a\\b");
    }

    /// <summary>The text of one resource, from its name line to the next line indented by two spaces.</summary>
    private static string Resource(string name) => Block(Template[Template.IndexOf("\nResources:\n", StringComparison.Ordinal)..], name);

    private static string Parameter(string name) => Block(Template[..Template.IndexOf("\nResources:\n", StringComparison.Ordinal)], name);

    private static string Block(string text, string name)
    {
        var start = text.IndexOf($"\n  {name}:\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"{name} is not in template.yaml");
        var rest = text[(start + 1)..];
        var end = Regex.Match(rest[1..], @"\n  [A-Za-z]");
        return end.Success ? rest[..(end.Index + 1)] : rest;
    }

    private static string DocumentPattern(string parameter)
    {
        var document = Template[Template.IndexOf("NodeDocument:", StringComparison.Ordinal)..];
        var at = document.IndexOf($"          {parameter}:\n", StringComparison.Ordinal);
        var match = Regex.Match(document[at..], "allowedPattern: \"(.*)\"");
        return match.Groups[1].Value.Replace(@"\\", @"\", StringComparison.Ordinal);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    [GeneratedRegex(@"\$\{([A-Za-z0-9]+FunctionArn)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^\s{8}([A-Za-z0-9]+FunctionArn): !GetAtt", RegexOptions.Multiline)]
    private static partial Regex Substitution();

    [GeneratedRegex(@"^\s{8}([A-Za-z0-9]+FunctionArn): !GetAtt ([A-Za-z0-9]+)\.Arn", RegexOptions.Multiline)]
    private static partial Regex SubstitutionTarget();

    [GeneratedRegex(@"^\s+Handler: (\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex HandlerLine();

    [GeneratedRegex(@"^ {10}([A-Za-z]+):\s*$", RegexOptions.Multiline)]
    private static partial Regex DocumentParameter();
}
