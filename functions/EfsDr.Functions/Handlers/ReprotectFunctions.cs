using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EfsDr.Core.Configuration;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Locking;
using EfsDr.Core.Ports;
using EfsDr.Core.Reprotect;
using EfsDr.Core.Workflows;
using EfsDr.Functions.Runtime;
using Microsoft.Extensions.Logging;

namespace EfsDr.Functions.Handlers;

/// <summary>
/// The reprotect workflow's Lambda handlers. Each is thin: parse the state, call one domain method, serialize the result.
/// Domain exceptions propagate; their class names are the workflow's error names.
/// </summary>
public sealed partial class ReprotectFunctions(
    Func<CancellationToken, Task<ClusterConfiguration>> configuration,
    IFileSystems fileSystems,
    IReplications replications,
    IParameters parameters,
    IExecutions executions,
    TimeProvider time,
    ILogger logger)
{
    /// <summary>Every handler by its name (the names of <see cref="ReprotectWorkflow"/>'s Tasks).</summary>
    public IReadOnlyDictionary<string, LambdaHandler> Handlers() => new Dictionary<string, LambdaHandler>(StringComparer.Ordinal)
    {
        [ReprotectWorkflow.PlanReprotect.Handler!] = PlanAsync,
        [ReprotectWorkflow.AcquireRunLock.Handler!] = Step(ReprotectWorkflow.AcquireRunLock, (s, k) => Locks.AcquireAsync(s, k), () => RunLockJsonContext.Default.RunLock),
        [ReprotectWorkflow.CleanUpOrphanedConfiguration.Handler!] = Step(ReprotectWorkflow.CleanUpOrphanedConfiguration, (s, k) => Service.CleanUpOrphanAsync(s, k), StateInfo),
        [ReprotectWorkflow.CheckOrphanDeletion.Handler!] = Step(ReprotectWorkflow.CheckOrphanDeletion, (s, k) => Service.CheckOrphanDeletionAsync(s, k), StateInfo),
        [ReprotectWorkflow.KeepDivergedCopy.Handler!] = Step(ReprotectWorkflow.KeepDivergedCopy, (s, k) => Service.KeepDivergedAsync(s, k), StateInfo),
        [ReprotectWorkflow.EnsureReplica.Handler!] = Step(ReprotectWorkflow.EnsureReplica, (s, k) => Service.EnsureReplicaAsync(s, k), StateInfo),
        [ReprotectWorkflow.CheckReplica.Handler!] = Step(ReprotectWorkflow.CheckReplica, (s, k) => Service.EnsureReplicaAsync(s, k), StateInfo),
        [ReprotectWorkflow.DisableProtection.Handler!] = Step(ReprotectWorkflow.DisableProtection, (s, k) => Service.DisableProtectionAsync(s, k), StateInfo),
        [ReprotectWorkflow.CreateReplication.Handler!] = Step(ReprotectWorkflow.CreateReplication, (s, k) => Service.CreateReplicationAsync(s, k), StateInfo),
        [ReprotectWorkflow.TagReplica.Handler!] = Step(ReprotectWorkflow.TagReplica, (s, k) => Service.TagReplicaAsync(s, k), StateInfo),
        [ReprotectWorkflow.CreateMountTargets.Handler!] = Step(ReprotectWorkflow.CreateMountTargets, (s, k) => Service.CreateMountTargetsAsync(s, k), StateInfo),
        [ReprotectWorkflow.CheckSync.Handler!] = Step(ReprotectWorkflow.CheckSync, (s, k) => Service.CheckSyncAsync(s, k), StateInfo),
        [ReprotectWorkflow.ReleaseRunLock.Handler!] = Step(ReprotectWorkflow.ReleaseRunLock, (s, k) => Locks.ReleaseAsync(s, k), () => RunLockJsonContext.Default.RunLockRelease),
        [ReprotectWorkflow.SummarizeReprotect.Handler!] = Step(ReprotectWorkflow.SummarizeReprotect, (s, _) => Task.FromResult(ReprotectService.Summarize(s)), () => ReprotectStateJsonContext.Default.ReprotectSummary),
        [ReprotectWorkflow.CleanUpFailedRun.Handler!] = CleanUpAsync,
    };

    private static JsonTypeInfo<ReprotectState> StateInfo() => ReprotectStateJsonContext.Default.ReprotectState;

    private ReprotectService Service => new(fileSystems, replications, time);

    private ReprotectLockSteps Locks => new(new RunLockService(parameters, executions, time));

    /// <summary>PlanReprotect: validates the execution input and makes the plan (owned by this execution).</summary>
    public async Task<byte[]> PlanAsync(byte[] input, InvocationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var envelope = PlanInput.Read(input);

        var runId = string.IsNullOrWhiteSpace(envelope.ExecutionName) ? context.RequestId : envelope.ExecutionName;
        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["runId"] = runId, ["step"] = ReprotectWorkflow.PlanReprotect.Handler, ["requestId"] = context.RequestId });
        var request = ReprotectJson.ParseRequest(envelope.Input.ValueKind == JsonValueKind.Undefined ? "{}" : envelope.Input.GetRawText());
        var plan = await new ReprotectPlanner(await configuration(cancellationToken).ConfigureAwait(false), fileSystems, replications, time)
            .PlanAsync(request, runId, cancellationToken).ConfigureAwait(false);
        LogPlanned(logger, plan.Action, plan.PrimaryFileSystemId, plan.Decision);
        return JsonSerializer.SerializeToUtf8Bytes(plan with { ExecutionArn = envelope.ExecutionArn ?? string.Empty }, ReprotectStateJsonContext.Default.ReprotectPlan);
    }

    /// <summary>CleanUpFailedRun: releases the lock; the state may lack a plan (PlanReprotect itself failed).</summary>
    public async Task<byte[]> CleanUpAsync(byte[] input, InvocationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        // A state without "plan" (PlanReprotect itself failed) is read with a null Plan: start from an empty one.
        var parsed = ReprotectJson.ParseState(System.Text.Encoding.UTF8.GetString(input));
        var state = parsed?.Plan is null ? new ReprotectState() : parsed;
        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["runId"] = state.Plan.RunId, ["step"] = ReprotectWorkflow.CleanUpFailedRun.Handler, ["requestId"] = context.RequestId });
        var report = await Locks.CleanUpAsync(state, cancellationToken).ConfigureAwait(false);
        LogStep(logger, ReprotectWorkflow.CleanUpFailedRun.Handler!, report);
        return JsonSerializer.SerializeToUtf8Bytes(report, ReprotectStateJsonContext.Default.String);
    }

    // The output's JSON metadata is resolved on the first invocation, not here (see FailoverFunctions.Step: cold start).
    private LambdaHandler Step<T>(WorkflowStep step, Func<ReprotectState, CancellationToken, Task<T>> run, Func<JsonTypeInfo<T>> output) =>
        async (input, context, cancellationToken) =>
        {
            ArgumentNullException.ThrowIfNull(context);
            var state = ParseState(input);
            using var scope = logger.BeginScope(new Dictionary<string, object?> { ["runId"] = state.Plan.RunId, ["step"] = step.Handler, ["requestId"] = context.RequestId });
            try
            {
                var result = await run(state, cancellationToken).ConfigureAwait(false);
                LogStep(logger, step.Handler!, "done");
                return JsonSerializer.SerializeToUtf8Bytes(result, output());
            }
            catch (EfsDrException ex)
            {
                LogStepFailed(logger, step.Handler!, ex.GetType().Name, ex.Message);
                throw;
            }
        };

    private static ReprotectState ParseState(byte[] input)
    {
        ReprotectState? state;
        try
        {
            state = JsonSerializer.Deserialize(input, ReprotectStateJsonContext.Default.ReprotectState);
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException([new FieldError(string.IsNullOrEmpty(ex.Path) ? "$" : ex.Path.TrimStart('$', '.'), "is not valid: " + ex.Message.Split(" Path:", 2)[0])]);
        }

        return state?.Plan is null || string.IsNullOrEmpty(state.Plan.RunId) || string.IsNullOrEmpty(state.Plan.PrimaryFileSystemId)
            ? throw new InvalidInputException([new FieldError("plan", "is required: the state must carry the plan made by the PlanReprotect step")])
            : state;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Planned reprotect: {Action} from {PrimaryFileSystemId}: {Decision}")]
    private static partial void LogPlanned(ILogger logger, ReprotectAction action, string primaryFileSystemId, string decision);

    [LoggerMessage(Level = LogLevel.Error, Message = "Step {Step} failed with {ErrorType}: {ErrorMessage}")]
    private static partial void LogStepFailed(ILogger logger, string step, string errorType, string errorMessage);

    [LoggerMessage(Level = LogLevel.Information, Message = "Step {Step}: {Outcome}")]
    private static partial void LogStep(ILogger logger, string step, string outcome);
}
