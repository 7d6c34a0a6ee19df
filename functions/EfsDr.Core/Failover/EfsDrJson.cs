using System.Globalization;
using System.Text;
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
[JsonSerializable(typeof(PromotionHistoryRecord))]
[JsonSerializable(typeof(NodeState))]
[JsonSerializable(typeof(DnsState))]
[JsonSerializable(typeof(TtlState))]
[JsonSerializable(typeof(RunSummary))]
[JsonSerializable(typeof(DeactivationState))]
[JsonSerializable(typeof(FencingResult))]
[JsonSerializable(typeof(SyncState))]
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
    /// <param name="json">The configuration document.</param>
    /// <param name="isKnownRegion">Says whether a region name is a real AWS region (the composition root passes the AWS
    /// adapters' list); null checks the name's shape only.</param>
    public static ClusterConfiguration ParseConfiguration(string json, Func<string, bool>? isKnownRegion = null)
    {
        static Exception Fail(IReadOnlyList<FieldError> errors) => new InvalidConfigurationException(errors);
        if (json is not null && Encoding.UTF8.GetByteCount(json) is var size && size > ClusterConfigurationValidator.MaxDocumentBytes)
        {
            throw Fail([new FieldError("$", $"is {DescribeSize(size)}; a configuration may be at most {ClusterConfigurationValidator.MaxDocumentBytes} bytes (an SSM Standard parameter holds 4 KB): leave out defaults and whitespace")]);
        }

        return ClusterConfigurationValidator.EnsureValid(Parse(json!, StrictJsonContext.Default.ClusterConfiguration, Fail), isKnownRegion);
    }

    /// <summary>A byte count as people read it: 812 bytes, 5.0 MB.</summary>
    public static string DescribeSize(long bytes) => bytes switch
    {
        < 10 * 1024 => $"{bytes} bytes",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):0.#} MB"),
    };

    internal static T Parse<T>(string json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, Func<IReadOnlyList<FieldError>, Exception> fail)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            throw fail([new FieldError("$", "is empty; a JSON object is required")]);
        }

        if (CheckStructure(json) is { } structural)
        {
            throw fail([structural]);
        }

        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw fail([new FieldError("$", "is null; a JSON object is required")]);
        }
        catch (JsonException ex)
        {
            throw fail(Describe(ex));
        }
    }

    /// <summary>Reads the document once for what the serializer lets pass or words badly: a syntax error (as line and
    /// column), and a member name that appears twice in one object (the serializer keeps the last silently).</summary>
    private static FieldError? CheckStructure(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false });
        var scopes = new Stack<(HashSet<string>? Names, string Path, int Index)>();
        var path = string.Empty;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        var at = ElementPath(scopes, path);
                        scopes.Push((reader.TokenType == JsonTokenType.StartObject ? new HashSet<string>(StringComparer.Ordinal) : null, at, -1));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        scopes.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        var (names, parent, _) = scopes.Peek();
                        var name = reader.GetString()!;
                        path = parent.Length == 0 ? name : $"{parent}.{name}";
                        if (!names!.Add(name))
                        {
                            return new FieldError(ClusterConfigurationValidator.Shorten(path), "appears twice in one object; keep one of them");
                        }

                        continue;
                    default:
                        _ = ElementPath(scopes, path);
                        break;
                }
            }
        }
        catch (JsonException ex)
        {
            return new FieldError("$", $"is not valid JSON at line {(ex.LineNumber ?? 0) + 1}, column {(ex.BytePositionInLine ?? 0) + 1}: {Reason(ex.Message)}");
        }

        return null;
    }

    /// <summary>The path of the value that starts now: in an array the next index, in an object the member just read.</summary>
    private static string ElementPath(Stack<(HashSet<string>? Names, string Path, int Index)> scopes, string member)
    {
        if (scopes.Count == 0)
        {
            return string.Empty;
        }

        var (names, parent, index) = scopes.Pop();
        if (names is null)
        {
            scopes.Push((names, parent, index + 1));
            return $"{parent}[{index + 1}]";
        }

        scopes.Push((names, parent, index));
        return member;
    }

    /// <summary>The reader's complaint without its position (given separately) and without its advice to change reader
    /// options, which an operator cannot do.</summary>
    private static string Reason(string message)
    {
        if (message.Contains("trailing comma", StringComparison.OrdinalIgnoreCase))
        {
            return "a trailing comma is not allowed; remove it";
        }

        if (message.Contains("comment", StringComparison.OrdinalIgnoreCase))
        {
            return "comments are not allowed; remove them";
        }

        var text = message.Split(" LineNumber:", 2)[0].Split(" Path:", 2)[0];
        var sentences = text.Split(". ", StringSplitOptions.RemoveEmptyEntries)
            .Where(sentence => !sentence.Contains("reader options", StringComparison.OrdinalIgnoreCase) && !sentence.Contains("in this mode", StringComparison.OrdinalIgnoreCase));
        return ClusterConfigurationValidator.Shorten(string.Join(". ", sentences).TrimEnd('.', ' ')) + "; fix the JSON there";
    }

    private static List<FieldError> Describe(JsonException ex)
    {
        var path = (ex.Path ?? "$").TrimStart('$').TrimStart('.');
        var unmapped = UnmappedProperty().Match(ex.Message);
        if (unmapped.Success)
        {
            var name = unmapped.Groups[1].Value;
            return [new FieldError(ClusterConfigurationValidator.Shorten(path.Length == 0 ? name : path), "is not a recognised field; check its spelling, or remove it")];
        }

        var required = MissingRequired().Match(ex.Message);
        if (required.Success)
        {
            return [.. QuotedName().Matches(required.Groups[1].Value).Select(m => new FieldError(path.Length == 0 ? m.Groups[1].Value : $"{path}.{m.Groups[1].Value}", "is required; add it"))];
        }

        var field = path.Length == 0 ? "$" : ClusterConfigurationValidator.Shorten(path);
        if (ex.Message.Contains("could not be converted to " + typeof(MountMethod).FullName, StringComparison.Ordinal))
        {
            return [new FieldError(field, "must be one of: " + ClusterConfigurationValidator.MountMethods)];
        }

        return [new FieldError(field, ex.Message.Contains("could not be converted", StringComparison.Ordinal)
            ? "has the wrong type or value"
            : "is not valid JSON: " + Reason(ex.Message))];
    }

    [GeneratedRegex("missing required properties,? including:? (.+)$", RegexOptions.Singleline)]
    private static partial Regex MissingRequired();

    [GeneratedRegex("'([^']+)'")]
    private static partial Regex QuotedName();

    [GeneratedRegex("The JSON property '([^']+)' could not be mapped")]
    private static partial Regex UnmappedProperty();
}
