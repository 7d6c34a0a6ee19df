using System.Globalization;
using System.Text.Json.Serialization;
using EfsDr.Core.Configuration;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;

namespace EfsDr.Core.Failover;

/// <summary>Where one server's deactivate command stands.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NodeDeactivationStatus>))]
public enum NodeDeactivationStatus
{
    /// <summary>Not sent: the region's SSM did not answer, the agent is not Online, or SSM refused the command (see the detail).</summary>
    [JsonStringEnumMemberName("not-sent")]
    NotSent,

    /// <summary>Sent; no final result yet.</summary>
    [JsonStringEnumMemberName("pending")]
    Pending,

    /// <summary>The node stopped the unit and unmounted the file system.</summary>
    [JsonStringEnumMemberName("deactivated")]
    Deactivated,

    /// <summary>The command ended Failed, TimedOut or Cancelled (the detail carries the stderr tail).</summary>
    [JsonStringEnumMemberName("failed")]
    Failed,
}

/// <summary>The deactivate command of one server of the ex-primary's region.</summary>
public sealed record NodeDeactivation
{
    /// <summary>The server's name.</summary>
    public string Server { get; set; } = string.Empty;

    /// <summary>Its instance id.</summary>
    public string InstanceId { get; set; } = string.Empty;

    /// <summary>Its region.</summary>
    public string Region { get; set; } = string.Empty;

    /// <summary>The node command reference, or null when nothing was sent.</summary>
    public string? CommandId { get; set; }

    /// <summary>Where the command stands.</summary>
    public NodeDeactivationStatus Status { get; set; }

    /// <summary>True when the region's SSM did not answer (nothing was sent, or the result could not be read).</summary>
    public bool RegionUnreachable { get; set; }

    /// <summary>What happened, for people.</summary>
    public string Detail { get; set; } = string.Empty;
}

/// <summary>What fencing one ex-primary did.</summary>
public sealed record FencingResult
{
    /// <summary>True when the file system is read-only (protection DISABLED) and tagged fenced, by this call or an earlier one.</summary>
    public bool Fenced { get; set; }

    /// <summary>True when this call changed something (protection or tags).</summary>
    public bool Changed { get; set; }

    /// <summary>True when the region's EFS did not answer; <see cref="Detail"/> says whether anything was changed before.</summary>
    public bool RegionUnreachable { get; set; }

    /// <summary>The ex-primary.</summary>
    public string FileSystemId { get; set; } = string.Empty;

    /// <summary>Its region.</summary>
    public string Region { get; set; } = string.Empty;

    /// <summary>The epoch of the primary it was fenced for (its efsdr:fenced-epoch), when fenced.</summary>
    public long? FencedEpoch { get; set; }

    /// <summary>What was done, or why not.</summary>
    public string Detail { get; set; } = string.Empty;

    /// <summary>The deactivation of the region's servers, when the caller attaches it (<c>result with { Nodes = … }</c>).</summary>
    public IReadOnlyList<NodeDeactivation> Nodes { get; set; } = [];
}

/// <summary>One copy of the protected file system.</summary>
public sealed record FileSystemCopy
{
    /// <summary>Its region.</summary>
    public string Region { get; set; } = string.Empty;

    /// <summary>Its id.</summary>
    public string FileSystemId { get; set; } = string.Empty;

    /// <summary>Its EfsDr epoch (0 when it has none).</summary>
    public long Epoch { get; set; }
}

/// <summary>A region that could not be read.</summary>
public sealed record UnreachableRegion
{
    /// <summary>The region.</summary>
    public string Region { get; set; } = string.Empty;

    /// <summary>Why (the error code and message).</summary>
    public string Reason { get; set; } = string.Empty;
}

/// <summary>The copies of the protected file system that still take writes besides the current primary.</summary>
public sealed record FencingSurvey
{
    /// <summary>The protected file system's Name.</summary>
    public string FileSystemName { get; set; } = string.Empty;

    /// <summary>The current primary: the writable copy with the highest epoch, or null when there is none (or no single one).</summary>
    public FileSystemCopy? Primary { get; set; }

    /// <summary>The unfenced ex-primaries: writable copies with the Name and a lower epoch than <see cref="Primary"/>.</summary>
    public IReadOnlyList<FileSystemCopy> Unfenced { get; set; } = [];

    /// <summary>The regions that could not be read; a copy there was not seen.</summary>
    public IReadOnlyList<UnreachableRegion> Unreachable { get; set; } = [];

    /// <summary>Why there is no primary to compare with, when there is none.</summary>
    public string? Note { get; set; }
}

