using System.Text.Json.Serialization;
using EfsDr.Aws.Http;

namespace EfsDr.Aws.StepFunctions;

// Step Functions 2016-11-23 wire shapes (botocore stepfunctions/2016-11-23/service-2.json): camelCase members, epoch-second timestamps.
#pragma warning disable CS1591

public sealed class SfnStartExecutionRequest
{
    [JsonPropertyName("stateMachineArn")] public string StateMachineArn { get; set; } = string.Empty;
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("input")] public string? Input { get; set; }
}

public sealed class SfnStartExecutionResponse
{
    [JsonPropertyName("executionArn")] public string ExecutionArn { get; set; } = string.Empty;
    [JsonPropertyName("startDate")][JsonConverter(typeof(EpochSecondsConverter))] public DateTimeOffset StartDate { get; set; }
}

public sealed class SfnDescribeExecutionRequest
{
    [JsonPropertyName("executionArn")] public string ExecutionArn { get; set; } = string.Empty;
}

public sealed class SfnExecution
{
    [JsonPropertyName("executionArn")] public string ExecutionArn { get; set; } = string.Empty;
    [JsonPropertyName("stateMachineArn")] public string StateMachineArn { get; set; } = string.Empty;
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("status")] public string Status { get; set; } = string.Empty;
    [JsonPropertyName("startDate")][JsonConverter(typeof(EpochSecondsConverter))] public DateTimeOffset StartDate { get; set; }
    [JsonPropertyName("stopDate")][JsonConverter(typeof(NullableEpochSecondsConverter))] public DateTimeOffset? StopDate { get; set; }
    [JsonPropertyName("input")] public string? Input { get; set; }
    [JsonPropertyName("output")] public string? Output { get; set; }
    [JsonPropertyName("error")] public string? Error { get; set; }
    [JsonPropertyName("cause")] public string? Cause { get; set; }
}

public sealed class SfnGetExecutionHistoryRequest
{
    [JsonPropertyName("executionArn")] public string ExecutionArn { get; set; } = string.Empty;
    [JsonPropertyName("maxResults")] public int? MaxResults { get; set; }
    [JsonPropertyName("reverseOrder")] public bool? ReverseOrder { get; set; }
    [JsonPropertyName("nextToken")] public string? NextToken { get; set; }
    [JsonPropertyName("includeExecutionData")] public bool? IncludeExecutionData { get; set; }
}

public sealed class SfnListExecutionsRequest
{
    [JsonPropertyName("stateMachineArn")] public string StateMachineArn { get; set; } = string.Empty;
    [JsonPropertyName("statusFilter")] public string? StatusFilter { get; set; }
    [JsonPropertyName("maxResults")] public int? MaxResults { get; set; }
    [JsonPropertyName("nextToken")] public string? NextToken { get; set; }
}

public sealed class SfnListExecutionsResponse
{
    [JsonPropertyName("executions")] public List<SfnExecution> Executions { get; set; } = [];
    [JsonPropertyName("nextToken")] public string? NextToken { get; set; }
}

public sealed class SfnListStateMachinesRequest
{
    [JsonPropertyName("maxResults")] public int? MaxResults { get; set; }
    [JsonPropertyName("nextToken")] public string? NextToken { get; set; }
}

public sealed class SfnStateMachineListItem
{
    [JsonPropertyName("stateMachineArn")] public string StateMachineArn { get; set; } = string.Empty;
    [JsonPropertyName("name")] public string Name { get; set; } = string.Empty;
    [JsonPropertyName("type")] public string? Type { get; set; }
    [JsonPropertyName("creationDate")][JsonConverter(typeof(EpochSecondsConverter))] public DateTimeOffset CreationDate { get; set; }
}

public sealed class SfnListStateMachinesResponse
{
    [JsonPropertyName("stateMachines")] public List<SfnStateMachineListItem> StateMachines { get; set; } = [];
    [JsonPropertyName("nextToken")] public string? NextToken { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SfnListStateMachinesRequest))]
[JsonSerializable(typeof(SfnListStateMachinesResponse))]
[JsonSerializable(typeof(SfnStartExecutionRequest))]
[JsonSerializable(typeof(SfnStartExecutionResponse))]
[JsonSerializable(typeof(SfnDescribeExecutionRequest))]
[JsonSerializable(typeof(SfnExecution))]
[JsonSerializable(typeof(SfnGetExecutionHistoryRequest))]
[JsonSerializable(typeof(SfnListExecutionsRequest))]
[JsonSerializable(typeof(SfnListExecutionsResponse))]
public sealed partial class SfnJsonContext : JsonSerializerContext;
#pragma warning restore CS1591
