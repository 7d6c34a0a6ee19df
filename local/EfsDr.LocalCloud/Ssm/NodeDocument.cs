using System.Globalization;
using System.Text.RegularExpressions;
using EfsDr.LocalCloud.Hosting;
using YamlDotNet.RepresentationModel;

namespace EfsDr.LocalCloud.Ssm;

/// <summary>One parameter of EfsDr's SSM Command document.</summary>
/// <param name="Name">The parameter name; the script reads it as SSM_&lt;Name&gt;.</param>
/// <param name="AllowedPattern">The document's allowedPattern, or null.</param>
/// <param name="AllowedValues">The document's allowedValues, or null.</param>
/// <param name="Default">The document's default; null makes the parameter required.</param>
public sealed record NodeDocumentParameter(string Name, string? AllowedPattern, IReadOnlyList<string>? AllowedValues, string? Default);

/// <summary>
/// EfsDr's SSM Command document as template.yaml's <c>NodeDocument</c> resource defines it (read from the template, not
/// copied): its parameters, its single step and that step's timeoutSeconds. SendCommand checks every value against the
/// parameters, as SSM does, before anything runs.
/// </summary>
public sealed class NodeDocument
{
    /// <summary>The logical id of the document's resource in template.yaml.</summary>
    public const string ResourceName = "NodeDocument";

    private static readonly Lazy<NodeDocument> RepositoryDocument = new(() => Load(Path.Combine(LocalCloudHost.FindRepositoryRoot(), "template.yaml")));

    private NodeDocument(string stepName, TimeSpan executionTimeout, IReadOnlyList<NodeDocumentParameter> parameters)
    {
        StepName = stepName;
        ExecutionTimeout = executionTimeout;
        Parameters = parameters;
    }

    /// <summary>The document of the repository's template.yaml (found as <see cref="LocalCloudHost.FindRepositoryRoot"/> finds it).</summary>
    public static NodeDocument Default => RepositoryDocument.Value;

    /// <summary>The document's single step (its PluginName).</summary>
    public string StepName { get; }

    /// <summary>The step's timeoutSeconds. The local cloud applies it in REAL seconds: the script runs in real time.</summary>
    public TimeSpan ExecutionTimeout { get; }

    /// <summary>The parameters, in the document's order.</summary>
    public IReadOnlyList<NodeDocumentParameter> Parameters { get; }

    /// <summary>Reads the document from a CloudFormation template file.</summary>
    public static NodeDocument Load(string templatePath) => Parse(File.ReadAllText(templatePath));

