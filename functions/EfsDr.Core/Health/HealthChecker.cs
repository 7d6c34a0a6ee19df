using System.Globalization;
using EfsDr.Core.Configuration;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;

namespace EfsDr.Core.Health;

/// <summary>
/// The scheduled health check: reads the protected file system in every region of the cluster, its replication,
/// mount targets, nodes, EfsDr's SSM document and the DNS record, and reports findings. It changes nothing, and a
/// region it cannot read becomes a finding, never an exception.
/// </summary>
public sealed partial class HealthChecker(
    ClusterConfiguration configuration,
    IFileSystems fileSystems,
    IReplications replications,
    INodeCommands nodes,
    IInstances instances,
    IDnsRecords dns,
    TimeProvider time,
    HealthCheckOptions? options = null)
{
    private readonly HealthCheckOptions _options = options ?? new HealthCheckOptions();

    /// <summary>Runs every check.</summary>
    public async Task<HealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var name = configuration.FileSystem.Name;
        var findings = new List<HealthFinding>();
        void Add(string id, FindingSeverity severity, string message, string remedy = "") => findings.Add(new HealthFinding(id, severity, message, remedy));

        // 1. Every file system with the Name, per region, and the replications they take part in.
        var byRegion = new Dictionary<string, IReadOnlyList<FileSystem>>(StringComparer.Ordinal);
        var unreadable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var region in configuration.Regions)
        {
            var found = await TryAsync(region, $"find '{name}'", findings, () => fileSystems.FindByNameAsync(region, name, cancellationToken)).ConfigureAwait(false);
            if (found is null)
            {
                unreadable.Add(region);
                continue;
            }

            byRegion[region] = found;
            if (found.Count > 1)
            {
                Add(HealthFindingIds.NameDuplicate, FindingSeverity.Critical,
                    $"{found.Count} file systems in {region} have the Name '{name}': {string.Join(", ", found.Select(f => $"{f.FileSystemId} ({Upper(f.Protection)})"))}; a failover to {region} refuses to choose.",
                    "Rename or delete every copy but the one EfsDr should use, so that exactly one has the Name.");
            }
        }

        var all = byRegion.Values.SelectMany(f => f).ToList();
        var sides = new List<ReplicationSide>();
        foreach (var fs in all)
        {
            sides.Add(new ReplicationSide(fs, await TryAsync(fs.Region, $"describe replications of {fs.FileSystemId}", findings, () => DescribeOrNoneAsync(fs.Region, fs.FileSystemId, cancellationToken)).ConfigureAwait(false)));
        }

        // A configuration that only its source's region still lists (orphaned) replicates nothing: a finding, not the replication.
        var pairing = await PairSidesAsync(sides, unreadable, findings, cancellationToken).ConfigureAwait(false);
        var (configs, replicated) = Collect(sides, pairing.Orphaned);

        // 2. Tell the primary (and the replica) apart.
        var config = configs.FirstOrDefault(c => all.Any(f => f.FileSystemId == c.SourceFileSystemId)) ?? configs.FirstOrDefault();
        FileSystem? primary = config is null
            ? PrimaryByEpoch(all.Where(f => !replicated.Contains(f.FileSystemId)).ToList())
            : all.FirstOrDefault(f => f.FileSystemId == config.SourceFileSystemId);
        var destination = config is null ? null : FirstDestination(config);
        FileSystem? replica = destination is null ? null : all.FirstOrDefault(f => f.FileSystemId == destination.FileSystemId);
        var primaryRegion = primary?.Region ?? config?.SourceFileSystemRegion;
        var primaryId = primary?.FileSystemId ?? config?.SourceFileSystemId;

        foreach (var region in configuration.Regions.Where(byRegion.ContainsKey))
        {
            if (byRegion[region].Count > 0)
            {
                continue;
            }

            if (destination is not null && string.Equals(destination.Region, region, StringComparison.Ordinal))
            {
                Add(HealthFindingIds.ReplicaUntagged, FindingSeverity.Critical,
                    $"The replica {destination.FileSystemId} in {region} does not carry the Name '{name}', so a failover to {region} cannot find it.",
                    $"Tag {destination.FileSystemId} in {region} with Name={name}.");
            }
            else
            {
                Add(HealthFindingIds.NameMissing, FindingSeverity.Critical,
                    $"No file system in {region} has the Name '{name}'; the servers there have nothing to fail over to.",
                    $"Replicate the primary to {region} and tag the replica Name={name}.");
            }
        }

        if (primary is null && config is null && all.Count > 0 && unreadable.Count == 0)
        {
            Add(HealthFindingIds.PrimaryUnknown, FindingSeverity.Critical,
                $"Several writable file systems named '{name}' and none is a replication source or has the highest {EfsDrTags.Epoch}: {string.Join(", ", all.Select(f => $"{f.FileSystemId} ({f.Region})"))}.",
                "Decide which copy holds the current data, tag it efsdr:role=primary with the highest epoch, and re-protect from it.");
        }

        // Split brain: a second writable, unreplicated file system with the Name.
        foreach (var stale in all.Where(f => f.Protection == OverwriteProtection.Enabled && !replicated.Contains(f.FileSystemId) && f.FileSystemId != primaryId))
        {
            Add(HealthFindingIds.StalePrimary, FindingSeverity.Critical,
                $"{stale.FileSystemId} in {stale.Region} is writable, takes part in no live replication and has the Name '{name}' (epoch {EfsDrTags.EpochOf(stale.Tags).ToString(CultureInfo.InvariantCulture)}), besides the primary {primaryId ?? "?"}: a stale ex-primary, a split-brain risk.",
                $"It is an unfenced ex-primary: run `efsdr fence` as soon as {stale.Region} answers (it did for this check), so that nothing mounts or writes it; then reprotect from {primaryId ?? "the primary"} (replicate it onto this copy), or delete it.");
        }

        // 3. Replication status and lag.
        string? status = null;
        double? lag = null;
        var healthy = false;
        if (config is null || destination is null)
        {
            if (unreadable.Count == 0 || primary is not null)
            {
                status = "NONE";
                Add(HealthFindingIds.ReplicationMissing, FindingSeverity.Critical,
                    $"{primaryId ?? "The file system"} ('{name}'){(primaryRegion is null ? string.Empty : " in " + primaryRegion)} takes part in no replication: there is no DR copy.",
                    "Create a replication to the DR region (to the old primary with protection DISABLED, for a failback).");
            }
        }
        else
        {
            status = Upper(destination.Status);
            switch (destination.Status)
            {
                case Model.ReplicationStatus.Enabled:
                    break;
                case Model.ReplicationStatus.Enabling:
                case Model.ReplicationStatus.Deleting:
                    Add(HealthFindingIds.ReplicationStatus, FindingSeverity.Warning,
                        $"Replication {config.SourceFileSystemId} → {destination.FileSystemId} ({destination.Region}) is {status}.",
                        destination.Status == Model.ReplicationStatus.Enabling ? "Wait for the initial sync to finish." : "A deletion is under way (a failover?); re-protect once it is done.");
                    break;
                default:
                    Add(HealthFindingIds.ReplicationStatus, FindingSeverity.Critical,
                        $"Replication {config.SourceFileSystemId} → {destination.FileSystemId} ({destination.Region}) is {status}: {destination.StatusMessage ?? "no status message"}.",
                        destination.Status == Model.ReplicationStatus.Error
                            ? "Delete the replication and restore the failed file system from backup into a new one, then replicate again."
                            : "Fix the cause in the status message (region opt-in, permissions, KMS key); replication resumes by itself.");
                    break;
            }

            if (destination.LastReplicatedTimestamp is { } last)
            {
                lag = Math.Max(0, (now - last).TotalSeconds);
                if (lag > configuration.RpoSeconds)
                {
                    Add(HealthFindingIds.ReplicationLag, FindingSeverity.Critical,
                        $"The replica {destination.FileSystemId} was last synced {Seconds(lag.Value)} s ago ({last:O}), above the RPO of {configuration.RpoSeconds} s.",
                        "Look at the replication's status and the source's write load; a failover now loses the changes since the last sync.");
                }
            }
            else
            {
                Add(HealthFindingIds.ReplicationNeverSynced, destination.Status == Model.ReplicationStatus.Enabling ? FindingSeverity.Warning : FindingSeverity.Critical,
                    $"The replica {destination.FileSystemId} has never completed a sync; a failover to it is refused.",
                    "Wait for the initial sync; if it does not finish, look at the status message.");
            }

            healthy = destination.Status == Model.ReplicationStatus.Enabled && lag is { } l && l <= configuration.RpoSeconds && !pairing.Unverified.Contains(KeyOf(config));
            if (healthy)
            {
                Add(HealthFindingIds.ReplicationOk, FindingSeverity.Info,
                    $"Replication {config.SourceFileSystemId} ({config.SourceFileSystemRegion}) → {destination.FileSystemId} ({destination.Region}) is ENABLED, last synced {Seconds(lag!.Value)} s ago (RPO {configuration.RpoSeconds} s).");
            }
        }

        // 4. Protection and lifecycle, per role.
        if (primary is not null)
        {
            if (primary.Protection != OverwriteProtection.Enabled)
            {
                Add(HealthFindingIds.ProtectionSource, FindingSeverity.Critical,
                    $"The primary {primary.FileSystemId} in {primary.Region} has protection {Upper(primary.Protection)}, not ENABLED.",
                    $"Set its replication overwrite protection to ENABLED (PUT …/file-systems/{primary.FileSystemId}/protection).");
            }

            CheckAvailable(primary, Add);
        }

        if (replica is not null)
        {
            if (replica.Protection != OverwriteProtection.Replicating && destination?.Status != Model.ReplicationStatus.Deleting)
            {
                Add(HealthFindingIds.ProtectionReplica, FindingSeverity.Critical,
                    $"The replica {replica.FileSystemId} in {replica.Region} has protection {Upper(replica.Protection)}, not REPLICATING.",
                    "Look at the replication: a replica that is not REPLICATING may be written to and diverge.");
            }

            CheckAvailable(replica, Add);
        }

        // 5. Nodes: instance, mount target in its AZ, SSM ping; the document in each region.
        var drRegion = replica?.Region ?? destination?.Region;
        foreach (var server in configuration.Servers)
        {
            var isDr = drRegion is not null && !string.Equals(drRegion, primaryRegion, StringComparison.Ordinal) && string.Equals(server.Region, drRegion, StringComparison.Ordinal);
            await CheckServerAsync(server, isDr, primary, replica, findings, cancellationToken).ConfigureAwait(false);
        }

        if (_options.CheckDocument)
        {
            foreach (var region in configuration.Regions)
            {
                var exists = await TryAsync(region, $"describe document {_options.NodeDocument}", findings, async () => (bool?)await nodes.DocumentExistsAsync(region, _options.NodeDocument, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                if (exists == false)
                {
                    Add(HealthFindingIds.DocumentMissing, FindingSeverity.Critical,
                        $"EfsDr's SSM document '{_options.NodeDocument}' does not exist in {region}; ActivateNode would fail there.",
                        $"Deploy EfsDr's stack in {region} (template.yaml creates the document).");
                }
            }
        }

        // 6. DNS.
        await CheckDnsAsync(findings, cancellationToken).ConfigureAwait(false);

        var ordered = findings.OrderByDescending(f => f.Severity).ToList();
        return new HealthReport
        {
            CheckedAt = now,
            FileSystemName = name,
            PrimaryFileSystemId = primaryId,
            PrimaryRegion = primaryRegion,
            ReplicaFileSystemId = destination?.FileSystemId,
            ReplicaRegion = destination?.Region,
            ReplicationStatus = status,
            ReplicationLagSeconds = lag,
            RpoSeconds = configuration.RpoSeconds,
            ReplicationHealthy = healthy,
            DrReady = healthy && ordered.All(f => f.Severity != FindingSeverity.Critical),
            Findings = ordered,
        };
    }

    private static ReplicationDestination? FirstDestination(ReplicationConfiguration c) => c.Destinations.Count > 0 ? c.Destinations[0] : null;

    private static FileSystem? PrimaryByEpoch(List<FileSystem> writable)
    {
        if (writable.Count == 1)
        {
            return writable[0];
        }

        var top = writable.OrderByDescending(f => EfsDrTags.EpochOf(f.Tags)).Take(2).ToList();
        return top.Count == 2 && EfsDrTags.EpochOf(top[0].Tags) > EfsDrTags.EpochOf(top[1].Tags) ? top[0] : null;
    }

    private static void CheckAvailable(FileSystem fs, Action<string, FindingSeverity, string, string> add)
    {
        if (!fs.IsAvailable)
        {
            add(HealthFindingIds.FileSystemUnavailable, FindingSeverity.Critical,
                $"{fs.FileSystemId} in {fs.Region} is '{fs.LifeCycleState}', not available.",
                "Look at the file system in the EFS console.");
        }
    }

    private async Task CheckServerAsync(ServerSettings server, bool isDr, FileSystem? primary, FileSystem? replica, List<HealthFinding> findings, CancellationToken cancellationToken)
    {
        var region = server.Region;
        var severity = isDr ? FindingSeverity.Critical : FindingSeverity.Warning;
        var role = isDr ? "the DR node " : string.Empty;
        InstanceInfo? instance;
        try
        {
            instance = await TryAsync(region, $"describe {server.InstanceId}", findings, () => instances.DescribeAsync(region, server.InstanceId, cancellationToken)).ConfigureAwait(false);
        }
        catch (InstanceNotFoundException)
        {
            instance = null;
            findings.Add(new HealthFinding(HealthFindingIds.InstanceNotRunning, severity, $"{role}{server.Name}'s instance {server.InstanceId} does not exist in {region}.", "Correct the configuration's instanceId, or replace the node."));
        }

        if (instance is not null && !string.Equals(instance.State, "running", StringComparison.Ordinal))
        {
            findings.Add(new HealthFinding(HealthFindingIds.InstanceNotRunning, severity, $"{role}{server.Name} ({server.InstanceId}) is '{instance.State}', not running.", $"Start {server.InstanceId}."));
        }

        var ping = await TryAsync(region, $"ping of {server.InstanceId}", findings, async () => (PingStatus?)await nodes.GetPingStatusAsync(region, server.InstanceId, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        if (ping is { } p && p != PingStatus.Online)
        {
            findings.Add(new HealthFinding(HealthFindingIds.NodeOffline, severity, $"{role}{server.Name} ({server.InstanceId}) is {p} in SSM, not Online; EfsDr cannot activate it.", "Check that the instance runs, the SSM agent is up, and it reaches the SSM endpoints."));
        }

        var fs = primary is not null && string.Equals(primary.Region, region, StringComparison.Ordinal) ? primary
            : replica is not null && string.Equals(replica.Region, region, StringComparison.Ordinal) ? replica
            : null;
        if (fs is null || instance is null)
        {
            return;
        }

        var targets = await TryAsync(region, $"mount targets of {fs.FileSystemId}", findings, () => fileSystems.DescribeMountTargetsAsync(region, fs.FileSystemId, cancellationToken)).ConfigureAwait(false);
        if (targets is not null && !targets.Any(t => t.IsAvailable && string.Equals(t.AvailabilityZoneName, instance.AvailabilityZone, StringComparison.Ordinal)))
        {
            findings.Add(new HealthFinding(HealthFindingIds.MountTargetMissing, FindingSeverity.Critical,
                $"{fs.FileSystemId} has no available mount target in {instance.AvailabilityZone}, where {server.Name} runs (it has: {(targets.Count == 0 ? "none" : string.Join(", ", targets.Select(t => $"{t.AvailabilityZoneName}={t.LifeCycleState}")))}).",
                $"Create a mount target for {fs.FileSystemId} in {server.Name}'s subnet in {instance.AvailabilityZone} (replicas get none by themselves)."));
        }
    }

    private async Task CheckDnsAsync(List<HealthFinding> findings, CancellationToken cancellationToken)
    {
        var settings = configuration.Dns;
        var record = await TryAsync("route53", $"read {settings.RecordName}", findings, async () => new Box<DnsRecord?>(await dns.GetRecordAsync(settings.HostedZoneId, settings.RecordName, "A", cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);
        if (record is null)
        {
            return;
        }

        if (record.Value is not { } r)
        {
            findings.Add(new HealthFinding(HealthFindingIds.DnsMissing, FindingSeverity.Critical,
                $"The A record {settings.RecordName} does not exist in zone {settings.HostedZoneId}; clients cannot reach the cluster.",
                "Create it pointing at the active server's private IP with the configured TTL."));
            return;
        }

        var active = configuration.Servers.Where(s => r.Values.Contains(s.PrivateIp, StringComparer.Ordinal)).ToList();
        if (active.Count == 0 || r.Values.Count != 1)
        {
            findings.Add(new HealthFinding(HealthFindingIds.DnsForeign, FindingSeverity.Critical,
                $"The A record {settings.RecordName} holds {string.Join(", ", r.Values)}, {(active.Count == 0 ? "no server of the cluster" : "more than one value")}.",
                "UPSERT it to the active server's private IP (efsdr failover does this)."));
        }
        else
        {
            findings.Add(new HealthFinding(HealthFindingIds.DnsActive, FindingSeverity.Info, $"{settings.RecordName} points at {active[0].Name} ({active[0].PrivateIp}, {active[0].Region}).", string.Empty));
        }

        if (r.Ttl != settings.Ttl)
        {
            findings.Add(new HealthFinding(HealthFindingIds.DnsTtl, FindingSeverity.Warning,
                $"The A record {settings.RecordName} has TTL {r.Ttl?.ToString(CultureInfo.InvariantCulture) ?? "none"}, not the configured {settings.Ttl.ToString(CultureInfo.InvariantCulture)} (a failover that stopped after LowerDnsTtl?).",
                $"Set its TTL back to {settings.Ttl.ToString(CultureInfo.InvariantCulture)}."));
        }
    }

    /// <summary>Runs one read; an AWS failure becomes a finding and null.</summary>
    private static async Task<T?> TryAsync<T>(string where, string what, List<HealthFinding> findings, Func<Task<T>> read)
        where T : class
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (AwsServiceException ex) when (ex is AwsUnreachableException or AwsTransientException)
        {
            findings.Add(new HealthFinding(HealthFindingIds.RegionUnreachable, FindingSeverity.Critical,
                $"{where} could not be reached to {what} ({ex.ErrorCode}); what lives there was not checked.",
                "Check the region's service health and the network path; the check repeats on its schedule."));
            return null;
        }
        catch (AwsServiceException ex) when (ex is not AwsNotFoundException)
        {
            findings.Add(new HealthFinding(HealthFindingIds.CheckFailed, FindingSeverity.Critical,
                $"{where}: could not {what}: {ex.ErrorCode}: {ex.Details.Message}",
                "Check the health check's IAM permissions and the configuration."));
            return null;
        }
    }

    private static async Task<T?> TryAsync<T>(string where, string what, List<HealthFinding> findings, Func<Task<T?>> read)
        where T : struct =>
        (await TryAsync(where, what, findings, async () => new Box<T?>(await read().ConfigureAwait(false))).ConfigureAwait(false))?.Value;

    private static string Upper<T>(T value)
        where T : struct, Enum => value.ToString().ToUpperInvariant();

    private static string Seconds(double seconds) => Math.Round(seconds).ToString(CultureInfo.InvariantCulture);

    private sealed record Box<T>(T Value);
}