/// <summary>The fencing records as JSON (for the CLI and workflow state).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true)]
[JsonSerializable(typeof(FencingSurvey))]
[JsonSerializable(typeof(FencingResult))]
[JsonSerializable(typeof(IReadOnlyList<FencingResult>))]
[JsonSerializable(typeof(IReadOnlyList<NodeDeactivation>))]
public sealed partial class FencingJsonContext : JsonSerializerContext;

/// <summary>
/// One writer: after a failover, the ex-primary's nodes stop serving (deactivate) and the ex-primary becomes read-only
/// (replication overwrite protection DISABLED) and is tagged fenced. Nothing is deleted: the old copy and its data stay.
/// Every method is best effort towards a region that does not answer: it reports it and never throws
/// <see cref="RegionUnreachableException"/> or <see cref="CloudBusyException"/>.
/// </summary>
public sealed class FencingService(ClusterConfiguration configuration, IFileSystems fileSystems, INodeAgent nodes, string documentName, TimeProvider time)
{
    /// <summary>
    /// Sends EfsDr's node document with Action=deactivate (stop the unit, unmount; idempotent, no AWS call on the node)
    /// to every server of <paramref name="region"/>, the ex-primary's. A server whose agent is not Online gets nothing;
    /// once the region does not answer, its remaining servers are not tried. The caller makes sure the region does not
    /// host the current primary's node.
    /// </summary>
    /// <param name="region">The ex-primary's region.</param>
    /// <param name="fileSystemId">The ex-primary (the document requires FileSystemId; deactivate unmounts whatever the mount point holds).</param>
    /// <param name="runId">The run, for the command's comment.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <exception cref="ArgumentException">No server of the cluster is in <paramref name="region"/>.</exception>
    public async Task<IReadOnlyList<NodeDeactivation>> DeactivateAsync(string region, string fileSystemId, string runId, CancellationToken cancellationToken)
    {
        var servers = ServersIn(region);
        var results = new List<NodeDeactivation>(servers.Count);
        string? down = null;
        foreach (var server in servers)
        {
            var node = new NodeDeactivation { Server = server.Name, InstanceId = server.InstanceId, Region = region };
            if (down is not null)
            {
                results.Add(node with { RegionUnreachable = true, Detail = down });
                continue;
            }

            try
            {
                results.Add(await SendDeactivateAsync(node, fileSystemId, runId, cancellationToken).ConfigureAwait(false));
            }
            catch (CloudCallFailedException ex) when (IsUnreachable(ex))
            {
                down = $"not sent: SSM in {region} did not answer ({ex.Code})";
                results.Add(node with { RegionUnreachable = true, Detail = down });
            }
            catch (CloudCallFailedException ex)
            {
                results.Add(node with { Detail = $"not sent: SSM refused the command: {ex.Message}" });
            }
        }

        return results;
    }

