using System.Text.Json;
using EfsDr.Core.Workflows;
using EfsDr.Functions.Handlers;
using EfsDr.Aws.Http;
using EfsDr.Core.Exceptions;
using EfsDr.LocalCloud.Hosting;
using EfsDr.LocalCloud.Lambda;
using EfsDr.LocalCloud.Tests.Support;

namespace EfsDr.LocalCloud.Tests.Lambda;

/// <summary>Lambda Invoke against the local cloud, without Step Functions (no node needed).</summary>
public sealed class LambdaEmulatorTests : IAsyncLifetime
{
    private SfnTestCloud _cloud = null!;

    public async ValueTask InitializeAsync() => _cloud = await SfnTestCloud.StartAsync();

    public async ValueTask DisposeAsync() => await _cloud.DisposeAsync();

    [Fact]
    public async Task Invoke_RegisteredFunctionByArnAndByName_ReturnsItsOutputAndCountsBoth()
    {
        var arn = _cloud.Function("echo", (input, _) => Task.FromResult<object?>(new { echoed = input.GetProperty("value").GetInt32() }));

        var byArn = await _cloud.InvokeAsync(arn, """{"value":7}""");
        var byName = await _cloud.InvokeAsync("efsdr-echo", """{"value":8}""");

        Assert.Equal("arn:aws:lambda:us-west-2:000000000000:function:efsdr-echo", arn);
        Assert.Equal((200, null), (byArn.Status, byArn.FunctionError));
        Assert.Equal(7, byArn.Body.GetProperty("echoed").GetInt32());
        Assert.Equal(8, byName.Body.GetProperty("echoed").GetInt32());
        Assert.Equal(2, _cloud.Host.Context.Lambda.Invocations["echo"]);
    }

    [Fact]
    public async Task Invoke_HandlerThrows_Answers200WithFunctionErrorAndExceptionName()
    {
        var arn = _cloud.Function("lagging", (_, _) => throw new ReplicaLagTestException("replica is 20 minutes behind"));

        var (status, functionError, body) = await _cloud.InvokeAsync(arn, "{}");

        Assert.Equal(200, status);
        Assert.Equal("Unhandled", functionError);
        Assert.Equal("ReplicaLagTestException", body.GetProperty("errorType").GetString());
        Assert.Equal("replica is 20 minutes behind", body.GetProperty("errorMessage").GetString());
        Assert.Equal(JsonValueKind.Array, body.GetProperty("stackTrace").ValueKind);
    }

    [Fact]
    public async Task Invoke_UnknownFunction_Answers404ResourceNotFound()
    {
        var (status, functionError, body) = await _cloud.InvokeAsync("arn:aws:lambda:us-west-2:000000000000:function:efsdr-nope", "{}");

        Assert.Equal(404, status);
        Assert.Null(functionError);
        Assert.Equal("ResourceNotFoundException", body.GetProperty("__type").GetString());
    }

    [Fact]
    public async Task Invoke_FunctionOfAnotherRegionByName_Answers404()
    {
        _cloud.Function("regional", (_, _) => Task.FromResult<object?>(1));

        var (status, _, _) = await _cloud.InvokeAsync("efsdr-regional", "{}", region: "eu-west-1");

        Assert.Equal(404, status);
    }

    [Fact]
    public async Task Invoke_LambdaInvokeIntegration_DispatchesOnFunctionNameAndWrapsPayload()
    {
        var arn = _cloud.Function("wrapped", (input, _) => Task.FromResult<object?>(new { got = input.GetProperty("n").GetInt32() }));

        var (status, _, body) = await _cloud.InvokeAsync("arn:aws:states:::lambda:invoke", $$$"""{"FunctionName":"{{{arn}}}","Payload":{"n":5}}""");

        Assert.Equal(200, status);
        Assert.Equal(200, body.GetProperty("StatusCode").GetInt32());
        Assert.Equal(5, body.GetProperty("Payload").GetProperty("got").GetInt32());
    }

