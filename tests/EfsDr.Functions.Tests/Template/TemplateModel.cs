using EfsDr.Functions.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace EfsDr.Functions.Tests.Template;

/// <summary>
/// template.yaml parsed as YAML. CloudFormation's short-form functions (!Ref, !Sub, !GetAtt …) stay node tags, so a
/// scalar such as <c>!Ref HealthAlarmTopic</c> reads as <c>"!Ref HealthAlarmTopic"</c> through <see cref="Text"/>.
/// </summary>
public static class TemplateModel
{
    private static readonly Lazy<YamlMappingNode> Root = new(Load);

    /// <summary>The template's top-level mapping.</summary>
    public static YamlMappingNode Document => Root.Value;

    /// <summary>One resource by logical id.</summary>
    public static YamlMappingNode Resource(string name) =>
        Mapping(Child(Document, "Resources"), name) ?? throw new InvalidOperationException($"{name} is not a resource of template.yaml");

    /// <summary>Every resource: logical id and definition.</summary>
    public static IEnumerable<(string Name, YamlMappingNode Definition)> Resources() =>
        ((YamlMappingNode)Child(Document, "Resources")!).Children.Select(c => (((YamlScalarNode)c.Key).Value!, (YamlMappingNode)c.Value));

    /// <summary>The resource's type.</summary>
    public static string TypeOf(YamlMappingNode resource) => Text(Child(resource, "Type"));

    /// <summary>A child node by path of keys, or null.</summary>
    public static YamlNode? Child(YamlNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            node = node is YamlMappingNode mapping ? mapping.Children.FirstOrDefault(c => c.Key is YamlScalarNode s && s.Value == key).Value : null;
        }

        return node;
    }

    /// <summary>A child mapping by path, or null.</summary>
    public static YamlMappingNode? Mapping(YamlNode? node, params string[] path) => Child(node, path) as YamlMappingNode;

    /// <summary>A scalar with its tag (<c>!Ref X</c>), or empty for anything else.</summary>
    public static string Text(YamlNode? node) => node is YamlScalarNode scalar
        ? (scalar.Tag.IsEmpty ? scalar.Value ?? string.Empty : $"{scalar.Tag.Value} {scalar.Value}")
        : string.Empty;

    /// <summary>A scalar or a list of scalars as texts (<see cref="Text"/>).</summary>
    public static IReadOnlyList<string> Texts(YamlNode? node) => node switch
    {
        YamlSequenceNode list => [.. list.Children.Select(Text)],
        YamlScalarNode => [Text(node)],
        _ => [],
    };

    /// <summary>
    /// Every IAM statement of the template with the resource it belongs to: the functions' inline policies (SAM
    /// <c>Policies</c>), roles' policies, managed policies and topic policies.
    /// </summary>
    public static IEnumerable<(string Resource, YamlMappingNode Statement)> Statements()
    {
        foreach (var (name, resource) in Resources())
        {
            foreach (var statement in StatementsOf(resource))
            {
                yield return (name, statement);
            }
        }
    }

    /// <summary>The IAM statements of one resource.</summary>
    public static IEnumerable<YamlMappingNode> StatementsOf(YamlMappingNode resource)
    {
        var properties = Mapping(resource, "Properties");
        var documents = new List<YamlNode?> { Child(properties, "PolicyDocument") };
        if (Child(properties, "Policies") is YamlSequenceNode policies)
        {
            documents.AddRange(policies.Children);
            documents.AddRange(policies.Children.Select(p => Child(p, "PolicyDocument")));
        }

        return documents.Select(d => Child(d, "Statement")).OfType<YamlSequenceNode>().SelectMany(s => s.Children.OfType<YamlMappingNode>());
    }

    /// <summary>The statement's actions.</summary>
    public static IReadOnlyList<string> Actions(YamlMappingNode statement) => Texts(Child(statement, "Action"));

    private static YamlMappingNode Load()
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(File.ReadAllText(Repo.Path("template.yaml"))))
        {
            stream.Load(reader);
        }

        return (YamlMappingNode)stream.Documents[0].RootNode;
    }
}
