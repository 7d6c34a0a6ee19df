using System.Globalization;
using EfsDr.Core.Configuration;

namespace EfsDr.Core.Failover;

/// <summary>The parameters of EfsDr's node document (node/efsdr-node.sh), built in one place for activate and deactivate.</summary>
public static class NodeDocumentParameters
{
    /// <summary>Mount, probe, start the unit, wait for health.</summary>
    public const string Activate = "activate";

    /// <summary>Stop the unit and unmount; no AWS call on the node.</summary>
    public const string Deactivate = "deactivate";

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
