using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EfsDr.LocalCloud.Hosting;
using EfsDr.LocalCloud.Lambda;

namespace EfsDr.LocalCloud.StepFunctions;

/// <summary>
/// Step Functions (JSON 1.0, <c>X-Amz-Target: AWSStepFunctions.&lt;Op&gt;</c>): StartExecution, DescribeExecution,
/// GetExecutionHistory, ListExecutions, StopExecution, DescribeStateMachine, ListStateMachines. Every execution runs the
/// real ASL in aws-local-stepfunctions 3.0.0, all of them in one Node process (<see cref="EngineProcess"/>,
/// local/sfn/engine-server.mjs), whose Task states call this cloud's Lambda (AWS_ENDPOINT_URL_LAMBDA). The engine runs on
/// the cloud's simulated clock: Wait states, Retry intervals (with their backoff) and Task and execution TimeoutSeconds
/// last what the ASL says in simulated time, and every timestamp is simulated. See <see cref="ExecutionRecord"/> for how
/// the engine's event log becomes the execution history.
/// </summary>
public sealed partial class StepFunctionsEmulator(LocalCloudContext context) : IServiceEmulator, IAsyncDisposable
{
    private const int MaxInputLength = 262_144;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, StateMachineRecord> _machines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ExecutionRecord> _executions = new(StringComparer.Ordinal);
    private readonly List<Task> _runs = [];
    private readonly EngineProcess _engine = new(context.RepositoryRoot, () => context.Endpoint, context.Clock);
    private long _sequence;
    private bool _disposed;

    /// <inheritdoc />
    public string SigningName => "states";

    internal LocalCloudContext Context { get; } = context;

    /// <summary>Why executions cannot run on this machine (node or <c>npm ci</c> missing), or null when they can.</summary>
    public static string? EngineUnavailableReason(string repositoryRoot) => EngineProcess.UnavailableReason(repositoryRoot);

    /// <summary>How many engine processes this cloud has started (one unless one died).</summary>
    internal int EngineProcessesStarted => _engine.ProcessesStarted;

    /// <summary>Every execution so far, oldest first.</summary>
    public IReadOnlyList<ExecutionSnapshot> Executions
    {
        get
        {
            lock (_gate)
            {
                return [.. _executions.Values.OrderBy(e => e.Sequence).Select(e => e.Snapshot())];
            }
        }
    }

    /// <summary>One execution, or null.</summary>
    public ExecutionSnapshot? Execution(string executionArn)
    {
        lock (_gate)
        {
            return _executions.GetValueOrDefault(executionArn)?.Snapshot();
        }
    }

    /// <summary>The names of the states an execution entered so far, in order (its history's <c>…StateEntered</c> events), or
    /// null when there is no such execution. Read from the emulator, not through the API: injected faults do not hide it.</summary>
    public IReadOnlyList<string>? StatesEntered(string executionArn)
    {
        ExecutionRecord? execution;
        lock (_gate)
        {
            execution = _executions.GetValueOrDefault(executionArn);
        }

        return execution?.History()
            .Where(e => e.Type.EndsWith("StateEntered", StringComparison.Ordinal))
            .Select(e => e.Details?["name"]?.GetValue<string>())
            .OfType<string>()
            .ToList();
    }

    /// <inheritdoc />
    public AwsAnswer Throttled() => AwsAnswer.JsonError(400, "ThrottlingException", "Rate exceeded");

    /// <inheritdoc />
    public AwsAnswer ServerError() => AwsAnswer.JsonError(500, "ServiceUnavailable", "Injected server error");

    /// <summary>Creates a STANDARD state machine from an ASL file (relative paths are from the repository root) with
    /// DefinitionSubstitutions applied (<c>${Name}</c> → value); returns its ARN. Creating it again replaces the definition.</summary>
    /// <exception cref="ArgumentException">A placeholder has no substitution, or the result is not a JSON object.</exception>
    public string CreateStateMachine(string region, string name, string definitionFile, IReadOnlyDictionary<string, string> substitutions)
    {
        ArgumentException.ThrowIfNullOrEmpty(definitionFile);
        ArgumentNullException.ThrowIfNull(substitutions);
        var path = Path.IsPathRooted(definitionFile) ? definitionFile : Path.Combine(Context.RepositoryRoot, definitionFile);
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        var definition = Placeholder().Replace(File.ReadAllText(path), m =>
        {
            if (substitutions.TryGetValue(m.Groups[1].Value, out var value))
            {
                return value;
            }

            missing.Add(m.Groups[1].Value);
            return m.Value;
        });
        if (missing.Count > 0)
        {
            throw new ArgumentException($"{definitionFile}: no substitution for {string.Join(", ", missing)}.", nameof(substitutions));
        }

        return DefineStateMachine(region, name, definition);
    }

