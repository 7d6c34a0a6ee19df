using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace EfsDr.Aws.Tests.Support;

/// <summary>
/// AWS's own API model of a service, as shipped in botocore (<c>botocore/data/&lt;service&gt;/&lt;version&gt;/service-2.json[.gz]</c>).
/// Wire tests check requests and response fixtures against it instead of against expectations copied by hand.
/// </summary>
public sealed class BotocoreModel
{
    private static readonly Lazy<string?> DataDirectory = new(LocateDataDirectory);
    private readonly JsonElement _root;

    private BotocoreModel(JsonElement root) => _root = root;

    /// <summary>The model's protocol (rest-json, rest-xml, json).</summary>
    public string Protocol => _root.GetProperty("metadata").GetProperty("protocol").GetString()!;

    /// <summary>Loads the newest model of <paramref name="service"/>, or skips (fails under CI) when botocore is absent.</summary>
    public static BotocoreModel Load(string service)
    {
        var data = DataDirectory.Value;
        if (data is null)
        {
            ExternalTool.Unavailable("botocore's API models were not found (set EFSDR_BOTOCORE_DATA or install python3 with botocore)");
        }

        var versions = Directory.GetDirectories(Path.Combine(data!, service)).OrderBy(d => d, StringComparer.Ordinal).ToList();
        var dir = versions[^1];
        var plain = Path.Combine(dir, "service-2.json");
        using var stream = File.Exists(plain) ? File.OpenRead(plain) : (Stream)new GZipStream(File.OpenRead(plain + ".gz"), CompressionMode.Decompress);
        using var doc = JsonDocument.Parse(stream);
        return new BotocoreModel(doc.RootElement.Clone());
    }

    /// <summary>The operation's HTTP method and request URI template.</summary>
    public (string Method, string RequestUri) Http(string operation)
    {
        var http = Operation(operation).GetProperty("http");
        return (http.GetProperty("method").GetString()!, http.GetProperty("requestUri").GetString()!);
    }

    /// <summary>The names of the errors the operation declares.</summary>
    public IReadOnlyList<string> Errors(string operation) =>
        Operation(operation).TryGetProperty("errors", out var errors) ? [.. errors.EnumerateArray().Select(e => e.GetProperty("shape").GetString()!)] : [];

    /// <summary>The declared HTTP status of an error shape.</summary>
    public int ErrorStatus(string errorShape) =>
        Shape(errorShape).TryGetProperty("error", out var e) && e.TryGetProperty("httpStatusCode", out var code) ? code.GetInt32() : 400;

    /// <summary>The wire values of an enum shape.</summary>
    public IReadOnlyList<string> EnumValues(string shape) => [.. Shape(shape).GetProperty("enum").EnumerateArray().Select(v => v.GetString()!)];

    /// <summary>A shape's numeric constraint (<c>min</c> or <c>max</c>), or null when the model sets none.</summary>
    public long? ShapeBound(string shape, string bound) =>
        Shape(shape).TryGetProperty(bound, out var value) ? value.GetInt64() : null;

