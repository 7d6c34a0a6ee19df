using YamlDotNet.RepresentationModel;
using static EfsDr.Functions.Tests.Template.TemplateModel;

namespace EfsDr.Functions.Tests.Template;

/// <summary>template.yaml's operations: run-failure notifications, log groups and log levels, parsed as YAML.</summary>
public sealed class TemplateOperationsTests
{
    [Fact]
    public void RunFailedRule_MatchesFailedTimedOutAndAbortedExecutionsOfEveryStateMachine()
    {
        var rule = Resource("RunFailedRule");
        var pattern = Mapping(rule, "Properties", "EventPattern");
        var machines = Resources().Where(r => TypeOf(r.Definition) is "AWS::Serverless::StateMachine" or "AWS::StepFunctions::StateMachine").Select(r => "!Ref " + r.Name);

        Assert.Equal("AWS::Events::Rule", TypeOf(rule));
        Assert.Equal("ENABLED", Text(Child(rule, "Properties", "State")));
        Assert.Equal(["aws.states"], Texts(Child(pattern, "source")));
        Assert.Equal(["Step Functions Execution Status Change"], Texts(Child(pattern, "detail-type")));
        Assert.Equal(["ABORTED", "FAILED", "TIMED_OUT"], Texts(Child(pattern, "detail", "status")).Order(StringComparer.Ordinal));
        Assert.Equal(machines.Order(StringComparer.Ordinal), Texts(Child(pattern, "detail", "stateMachineArn")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void RunFailedRule_TargetsTheAlarmTopic()
    {
        var targets = (YamlSequenceNode)Child(Resource("RunFailedRule"), "Properties", "Targets")!;

        Assert.Contains(targets.Children, t => Text(Child(t, "Arn")) == "!Ref HealthAlarmTopic");
    }

    [Fact]
    public void HealthAlarmTopicPolicy_LetsTheRulePublish_AndKeepsTheAlarmsPublishing()
    {
        var policy = Resource("HealthAlarmTopicPolicy");
        var statements = StatementsOf(policy).ToList();

        Assert.Equal("AWS::SNS::TopicPolicy", TypeOf(policy));
        Assert.Equal(["!Ref HealthAlarmTopic"], Texts(Child(policy, "Properties", "Topics")));
        var events = Assert.Single(statements, s => Text(Child(s, "Principal", "Service")) == "events.amazonaws.com");
        Assert.Equal(["sns:Publish"], Actions(events));
        Assert.Equal("!GetAtt RunFailedRule.Arn", Text(Child(events, "Condition", "ArnEquals", "aws:SourceArn")));
        var alarms = Assert.Single(statements, s => Text(Child(s, "Principal", "Service")) == "cloudwatch.amazonaws.com");
        Assert.Equal(["sns:Publish"], Actions(alarms));
    }

    [Fact]
    public void StateMachineLogGroup_IsAVendedLogsGroup()
    {
        var name = Text(Child(Resource("StateMachineLogGroup"), "Properties", "LogGroupName"));

        Assert.StartsWith("!Sub /aws/vendedlogs/", name, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryStateMachine_LogsToAVendedLogsGroupOfItsOwn()
    {
        var machines = Resources().Where(r => TypeOf(r.Definition) is "AWS::Serverless::StateMachine").ToList();
        var groups = machines.Select(m => Text(Child(((YamlSequenceNode)Child(m.Definition, "Properties", "Logging", "Destinations")!).Children[0], "CloudWatchLogsLogGroup", "LogGroupArn"))).ToList();

        Assert.Equal(2, machines.Count);
        Assert.Equal(groups.Count, groups.Distinct(StringComparer.Ordinal).Count());
        Assert.All(groups, g => Assert.StartsWith("!Sub /aws/vendedlogs/", Text(Child(Resource(g["!GetAtt ".Length..^".Arn".Length]), "Properties", "LogGroupName")), StringComparison.Ordinal));
    }

    [Fact]
    public void Functions_ApplicationLogLevel_KeepsInfoSoTheHealthMetricsReachCloudWatch()
    {
        var logging = Mapping(Document, "Globals", "Function", "LoggingConfig");
        var perFunction = Resources().Select(r => Text(Child(r.Definition, "Properties", "LoggingConfig", "ApplicationLogLevel"))).Where(l => l.Length > 0);

        Assert.Equal("JSON", Text(Child(logging, "LogFormat")));
        Assert.All(perFunction.Append(Text(Child(logging, "ApplicationLogLevel"))), level => Assert.Contains(level, new[] { "TRACE", "DEBUG", "INFO" }));
    }
}
