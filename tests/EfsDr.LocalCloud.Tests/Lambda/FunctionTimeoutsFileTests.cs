using EfsDr.LocalCloud.Hosting;
using EfsDr.LocalCloud.Lambda;

namespace EfsDr.LocalCloud.Tests.Lambda;

/// <summary>The Lambda timeouts the local cloud reads from template.yaml: Globals, and a function's own Timeout.</summary>
public sealed class FunctionTimeoutsFileTests
{
    private const string Template = """
        Globals:
          Function:
            Runtime: provided.al2023
            Timeout: 60
        Resources:
          PlanFunction:
            Type: AWS::Serverless::Function
            Properties:
              Handler: plan
              Environment:
                Variables:
                  NAME: !Sub "${AWS::StackName}-x"
          CheckPromotionFunction:
            Type: AWS::Serverless::Function
            Properties:
              Handler: check-promotion
              Timeout: 120
          Topic:
            Type: AWS::SNS::Topic
            Properties:
              Timeout: 5
        """;

    [Fact]
    public void Read_GlobalsAndOneFunctionsOwnTimeout_GivesEachHandlerItsTimeout()
    {
        var timeouts = FunctionTimeoutsFile.Read(new StringReader(Template));

        Assert.Equal(TimeSpan.FromSeconds(60), timeouts.Default);
        Assert.Equal(TimeSpan.FromSeconds(120), Assert.Single(timeouts.ByHandler, t => t.Key == "check-promotion").Value);
        Assert.DoesNotContain("plan", timeouts.ByHandler.Keys);
    }

    [Fact]
    public void Read_NotYaml_HasNoTimeouts()
    {
        var timeouts = FunctionTimeoutsFile.Read(new StringReader("Globals: [unclosed"));

        Assert.Null(timeouts.Default);
        Assert.Empty(timeouts.ByHandler);
    }

    [Fact]
    public async Task TimeoutOf_TheRepositorysTemplate_IsEachFunctionsTimeoutThere()
    {
        await using var cloud = await LocalCloudHost.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        using var file = new StreamReader(Path.Combine(cloud.Context.RepositoryRoot, "template.yaml"));
        var template = FunctionTimeoutsFile.Read(file);

        Assert.Equal(template.Default, cloud.Context.Lambda.FunctionTimeout);
        Assert.Equal(template.ByHandler.GetValueOrDefault("check-promotion", template.Default!.Value), cloud.Context.Lambda.TimeoutOf("check-promotion"));
        Assert.Equal(cloud.Context.Lambda.FunctionTimeout, cloud.Context.Lambda.TimeoutOf("a-test-function"));
    }
}
