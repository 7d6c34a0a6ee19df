using System.Globalization;
using EfsDr.Core.Configuration;
using EfsDr.Core.Model;

namespace EfsDr.Aws.Ssm;

/// <summary>The SSM parameters of EfsDr's node document (node/efsdr-node.sh, template.yaml's NodeDocument), built only here, for activate and deactivate.</summary>
public static class NodeDocumentParameters
{
    /// <summary>Mount, probe, start the unit, wait for health.</summary>
    public const string Activate = "activate";

    /// <summary>Stop the unit and unmount; no AWS call on the node.</summary>
    public const string Deactivate = "deactivate";

    /// <summary>The parameters that ask a node to activate.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> For(NodeActivationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return For(Activate, request.FileSystemId, request.Region, request.MountPoint, request.Unit, request.MountMethod, request.HealthUrl, request.HealthTimeoutSeconds);
    }

    /// <summary>The parameters that ask a node to deactivate.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> For(NodeDeactivationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return For(Deactivate, request.FileSystemId, request.Region, request.MountPoint, request.Unit);
    }

    /// <summary>
    /// The parameters for <paramref name="action"/>, each a list of one string. Every action sends FileSystemId and Region
    /// (the document declares them without a default, so SSM requires them), MountPoint and Unit; the activation-only
    /// values (mount method, health URL and timeout) are sent when given.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> For(
        string action,
        string fileSystemId,
        string region,
        string mountPoint,
        string unit,
        MountMethod? mountMethod = null,
        string? healthUrl = null,
        int? healthTimeoutSeconds = null)
    {
        var parameters = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["Action"] = [action],
            ["FileSystemId"] = [fileSystemId],
            ["Region"] = [region],
            ["MountPoint"] = [mountPoint],
        };
        if (mountMethod is { } method)
        {
            parameters["MountMethod"] = [method == MountMethod.Nfs4 ? "nfs4" : "efs-utils"];
        }

        parameters["Unit"] = [unit];
        if (healthUrl is not null)
        {
            parameters["HealthUrl"] = [healthUrl];
        }

        if (healthTimeoutSeconds is { } seconds)
        {
            parameters["HealthTimeoutSeconds"] = [seconds.ToString(CultureInfo.InvariantCulture)];
        }

        return parameters;
    }
}
