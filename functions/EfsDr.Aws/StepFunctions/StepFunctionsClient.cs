using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EfsDr.Aws.Http;
using EfsDr.Core.Model;
using EfsDr.Core.Paging;
using EfsDr.Core.Ports;

namespace EfsDr.Aws.StepFunctions;

/// <summary>AWS Step Functions (JSON 1.0, <c>X-Amz-Target: AWSStepFunctions.&lt;Op&gt;</c>) over the shared signed-request pipeline.
/// The region of each call is the one in the ARN.</summary>
public sealed class StepFunctionsClient : IExecutions
{
    private const string ContentType = "application/x-amz-json-1.0";
    private readonly SignedRequestPipeline _pipeline;

    /// <summary>Creates the client.</summary>
    public StepFunctionsClient(SignedRequestPipeline pipeline)
    {
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
    }

    /// <summary>The most events one GetExecutionHistory page may ask for (PageSize: max 1000).</summary>
    public const int MaxHistoryPage = 1000;

    /// <summary>Page size for history and listing (the API's maximum is 1000).</summary>
    public int PageSize { get; init; } = 100;

    /// <summary>The most pages <see cref="FindStateMachineAsync"/> reads before it stops with
    /// <see cref="Core.Exceptions.RunawayListingException"/>.</summary>
    public int MaxPages { get; init; } = PageMarkers.DefaultMaxPages;

    /// <inheritdoc />
    public async Task<StartedExecution> StartAsync(string stateMachineArn, string name, string input, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(input);
        if (name.Length > 80)
        {
            throw new ArgumentException($"name: '{name}' is longer than the 80 characters Step Functions allows.", nameof(name));
        }

        var result = await CallAsync(
            "StartExecution",
            stateMachineArn,
            new SfnStartExecutionRequest { StateMachineArn = stateMachineArn, Name = name, Input = input },
            SfnJsonContext.Default.SfnStartExecutionRequest,
            SfnJsonContext.Default.SfnStartExecutionResponse,
            cancellationToken).ConfigureAwait(false);
        return new StartedExecution(result.ExecutionArn, result.StartDate);
    }

    /// <inheritdoc />
    public async Task<Execution> DescribeAsync(string executionArn, CancellationToken cancellationToken)
    {
        var result = await CallAsync(
            "DescribeExecution",
            executionArn,
            new SfnDescribeExecutionRequest { ExecutionArn = executionArn },
            SfnJsonContext.Default.SfnDescribeExecutionRequest,
            SfnJsonContext.Default.SfnExecution,
            cancellationToken).ConfigureAwait(false);
        return ToModel(result);
    }

    /// <inheritdoc />
    public Task<Page<HistoryEvent>> GetHistoryPageAsync(string executionArn, string? nextToken, CancellationToken cancellationToken) =>
        HistoryPageAsync(new SfnGetExecutionHistoryRequest { ExecutionArn = executionArn, MaxResults = PageSize, NextToken = nextToken }, cancellationToken);

