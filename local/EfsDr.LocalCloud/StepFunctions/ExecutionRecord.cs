using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EfsDr.LocalCloud.StepFunctions;

/// <summary>What a test or the drill can see of an execution: its AWS-visible fields plus how much work it did.</summary>
/// <param name="StateTransitions">States entered plus retries (what Step Functions Standard bills).</param>
/// <param name="LambdaInvocations">Lambda Invoke calls made by Task states, retries included.</param>
/// <param name="HistoryEvents">GetExecutionHistory's event count.</param>
/// <param name="EngineLog">The tail of what the engine process wrote to stderr while it ran this execution (diagnostics).</param>
/// <param name="EngineProcessId">The id of the Node process that runs (or ran) it; null before it started.</param>
public sealed record ExecutionSnapshot(
    string ExecutionArn,
    string StateMachineArn,
    string Name,
    string Status,
    DateTimeOffset StartDate,
    DateTimeOffset? StopDate,
    string Input,
    string? Output,
    string? Error,
    string? Cause,
    int StateTransitions,
    int LambdaInvocations,
    int HistoryEvents,
    string EngineLog,
    int? EngineProcessId);

/// <summary>One history event as GetExecutionHistory returns it.</summary>
internal sealed record HistoryEntry(long Id, long PreviousEventId, DateTimeOffset Timestamp, string Type, string? DetailsMember, JsonObject? Details);

/// <summary>
/// One execution: its status and its history, built from the lines of the engine process that carry its id (see
/// local/sfn/engine-server.mjs). Every timestamp is on the cloud's simulated clock: the engine's (simulated ms) and the
/// cloud's own (start, stop, a closed execution).
/// <list type="bullet">
/// <item>engine StateEntered/StateExited of a state of type T → <c>{T}StateEntered</c>/<c>{T}StateExited</c> with
/// stateEnteredEventDetails{name,input}/stateExitedEventDetails{name,output} (a Fail state has no Exited event);</item>
/// <item>runner lambda scheduled/succeeded/failed → LambdaFunctionScheduled{resource,input,timeoutInSeconds} +
/// LambdaFunctionStarted, then LambdaFunctionSucceeded{output} or LambdaFunctionFailed{error,cause} (for the
/// <c>arn:aws:states:::lambda:invoke</c> integration: TaskScheduled/TaskStarted/TaskSucceeded/TaskFailed); a Task
/// timeout (States.Timeout) while the call is pending → LambdaFunctionTimedOut;</item>
/// <item>engine StateFailed/StateRetried/StateCaught → no event of their own (AWS has none); a retry counts as a transition;</item>
/// <item>engine MapIteration* → MapIterationStarted/Succeeded/Failed{name,index}; ParallelBranch* → none;</item>
/// <item>engine ExecutionSucceeded/ExecutionFailed/ExecutionTimeout/ExecutionAborted → ExecutionSucceeded{output},
/// ExecutionFailed{error,cause} (a Fail state's Error and Cause; absent when the state defines none),
/// ExecutionTimedOut{error: States.Timeout}, ExecutionAborted.</item>
/// </list>
/// ExecutionStarted{input,roleArn} is written by StartExecution itself.
/// </summary>
internal sealed class ExecutionRecord
{
    public const string Running = "RUNNING";

    private const int StderrLimit = 8192;
    private readonly Lock _gate = new();
    private readonly List<HistoryEntry> _events = [];
    private readonly Dictionary<long, (string FunctionName, bool Integration)> _pendingLambdas = [];
    private readonly StringBuilder _stderr = new();
    private readonly TimeProvider _clock;
    private string? _currentTask;
    private (string Name, string Type)? _lastFailedState;

