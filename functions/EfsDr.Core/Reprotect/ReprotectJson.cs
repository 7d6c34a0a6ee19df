using System.Text.Json;
using System.Text.Json.Serialization;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;

namespace EfsDr.Core.Reprotect;

/// <summary>The reprotect's execution input, read strictly: an unknown member is an error that names it.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault)]
[JsonSerializable(typeof(ReprotectRequest))]
public sealed partial class ReprotectRequestJsonContext : JsonSerializerContext;

/// <summary>The reprotect's state between steps and its summary: extra members (the execution input's fields) are ignored.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ReprotectState))]
[JsonSerializable(typeof(ReprotectPlan))]
[JsonSerializable(typeof(SyncWaitState))]
[JsonSerializable(typeof(OrphanDeletionState))]
[JsonSerializable(typeof(ReprotectSummary))]
[JsonSerializable(typeof(ReprotectAction))]
[JsonSerializable(typeof(string))]
public sealed partial class ReprotectStateJsonContext : JsonSerializerContext;

/// <summary>Reads and writes the reprotect's contracts.</summary>
public static class ReprotectJson
{
    /// <summary>Parses a reprotect request. Throws <see cref="InvalidInputException"/> naming the field.</summary>
    public static ReprotectRequest ParseRequest(string json) =>
        EfsDrJson.Parse(json, ReprotectRequestJsonContext.Default.ReprotectRequest, errors => new InvalidInputException(errors));

    /// <summary>The execution input of <paramref name="request"/>: compact, defaults left out, so the same request is the same text.</summary>
    public static string SerializeRequest(ReprotectRequest request) => JsonSerializer.Serialize(request, ReprotectRequestJsonContext.Default.ReprotectRequest);

    /// <summary>The state as a Task passes it on.</summary>
    public static string SerializeState(ReprotectState state) => JsonSerializer.Serialize(state, ReprotectStateJsonContext.Default.ReprotectState);

    /// <summary>Reads the state a Task left; null when the text is empty or not a state.</summary>
    public static ReprotectState? ParseState(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, ReprotectStateJsonContext.Default.ReprotectState);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The wire name of an action (what a Choice compares): AlreadyProtected, IntoExPrimary, IntoNewFileSystem.</summary>
    public static string WireName(ReprotectAction action) => JsonSerializer.Serialize(action, ReprotectStateJsonContext.Default.ReprotectAction).Trim('"');
}
