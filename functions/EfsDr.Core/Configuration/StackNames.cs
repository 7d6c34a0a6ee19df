using System.Text.RegularExpressions;

namespace EfsDr.Core.Configuration;

/// <summary>
/// The names a deployed EfsDr stack gives its parts, all derived from the one stack name (the same in every region).
/// template.yaml computes the same names with <c>!Sub</c>; the CLI derives them from <c>--stack-name</c>.
/// </summary>
public static partial class StackNames
{
    /// <summary>The stack name the README deploys with (<c>sam deploy --stack-name efsdr</c>).</summary>
    public const string Default = "efsdr";

    /// <summary>The node document of the default stack (<see cref="NodeDocument"/> of <see cref="Default"/>).</summary>
    public const string DefaultNodeDocument = Default + "-node";

    /// <summary>The SSM Command document the stack creates: <c>&lt;stack&gt;-node</c>.</summary>
    public static string NodeDocument(string stackName) => Checked(stackName) + "-node";

    /// <summary>The SSM parameter that holds the cluster configuration (written by <c>efsdr config push</c>, read by the
    /// functions): <c>/&lt;stack&gt;/configuration</c>.</summary>
    public static string ConfigurationParameter(string stackName) => "/" + Checked(stackName) + "/configuration";

    /// <summary>The SSM parameter in which the stack records the template parameters that repeat the configuration
    /// (for <c>efsdr config diff</c>): <c>/&lt;stack&gt;/stack-parameters</c>.</summary>
    public static string StackParametersParameter(string stackName) => "/" + Checked(stackName) + "/stack-parameters";

    /// <summary>True for a CloudFormation stack name: a letter, then up to 127 letters, digits and hyphens.</summary>
    public static bool IsValid(string? stackName) => stackName is not null && StackName().IsMatch(stackName);

    private static string Checked(string stackName) =>
        IsValid(stackName) ? stackName : throw new ArgumentException($"'{ClusterConfigurationValidator.Shorten(stackName)}' is not a CloudFormation stack name (a letter, then letters, digits and hyphens, at most 128)", nameof(stackName));

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9-]{0,127}$")]
    private static partial Regex StackName();
}