    public ExecutionRecord(StateMachineRecord machine, string arn, string name, string input, TimeProvider clock, long sequence)
    {
        _clock = clock;
        var startDate = clock.GetUtcNow();
        Machine = machine;
        Arn = arn;
        Name = name;
        Input = input;
        StartDate = startDate;
        Sequence = sequence;
        Add("ExecutionStarted", startDate, "executionStartedEventDetails", new JsonObject
        {
            ["input"] = input,
            ["inputDetails"] = new JsonObject { ["truncated"] = false },
            ["roleArn"] = $"arn:aws:iam::{Lambda.LambdaEmulator.AccountId}:role/efsdr-local-{machine.Name}",
        });
    }

    public StateMachineRecord Machine { get; }

    public string Arn { get; }

    public string Name { get; }

    public string Input { get; }

    public DateTimeOffset StartDate { get; }

    /// <summary>Creation order, to list the newest first when start dates tie.</summary>
    public long Sequence { get; }

    /// <summary>The id of the engine process that runs it (set when it is routed to one).</summary>
    public int? EngineProcessId
    {
        get
        {
            lock (_gate)
            {
                return _processId;
            }
        }

        set
        {
            lock (_gate)
            {
                _processId = value;
            }
        }
    }

    private int? _processId;

    public string Status
    {
        get
        {
            lock (_gate)
            {
                return _status;
            }
        }
    }

    private string _status = Running;
    private DateTimeOffset? _stopDate;
    private string? _output;
    private string? _error;
    private string? _cause;
    private int _transitions;
    private int _lambdaInvocations;

