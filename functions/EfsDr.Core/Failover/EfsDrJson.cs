using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using EfsDr.Core.Configuration;
using EfsDr.Core.Exceptions;

namespace EfsDr.Core.Failover;

/// <summary>Strict contracts (execution input, configuration): unknown members are errors that name the field.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(FailoverRequest))]
[JsonSerializable(typeof(ClusterConfiguration))]
public sealed partial class StrictJsonContext : JsonSerializerContext;

/// <summary>The execution input as the CLI and the drill send it: compact, default values left out, so the same request is
/// always the same text (two starts of the same failover are one start).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault)]
[JsonSerializable(typeof(FailoverRequest))]
public sealed partial class RequestJsonContext : JsonSerializerContext;

/// <summary>The state passed between Tasks and the run summary: extra members (the execution input's fields) are ignored.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FailoverState))]
[JsonSerializable(typeof(FailoverPlan))]
[JsonSerializable(typeof(PromotionState))]
[JsonSerializable(typeof(NodeState))]
[JsonSerializable(typeof(DnsState))]
[JsonSerializable(typeof(TtlState))]
[JsonSerializable(typeof(RunSummary))]
[JsonSerializable(typeof(DeactivationState))]
[JsonSerializable(typeof(FencingResult))]
[JsonSerializable(typeof(FailureReport))]
[JsonSerializable(typeof(PlanAction))]
[JsonSerializable(typeof(ReplicaStatus))]
[JsonSerializable(typeof(NodeCommandStatus))]
public sealed partial class StateJsonContext : JsonSerializerContext;

/// <summary>Parses the strict contracts into clear, field-naming errors.</summary>
public static partial class EfsDrJson
{
    /// <summary>Parses a failover request. Throws <see cref="InvalidInputException"/> naming the field.</summary>
    public static FailoverRequest ParseRequest(string json) =>
        Parse(json, StrictJsonContext.Default.FailoverRequest, errors => new InvalidInputException(errors));

    /// <summary>The execution input of <paramref name="request"/> (what <see cref="ParseRequest"/> reads back).</summary>
    public static string SerializeRequest(FailoverRequest request) => JsonSerializer.Serialize(request, RequestJsonContext.Default.FailoverRequest);

    /// <summary>Reads an execution input leniently (extra members ignored), for telling runs apart; null when the text is
    /// empty or not a request. <see cref="ParseRequest"/> is the strict check the workflow makes.</summary>
    public static FailoverRequest? ReadRequest(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, RequestJsonContext.Default.FailoverRequest);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The wire name of a plan action (what the ASL's Choice compares): promote or none.</summary>
    public static string WireName(PlanAction action) => JsonSerializer.Serialize(action, StateJsonContext.Default.PlanAction).Trim('"');

    /// <summary>The wire name of a replica status: deleting, gone, writable ….</summary>
    public static string WireName(ReplicaStatus status) => JsonSerializer.Serialize(status, StateJsonContext.Default.ReplicaStatus).Trim('"');

    /// <summary>The wire name of a node command status: not-yet-visible, in-progress, success ….</summary>
    public static string WireName(NodeCommandStatus status) => JsonSerializer.Serialize(status, StateJsonContext.Default.NodeCommandStatus).Trim('"');

    /// <summary>Reads a run summary (the execution's output); null when the text is empty or not a summary.</summary>
    public static RunSummary? ParseSummary(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, StateJsonContext.Default.RunSummary);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Reads the workflow state a Task left (its output); null when the text is empty or not a state.</summary>
    public static FailoverState? ParseState(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, StateJsonContext.Default.FailoverState);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Parses and validates a configuration. Throws <see cref="InvalidConfigurationException"/> naming the fields.</summary>
    public static ClusterConfiguration ParseConfiguration(string json) =>
        ClusterConfigurationValidator.EnsureValid(Parse(json, StrictJsonContext.Default.ClusterConfiguration, errors => new InvalidConfigurationException(errors)));

    private static T Parse<T>(string json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, Func<IReadOnlyList<FieldError>, Exception> fail)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            throw fail([new FieldError("$", "is empty; a JSON object is required")]);
        }

        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw fail([new FieldError("$", "is null; a JSON object is required")]);
        }
        catch (JsonException ex)
        {
            throw fail([new FieldError(FieldOf(ex), Describe(ex))]);
        }
    }

    private static string FieldOf(JsonException ex)
    {
        var unmapped = UnmappedProperty().Match(ex.Message);
        var path = (ex.Path ?? "$").TrimStart('$').TrimStart('.');
        if (unmapped.Success && path.Length == 0)
        {
            return unmapped.Groups[1].Value;
        }

        return path.Length == 0 ? "$" : path;
    }

    private static string Describe(JsonException ex) =>
        UnmappedProperty().IsMatch(ex.Message) ? "is not a recognised field"
        : ex.Message.Contains("could not be converted", StringComparison.Ordinal) ? "has the wrong type or value"
        : "is not valid JSON: " + ex.Message.Split(" Path:", 2)[0];

    [GeneratedRegex("The JSON property '([^']+)' could not be mapped")]
    private static partial Regex UnmappedProperty();
}