    /// <inheritdoc />
    /// <remarks>GetExecutionHistory with reverseOrder=true ("lists events in descending order of their timeStamp") and a
    /// small maxResults; a nextToken must be used with the other arguments unchanged (botocore stepfunctions
    /// service-2.json, GetExecutionHistoryInput).</remarks>
    public Task<Page<HistoryEvent>> GetLatestHistoryPageAsync(string executionArn, int maxResults, string? nextToken, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxResults, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxResults, MaxHistoryPage);
        return HistoryPageAsync(new SfnGetExecutionHistoryRequest { ExecutionArn = executionArn, MaxResults = maxResults, ReverseOrder = true, NextToken = nextToken }, cancellationToken);
    }

    private async Task<Page<HistoryEvent>> HistoryPageAsync(SfnGetExecutionHistoryRequest request, CancellationToken cancellationToken)
    {
        var executionArn = request.ExecutionArn;
        var body = JsonSerializer.SerializeToUtf8Bytes(request, SfnJsonContext.Default.SfnGetExecutionHistoryRequest);
        var response = await SendAsync("GetExecutionHistory", executionArn, body, cancellationToken).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(response.Body);
        var events = new List<HistoryEvent>();
        foreach (var e in doc.RootElement.GetProperty("events").EnumerateArray())
        {
            events.Add(ToHistoryEvent(e));
        }

        var token = doc.RootElement.TryGetProperty("nextToken", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        return new Page<HistoryEvent>(events, string.IsNullOrEmpty(token) ? null : token);
    }

    /// <inheritdoc />
    public async Task<Page<Execution>> ListAsync(string stateMachineArn, ExecutionStatus? status, string? nextToken, CancellationToken cancellationToken)
    {
        var result = await CallAsync(
            "ListExecutions",
            stateMachineArn,
            new SfnListExecutionsRequest { StateMachineArn = stateMachineArn, StatusFilter = status is null ? null : StatusWire(status.Value), MaxResults = PageSize, NextToken = nextToken },
            SfnJsonContext.Default.SfnListExecutionsRequest,
            SfnJsonContext.Default.SfnListExecutionsResponse,
            cancellationToken).ConfigureAwait(false);
        return new Page<Execution>([.. result.Executions.Select(ToModel)], string.IsNullOrEmpty(result.NextToken) ? null : result.NextToken);
    }

    /// <inheritdoc />
    public async Task<string?> FindStateMachineAsync(string region, string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var pages = new PageMarkers(AwsServiceInfo.StepFunctions.ErrorService, "ListStateMachines", MaxPages);
        string? token = null;
        do
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new SfnListStateMachinesRequest { MaxResults = PageSize, NextToken = token }, SfnJsonContext.Default.SfnListStateMachinesRequest);
            var response = await _pipeline.SendAsync(
                AwsServiceInfo.StepFunctions,
                region,
                new AwsRequest(HttpMethod.Post, "/")
                {
                    Body = body,
                    ContentType = ContentType,
                    Headers = new Dictionary<string, string> { ["X-Amz-Target"] = "AWSStepFunctions.ListStateMachines" },
                    Operation = "ListStateMachines",
                },
                JsonErrorReader.Instance,
                cancellationToken).ConfigureAwait(false);
            var page = JsonSerializer.Deserialize(response.Body, SfnJsonContext.Default.SfnListStateMachinesResponse) ?? new SfnListStateMachinesResponse();
            var match = page.StateMachines.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.Ordinal));
            if (match is not null)
            {
                return match.StateMachineArn;
            }

            token = pages.After(page.NextToken);
        }
        while (token is not null);

        return null;
    }

    /// <summary>The region named in a Step Functions ARN (<c>arn:aws:states:REGION:ACCOUNT:…</c>).</summary>
    /// <exception cref="ArgumentException">The text is not a Step Functions ARN.</exception>
    public static string RegionOf(string arn)
    {
        var parts = (arn ?? string.Empty).Split(':');
        if (parts.Length < 7 || parts[0] != "arn" || parts[2] != "states" || parts[3].Length == 0)
        {
            throw new ArgumentException($"arn: '{arn}' is not a Step Functions state machine or execution ARN.", nameof(arn));
        }

        return parts[3];
    }

    /// <summary>The wire value of an execution status.</summary>
    public static string StatusWire(ExecutionStatus status) => status switch
    {
        ExecutionStatus.Running => "RUNNING",
        ExecutionStatus.Succeeded => "SUCCEEDED",
        ExecutionStatus.Failed => "FAILED",
        ExecutionStatus.TimedOut => "TIMED_OUT",
        ExecutionStatus.Aborted => "ABORTED",
        ExecutionStatus.PendingRedrive => "PENDING_REDRIVE",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "status: not a status Step Functions filters by."),
    };

    /// <summary>Parses an execution status; unknown values give <see cref="ExecutionStatus.Unknown"/>.</summary>
    public static ExecutionStatus ParseStatus(string? value) => value switch
    {
        "RUNNING" => ExecutionStatus.Running,
        "SUCCEEDED" => ExecutionStatus.Succeeded,
        "FAILED" => ExecutionStatus.Failed,
        "TIMED_OUT" => ExecutionStatus.TimedOut,
        "ABORTED" => ExecutionStatus.Aborted,
        "PENDING_REDRIVE" => ExecutionStatus.PendingRedrive,
        _ => ExecutionStatus.Unknown,
    };

    private static Execution ToModel(SfnExecution e) => new(
        e.ExecutionArn,
        e.StateMachineArn,
        e.Name ?? e.ExecutionArn.Split(':')[^1],
        ParseStatus(e.Status),
        e.StartDate,
        e.StopDate,
        e.Input,
        e.Output,
        e.Error,
        e.Cause);

    private static HistoryEvent ToHistoryEvent(JsonElement e)
    {
        string? stateName = null, error = null, cause = null, details = null;
        foreach (var property in e.EnumerateObject())
        {
            if (!property.Name.EndsWith("EventDetails", StringComparison.Ordinal) || property.Value.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            details = property.Value.GetRawText();
            stateName = Text(property.Value, "name");
            error = Text(property.Value, "error");
            cause = Text(property.Value, "cause");
        }

        return new HistoryEvent(
            e.GetProperty("id").GetInt64(),
            e.TryGetProperty("previousEventId", out var previous) && previous.ValueKind == JsonValueKind.Number ? previous.GetInt64() : 0,
            e.GetProperty("type").GetString() ?? string.Empty,
            EpochSecondsConverter.FromSeconds(e.GetProperty("timestamp").GetDouble()),
            stateName,
            error,
            cause,
            details);
    }

    private static string? Text(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private async Task<TResponse> CallAsync<TRequest, TResponse>(string operation, string arn, TRequest request, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
    {
        var response = await SendAsync(operation, arn, JsonSerializer.SerializeToUtf8Bytes(request, requestType), cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Deserialize(response.Body, responseType) ?? throw new JsonException($"Empty {operation} response.");
    }

    private Task<AwsResponse> SendAsync(string operation, string arn, byte[] body, CancellationToken cancellationToken) =>
        _pipeline.SendAsync(
            AwsServiceInfo.StepFunctions,
            RegionOf(arn),
            new AwsRequest(HttpMethod.Post, "/")
            {
                Body = body,
                ContentType = ContentType,
                Headers = new Dictionary<string, string> { ["X-Amz-Target"] = "AWSStepFunctions." + operation },
                Operation = operation,
            },
            JsonErrorReader.Instance,
            cancellationToken);
}