    public ExecutionSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new ExecutionSnapshot(Arn, Machine.Arn, Name, _status, StartDate, _stopDate, Input, _output, _error, _cause, _transitions, _lambdaInvocations, _events.Count, _stderr.ToString(), _processId);
        }
    }

    public IReadOnlyList<HistoryEntry> History()
    {
        lock (_gate)
        {
            return [.. _events];
        }
    }

    public void AppendStderr(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _stderr.AppendLine(line);
            if (_stderr.Length > StderrLimit)
            {
                _stderr.Remove(0, _stderr.Length - StderrLimit);
            }
        }
    }

    /// <summary>Takes one line of the engine's stdout that carries this execution's id.</summary>
    public void Accept(JsonObject record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            if (_status != Running)
            {
                return;
            }

            switch (Text(record["kind"]))
            {
                case "engine" when record["event"] is JsonObject e:
                    OnEngineEvent(e);
                    break;
                case "lambda":
                    OnLambda(record);
                    break;
                case "result":
                    // The engine's final event normally closed the execution already; this is the fallback.
                    var status = Text(record["status"]) ?? "FAILED";
                    Finish(status, _clock.GetUtcNow(), Json(record["output"]), Text(record["error"]), Text(record["cause"]));
                    break;
                case "fatal":
                    Finish("FAILED", _clock.GetUtcNow(), null, Text(record["error"]) ?? "LocalCloud.EngineError", Text(record["cause"]));
                    break;
            }
        }
    }

    /// <summary>Closes the execution if it is still running (process gone, StopExecution, cloud stopping).</summary>
    public bool Close(string status, DateTimeOffset at, string? error, string? cause)
    {
        lock (_gate)
        {
            if (_status != Running)
            {
                return false;
            }

            Finish(status, at, null, error, cause);
            return true;
        }
    }

    public DateTimeOffset? StopDate
    {
        get
        {
            lock (_gate)
            {
                return _stopDate;
            }
        }
    }

    private void OnEngineEvent(JsonObject e)
    {
        var type = Text(e["type"]);
        var at = Timestamp(e["timestamp"]);
        var state = e["state"] as JsonObject;
        var name = Text(state?["name"]) ?? string.Empty;
        var stateType = Text(state?["type"]) ?? string.Empty;
        switch (type)
        {
            case "StateEntered":
                _transitions++;
                if (stateType == "Task")
                {
                    _currentTask = name;
                }

                Add(stateType + "StateEntered", at, "stateEnteredEventDetails", new JsonObject
                {
                    ["name"] = name,
                    ["input"] = Json(state?["input"]),
                    ["inputDetails"] = new JsonObject { ["truncated"] = false },
                });
                break;
            case "StateExited" when stateType != "Fail":
                Add(stateType + "StateExited", at, "stateExitedEventDetails", new JsonObject
                {
                    ["name"] = name,
                    ["output"] = Json(state?["output"]),
                    ["outputDetails"] = new JsonObject { ["truncated"] = false },
                });
                break;
            case "StateFailed":
                _lastFailedState = (name, stateType);
                if (stateType == "Task" && Text(e["Error"]) == "States.Timeout")
                {
                    foreach (var (_, pending) in _pendingLambdas)
                    {
                        var details = new JsonObject { ["error"] = "States.Timeout", ["cause"] = Text(e["Cause"]) };
                        if (pending.Integration)
                        {
                            details["resourceType"] = "lambda";
                            details["resource"] = "invoke";
                            Add("TaskTimedOut", at, "taskTimedOutEventDetails", details);
                        }
                        else
                        {
                            Add("LambdaFunctionTimedOut", at, "lambdaFunctionTimedOutEventDetails", details);
                        }
                    }

                    _pendingLambdas.Clear();
                }

                break;
            case "StateRetried":
                _transitions++;
                break;
            case "MapIterationStarted":
            case "MapIterationSucceeded":
            case "MapIterationFailed":
                Add(type, at, "mapIteration" + type["MapIteration".Length..] + "EventDetails", new JsonObject
                {
                    ["name"] = Text((e["parentState"] as JsonObject)?["name"]),
                    ["index"] = e["index"]?.DeepClone(),
                });
                break;
            case "ExecutionSucceeded":
                Finish("SUCCEEDED", at, Json(e["output"]), null, null);
                break;
            case "ExecutionFailed":
                var error = Text(e["Error"]);
                var cause = Text(e["Cause"]);
                if (_lastFailedState is { Type: "Fail" } fail)
                {
                    // The engine fills in "FailStateError" and a stock cause when the Fail state defines none; AWS leaves them out.
                    error = Machine.Has(fail.Name, "Error") || Machine.Has(fail.Name, "ErrorPath") ? error : null;
                    cause = Machine.Has(fail.Name, "Cause") || Machine.Has(fail.Name, "CausePath") ? cause : null;
                }

                Finish("FAILED", at, null, error, cause);
                break;
            case "ExecutionTimeout":
                Finish("TIMED_OUT", at, null, "States.Timeout", $"The execution ran longer than its TimeoutSeconds ({Machine.Parsed["TimeoutSeconds"]?.ToJsonString(Relaxed) ?? "?"} s).");
                break;
            case "ExecutionAborted":
                Finish("ABORTED", at, null, null, null);
                break;
        }
    }

    private void OnLambda(JsonObject record)
    {
        var id = record["invocation"]?.GetValue<long>() ?? 0;
        var functionName = Text(record["functionName"]) ?? string.Empty;
        var at = Timestamp(record["timestamp"]);
        switch (Text(record["phase"]))
        {
            case "scheduled":
                _lambdaInvocations++;
                var integration = functionName.StartsWith("arn:aws:states:::", StringComparison.Ordinal);
                _pendingLambdas[id] = (functionName, integration);
                var timeout = Machine.TimeoutOf(_currentTask);
                if (integration)
                {
                    var scheduled = new JsonObject { ["resourceType"] = "lambda", ["resource"] = "invoke", ["region"] = Machine.Region, ["parameters"] = Json(record["payload"]) };
                    if (timeout is not null)
                    {
                        scheduled["timeoutInSeconds"] = timeout;
                    }

                    Add("TaskScheduled", at, "taskScheduledEventDetails", scheduled);
                    Add("TaskStarted", at, "taskStartedEventDetails", new JsonObject { ["resourceType"] = "lambda", ["resource"] = "invoke" });
                }
                else
                {
                    var scheduled = new JsonObject { ["resource"] = functionName, ["input"] = Json(record["payload"]), ["inputDetails"] = new JsonObject { ["truncated"] = false } };
                    if (timeout is not null)
                    {
                        scheduled["timeoutInSeconds"] = timeout;
                    }

                    Add("LambdaFunctionScheduled", at, "lambdaFunctionScheduledEventDetails", scheduled);
                    Add("LambdaFunctionStarted", at, null, null);
                }

                break;
            case "succeeded" when _pendingLambdas.Remove(id, out var done):
                if (done.Integration)
                {
                    Add("TaskSucceeded", at, "taskSucceededEventDetails", new JsonObject
                    {
                        ["resourceType"] = "lambda",
                        ["resource"] = "invoke",
                        ["output"] = Json(record["output"]),
                        ["outputDetails"] = new JsonObject { ["truncated"] = false },
                    });
                }
                else
                {
                    Add("LambdaFunctionSucceeded", at, "lambdaFunctionSucceededEventDetails", new JsonObject
                    {
                        ["output"] = Json(record["output"]),
                        ["outputDetails"] = new JsonObject { ["truncated"] = false },
                    });
                }

                break;
            case "failed" when _pendingLambdas.Remove(id, out var failed):
                var details = new JsonObject { ["error"] = Text(record["error"]), ["cause"] = Text(record["cause"]) };
                if (failed.Integration)
                {
                    details["resourceType"] = "lambda";
                    details["resource"] = "invoke";
                    Add("TaskFailed", at, "taskFailedEventDetails", details);
                }
                else
                {
                    Add("LambdaFunctionFailed", at, "lambdaFunctionFailedEventDetails", details);
                }

                break;
        }
    }

    private void Finish(string status, DateTimeOffset at, string? output, string? error, string? cause)
    {
        if (_status != Running)
        {
            return;
        }

        at = at < StartDate ? StartDate : at;
        _status = status;
        _stopDate = at;
        switch (status)
        {
            case "SUCCEEDED":
                _output = output ?? "null";
                Add("ExecutionSucceeded", at, "executionSucceededEventDetails", new JsonObject { ["output"] = _output, ["outputDetails"] = new JsonObject { ["truncated"] = false } });
                break;
            case "TIMED_OUT":
                (_error, _cause) = (error, cause);
                Add("ExecutionTimedOut", at, "executionTimedOutEventDetails", ErrorDetails(error, cause));
                break;
            case "ABORTED":
                (_error, _cause) = (error, cause);
                Add("ExecutionAborted", at, "executionAbortedEventDetails", ErrorDetails(error, cause));
                break;
            default:
                _status = "FAILED";
                (_error, _cause) = (error, cause);
                Add("ExecutionFailed", at, "executionFailedEventDetails", ErrorDetails(error, cause));
                break;
        }
    }

    private static JsonObject ErrorDetails(string? error, string? cause)
    {
        var details = new JsonObject();
        if (error is not null)
        {
            details["error"] = error;
        }

        if (cause is not null)
        {
            details["cause"] = cause;
        }

        return details;
    }

    private void Add(string type, DateTimeOffset at, string? member, JsonObject? details)
    {
        var id = _events.Count + 1;
        _events.Add(new HistoryEntry(id, id - 1, at, type, member, details));
    }

    /// <summary>JSON text as Step Functions writes it: no escaping of '+', '&lt;', non-ASCII ….</summary>
    internal static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(Relaxed),
    };

    /// <summary>A JSON value as the JSON text Step Functions reports (input/output are strings on the wire).</summary>
    private static string Json(JsonNode? node) => node?.ToJsonString(Relaxed) ?? "null";

    /// <summary>An engine timestamp (simulated ms), never before the start: the engine reads the simulated clock at
    /// millisecond resolution of the real one, so its first event can land a few simulated ms before StartExecution's.</summary>
    private DateTimeOffset Timestamp(JsonNode? milliseconds)
    {
        var at = milliseconds is JsonValue v && v.TryGetValue<double>(out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)ms)
            : _clock.GetUtcNow();
        return at < StartDate ? StartDate : at;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Arn} {Status}");
}
