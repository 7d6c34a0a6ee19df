using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using EfsDr.Core.Configuration;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;
using EfsDr.Core.Locking;
using EfsDr.Core.Ports;
using EfsDr.Core.Workflows;
using EfsDr.Functions.Runtime;
using Microsoft.Extensions.Logging;

namespace EfsDr.Functions.Handlers;

/// <summary>What the Plan task receives: the execution input as it came, and the execution's name.</summary>
public sealed class PlanInput
{
    /// <summary>The execution input (<c>$</c>).</summary>
    public JsonElement Input { get; set; }

    /// <summary><c>$$.Execution.Name</c>, the run id.</summary>
    public string? ExecutionName { get; set; }

    /// <summary><c>$$.Execution.Id</c>, the execution's ARN (the run lock's owner).</summary>
    public string? ExecutionArn { get; set; }

    /// <summary>Reads a plan Task's input (every workflow's); not JSON or null is an <see cref="InvalidInputException"/>.</summary>
    public static PlanInput Read(byte[] input)
    {
        try
        {
            return JsonSerializer.Deserialize(input, HandlerJsonContext.Default.PlanInput) ?? throw new InvalidInputException([new FieldError("$", "is null")]);
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException([new FieldError("$", "is not valid JSON: " + ex.Message)]);
        }
    }
}

/// <summary>Source-generated JSON of the handler-only contracts.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PlanInput))]
internal sealed partial class HandlerJsonContext : JsonSerializerContext;

