using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EfsDr.LocalCloud.Hosting;
using static EfsDr.LocalCloud.Ssm.SsmJson;

namespace EfsDr.LocalCloud.Ssm;

/// <summary>SSM Parameter Store: GetParameter, PutParameter, GetParametersByPath and DeleteParameter (rules: see
/// <see cref="SsmEmulator"/>). One gate makes a create atomic.</summary>
/// <param name="context">The local cloud (its clock stamps LastModifiedDate).</param>
internal sealed partial class SsmParameterStore(LocalCloudContext context)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Region, string Name), StoredParameter> _parameters = [];

    /// <summary>Stores a parameter (type String), overwriting any value.</summary>
    public void Put(string region, string name, string value)
    {
        lock (_gate)
        {
            Store(region, name, value, "String");
        }
    }

    /// <summary>GetParameter.</summary>
    public AwsAnswer OnGetParameter(string region, JsonElement body)
    {
        var name = ParameterName(Text(body, "Name"), region);
        if (string.IsNullOrEmpty(name))
        {
            return Error("ValidationException", "Name is required.");
        }

        StoredParameter? parameter;
        lock (_gate)
        {
            _parameters.TryGetValue((region, name), out parameter);
        }

        return parameter is null
            ? Error("ParameterNotFound", $"Parameter {name} not found.")
            : Ok(new JsonObject
            {
                ["Parameter"] = new JsonObject
                {
                    ["Name"] = name,
                    ["Type"] = parameter.Type,
                    ["Value"] = parameter.Value,
                    ["Version"] = parameter.Version,
                    ["LastModifiedDate"] = Epoch(parameter.LastModified),
                    ["ARN"] = Arn(region, name),
                    ["DataType"] = "text",
                },
            });
    }

    /// <summary>PutParameter.</summary>
    public AwsAnswer OnPutParameter(string region, JsonElement body)
    {
        var name = Text(body, "Name");
        var value = Text(body, "Value");
        var type = Text(body, "Type");
        var tier = Text(body, "Tier") ?? "Standard";
        var overwrite = body.TryGetProperty("Overwrite", out var o) && o.ValueKind == JsonValueKind.True;
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(value))
        {
            return Error("ValidationException", "Name and Value are required.");
        }

        if (InvalidName(name) is { } invalid)
        {
            return invalid;
        }

        if (type is not (null or "String" or "StringList" or "SecureString"))
        {
            return Error("UnsupportedParameterType", $"Type {type} is not String, StringList or SecureString.");
        }

        var limit = tier == "Advanced" ? 8192 : 4096;
        if (value.Length > limit)
        {
            return Error("ValidationException", $"{tier} tier parameters support a maximum parameter value of {limit} characters; this value has {value.Length}.");
        }

        lock (_gate)
        {
            var exists = _parameters.TryGetValue((region, name), out var current);
            if (exists && !overwrite)
            {
                return Error("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.");
            }

            var stored = Store(region, name, value, type ?? current?.Type ?? "String");
            return Ok(new JsonObject { ["Version"] = stored.Version, ["Tier"] = tier });
        }
    }

    /// <summary>GetParameter.</summary>
    public AwsAnswer OnGetParametersByPath(string region, JsonElement body)
    {
        var path = Text(body, "Path");
        if (string.IsNullOrEmpty(path))
        {
            return Error("ValidationException", "1 validation error detected: Value null at 'path' failed to satisfy constraint: Member must not be null");
        }

        // Reading is allowed under /aws (AWS's public parameters), so the prefix rule does not apply to a path.
        if (!path.StartsWith('/') || InvalidName(path.Length > 1 ? path.TrimEnd('/') : "/x", reading: true) is not null)
        {
            return Error("ValidationException", "The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash \"/\". It can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol \"/\".");
        }

        var recursive = body.TryGetProperty("Recursive", out var r) && r.ValueKind == JsonValueKind.True;
        var maxResults = 10;
        if (body.TryGetProperty("MaxResults", out var m) && m.ValueKind == JsonValueKind.Number)
        {
            maxResults = m.GetInt32();
            if (maxResults is < 1 or > 10)
            {
                return Error("ValidationException", $"1 validation error detected: Value '{maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value {(maxResults < 1 ? "greater than or equal to 1" : "less than or equal to 10")}");
            }
        }

        HashSet<string>? types = null;
        if (body.TryGetProperty("ParameterFilters", out var filters) && filters.ValueKind == JsonValueKind.Array)
        {
            foreach (var filter in filters.EnumerateArray())
            {
                var key = Text(filter, "Key");
                if (key != "Type")
                {
                    return Error("InvalidFilterKey", $"The local cloud filters GetParametersByPath by Type only, not '{key}'.");
                }

                if (Text(filter, "Option") is { } option && option != "Equals")
                {
                    return Error("InvalidFilterOption", $"The filter option '{option}' is not valid for Type. Valid option: Equals.");
                }

                var values = filter.TryGetProperty("Values", out var v) && v.ValueKind == JsonValueKind.Array
                    ? v.EnumerateArray().Select(x => x.GetString() ?? string.Empty).ToList()
                    : [];
                if (values.Count == 0 || values.Any(x => x is not ("String" or "StringList" or "SecureString")))
                {
                    return Error("InvalidFilterValue", "The Type filter needs one or more of String, StringList and SecureString.");
                }

                types = [.. values];
            }
        }

        string? after = null;
        if (Text(body, "NextToken") is { Length: > 0 } token)
        {
            after = FromNextToken(token);
            if (after is null)
            {
                return Error("InvalidNextToken", "The specified token isn't valid.");
            }
        }

        var prefix = path.Length > 1 ? path.TrimEnd('/') + "/" : "/";
        List<(string Name, StoredParameter Parameter)> page;
        bool more;
        lock (_gate)
        {
            var matches = _parameters
                .Where(p => p.Key.Region == region && p.Key.Name.StartsWith(prefix, StringComparison.Ordinal) && p.Key.Name.Length > prefix.Length)
                .Where(p => recursive || !p.Key.Name.AsSpan(prefix.Length).Contains('/'))
                .Where(p => types is null || types.Contains(p.Value.Type))
                .Where(p => after is null || string.CompareOrdinal(p.Key.Name, after) > 0)
                .OrderBy(p => p.Key.Name, StringComparer.Ordinal)
                .Select(p => (p.Key.Name, p.Value))
                .Take(maxResults + 1)
                .ToList();
            more = matches.Count > maxResults;
            page = matches.Take(maxResults).ToList();
        }

        var answer = new JsonObject
        {
            ["Parameters"] = new JsonArray([.. page.Select(p => (JsonNode)new JsonObject
            {
                ["Name"] = p.Name,
                ["Type"] = p.Parameter.Type,
                ["Value"] = p.Parameter.Value,
                ["Version"] = p.Parameter.Version,
                ["LastModifiedDate"] = Epoch(p.Parameter.LastModified),
                ["ARN"] = Arn(region, p.Name),
                ["DataType"] = "text",
            })]),
        };
        if (more)
        {
            answer["NextToken"] = ToNextToken(page[^1].Name);
        }

        return Ok(answer);
    }

    /// <summary>DeleteParameter.</summary>
    public AwsAnswer OnDeleteParameter(string region, JsonElement body)
    {
        var name = Text(body, "Name");
        if (string.IsNullOrEmpty(name))
        {
            return Error("ValidationException", "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null");
        }

        lock (_gate)
        {
            return _parameters.Remove((region, name))
                ? Ok(new JsonObject())
                : Error("ParameterNotFound", $"Parameter {name} not found.");
        }
    }

    /// <summary>The ValidationException for a name Parameter Store refuses, or null for a valid one; names to read may
    /// start with <c>aws</c>/<c>ssm</c>.</summary>
    private static AwsAnswer? InvalidName(string name, bool reading = false)
    {
        if (name.Contains('/', StringComparison.Ordinal) && !name.StartsWith('/'))
        {
            return Error("ValidationException", "Parameter name must be a fully qualified name.");
        }

        var bare = name.TrimStart('/');
        if (!ParameterNameCharacters().IsMatch(name) || bare.Length == 0 || name.EndsWith('/') || name.Contains("//", StringComparison.Ordinal)
            || (!reading && (bare.StartsWith("aws", StringComparison.OrdinalIgnoreCase) || bare.StartsWith("ssm", StringComparison.OrdinalIgnoreCase))))
        {
            return Error("ValidationException", "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_");
        }

        if (name.Count(c => c == '/') > 15)
        {
            return Error("HierarchyLevelLimitExceededException", "A hierarchy can have a maximum of 15 levels.");
        }

        return name.Length > 1011 - Arn("us-east-1", string.Empty).Length
            ? Error("ValidationException", "1 validation error detected: the parameter name is too long; a name may have at most 1011 characters including the ARN before it.")
            : null;
    }

    private static string ToNextToken(string lastName) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("efsdr-local:" + lastName));

    private static string? FromNextToken(string token)
    {
        var bytes = new byte[token.Length];
        if (!Convert.TryFromBase64String(token, bytes, out var written))
        {
            return null;
        }

        var text = System.Text.Encoding.UTF8.GetString(bytes, 0, written);
        return text.StartsWith("efsdr-local:", StringComparison.Ordinal) ? text["efsdr-local:".Length..] : null;
    }

    private StoredParameter Store(string region, string name, string value, string type)
    {
        var version = _parameters.TryGetValue((region, name), out var current) ? current.Version + 1 : 1;
        var stored = new StoredParameter(value, type, version, context.Clock.Now);
        _parameters[(region, name)] = stored;
        return stored;
    }

    /// <summary>A name from a name or an ARN (arn:aws:ssm:REGION:ACCOUNT:parameter/NAME).</summary>
    private string? ParameterName(string? nameOrArn, string region)
    {
        if (nameOrArn is null || !nameOrArn.StartsWith("arn:", StringComparison.Ordinal))
        {
            return nameOrArn;
        }

        var marker = nameOrArn.IndexOf(":parameter/", StringComparison.Ordinal);
        if (marker < 0)
        {
            return nameOrArn;
        }

        var bare = nameOrArn[(marker + ":parameter/".Length)..];
        lock (_gate)
        {
            return _parameters.ContainsKey((region, "/" + bare)) ? "/" + bare : bare;
        }
    }

    private static string Arn(string region, string name) =>
        $"arn:aws:ssm:{region}:{SsmEmulator.AccountId}:parameter{(name.StartsWith('/') ? name : "/" + name)}";

    [GeneratedRegex("^[A-Za-z0-9_.\\-/]+$")]
    private static partial Regex ParameterNameCharacters();

    private sealed record StoredParameter(string Value, string Type, long Version, DateTimeOffset LastModified);
}
