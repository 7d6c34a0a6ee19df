using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using EfsDr.LocalCloud.Hosting;
using EfsDr.LocalCloud.Nodes;
using static EfsDr.LocalCloud.Ssm.SsmJson;

namespace EfsDr.LocalCloud.Ssm;

/// <summary>Run Command: SendCommand runs EfsDr's node script on a simulated node, GetCommandInvocation reports it
/// (lifecycle: see <see cref="SsmEmulator"/>).</summary>
/// <param name="owner">The emulator whose settings (delays, timeout) apply.</param>
/// <param name="fleet">The nodes commands run on.</param>
internal sealed class SsmRunCommand(SsmEmulator owner, SsmFleet fleet) : IDisposable
{
    private const int MaxStdout = 24_000;
    private const int MaxStderr = 8_000;
    private const int DefaultTimeoutSeconds = 3600;

    private readonly Lock _gate = new();
    private readonly List<Invocation> _invocations = [];
    private readonly Dictionary<string, Invocation> _byCommandId = new(StringComparer.Ordinal);
    private readonly List<Task> _runners = [];
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Every command invocation so far (full output, not truncated).</summary>
    public IReadOnlyList<CommandSnapshot> Commands
    {
        get
        {
            lock (_gate)
            {
                return _invocations.Select(i => new CommandSnapshot(i.CommandId, i.InstanceId, i.DocumentName, i.Parameters, i.Status, i.ResponseCode, i.Stdout, i.Stderr)).ToList();
            }
        }
    }

    /// <summary>Cancels pending commands and waits (up to 30 s) for running scripts to be killed.</summary>
    public async Task StopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        Task[] runners;
        lock (_gate)
        {
            runners = [.. _runners];
        }

