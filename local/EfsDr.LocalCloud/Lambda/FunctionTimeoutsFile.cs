using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EfsDr.LocalCloud.Lambda;

/// <summary>The Lambda timeouts template.yaml gives EfsDr's functions: Globals' Function Timeout, and a function's own
/// Properties Timeout where it sets one (keyed by its Handler name), so that the local cloud runs each handler under the
/// timeout it has in AWS.</summary>
internal sealed record FunctionTimeoutsFile(TimeSpan? Default, IReadOnlyDictionary<string, TimeSpan> ByHandler)
{
    /// <summary>No template: no timeouts.</summary>
    public static FunctionTimeoutsFile None { get; } = new(null, new Dictionary<string, TimeSpan>(StringComparer.Ordinal));

    /// <summary>Reads <c>template.yaml</c> under <paramref name="repositoryRoot"/>; <see cref="None"/> when it is missing or unreadable.</summary>
    public static FunctionTimeoutsFile Read(string repositoryRoot)
    {
        var path = Path.Combine(repositoryRoot, "template.yaml");
        if (!File.Exists(path))
        {
            return None;
        }

        try
        {
            using var reader = new StreamReader(path);
            return Read(reader);
        }
        catch (IOException)
        {
            return None;
        }
    }

    /// <summary>The timeouts of a template's text; <see cref="None"/> when it is not YAML.</summary>
    internal static FunctionTimeoutsFile Read(TextReader template)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(template);
        }
        catch (YamlException)
        {
            return None;
        }

        return stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root ? None : Parse(root);
    }

    private static FunctionTimeoutsFile Parse(YamlMappingNode root)
    {
        var byHandler = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        var globals = Seconds(Child(Child(root, "Globals"), "Function"));
        if (Child(root, "Resources") is YamlMappingNode resources)
        {
            foreach (var resource in resources.Children.Values.OfType<YamlMappingNode>())
            {
                var properties = Child(resource, "Properties");
                if (Scalar(Child(resource, "Type")) == "AWS::Serverless::Function" && Scalar(Child(properties, "Handler")) is { } handler && Seconds(properties) is { } own)
                {
                    byHandler[handler] = own;
                }
            }
        }

        return new FunctionTimeoutsFile(globals, byHandler);
    }

    private static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode mapping && mapping.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    private static string? Scalar(YamlNode? node) => (node as YamlScalarNode)?.Value;

    private static TimeSpan? Seconds(YamlNode? owner) =>
        int.TryParse(Scalar(Child(owner, "Timeout")), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : null;
}
