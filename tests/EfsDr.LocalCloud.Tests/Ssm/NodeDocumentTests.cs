using System.Text.RegularExpressions;
using EfsDr.LocalCloud.Ssm;
using EfsDr.LocalCloud.Tests.Support;

namespace EfsDr.LocalCloud.Tests.Ssm;

/// <summary>NodeDocument as the local cloud reads it from template.yaml, against an independent reading of the template's text, and SSM-style validation.</summary>
public sealed class NodeDocumentTests
{
    private static Dictionary<string, IReadOnlyList<string>> Valid() => new(StringComparer.Ordinal)
    {
        ["Action"] = ["activate"],
        ["FileSystemId"] = ["fs-0123456789abcdef0"],
        ["Region"] = ["us-west-2"],
    };

    private static string TemplateText() => File.ReadAllText(Path.Combine(Tools.RepositoryRoot, "template.yaml"));

    /// <summary>Reads NodeDocument's parameters block from template.yaml's text: name → (allowedPattern, allowedValues, default).</summary>
    private static Dictionary<string, (string? Pattern, string[]? Values, string? Default)> TemplateParameters()
    {
        var lines = File.ReadAllLines(Path.Combine(Tools.RepositoryRoot, "template.yaml"));
        var start = Array.FindIndex(lines, l => l == "  NodeDocument:");
        Assert.True(start >= 0, "template.yaml has no NodeDocument resource");
        var parameters = Array.FindIndex(lines, start, l => l.Trim() == "parameters:");
        var indent = lines[parameters].Length - lines[parameters].TrimStart().Length;
        var result = new Dictionary<string, (string? Pattern, string[]? Values, string? Default)>(StringComparer.Ordinal);
        string? current = null;
        for (var i = parameters + 1; i < lines.Length; i++)
        {
            var line = lines[i];
            var depth = line.Length - line.TrimStart().Length;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            if (depth <= indent)
            {
                break;
            }

            var text = line.Trim();
            if (depth == indent + 2)
            {
                current = text.TrimEnd(':');
                result[current] = (null, null, null);
                continue;
            }

            var entry = result[current!];
            if (text.StartsWith("allowedPattern:", StringComparison.Ordinal))
            {
                result[current!] = entry with { Pattern = Scalar(text["allowedPattern:".Length..]) };
            }
            else if (text.StartsWith("allowedValues:", StringComparison.Ordinal))
            {
                var list = text["allowedValues:".Length..].Trim().TrimStart('[').TrimEnd(']');
                result[current!] = entry with { Values = list.Split(',', StringSplitOptions.TrimEntries) };
            }
            else if (text.StartsWith("default:", StringComparison.Ordinal))
            {
                result[current!] = entry with { Default = Scalar(text["default:".Length..]) };
            }
        }

        return result;
    }

    /// <summary>A YAML scalar: plain, or double-quoted with \\ and \" escapes.</summary>
    private static string Scalar(string raw)
    {
        raw = raw.Trim();
        return raw.StartsWith('"') ? Regex.Replace(raw[1..^1], @"\\(.)", "$1") : raw;
    }

    [Fact]
    public void Parameters_ComparedWithTemplateYaml_HaveTheSameNamesPatternsValuesAndDefaults()
    {
        var template = TemplateParameters();

        Assert.Equal(template.Keys, NodeDocument.Default.Parameters.Select(p => p.Name));
        foreach (var parameter in NodeDocument.Default.Parameters)
        {
            var (pattern, values, fallback) = template[parameter.Name];
            Assert.True(pattern == parameter.AllowedPattern, $"{parameter.Name}: template allowedPattern {pattern}, emulator {parameter.AllowedPattern}");
            Assert.Equal(values, parameter.AllowedValues?.ToArray());
            Assert.True(fallback == parameter.Default, $"{parameter.Name}: template default {fallback}, emulator {parameter.Default}");
        }
    }

    [Fact]
    public void Parameters_HealthUrlPattern_IsTheUnescapedTemplateText()
    {
        var template = TemplateParameters();

        Assert.Equal(@"^https?://[A-Za-z0-9.:\[\]_-]+(/[A-Za-z0-9._~/%-]*)?$", template["HealthUrl"].Pattern);
    }

    [Fact]
    public void Validate_OnlyRequiredValues_FillsTheDocumentDefaults()
    {
        var problem = NodeDocument.Default.Validate(Valid(), out var effective);

        Assert.Null(problem);
        Assert.Equal("/mnt/efs", effective["MountPoint"]);
        Assert.Equal("efs-utils", effective["MountMethod"]);
        Assert.Equal("minio", effective["Unit"]);
        Assert.Equal("http://127.0.0.1:9000/minio/health/live", effective["HealthUrl"]);
        Assert.Equal("120", effective["HealthTimeoutSeconds"]);
        Assert.Equal(8, effective.Count);
    }

    [Theory]
    [InlineData("FileSystemId", "fs-0123456789abcdef0\n")]
    [InlineData("Region", "us-west-2 ")]
    [InlineData("Unit", "")]
    [InlineData("HealthUrl", "http://127.0.0.1:9000/minio health")]
    public void Validate_ValueOutsideThePattern_NamesTheParameter(string name, string value)
    {
        var given = Valid();
        given[name] = [value];

        var problem = NodeDocument.Default.Validate(given, out _);

        Assert.NotNull(problem);
        Assert.Contains($"\"{name}\"", problem);
    }

    [Fact]
    public void Validate_TwoValuesForAString_IsRejected()
    {
        var given = Valid();
        given["MountPoint"] = ["/mnt/a", "/mnt/b"];

        Assert.Contains("exactly one value", NodeDocument.Default.Validate(given, out _));
    }

    [Fact]
    public void Default_StepAndTimeout_AreTheTemplates()
    {
        Assert.Equal("efsdrNode", NodeDocument.Default.StepName);
        Assert.Equal(TimeSpan.FromSeconds(900), NodeDocument.Default.ExecutionTimeout);
    }

    [Fact]
    public void Parse_TemplateWithAChangedPattern_EnforcesTheTemplatesPattern()
    {
        var changed = TemplateText().Replace("allowedPattern: \"^[0-9]{1,4}$\"", "allowedPattern: \"^[0-9]{1,2}$\"", StringComparison.Ordinal);
        var given = Valid();
        given["HealthTimeoutSeconds"] = ["120"];

        var problem = NodeDocument.Parse(changed).Validate(given, out _);

        Assert.Contains("^[0-9]{1,2}$", problem, StringComparison.Ordinal);
        Assert.Null(NodeDocument.Default.Validate(given, out _));
    }

    [Fact]
    public void Parse_TemplateWithAnAddedAllowedValue_AcceptsIt()
    {
        var changed = TemplateText().Replace("allowedValues: [efs-utils, nfs4]", "allowedValues: [efs-utils, nfs4, s3files]", StringComparison.Ordinal);
        var given = Valid();
        given["MountMethod"] = ["s3files"];

        Assert.Null(NodeDocument.Parse(changed).Validate(given, out _));
        Assert.NotNull(NodeDocument.Default.Validate(given, out _));
    }

    [Fact]
    public void Parse_TemplateWithoutTheDocument_ThrowsNamingIt()
    {
        var ex = Assert.Throws<InvalidDataException>(() => NodeDocument.Parse("Resources:\n  Other:\n    Type: AWS::SNS::Topic\n"));

        Assert.Contains("NodeDocument", ex.Message, StringComparison.Ordinal);
    }
}