        try
        {
            await Task.WhenAll(runners).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // a script that does not die is left behind; its node's application is still stopped by the emulator
        }
    }

    /// <inheritdoc />
    public void Dispose() => _stopping.Dispose();

    /// <summary>SendCommand: validates the parameters against the node document and starts the invocation.</summary>
    public AwsAnswer OnSendCommand(string region, JsonElement body)
    {
        var documentName = Text(body, "DocumentName");
        if (string.IsNullOrEmpty(documentName))
        {
            return Error("ValidationException", "DocumentName is required.");
        }

        var instanceIds = body.TryGetProperty("InstanceIds", out var ids) && ids.ValueKind == JsonValueKind.Array
            ? ids.EnumerateArray().Select(i => i.GetString() ?? string.Empty).ToList()
            : [];
        if (instanceIds.Count != 1)
        {
            return Error("ValidationException", $"The local cloud sends a command to exactly one instance (InstanceIds), not {instanceIds.Count}; Targets are not supported.");
        }

        var instanceId = instanceIds[0];
        var timeoutSeconds = DefaultTimeoutSeconds;
        if (body.TryGetProperty("TimeoutSeconds", out var timeout) && timeout.ValueKind == JsonValueKind.Number)
        {
            timeoutSeconds = timeout.GetInt32();
            if (timeoutSeconds is < 30 or > 2_592_000)
            {
                return Error("ValidationException", $"TimeoutSeconds {timeoutSeconds} is outside 30–2592000.");
            }
        }

        var given = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (body.TryGetProperty("Parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object)
        {
            foreach (var parameter in parameters.EnumerateObject())
            {
                given[parameter.Name] = parameter.Value.ValueKind == JsonValueKind.Array
                    ? parameter.Value.EnumerateArray().Select(v => v.GetString() ?? string.Empty).ToList()
                    : [parameter.Value.ToString()];
            }
        }

        var sandbox = fleet.Find(instanceId);
        if (sandbox is null || sandbox.Node.Region != region || fleet.IsGone(instanceId))
        {
            return Error("InvalidInstanceId", $"Instances [[{instanceId}]] not in a valid state for account {SsmEmulator.AccountId}");
        }

        if (owner.Document.Validate(given, out var effective) is { } problem)
        {
            return Error("InvalidParameters", problem);
        }

        var invocation = new Invocation
        {
            CommandId = Guid.NewGuid().ToString(),
            InstanceId = instanceId,
            Region = region,
            DocumentName = documentName,
            DocumentVersion = Text(body, "DocumentVersion") ?? "1",
            Comment = Text(body, "Comment") ?? string.Empty,
            Parameters = given,
            RequestedAt = owner.Context.Clock.Now,
            TimeoutSeconds = timeoutSeconds,
        };
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(owner.IsDisposed, owner);
            _invocations.Add(invocation);
            _byCommandId[invocation.CommandId] = invocation;
            _runners.RemoveAll(r => r.IsCompleted);
            _runners.Add(Task.Run(() => RunAsync(invocation, sandbox, effective, _stopping.Token)));
        }

        var command = new JsonObject
        {
            ["CommandId"] = invocation.CommandId,
            ["DocumentName"] = documentName,
            ["DocumentVersion"] = invocation.DocumentVersion,
            ["Comment"] = invocation.Comment,
            ["ExpiresAfter"] = Epoch(invocation.RequestedAt.AddSeconds(timeoutSeconds)),
            ["Parameters"] = new JsonObject(given.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)new JsonArray(p.Value.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray())))),
            ["InstanceIds"] = new JsonArray(JsonValue.Create(instanceId)),
            ["Targets"] = new JsonArray(),
            ["RequestedDateTime"] = Epoch(invocation.RequestedAt),
            ["Status"] = "Pending",
            ["StatusDetails"] = "Pending",
            ["OutputS3Region"] = region,
            ["OutputS3BucketName"] = string.Empty,
            ["OutputS3KeyPrefix"] = string.Empty,
            ["MaxConcurrency"] = "50",
            ["MaxErrors"] = "0",
            ["TargetCount"] = 1,
            ["CompletedCount"] = 0,
            ["ErrorCount"] = 0,
            ["DeliveryTimedOutCount"] = 0,
            ["ServiceRole"] = string.Empty,
            ["CloudWatchOutputConfig"] = new JsonObject { ["CloudWatchLogGroupName"] = string.Empty, ["CloudWatchOutputEnabled"] = false },
            ["TimeoutSeconds"] = timeoutSeconds,
        };
        return Ok(new JsonObject { ["Command"] = command });
    }

    private async Task RunAsync(Invocation invocation, NodeSandbox sandbox, IReadOnlyDictionary<string, string> effective, CancellationToken cancellationToken)
    {
        var clock = owner.Context.Clock;
        try
        {
            await Task.Delay(owner.DeliveryDelay, clock.Time, cancellationToken).ConfigureAwait(false);
            var deadline = invocation.RequestedAt + TimeSpan.FromSeconds(invocation.TimeoutSeconds);
            while (!fleet.Deliverable(invocation.InstanceId))
            {
                var remaining = deadline - clock.Now;
                if (remaining <= TimeSpan.Zero)
                {
                    Finish(invocation, "TimedOut", "Delivery Timed Out", -1, string.Empty, string.Empty);
                    return;
                }

                await Task.Delay(remaining < TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1), clock.Time, cancellationToken).ConfigureAwait(false);
            }

            lock (_gate)
            {
                invocation.Status = invocation.StatusDetails = "InProgress";
                invocation.StartedAt = clock.Now;
                invocation.TimelineEntry = owner.Context.Timeline.Start(
                    PhysicalKind.NodeCommand, invocation.InstanceId, effective.GetValueOrDefault("Action", invocation.DocumentName), invocation.StartedAt.Value);
            }

            if (owner.Context.Faults.CommandFailure(invocation.InstanceId) is { } failure)
            {
                Finish(invocation, "Failed", "Failed", 1, string.Empty, failure);
                return;
            }

            sandbox.RefreshFileSystems([(effective["Region"], effective["FileSystemId"])]);
            var ssm = effective.ToDictionary(p => p.Key, p => p.Key == "MountPoint" ? sandbox.MapPath(p.Value) : p.Value, StringComparer.Ordinal);
            var result = await sandbox.RunScriptAsync(ssm, owner.ExecutionTimeout, cancellationToken).ConfigureAwait(false);
            if (result.TimedOut)
            {
                Finish(invocation, "TimedOut", "Execution Timed Out", -1, result.StandardOutput, result.StandardError);
            }
            else
            {
                var success = result.ExitCode == 0;
                Finish(invocation, success ? "Success" : "Failed", success ? "Success" : "Failed", result.ExitCode, result.StandardOutput, result.StandardError);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Finish(invocation, "Cancelled", "Cancelled", -1, string.Empty, "local cloud: disposed while the command was pending or running");
        }
#pragma warning disable CA1031 // the invocation reports whatever went wrong, as an agent would
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Finish(invocation, "Failed", "Failed", 1, string.Empty, $"local cloud: the node could not run the command: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private void Finish(Invocation invocation, string status, string details, int responseCode, string stdout, string stderr)
    {
        lock (_gate)
        {
            invocation.Status = status;
            invocation.StatusDetails = details;
            invocation.ResponseCode = responseCode;
            invocation.Stdout = stdout;
            invocation.Stderr = stderr;
            invocation.StartedAt ??= owner.Context.Clock.Now;
            invocation.EndedAt = owner.Context.Clock.Now;
            owner.Context.Timeline.Finish(invocation.TimelineEntry, invocation.EndedAt.Value);
        }
    }

    /// <summary>GetCommandInvocation.</summary>
    public AwsAnswer OnGetCommandInvocation(string region, JsonElement body)
    {
        var commandId = Text(body, "CommandId");
        var instanceId = Text(body, "InstanceId");
        if (string.IsNullOrEmpty(commandId) || string.IsNullOrEmpty(instanceId))
        {
            return Error("ValidationException", "CommandId and InstanceId are required.");
        }

        if (!Guid.TryParse(commandId, out _))
        {
            return Error("InvalidCommandId", $"{commandId} is not a command id.");
        }

        var plugin = Text(body, "PluginName");
        if (plugin is not null && plugin != owner.Document.StepName && plugin != "aws:runShellScript")
        {
            return Error("InvalidPluginName", $"The document has no step {plugin}.");
        }

        JsonObject answer;
        lock (_gate)
        {
            if (!_byCommandId.TryGetValue(commandId, out var invocation) || invocation.InstanceId != instanceId || invocation.Region != region
                || !owner.Context.Clock.Elapsed(invocation.RequestedAt, owner.InvocationVisibilityDelay))
            {
                return Error("InvocationDoesNotExist", "An invocation with this CommandId and InstanceId does not exist (yet).");
            }

            var terminal = invocation.EndedAt is not null;
            answer = new JsonObject
            {
                ["CommandId"] = invocation.CommandId,
                ["InstanceId"] = invocation.InstanceId,
                ["Comment"] = invocation.Comment,
                ["DocumentName"] = invocation.DocumentName,
                ["DocumentVersion"] = invocation.DocumentVersion,
                ["PluginName"] = plugin ?? owner.Document.StepName,
                ["ResponseCode"] = terminal ? invocation.ResponseCode : -1,
                ["ExecutionStartDateTime"] = invocation.StartedAt is { } started ? Iso(started) : string.Empty,
                ["ExecutionElapsedTime"] = invocation.StartedAt is { } from ? XmlConvert.ToString((invocation.EndedAt ?? owner.Context.Clock.Now) - from) : string.Empty,
                ["ExecutionEndDateTime"] = invocation.EndedAt is { } ended ? Iso(ended) : string.Empty,
                ["Status"] = invocation.Status,
                ["StatusDetails"] = invocation.StatusDetails,
                ["StandardOutputContent"] = terminal ? Truncate(invocation.Stdout, MaxStdout) : string.Empty,
                ["StandardOutputUrl"] = string.Empty,
                ["StandardErrorContent"] = terminal ? Truncate(invocation.Stderr, MaxStderr) : string.Empty,
                ["StandardErrorUrl"] = string.Empty,
                ["CloudWatchOutputConfig"] = new JsonObject { ["CloudWatchLogGroupName"] = string.Empty, ["CloudWatchOutputEnabled"] = false },
            };
        }

        return Ok(answer);
    }

    /// <summary>One command on one instance; mutable, guarded by Run Command's gate.</summary>
    private sealed class Invocation
    {
        public required string CommandId { get; init; }

        public required string InstanceId { get; init; }

        public required string Region { get; init; }

        public required string DocumentName { get; init; }

        public required string DocumentVersion { get; init; }

        public required string Comment { get; init; }

        public required IReadOnlyDictionary<string, IReadOnlyList<string>> Parameters { get; init; }

        public required DateTimeOffset RequestedAt { get; init; }

        public required int TimeoutSeconds { get; init; }

        public string Status { get; set; } = "Pending";

        public string StatusDetails { get; set; } = "Pending";

        public int ResponseCode { get; set; } = -1;

        public string Stdout { get; set; } = string.Empty;

        public string Stderr { get; set; } = string.Empty;

        public DateTimeOffset? StartedAt { get; set; }

        public DateTimeOffset? EndedAt { get; set; }

        /// <summary>Its run on the node in the cloud's physical timeline, or -1 before it started there.</summary>
        public int TimelineEntry { get; set; } = -1;
    }
}