    /// <summary>Asserts that a recorded request is what the model says the operation sends: method, path template,
    /// query names (exact casing), required members, headers and body members (for XML, element names and order).</summary>
    public void AssertRequest(string operation, RecordedRequest request)
    {
        var op = Operation(operation);
        var (method, requestUri) = Http(operation);
        Assert.Equal(method, request.Method.Method);
        var templatePath = requestUri.Split('?')[0];
        var pattern = "^" + Regex.Replace(Regex.Escape(templatePath), @"\\\{([A-Za-z0-9]+)(\\\+)?}", m => m.Groups[2].Success ? "(.+)" : "([^/]+)") + "$";
        Assert.Matches(pattern, request.Uri.AbsolutePath);

        var input = op.TryGetProperty("input", out var i) ? Shape(i.GetProperty("shape").GetString()!) : default;
        var members = input.ValueKind == JsonValueKind.Object && input.TryGetProperty("members", out var m2) ? m2 : default;
        var queryNames = MembersAt(members, "querystring");
        foreach (var (key, _) in request.Query)
        {
            Assert.True(queryNames.ContainsKey(key), $"{operation}: query parameter '{key}' is not in the model (model has: {string.Join(", ", queryNames.Keys)})");
        }

        foreach (var required in Required(input))
        {
            var member = members.GetProperty(required);
            var location = member.TryGetProperty("location", out var loc) ? loc.GetString() : null;
            var wireName = member.TryGetProperty("locationName", out var ln) ? ln.GetString()! : required;
            switch (location)
            {
                case "querystring":
                    Assert.True(request.QueryValue(wireName) is not null, $"{operation}: required query parameter '{wireName}' missing");
                    break;
                case "header":
                    Assert.True(request.Header(wireName) is not null, $"{operation}: required header '{wireName}' missing");
                    break;
                case "uri":
                    break;
                default:
                    if (Protocol is "rest-json" or "json")
                    {
                        using var body = JsonDocument.Parse(request.Body);
                        Assert.True(body.RootElement.TryGetProperty(wireName, out _), $"{operation}: required body member '{wireName}' missing");
                    }

                    break;
            }
        }

        if (Protocol == "json")
        {
            var prefix = _root.GetProperty("metadata").GetProperty("targetPrefix").GetString();
            Assert.Equal($"{prefix}.{operation}", request.Header("X-Amz-Target"));
            Assert.Equal("application/x-amz-json-" + _root.GetProperty("metadata").GetProperty("jsonVersion").GetString(), request.ContentType);
        }

        if (request.Body.Length > 0)
        {
            if (Protocol == "rest-xml")
            {
                AssertXmlBody(op, input, request.Body);
            }
            else
            {
                using var body = JsonDocument.Parse(request.Body);
                AssertJson(input, body.RootElement, operation + " request", bodyOnly: true);
            }
        }
    }

    /// <summary>Asserts that a JSON response fixture uses only members the operation's output shape declares, recursively.</summary>
    public void AssertJsonResponseFixture(string operation, string json)
    {
        var output = Shape(Operation(operation).GetProperty("output").GetProperty("shape").GetString()!);
        using var doc = JsonDocument.Parse(json);
        AssertJson(output, doc.RootElement, operation + " response", bodyOnly: true);
    }

    /// <summary>Asserts that an XML response fixture's elements are members of the output shape, in model order.</summary>
    public void AssertXmlResponseFixture(string operation, string xml)
    {
        var output = Shape(Operation(operation).GetProperty("output").GetProperty("shape").GetString()!);
        var root = XDocument.Parse(xml).Root!;
        AssertXmlStructure(output, root, operation + " response");
    }

    private JsonElement Operation(string name) =>
        _root.GetProperty("operations").TryGetProperty(name, out var op) ? op : throw new ArgumentException($"No operation {name} in the model.");

    private JsonElement Shape(string name) => _root.GetProperty("shapes").GetProperty(name);

    private static Dictionary<string, string> MembersAt(JsonElement members, string location)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (members.ValueKind != JsonValueKind.Object)
        {
            return result;
        }

        foreach (var member in members.EnumerateObject())
        {
            if (member.Value.TryGetProperty("location", out var loc) && loc.GetString() == location)
            {
                result[member.Value.TryGetProperty("locationName", out var ln) ? ln.GetString()! : member.Name] = member.Name;
            }
        }