    /// <summary>
    /// One read of each pending command's progress (a command the node agent does not show yet counts as pending). Entries that are not
    /// pending are returned as they are; a read that fails leaves the entry pending with the reason.
    /// </summary>
    public async Task<IReadOnlyList<NodeDeactivation>> CheckDeactivationAsync(IReadOnlyList<NodeDeactivation> deactivations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deactivations);
        var results = new List<NodeDeactivation>(deactivations.Count);
        var down = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in deactivations)
        {
            if (node.Status != NodeDeactivationStatus.Pending || node.CommandId is null)
            {
                results.Add(node);
                continue;
            }

            if (down.Contains(node.Region))
            {
                results.Add(node with { RegionUnreachable = true, Detail = $"not read: SSM in {node.Region} did not answer" });
                continue;
            }

            try
            {
                results.Add(await ReadAsync(node, cancellationToken).ConfigureAwait(false));
            }
            catch (CloudCallFailedException ex) when (IsUnreachable(ex))
            {
                down.Add(node.Region);
                results.Add(node with { RegionUnreachable = true, Detail = $"not read: SSM in {node.Region} did not answer ({ex.Code})" });
            }
            catch (CloudCallFailedException ex)
            {
                results.Add(node with { Detail = $"not read: {ex.Message}" });
            }
        }

        return results;
    }

    /// <summary>
    /// Fences the ex-primary <paramref name="fileSystemId"/>: replication overwrite protection DISABLED (EFS keeps such a
    /// file system read-only), then the tags efsdr:role=fenced, efsdr:fenced-epoch, efsdr:fenced-by and efsdr:fenced-at
    /// (other tags are kept). Idempotent: a copy already DISABLED and tagged fenced is left as it is. Refused, with the
    /// reason, for a copy that is a replication destination, does not carry the cluster's Name, or whose epoch is not
    /// below <paramref name="epoch"/>.
    /// </summary>
    /// <param name="region">The ex-primary's region.</param>
    /// <param name="fileSystemId">The ex-primary.</param>
    /// <param name="epoch">The epoch of the primary that superseded it.</param>
    /// <param name="runId">The run that fences (efsdr:fenced-by).</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <exception cref="FileSystemNotFoundException">The file system does not exist.</exception>
    public async Task<FencingResult> FenceAsync(string region, string fileSystemId, long epoch, string runId, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epoch, 1);
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        var result = new FencingResult { FileSystemId = fileSystemId, Region = region };
        var protectionSet = false;
        try
        {
            var fs = await fileSystems.DescribeAsync(region, fileSystemId, cancellationToken).ConfigureAwait(false);
            if (Refusal(fs, epoch) is { } refusal)
            {
                return result with { Detail = refusal };
            }

            if (fs.Protection == OverwriteProtection.Disabled && EfsDrTags.IsFenced(fs.Tags))
            {
                return result with { Fenced = true, FencedEpoch = FencedEpochOf(fs), Detail = AlreadyFenced(fs) };
            }

            if (fs.Protection != OverwriteProtection.Disabled)
            {
                var reported = await fileSystems.UpdateProtectionAsync(region, fileSystemId, OverwriteProtection.Disabled, cancellationToken).ConfigureAwait(false);
                protectionSet = true;
                if (reported != OverwriteProtection.Disabled)
                {
                    return result with { Changed = true, Detail = $"not fenced: EFS reports protection {Wire(reported)} after setting DISABLED; not tagged" };
                }
            }

            await fileSystems.TagAsync(region, fileSystemId, FenceTags(epoch, runId), cancellationToken).ConfigureAwait(false);
            return result with { Fenced = true, Changed = true, FencedEpoch = epoch, Detail = Fenced(fs.Protection, epoch) };
        }
        catch (AlreadyAReplicaException ex)
        {
            return result with { Detail = $"not fenced: {fileSystemId} is a replication destination, not an ex-primary ({ex.Code})" };
        }
        catch (CloudCallFailedException ex) when (IsUnreachable(ex))
        {
            var before = protectionSet ? "protection was set DISABLED but the fenced tags are missing; run again" : "nothing was changed there";
            return result with { Changed = protectionSet, RegionUnreachable = true, Detail = $"not fenced: EFS in {region} did not answer ({ex.Code}); {before}" };
        }
    }

    /// <summary>
    /// Reads every configured region and returns the unfenced ex-primaries: copies with the cluster's Name that are
    /// writable (protection ENABLED) and carry a lower epoch than the current primary, the writable copy with the highest
    /// epoch. Only a writable primary counts, so a promotion still in progress fences nothing. Unreachable regions are
    /// reported, not thrown.
    /// </summary>
    public async Task<FencingSurvey> FindUnfencedAsync(CancellationToken cancellationToken)
    {
        var name = configuration.FileSystem.Name;
        var copies = new List<FileSystem>();
        var unreachable = new List<UnreachableRegion>();
        foreach (var region in configuration.Regions)
        {
            try
            {
                copies.AddRange(await fileSystems.FindByNameAsync(region, name, cancellationToken).ConfigureAwait(false));
            }
            catch (CloudCallFailedException ex) when (IsUnreachable(ex))
            {
                unreachable.Add(new UnreachableRegion { Region = region, Reason = ex.Message });
            }
        }

        var survey = new FencingSurvey { FileSystemName = name, Unreachable = unreachable };
        var writable = copies.Where(c => c.Protection == OverwriteProtection.Enabled).Select(Copy).ToList();
        var top = writable.Count == 0 ? 0 : writable.Max(c => c.Epoch);
        var primaries = writable.Where(c => c.Epoch == top).ToList();
        if (top == 0)
        {
            return survey with { Note = writable.Count == 0 ? "no writable copy was found" : "no writable copy was promoted by EfsDr (no epoch); nothing to compare with" };
        }

        if (primaries.Count > 1)
        {
            return survey with { Note = $"several writable copies carry the highest epoch {top.ToString(CultureInfo.InvariantCulture)} ({string.Join(", ", primaries.Select(p => $"{p.FileSystemId} in {p.Region}"))}); EfsDr cannot tell which is current and fences none" };
        }

        return survey with { Primary = primaries[0], Unfenced = [.. writable.Where(c => c.Epoch < top)] };
    }

    private List<ServerSettings> ServersIn(string region)
    {
        var servers = configuration.Servers.Where(s => string.Equals(s.Region, region, StringComparison.Ordinal)).ToList();
        return servers.Count > 0
            ? servers
            : throw new ArgumentException($"No server of the cluster is in region '{region}' ({string.Join(", ", configuration.Regions)}).", nameof(region));
    }

    private async Task<NodeDeactivation> SendDeactivateAsync(NodeDeactivation node, string fileSystemId, string runId, CancellationToken cancellationToken)
    {
        var ping = await nodes.GetPingStatusAsync(node.Region, node.InstanceId, cancellationToken).ConfigureAwait(false);
        if (ping != PingStatus.Online)
        {
            return node with { Detail = $"not sent: the SSM agent of {node.Server} is {ping}; stop {configuration.Application.Unit} and unmount {configuration.FileSystem.MountPoint} there by hand, or run this again once it is Online" };
        }

        var request = new NodeDeactivationRequest(
            documentName,
            fileSystemId,
            node.Region,
            configuration.FileSystem.MountPoint,
            configuration.Application.Unit,
            $"EfsDr {runId}: deactivate {node.Server}",
            Math.Max(30, configuration.Budgets.NodeCommandSeconds));
        var commandId = await nodes.DeactivateAsync(node.Region, node.InstanceId, request, cancellationToken).ConfigureAwait(false);
        return node with { CommandId = commandId, Status = NodeDeactivationStatus.Pending, Detail = "deactivate sent" };
    }

    private async Task<NodeDeactivation> ReadAsync(NodeDeactivation node, CancellationToken cancellationToken)
    {
        var progress = await nodes.GetProgressAsync(node.Region, node.CommandId!, node.InstanceId, cancellationToken).ConfigureAwait(false);
        return progress.State switch
        {
            NodeProgressState.NotYetVisible => node with { RegionUnreachable = false, Detail = "deactivate sent; not yet visible" },
            NodeProgressState.Succeeded => node with { Status = NodeDeactivationStatus.Deactivated, RegionUnreachable = false, Detail = NodeActivationService.Tail(progress.Output, NodeActivationService.StderrTail) },
            NodeProgressState.Failed => node with
            {
                Status = NodeDeactivationStatus.Failed,
                RegionUnreachable = false,
                Detail = $"{progress.Status}{(progress.StatusDetail is null ? string.Empty : " (" + progress.StatusDetail + ")")}, exit {progress.ExitCode.ToString(CultureInfo.InvariantCulture)}: {NodeActivationService.Tail(progress.ErrorOutput, NodeActivationService.StderrTail)}",
            },
            _ => node with { RegionUnreachable = false, Detail = $"deactivate {progress.Status}" },
        };
    }

    private string? Refusal(FileSystem fs, long epoch)
    {
        if (fs.Protection == OverwriteProtection.Replicating)
        {
            return $"not fenced: {fs.FileSystemId} is a replication destination (protection REPLICATING), a replica and not an ex-primary";
        }

        if (!string.Equals(fs.Name, configuration.FileSystem.Name, StringComparison.Ordinal))
        {
            return $"not fenced: {fs.FileSystemId} does not carry the Name '{configuration.FileSystem.Name}' (it has {(fs.Name is null ? "none" : $"'{fs.Name}'")})";
        }

        var own = EfsDrTags.EpochOf(fs.Tags);
        return own >= epoch
            ? $"not fenced: {fs.FileSystemId} has epoch {own.ToString(CultureInfo.InvariantCulture)}, not below the primary's {epoch.ToString(CultureInfo.InvariantCulture)}: it is not an ex-primary"
            : null;
    }

    private Dictionary<string, string> FenceTags(long epoch, string runId) => new(StringComparer.Ordinal)
    {
        [EfsDrTags.Role] = EfsDrTags.Fenced,
        [EfsDrTags.FencedEpoch] = epoch.ToString(CultureInfo.InvariantCulture),
        [EfsDrTags.FencedBy] = runId,
        [EfsDrTags.FencedAt] = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
    };

    private static string AlreadyFenced(FileSystem fs) =>
        $"already fenced: read-only (protection DISABLED), tagged by {fs.Tags.GetValueOrDefault(EfsDrTags.FencedBy, "?")} at {fs.Tags.GetValueOrDefault(EfsDrTags.FencedAt, "?")}";

    private static string Fenced(OverwriteProtection before, long epoch) =>
        (before == OverwriteProtection.Disabled ? "was already read-only (protection DISABLED)" : $"protection {Wire(before)} → DISABLED (read-only)") +
        $"; tagged {EfsDrTags.Role}={EfsDrTags.Fenced} for epoch {epoch.ToString(CultureInfo.InvariantCulture)}";

    private static long? FencedEpochOf(FileSystem fs) =>
        fs.Tags.TryGetValue(EfsDrTags.FencedEpoch, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch) ? epoch : null;

    private static FileSystemCopy Copy(FileSystem fs) => new() { Region = fs.Region, FileSystemId = fs.FileSystemId, Epoch = EfsDrTags.EpochOf(fs.Tags) };

    private static bool IsUnreachable(CloudCallFailedException ex) => ex is RegionUnreachableException or CloudBusyException;

    private static string Wire(OverwriteProtection protection) => protection.ToString().ToUpperInvariant();
}