    [Fact]
    public async Task Invoke_AfterCrashAfterFunctionSucceeded_FailsTheNextInvocationOnceThenClears()
    {
        var ran = new List<string>();
        var first = _cloud.Function("first", (_, _) => { lock (ran) { ran.Add("first"); } return Task.FromResult<object?>("ok"); });
        var second = _cloud.Function("second", (_, _) => { lock (ran) { ran.Add("second"); } return Task.FromResult<object?>("ok"); });
        _cloud.Host.Faults.CrashAfterFunction = "first";

        var beforeFirst = await _cloud.InvokeAsync(second, "{}");
        var firstCall = await _cloud.InvokeAsync(first, "{}");
        var crashed = await _cloud.InvokeAsync(second, "{}");
        var afterwards = await _cloud.InvokeAsync(second, "{}");

        Assert.Null(beforeFirst.FunctionError);
        Assert.Null(firstCall.FunctionError);
        Assert.Equal("Unhandled", crashed.FunctionError);
        Assert.Equal(LambdaEmulator.SimulatedCrashErrorType, crashed.Body.GetProperty("errorType").GetString());
        Assert.Equal("injected crash after first", crashed.Body.GetProperty("errorMessage").GetString());
        Assert.Null(afterwards.FunctionError);
        Assert.Null(_cloud.Host.Faults.CrashAfterFunction);
        Assert.Equal(["second", "first", "second"], ran);
        Assert.Equal(3, _cloud.Host.Context.Lambda.Invocations["second"]);
    }

    [Fact]
    public async Task Invoke_FaultThatEndsWhenAFunctionIsInvoked_EndsBeforeThatFunctionRunsAndOnlyThen()
    {
        var faults = _cloud.Host.Faults;
        var offlineAsSeen = new List<(string, bool)>();
        Task<object?> Record(string name)
        {
            lock (offlineAsSeen)
            {
                offlineAsSeen.Add((name, faults.IsNodeOffline("i-0123")));
            }

            return Task.FromResult<object?>("ok");
        }

        var before = _cloud.Function("before", (_, _) => Record("before"));
        var step = _cloud.Function("step", (_, _) => Record("step"));
        faults.SetNodeOffline("i-0123", offline: true);
        faults.EndWhenInvoked("step", () => faults.SetNodeOffline("i-0123", offline: false));

        await _cloud.InvokeAsync(before, "{}");
        await _cloud.InvokeAsync(step, "{}");
        faults.SetNodeOffline("i-0123", offline: true);
        await _cloud.InvokeAsync(step, "{}");

        // Offline while "before" ran; back before "step" ran; the ending ran once (the second "step" left it offline).
        Assert.Equal([("before", true), ("step", false), ("step", true)], offlineAsSeen);
    }

    [Fact]
    public async Task Invoke_CrashAfterFunctionThatFails_DoesNotArmTheCrash()
    {
        var failing = _cloud.Function("failing", (_, _) => throw new FlakyTestException("no"));
        var other = _cloud.Function("other", (_, _) => Task.FromResult<object?>("ok"));
        _cloud.Host.Faults.CrashAfterFunction = "failing";

        await _cloud.InvokeAsync(failing, "{}");
        var next = await _cloud.InvokeAsync(other, "{}");

        Assert.Null(next.FunctionError);
        Assert.Equal("failing", _cloud.Host.Faults.CrashAfterFunction);
    }