    /// <summary>Creates (or replaces the definition of) a STANDARD state machine from ASL text; returns its ARN.</summary>
    /// <exception cref="ArgumentException">The name is not valid or the definition is not a JSON object.</exception>
    public string DefineStateMachine(string region, string name, string definition)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        if (!ValidName(name))
        {
            throw new ArgumentException($"name: '{name}' is not a valid state machine name (1–80 of A-Z a-z 0-9 - _).", nameof(name));
        }

        var arn = $"arn:aws:states:{region}:{LambdaEmulator.AccountId}:stateMachine:{name}";
        StateMachineRecord machine;
        try
        {
            machine = new StateMachineRecord(arn, name, region, definition, Context.Clock.Now);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"The definition of {name} is not JSON: {ex.Message}", nameof(definition), ex);
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_machines.TryGetValue(arn, out var previous))
            {
                foreach (var (executionName, execution) in previous.Executions)
                {
                    machine.Executions[executionName] = execution;
                }
            }

            _machines[arn] = machine;
            if (EngineProcess.UnavailableReason(Context.RepositoryRoot) is null)
            {
                // Validated ahead of the first start, so that the first execution's run does not pay for it.
                var define = new JsonObject { ["kind"] = "define", ["id"] = arn, ["definition"] = machine.Parsed.DeepClone(), ["region"] = region };
                Track(_engine.DefineAsync(define));
            }
        }

        return arn;
    }

    /// <inheritdoc />
    public Task<AwsAnswer> HandleAsync(AwsCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        JsonElement body;
        try
        {
            body = call.Json;
        }
        catch (JsonException ex)
        {
            return Task.FromResult(Error("SerializationException", "The request body is not JSON: " + ex.Message));
        }

        var answer = call.Target switch
        {
            "StartExecution" => StartExecution(body),
            "DescribeExecution" => DescribeExecution(body),
            "GetExecutionHistory" => GetExecutionHistory(body),
            "ListExecutions" => ListExecutions(body),
            "StopExecution" => StopExecution(body),
            "DescribeStateMachine" => DescribeStateMachine(body),
            "ListStateMachines" => ListStateMachines(call.Region),
            null => Error("UnknownOperationException", "X-Amz-Target is missing."),
            var other => Error("UnknownOperationException", $"The local cloud's Step Functions does not implement {other}."),
        };
        return Task.FromResult(answer);
    }

    /// <summary>Closes running executions (ABORTED) and kills the engine process.</summary>
    public async ValueTask DisposeAsync()
    {
        Task[] runs;
        ExecutionRecord[] running;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            runs = [.. _runs];
            running = [.. _executions.Values.Where(e => e.Status == ExecutionRecord.Running)];
        }

        foreach (var execution in running)
        {
            execution.Close("ABORTED", Context.Clock.Now, "LocalCloud.Stopped", "The local cloud stopped while the execution ran.");
        }

        try
        {
            await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // a job that could not be written is abandoned with the engine
        }

        await _engine.DisposeAsync().ConfigureAwait(false);
    }

    private AwsAnswer StartExecution(JsonElement body)
    {
        var machineArn = String(body, "stateMachineArn");
        if (machineArn is null)
        {
            return Error("ValidationException", "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null");
        }

        if (!machineArn.StartsWith("arn:aws:states:", StringComparison.Ordinal) || !machineArn.Contains(":stateMachine:", StringComparison.Ordinal))
        {
            return Error("InvalidArn", $"Invalid Arn: 'Resource type not valid in this context: {machineArn}'");
        }

        var name = String(body, "name") ?? Guid.NewGuid().ToString();
        if (!ValidName(name))
        {
            return Error("InvalidName", $"Invalid Name: '{name}'");
        }

        var input = String(body, "input") ?? "{}";
        if (input.Length > MaxInputLength)
        {
            return Error("InvalidExecutionInput", $"Invalid Execution Input: the input is longer than {MaxInputLength} characters.");
        }

        JsonNode? parsedInput;
        try
        {
            parsedInput = JsonNode.Parse(input);
        }
        catch (JsonException ex)
        {
            return Error("InvalidExecutionInput", $"Invalid Execution Input: {ex.Message}");
        }

        ExecutionRecord execution;
        lock (_gate)
        {
            if (_disposed)
            {
                return Error("ServiceUnavailable", "The local cloud is stopping.", 503);
            }

            if (!_machines.TryGetValue(machineArn, out var machine))
            {
                return Error("StateMachineDoesNotExist", $"State Machine Does Not Exist: '{machineArn}'");
            }

            if (machine.Executions.TryGetValue(name, out var existing))
            {
                // Standard workflows: the same name and input while RUNNING is the same start; anything else is a conflict.
                return existing.Status == ExecutionRecord.Running && string.Equals(existing.Input, input, StringComparison.Ordinal)
                    ? Started(existing)
                    : Error("ExecutionAlreadyExists", $"Execution Already Exists: '{existing.Arn}'");
            }

            var arn = $"arn:aws:states:{machine.Region}:{LambdaEmulator.AccountId}:execution:{machine.Name}:{name}";
            execution = new ExecutionRecord(machine, arn, name, input, Context.Clock, ++_sequence);
            machine.Executions[name] = execution;
            _executions[arn] = execution;
            Track(Task.Run(() => RunAsync(execution, parsedInput), CancellationToken.None));
        }

        return Started(execution);
    }

    /// <summary>Keeps a background job (a write to the engine) so that disposing waits for it. Called under <c>_gate</c>.</summary>
    private void Track(Task job)
    {
        _runs.RemoveAll(r => r.IsCompleted);
        _runs.Add(job);
    }

    private async Task RunAsync(ExecutionRecord execution, JsonNode? input)
    {
        var unavailable = EngineProcess.UnavailableReason(Context.RepositoryRoot);
        if (unavailable is not null)
        {
            execution.Close("FAILED", Context.Clock.Now, "LocalCloud.EngineUnavailable", unavailable);
            return;
        }

        var machine = execution.Machine;
        var job = new JsonObject
        {
            ["kind"] = "start",
            ["id"] = execution.Arn,
            ["definition"] = machine.Parsed.DeepClone(),
            ["input"] = input?.DeepClone(),
            ["context"] = new JsonObject
            {
                ["Execution"] = new JsonObject
                {
                    ["Id"] = execution.Arn,
                    ["Name"] = execution.Name,
                    ["StartTime"] = execution.StartDate.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                    ["RoleArn"] = $"arn:aws:iam::{LambdaEmulator.AccountId}:role/efsdr-local-{machine.Name}",
                    ["RedriveCount"] = 0,
                },
                ["StateMachine"] = new JsonObject { ["Id"] = machine.Arn, ["Name"] = machine.Name },
            },
            ["region"] = machine.Region,
        };
        await _engine.StartAsync(execution, job).ConfigureAwait(false);
    }

    private AwsAnswer DescribeExecution(JsonElement body)
    {
        if (Find(body, out var execution) is { } error)
        {
            return error;
        }

        var e = execution!.Snapshot();
        var answer = Summary(e);
        answer["input"] = e.Input;
        answer["inputDetails"] = new JsonObject { ["included"] = true };
        if (e.Output is not null)
        {
            answer["output"] = e.Output;
            answer["outputDetails"] = new JsonObject { ["included"] = true };
        }

        if (e.Error is not null)
        {
            answer["error"] = e.Error;
        }

        if (e.Cause is not null)
        {
            answer["cause"] = e.Cause;
        }

        answer["redriveCount"] = 0;
        answer["redriveStatus"] = "NOT_REDRIVABLE";
        return Ok(answer);
    }

    private AwsAnswer GetExecutionHistory(JsonElement body)
    {
        if (Find(body, out var execution) is { } error)
        {
            return error;
        }

        var events = execution!.History();
        if (Bool(body, "reverseOrder") == true)
        {
            events = [.. events.Reverse()];
        }

        var includeData = Bool(body, "includeExecutionData") ?? true;
        if (Page(body, events.Count, out var offset, out var size) is { } pageError)
        {
            return pageError;
        }

        var items = new JsonArray();
        foreach (var entry in events.Skip(offset).Take(size))
        {
            var item = new JsonObject
            {
                ["timestamp"] = Epoch(entry.Timestamp),
                ["type"] = entry.Type,
                ["id"] = entry.Id,
                ["previousEventId"] = entry.PreviousEventId,
            };
            if (entry.DetailsMember is not null && entry.Details is not null)
            {
                var details = (JsonObject)entry.Details.DeepClone();
                if (!includeData)
                {
                    foreach (var data in new[] { "input", "output", "parameters" })
                    {
                        details.Remove(data);
                    }
                }

                item[entry.DetailsMember] = details;
            }

            items.Add(item);
        }

        var answer = new JsonObject { ["events"] = items };
        if (offset + size < events.Count)
        {
            answer["nextToken"] = Token(offset + size);
        }

        return Ok(answer);
    }

    private AwsAnswer ListExecutions(JsonElement body)
    {
        var machineArn = String(body, "stateMachineArn");
        if (machineArn is null)
        {
            return Error("ValidationException", "Must provide a StateMachine ARN or MapRun ARN");
        }

        var status = String(body, "statusFilter");
        if (status is not null && status is not ("RUNNING" or "SUCCEEDED" or "FAILED" or "TIMED_OUT" or "ABORTED" or "PENDING_REDRIVE"))
        {
            return Error("ValidationException", $"1 validation error detected: Value '{status}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]");
        }

        List<ExecutionSnapshot> executions;
        lock (_gate)
        {
            if (!_machines.TryGetValue(machineArn, out var machine))
            {
                return Error("StateMachineDoesNotExist", $"State Machine Does Not Exist: '{machineArn}'");
            }

            executions = [.. machine.Executions.Values
                .OrderByDescending(e => e.StartDate).ThenByDescending(e => e.Sequence)
                .Select(e => e.Snapshot())
                .Where(e => status is null || e.Status == status)];
        }

        if (Page(body, executions.Count, out var offset, out var size) is { } pageError)
        {
            return pageError;
        }

        var items = new JsonArray();
        foreach (var e in executions.Skip(offset).Take(size))
        {
            items.Add(Summary(e));
        }

        var answer = new JsonObject { ["executions"] = items };
        if (offset + size < executions.Count)
        {
            answer["nextToken"] = Token(offset + size);
        }

        return Ok(answer);
    }

    private AwsAnswer StopExecution(JsonElement body)
    {
        if (Find(body, out var execution) is { } error)
        {
            return error;
        }

        var now = Context.Clock.Now;
        if (execution!.Close("ABORTED", now, String(body, "error"), String(body, "cause")))
        {
            lock (_gate)
            {
                Track(_engine.StopAsync(execution));
            }
        }

        return Ok(new JsonObject { ["stopDate"] = Epoch(execution.StopDate ?? now) });
    }

    private AwsAnswer DescribeStateMachine(JsonElement body)
    {
        var arn = String(body, "stateMachineArn");
        StateMachineRecord? machine;
        lock (_gate)
        {
            machine = arn is null ? null : _machines.GetValueOrDefault(arn);
        }

        return machine is null
            ? Error("StateMachineDoesNotExist", $"State Machine Does Not Exist: '{arn}'")
            : Ok(new JsonObject
            {
                ["stateMachineArn"] = machine.Arn,
                ["name"] = machine.Name,
                ["status"] = "ACTIVE",
                ["definition"] = machine.Definition,
                ["roleArn"] = $"arn:aws:iam::{LambdaEmulator.AccountId}:role/efsdr-local-{machine.Name}",
                ["type"] = "STANDARD",
                ["creationDate"] = Epoch(machine.Created),
            });
    }

    private AwsAnswer ListStateMachines(string region)
    {
        var items = new JsonArray();
        lock (_gate)
        {
            // State machines are regional: a region lists only its own.
            foreach (var machine in _machines.Values.Where(m => m.Region == region).OrderBy(m => m.Name, StringComparer.Ordinal))
            {
                items.Add(new JsonObject { ["stateMachineArn"] = machine.Arn, ["name"] = machine.Name, ["type"] = "STANDARD", ["creationDate"] = Epoch(machine.Created) });
            }
        }

        return Ok(new JsonObject { ["stateMachines"] = items });
    }

    private AwsAnswer? Find(JsonElement body, out ExecutionRecord? execution)
    {
        execution = null;
        var arn = String(body, "executionArn");
        if (arn is null)
        {
            return Error("ValidationException", "1 validation error detected: Value null at 'executionArn' failed to satisfy constraint: Member must not be null");
        }

        if (!arn.StartsWith("arn:aws:states:", StringComparison.Ordinal) || !arn.Contains(":execution:", StringComparison.Ordinal))
        {
            return Error("InvalidArn", $"Invalid Arn: 'Resource type not valid in this context: {arn}'");
        }

        lock (_gate)
        {
            execution = _executions.GetValueOrDefault(arn);
        }

        return execution is null ? Error("ExecutionDoesNotExist", $"Execution Does Not Exist: '{arn}'") : null;
    }

    private static JsonObject Summary(ExecutionSnapshot e)
    {
        var summary = new JsonObject
        {
            ["executionArn"] = e.ExecutionArn,
            ["stateMachineArn"] = e.StateMachineArn,
            ["name"] = e.Name,
            ["status"] = e.Status,
            ["startDate"] = Epoch(e.StartDate),
        };
        if (e.StopDate is { } stop)
        {
            summary["stopDate"] = Epoch(stop);
        }

        return summary;
    }

    /// <summary>Reads maxResults (0 or absent: 100; at most 1000) and nextToken (an offset) against a list of <paramref name="count"/>.</summary>
    private static AwsAnswer? Page(JsonElement body, int count, out int offset, out int size)
    {
        offset = 0;
        size = 100;
        if (body.TryGetProperty("maxResults", out var max) && max.ValueKind == JsonValueKind.Number)
        {
            var requested = max.GetInt32();
            if (requested is < 0 or > 1000)
            {
                return Error("ValidationException", $"1 validation error detected: Value '{requested}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000");
            }

            size = requested == 0 ? 100 : requested;
        }

        var token = String(body, "nextToken");
        if (token is null)
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            if (text.StartsWith("offset:", StringComparison.Ordinal)
                && int.TryParse(text["offset:".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out offset)
                && offset <= count)
            {
                return null;
            }
        }
        catch (FormatException)
        {
        }

        offset = 0;
        return Error("InvalidToken", $"Invalid Token: '{token}'");
    }

    private static string Token(int offset) => Convert.ToBase64String(Encoding.UTF8.GetBytes("offset:" + offset.ToString(CultureInfo.InvariantCulture)));

    private static AwsAnswer Started(ExecutionRecord execution) =>
        Ok(new JsonObject { ["executionArn"] = execution.Arn, ["startDate"] = Epoch(execution.StartDate) });

    private static double Epoch(DateTimeOffset at) => at.ToUnixTimeMilliseconds() / 1000.0;

    private static string? String(JsonElement body, string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool? Bool(JsonElement body, string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    private static bool ValidName(string? name) => name is { Length: > 0 and <= 80 } && NamePattern().IsMatch(name);

    private static AwsAnswer Ok(JsonObject body) => AwsAnswer.Json(body.ToJsonString(ExecutionRecord.Relaxed), contentType: "application/x-amz-json-1.0");

    private static AwsAnswer Error(string code, string message, int status = 400) => AwsAnswer.JsonError(status, code, message);

    [GeneratedRegex(@"\$\{([A-Za-z0-9_]+)\}")]
    private static partial Regex Placeholder();

    // AWS forbids whitespace, brackets, wildcards, special characters and control characters; this is the safe subset.
    [GeneratedRegex(@"^[A-Za-z0-9_\-.]+$")]
    private static partial Regex NamePattern();
}