    /// <summary>Reads the document from a CloudFormation template's text (short-form tags such as <c>!Sub</c> are kept as tags).</summary>
    /// <exception cref="InvalidDataException">The template has no such document, or one the local cloud cannot enforce.</exception>
    public static NodeDocument Parse(string templateYaml)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(templateYaml))
        {
            stream.Load(reader);
        }

        if (stream.Documents.Count == 0)
        {
            throw new InvalidDataException("The template is empty.");
        }

        var content = Mapping(stream.Documents[0].RootNode, "Resources", ResourceName, "Properties", "Content");
        var step = Step(content);
        return new NodeDocument(
            Scalar(step, "name") ?? throw Invalid("its step has no name"),
            TimeSpan.FromSeconds(int.Parse(Scalar(Mapping(step, "inputs"), "timeoutSeconds") ?? "3600", NumberStyles.None, CultureInfo.InvariantCulture)),
            [.. Mapping(content, "parameters").Children.Select(Parameter)]);
    }

    /// <summary>
    /// Checks the parameters of a SendCommand as SSM checks them against the document: every name is the document's,
    /// every value is a list of exactly one string matching allowedPattern / allowedValues, and the parameters without
    /// a default are present. Returns the error message (for InvalidParameters) or null, and the effective values
    /// (defaults filled in).
    /// </summary>
    public string? Validate(IReadOnlyDictionary<string, IReadOnlyList<string>> given, out IReadOnlyDictionary<string, string> effective)
    {
        ArgumentNullException.ThrowIfNull(given);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        effective = values;
        var unknown = given.Keys.Where(k => Parameters.All(p => p.Name != k)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            return $"document does not support parameters: {string.Join(", ", unknown)}";
        }

        foreach (var parameter in Parameters)
        {
            if (Check(parameter, given, out var value) is { } problem)
            {
                return problem;
            }

            values[parameter.Name] = value;
        }

        return null;
    }

    private static string? Check(NodeDocumentParameter parameter, IReadOnlyDictionary<string, IReadOnlyList<string>> given, out string value)
    {
        value = string.Empty;
        if (given.TryGetValue(parameter.Name, out var list))
        {
            if (list.Count != 1)
            {
                return $"Parameter \"{parameter.Name}\" is of type String and takes exactly one value, not {list.Count}.";
            }

            value = list[0];
        }
        else if (parameter.Default is { } fallback)
        {
            value = fallback;
        }
        else
        {
            return $"Parameter \"{parameter.Name}\" is required.";
        }

        if (parameter.AllowedValues is { } allowed && !allowed.Contains(value, StringComparer.Ordinal))
        {
            return $"Parameter \"{parameter.Name}\" has value \"{value}\", which is not one of the allowed values [{string.Join(", ", allowed)}].";
        }

        return parameter.AllowedPattern is { } pattern && !FullMatch(pattern, value)
            ? $"Parameter \"{parameter.Name}\" has value \"{value}\", which does not match the allowed pattern {pattern}."
            : null;
    }

    /// <summary>The whole value matches (.NET's <c>$</c> also matches before a final newline; SSM must not accept that).</summary>
    private static bool FullMatch(string pattern, string value)
    {
        var match = Regex.Match(value, pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return match.Success && match.Index == 0 && match.Length == value.Length;
    }

    private static NodeDocumentParameter Parameter(KeyValuePair<YamlNode, YamlNode> entry)
    {
        var name = (entry.Key as YamlScalarNode)?.Value ?? throw Invalid("a parameter has no name");
        var definition = entry.Value as YamlMappingNode ?? throw Invalid($"parameter {name} is not a mapping");
        if (Scalar(definition, "type") is { } type && type != "String")
        {
            throw Invalid($"parameter {name} has type {type}; the local cloud enforces String parameters only");
        }

        IReadOnlyList<string>? allowedValues = Child(definition, "allowedValues") switch
        {
            null => null,
            YamlSequenceNode list => [.. list.Children.Select(v => (v as YamlScalarNode)?.Value ?? throw Invalid($"{name}'s allowedValues holds a non-scalar"))],
            _ => throw Invalid($"{name}'s allowedValues is not a list"),
        };
        return new NodeDocumentParameter(name, Scalar(definition, "allowedPattern"), allowedValues, Scalar(definition, "default"));
    }

    private static YamlMappingNode Step(YamlMappingNode content)
    {
        var steps = Child(content, "mainSteps") as YamlSequenceNode ?? throw Invalid("it has no mainSteps list");
        return steps.Children.Count == 1 && steps.Children[0] is YamlMappingNode step
            ? step
            : throw Invalid($"it has {steps.Children.Count} steps; the local cloud runs a document of exactly one");
    }

    private static YamlMappingNode Mapping(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            node = (node is YamlMappingNode mapping ? Child(mapping, key) : null) ?? throw Invalid($"{key} is missing");
        }

        return node as YamlMappingNode ?? throw Invalid($"{path[^1]} is not a mapping");
    }

    private static YamlNode? Child(YamlMappingNode mapping, string key) =>
        mapping.Children.FirstOrDefault(c => c.Key is YamlScalarNode s && s.Value == key).Value;

    private static string? Scalar(YamlMappingNode mapping, string key) => Child(mapping, key) switch
    {
        null => null,
        YamlScalarNode scalar => scalar.Value,
        _ => throw Invalid($"{key} is not a scalar"),
    };

    private static InvalidDataException Invalid(string why) => new($"template.yaml's {ResourceName} cannot be enforced by the local cloud: {why}.");
}