        return result;
    }

    private static IEnumerable<string> Required(JsonElement shape) =>
        shape.ValueKind == JsonValueKind.Object && shape.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()!) : [];

    private void AssertJson(JsonElement shape, JsonElement value, string where, bool bodyOnly)
    {
        var type = shape.GetProperty("type").GetString();
        switch (type)
        {
            case "structure":
                Assert.Equal(JsonValueKind.Object, value.ValueKind);
                var members = shape.GetProperty("members");
                foreach (var property in value.EnumerateObject())
                {
                    var member = members.EnumerateObject().FirstOrDefault(m =>
                        (m.Value.TryGetProperty("locationName", out var ln) && !m.Value.TryGetProperty("location", out _) ? ln.GetString() : m.Name) == property.Name);
                    Assert.True(member.Value.ValueKind == JsonValueKind.Object, $"{where}: '{property.Name}' is not a member of the model's shape (members: {string.Join(", ", members.EnumerateObject().Select(x => x.Name))})");
                    if (bodyOnly && member.Value.TryGetProperty("location", out var loc))
                    {
                        Assert.Fail($"{where}: '{property.Name}' belongs in the {loc.GetString()}, not the body");
                    }

                    AssertJson(Shape(member.Value.GetProperty("shape").GetString()!), property.Value, where + "." + property.Name, bodyOnly: false);
                }

                break;
            case "list":
                Assert.Equal(JsonValueKind.Array, value.ValueKind);
                var item = Shape(shape.GetProperty("member").GetProperty("shape").GetString()!);
                foreach (var element in value.EnumerateArray())
                {
                    AssertJson(item, element, where + "[]", bodyOnly: false);
                }

                break;
            case "map":
                Assert.Equal(JsonValueKind.Object, value.ValueKind);
                break;
            case "timestamp":
                Assert.True(value.ValueKind == JsonValueKind.Number, $"{where}: a timestamp is epoch seconds as a number in this protocol, found {value.ValueKind}");
                break;
            case "string":
                Assert.Equal(JsonValueKind.String, value.ValueKind);
                if (shape.TryGetProperty("enum", out var values))
                {
                    Assert.Contains(value.GetString(), values.EnumerateArray().Select(v => v.GetString()));
                }

                break;
            case "integer" or "long" or "double" or "float":
                Assert.Equal(JsonValueKind.Number, value.ValueKind);
                break;
            case "boolean":
                Assert.True(value.ValueKind is JsonValueKind.True or JsonValueKind.False, $"{where}: expected a boolean");
                break;
        }
    }

    private void AssertXmlBody(JsonElement op, JsonElement input, string body)
    {
        var root = XDocument.Parse(body).Root!;
        var inputRef = op.GetProperty("input");
        var expectedName = inputRef.TryGetProperty("locationName", out var ln) ? ln.GetString() : null;
        var ns = inputRef.TryGetProperty("xmlNamespace", out var x) ? x.GetProperty("uri").GetString() : null;
        Assert.Equal(expectedName, root.Name.LocalName);
        Assert.Equal(ns, root.Name.NamespaceName);
        AssertXmlStructure(input, root, expectedName!);
    }

    private void AssertXmlStructure(JsonElement shape, XElement element, string where)
    {
        var type = shape.GetProperty("type").GetString();
        if (type == "structure")
        {
            var members = shape.GetProperty("members").EnumerateObject()
                .Where(m => !m.Value.TryGetProperty("location", out _))
                .Select((m, index) => (Name: m.Value.TryGetProperty("locationName", out var l) ? l.GetString()! : m.Name, Index: index, Shape: m.Value.GetProperty("shape").GetString()!))
                .ToList();
            var last = -1;
            foreach (var child in element.Elements())
            {
                var member = members.FirstOrDefault(m => m.Name == child.Name.LocalName);
                Assert.True(member.Name is not null, $"{where}: <{child.Name.LocalName}> is not a member of the model's shape");
                Assert.True(member.Index >= last, $"{where}: <{child.Name.LocalName}> is out of the model's member order");
                last = member.Index;
                AssertXmlStructure(Shape(member.Shape), child, where + "/" + child.Name.LocalName);
            }
        }
        else if (type == "list")
        {
            var memberRef = shape.GetProperty("member");
            var itemName = memberRef.TryGetProperty("locationName", out var l) ? l.GetString() : "member";
            foreach (var child in element.Elements())
            {
                Assert.Equal(itemName, child.Name.LocalName);
                AssertXmlStructure(Shape(memberRef.GetProperty("shape").GetString()!), child, where + "/" + itemName);
            }
        }
        else if (type == "string" && shape.TryGetProperty("enum", out var values))
        {
            Assert.Contains(element.Value, values.EnumerateArray().Select(v => v.GetString()));
        }
    }

    private static string? LocateDataDirectory()
    {
        var configured = Environment.GetEnvironmentVariable("EFSDR_BOTOCORE_DATA");
        if (!string.IsNullOrEmpty(configured) && Directory.Exists(configured))
        {
            return configured;
        }

        foreach (var python in new[] { "python3", "python" })
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo(python, ["-c", "import botocore, os; print(os.path.join(os.path.dirname(botocore.__file__), 'data'))"])
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                });
                if (process is null)
                {
                    continue;
                }

                var output = process.StandardOutput.ReadToEnd().Trim();
                process.WaitForExit();
                if (process.ExitCode == 0 && Directory.Exists(output))
                {
                    return output;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not installed; try the next name
            }
        }

        return null;
    }
}