    [Fact]
    public async Task DeployFunctions_EveryHandler_RunsEfsDrsRealHandlersWhosePortsCallThisCloud()
    {
        var arns = _cloud.Host.Context.Lambda.DeployFunctions("us-east-1", new Dictionary<string, string> { ["EFSDR_CONFIG_PARAMETER"] = "/efsdr/cluster" });

        var invalid = await _cloud.InvokeAsync(arns[FailoverWorkflow.PlanFailover.Handler!], """{"input":{"targetServer":42},"executionName":"t"}""", region: "us-east-1");
        var valid = await _cloud.InvokeAsync(arns[FailoverWorkflow.PlanFailover.Handler!], """{"input":{"targetServer":"server3"},"executionName":"t"}""", region: "us-east-1");

        Assert.Equal(FunctionNames.All.Order(StringComparer.Ordinal), arns.Keys.Order(StringComparer.Ordinal));
        Assert.All(arns, a => Assert.Equal($"arn:aws:lambda:us-east-1:000000000000:function:efsdr-{a.Key}", a.Value));
        Assert.Equal((200, "Unhandled"), (invalid.Status, invalid.FunctionError));
        Assert.Equal("InvalidInputException", invalid.Body.GetProperty("errorType").GetString());

        // The configuration parameter is read from this cloud's SSM (a stub on this branch), not from AWS.
        Assert.Equal("Unhandled", valid.FunctionError);
        Assert.Equal("StoredParameterNotFoundException", valid.Body.GetProperty("errorType").GetString());
        Assert.True(_cloud.Host.RequestCounts.GetValueOrDefault("ssm") >= 1);
        Assert.Equal(2, _cloud.Host.Context.Lambda.Invocations[FailoverWorkflow.PlanFailover.Handler!]);
    }

    [Fact]
    public async Task DeployFunctions_HandlersCallUnderFaultsDrawnPerAttempt_TheirCallsDrawUnderTheirFunctionsName()
    {
        // Salt chosen so that GetParameter fails both attempts when drawn as plan-failover's call, and goes through at
        // once when drawn as anyone's: the handler's error tells which key its call was drawn under.
        var anyone = LocalCloudHost.DrawKey(new AwsCall("ssm", "us-east-1", "POST", "/", new Dictionary<string, string>(), new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["X-Amz-Target"] = "AmazonSSM.GetParameter" }, []));
        var planFailover = FailoverWorkflow.PlanFailover.Handler! + " " + anyone;
        var salt = Enumerable.Range(0, 100_000).First(s =>
            FaultInjector.DrawOf(s, "5xx " + planFailover, 0) < 0.5 && FaultInjector.DrawOf(s, "5xx " + planFailover, 1) < 0.5 && FaultInjector.DrawOf(s, "5xx " + anyone, 0) >= 0.5);
        var lambda = _cloud.Host.Context.Lambda;
        lambda.Retry = new AwsRetryOptions { MaxAttempts = 2, BaseDelay = TimeSpan.Zero };
        var arns = lambda.DeployFunctions("us-east-1", new Dictionary<string, string> { ["EFSDR_CONFIG_PARAMETER"] = "/efsdr/cluster" });
        _cloud.Host.Faults.Draws = FaultDraws.PerAttempt;
        _cloud.Host.Faults.Reseed(salt);
        _cloud.Host.Faults.Set("ssm", "*", new ServiceFaults { ServerErrorRate = 0.5 });

        var plan = await _cloud.InvokeAsync(arns[FailoverWorkflow.PlanFailover.Handler!], """{"input":{"targetServer":"server3"},"executionName":"t"}""", region: "us-east-1");

        Assert.Equal("Unhandled", plan.FunctionError);
        Assert.Equal(nameof(CloudBusyException), plan.Body.GetProperty("errorType").GetString());
    }

    [Fact]
    public async Task Invoke_Handler_LogsJsonLinesToTheLogFileNotTheConsole()
    {
        var arn = _cloud.Function("logged", (_, _) => throw new FlakyTestException("boom"));

        await _cloud.InvokeAsync(arn, "{}");

        var log = await File.ReadAllLinesAsync(_cloud.Host.Context.Lambda.LogFile, TestContext.Current.CancellationToken);
        Assert.StartsWith(_cloud.Host.Context.Root, _cloud.Host.Context.Lambda.LogFile, StringComparison.Ordinal);
        Assert.Contains(log, l => l.Contains("\"START logged", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("\"END logged", StringComparison.Ordinal) && l.Contains("FlakyTestException", StringComparison.Ordinal));
        Assert.All(log, l => JsonDocument.Parse(l).Dispose());
    }
}
