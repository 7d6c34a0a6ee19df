using System.Text.Json.Nodes;

namespace EfsDr.LocalCloud.StepFunctions;

/// <summary>A STANDARD state machine of the local cloud.</summary>
internal sealed class StateMachineRecord
{
    public StateMachineRecord(string arn, string name, string region, string definition, DateTimeOffset created)
    {
        Arn = arn;
        Name = name;
        Region = region;
        Definition = definition;
        Created = created;
        Parsed = JsonNode.Parse(definition) as JsonObject ?? throw new ArgumentException("The definition is not a JSON object.", nameof(definition));
        Collect(Parsed["States"] as JsonObject, StateDefinitions);
    }

    public string Arn { get; }

    public string Name { get; }

    public string Region { get; }

    public string Definition { get; }

    public JsonObject Parsed { get; }

    public DateTimeOffset Created { get; }

    /// <summary>Every state by name, nested ones (Parallel branches, Map processors) included; the first of a name wins.</summary>
    public Dictionary<string, JsonObject> StateDefinitions { get; } = new(StringComparer.Ordinal);

    /// <summary>The executions, by name.</summary>
    public Dictionary<string, ExecutionRecord> Executions { get; } = new(StringComparer.Ordinal);

    /// <summary>The state's <c>TimeoutSeconds</c>, or null.</summary>
    public int? TimeoutOf(string? state) =>
        state is not null && StateDefinitions.TryGetValue(state, out var s) && s["TimeoutSeconds"] is JsonValue v && v.TryGetValue<int>(out var seconds) ? seconds : null;

    /// <summary>True when the state has the field.</summary>
    public bool Has(string state, string field) => StateDefinitions.TryGetValue(state, out var s) && s.ContainsKey(field);

    private static void Collect(JsonObject? states, Dictionary<string, JsonObject> into)
    {
        foreach (var (name, node) in states ?? [])
        {
            if (node is not JsonObject state)
            {
                continue;
            }

            into.TryAdd(name, state);
            foreach (var branch in state["Branches"] as JsonArray ?? [])
            {
                Collect(branch?["States"] as JsonObject, into);
            }

            Collect((state["ItemProcessor"] ?? state["Iterator"])?["States"] as JsonObject, into);
        }
    }
}