/// <summary>
/// The failover workflow's Lambda handlers. Each is thin: parse and validate the input, call one domain service,
/// serialize the result. Domain exceptions propagate; their class names are the workflow's error names.
/// </summary>
public sealed partial class FailoverFunctions(
    Func<CancellationToken, Task<ClusterConfiguration>> configuration,
    IFileSystems fileSystems,
    IReplications replications,
    INodeAgent nodes,
    IInstances instances,
    IDnsRecords dns,
    IParameters parameters,
    IExecutions executions,
    string nodeDocument,
    TimeProvider time,
    ILogger logger)
{
    /// <summary>Every handler by its name (the names of <see cref="FailoverWorkflow"/>'s Tasks).</summary>
    public IReadOnlyDictionary<string, LambdaHandler> Handlers() => new Dictionary<string, LambdaHandler>(StringComparer.Ordinal)
    {
        [FailoverWorkflow.PlanFailover.Handler!] = PlanAsync,
        [FailoverWorkflow.AcquireRunLock.Handler!] = Step(FailoverWorkflow.AcquireRunLock, (s, k) => Locks.AcquireAsync(s, k), () => RunLockJsonContext.Default.RunLock),
        [FailoverWorkflow.LowerDnsTtl.Handler!] = Step(FailoverWorkflow.LowerDnsTtl, (s, k) => new DnsSwitchService(dns, time).LowerTtlAsync(s, k), () => StateJsonContext.Default.TtlState),
        [FailoverWorkflow.DeactivateOldPrimary.Handler!] = Step(FailoverWorkflow.DeactivateOldPrimary, async (s, k) => await (await FencingAsync(k).ConfigureAwait(false)).DeactivateAsync(s, k).ConfigureAwait(false), () => StateJsonContext.Default.DeactivationState),
        [FailoverWorkflow.DeactivateSource.Handler!] = Step(FailoverWorkflow.DeactivateSource, async (s, k) => await (await SyncAsync(k).ConfigureAwait(false)).DeactivateSourceAsync(s, k).ConfigureAwait(false), () => StateJsonContext.Default.SyncState),
        [FailoverWorkflow.CheckSync.Handler!] = Step(FailoverWorkflow.CheckSync, async (s, k) => await (await SyncAsync(k).ConfigureAwait(false)).CheckAsync(s, k).ConfigureAwait(false), () => StateJsonContext.Default.SyncState),
        [FailoverWorkflow.PromoteReplica.Handler!] = Step(FailoverWorkflow.PromoteReplica, (s, k) => Promotion.PromoteAsync(s, k), () => StateJsonContext.Default.PromotionState),
        [FailoverWorkflow.CheckPromotion.Handler!] = Step(FailoverWorkflow.CheckPromotion, () => LoopCheckJsonContext.Default.PromotionCheckInput, i => i.Plan, (i, k) => Promotion.CheckAsync(i.Plan, i.Promotion, k), () => StateJsonContext.Default.PromotionState),
        [FailoverWorkflow.FenceOldPrimary.Handler!] = Step(FailoverWorkflow.FenceOldPrimary, async (s, k) => await (await FencingAsync(k).ConfigureAwait(false)).FenceAsync(s, k).ConfigureAwait(false), () => StateJsonContext.Default.FencingResult),
        [FailoverWorkflow.ActivateNode.Handler!] = Step(FailoverWorkflow.ActivateNode, (s, k) => Nodes.ActivateAsync(s, k), () => StateJsonContext.Default.NodeState),
        [FailoverWorkflow.CheckNodeCommand.Handler!] = Step(FailoverWorkflow.CheckNodeCommand, () => LoopCheckJsonContext.Default.NodeCheckInput, i => i.Plan, (i, k) => Nodes.CheckAsync(i.Plan, i.Node, k), () => StateJsonContext.Default.NodeState),
        [FailoverWorkflow.SwitchDns.Handler!] = Step(FailoverWorkflow.SwitchDns, (s, k) => new DnsSwitchService(dns, time).SwitchAsync(s, k), () => StateJsonContext.Default.DnsState),
        [FailoverWorkflow.CheckDns.Handler!] = Step(FailoverWorkflow.CheckDns, () => LoopCheckJsonContext.Default.DnsCheckInput, i => i.Plan, (i, k) => new DnsSwitchService(dns, time).CheckAsync(i.Plan, i.Dns, k), () => StateJsonContext.Default.DnsState),
        [FailoverWorkflow.ReleaseRunLock.Handler!] = Step(FailoverWorkflow.ReleaseRunLock, (s, k) => Locks.ReleaseAsync(s, k), () => RunLockJsonContext.Default.RunLockRelease),
        [FailoverWorkflow.SummarizeRun.Handler!] = Step(FailoverWorkflow.SummarizeRun, (s, _) => Task.FromResult(RunSummarizer.Summarize(s, time.GetUtcNow())), () => StateJsonContext.Default.RunSummary),
        [FailoverWorkflow.CleanUpFailedRun.Handler!] = CleanUpAsync,
    };

    // The output's JSON metadata is resolved on the first invocation, not here: configuring a JsonTypeInfo costs a
    // cold start about a fifth of its CPU, and one process runs one handler (bench/results/cold-start-2026-12-03.md).
    private LambdaHandler Step<T>(WorkflowStep step, Func<FailoverState, CancellationToken, Task<T>> run, Func<JsonTypeInfo<T>> output) =>
        Step(step, () => StateJsonContext.Default.FailoverState, s => s.Plan, run, output);

    // A step that parses only part of the state (TInput, e.g. the loop checks' inputs), skipping the other members unread.
    private LambdaHandler Step<TInput, T>(WorkflowStep step, Func<JsonTypeInfo<TInput>> input, Func<TInput, FailoverPlan?> plan, Func<TInput, CancellationToken, Task<T>> run, Func<JsonTypeInfo<T>> output)
        where TInput : class =>
        (bytes, context, cancellationToken) => StepAsync(step.Handler!, () => ParseState(bytes, input(), plan), context, run, output, cancellationToken);

    private PromotionService Promotion => new(fileSystems, replications, time, parameters);

    private NodeActivationService Nodes => new(nodes, nodeDocument, time);

    private RunLockSteps Locks => new(new RunLockService(parameters, executions, time));

    private async Task<ExPrimaryFencing> FencingAsync(CancellationToken cancellationToken) =>
        new(new FencingService(await configuration(cancellationToken).ConfigureAwait(false), fileSystems, nodes, nodeDocument, time), time);

    private async Task<PlannedSync> SyncAsync(CancellationToken cancellationToken) =>
        new(new FencingService(await configuration(cancellationToken).ConfigureAwait(false), fileSystems, nodes, nodeDocument, time), replications, time);

    /// <summary>CleanUpFailedRun: restores the TTL and releases the lock; the state may lack a plan (Plan itself failed).</summary>
    public async Task<byte[]> CleanUpAsync(byte[] input, InvocationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        FailoverState state;
        try
        {
            state = JsonSerializer.Deserialize(input, StateJsonContext.Default.FailoverState) ?? new FailoverState();
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException([new FieldError("$", "is not valid: " + ex.Message.Split(" Path:", 2)[0])]);
        }

        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["runId"] = state.Plan.RunId, ["step"] = FailoverWorkflow.CleanUpFailedRun.Handler, ["requestId"] = context.RequestId });
        var report = await new FailedRunCleanup(new DnsSwitchService(dns, time), Locks).CleanUpAsync(state, cancellationToken).ConfigureAwait(false);
        LogCleanedUp(logger, report.Error, string.Join("; ", report.CleanUp));
        return JsonSerializer.SerializeToUtf8Bytes(report, StateJsonContext.Default.FailureReport);
    }

    /// <summary>Plan: validates the execution input and makes the plan.</summary>
    public async Task<byte[]> PlanAsync(byte[] input, InvocationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var envelope = PlanInput.Read(input);

        var runId = string.IsNullOrWhiteSpace(envelope.ExecutionName) ? context.RequestId : envelope.ExecutionName;
        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["runId"] = runId, ["step"] = FailoverWorkflow.PlanFailover.Handler, ["requestId"] = context.RequestId });
        var request = EfsDrJson.ParseRequest(envelope.Input.ValueKind == JsonValueKind.Undefined ? string.Empty : envelope.Input.GetRawText());
        var clock = Stopwatch.StartNew();
        var plan = await new FailoverPlanner(await configuration(cancellationToken).ConfigureAwait(false), fileSystems, replications, nodes, instances, time)
            .PlanAsync(request, runId, envelope.ExecutionArn ?? string.Empty, cancellationToken).ConfigureAwait(false);
        LogPlanned(logger, plan.TargetServer, plan.Action, plan.FileSystemId, plan.DataLossWindowSeconds, clock.ElapsedMilliseconds);
        foreach (var warning in plan.Warnings)
        {
            LogPlanWarning(logger, warning);
        }

        return JsonSerializer.SerializeToUtf8Bytes(plan, StateJsonContext.Default.FailoverPlan);
    }

    private async Task<byte[]> StepAsync<TInput, T>(string step, Func<(TInput State, FailoverPlan Plan)> parse, InvocationContext context, Func<TInput, CancellationToken, Task<T>> run, Func<JsonTypeInfo<T>> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var input = parse();
        var state = input.State;
        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["runId"] = input.Plan.RunId, ["step"] = step, ["requestId"] = context.RequestId });
        var clock = Stopwatch.StartNew();
        try
        {
            var result = await run(state, cancellationToken).ConfigureAwait(false);
            LogStep(logger, step, clock.ElapsedMilliseconds);
            return JsonSerializer.SerializeToUtf8Bytes(result, output());
        }
        catch (EfsDrException ex)
        {
            LogStepFailed(logger, step, ex.GetType().Name, ex.Message);
            throw;
        }
    }

    private static (TInput State, FailoverPlan Plan) ParseState<TInput>(byte[] input, JsonTypeInfo<TInput> type, Func<TInput, FailoverPlan?> plan)
        where TInput : class
    {
        TInput? state;
        try
        {
            state = JsonSerializer.Deserialize(input, type);
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException([new FieldError(string.IsNullOrEmpty(ex.Path) ? "$" : ex.Path.TrimStart('$', '.'), "is not valid: " + ex.Message.Split(" Path:", 2)[0])]);
        }

        var parsedPlan = state is null ? null : plan(state);
        if (parsedPlan is null || string.IsNullOrEmpty(parsedPlan.RunId) || string.IsNullOrEmpty(parsedPlan.FileSystemId))
        {
            throw new InvalidInputException([new FieldError("plan", "is required: the state must carry the plan made by the Plan step")]);
        }

        return (state!, parsedPlan);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Planned failover to {TargetServer}: {Action} {FileSystemId}, data-loss window {DataLossWindowSeconds} s, in {ElapsedMs} ms")]
    private static partial void LogPlanned(ILogger logger, string targetServer, PlanAction action, string fileSystemId, double? dataLossWindowSeconds, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Plan warning: {Warning}")]
    private static partial void LogPlanWarning(ILogger logger, string warning);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run failed with {ErrorType}; clean-up: {CleanUp}")]
    private static partial void LogCleanedUp(ILogger logger, string errorType, string cleanUp);

    [LoggerMessage(Level = LogLevel.Information, Message = "Step {Step} done in {ElapsedMs} ms")]
    private static partial void LogStep(ILogger logger, string step, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Step {Step} failed with {ErrorType}: {ErrorMessage}")]
    private static partial void LogStepFailed(ILogger logger, string step, string errorType, string errorMessage);
}
