using System.Globalization;
using EfsDr.Core.Configuration;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;

namespace EfsDr.Core.Failover;

/// <summary>
/// Plan: validates the request, finds the protected file system by its exact Name in the target region, decides
/// promote / none, refuses a stale ex-primary, and runs the pre-flight checks. It changes nothing.
/// </summary>
public sealed class FailoverPlanner(
    ClusterConfiguration configuration,
    IFileSystems fileSystems,
    IReplications replications,
    INodeCommands nodes,
    IInstances instances,
    TimeProvider time)
{
    /// <summary>Makes the plan for <paramref name="request"/>; <paramref name="runId"/> is the execution name.</summary>
    /// <exception cref="InvalidInputException">A field of the request is wrong.</exception>
    public async Task<FailoverPlan> PlanAsync(FailoverRequest request, string runId, CancellationToken cancellationToken)
    {
        var server = Validate(request);
        var region = server.Region;
        var name = configuration.FileSystem.Name;
        var now = time.GetUtcNow();
        var warnings = new List<string>();

        var candidates = await fileSystems.FindByNameAsync(region, name, cancellationToken).ConfigureAwait(false);
        var fs = candidates.Count switch
        {
            0 => throw new FileSystemNameNotFoundException(name, region),
            1 => candidates[0],
            _ => throw new AmbiguousFileSystemNameException(name, region, candidates.Select(c => c.FileSystemId)),
        };
        if (!fs.IsAvailable)
        {
            throw new FileSystemUnavailableException($"File system {fs.FileSystemId} ('{name}') in {region} is '{fs.LifeCycleState}', not available.");
        }

        var others = await OtherRegionsAsync(region, name, warnings, cancellationToken).ConfigureAwait(false);
        var highestEpoch = others.Select(o => EfsDrTags.EpochOf(o.Tags)).Append(EfsDrTags.EpochOf(fs.Tags)).Max();

        var replication = await ReplicationOfAsync(region, fs.FileSystemId, cancellationToken).ConfigureAwait(false);
        var plan = new FailoverPlan
        {
            RunId = runId,
            PlannedAt = now,
            TargetServer = server.Name,
            TargetRegion = region,
            TargetInstanceId = server.InstanceId,
            TargetIp = server.PrivateIp,
            FileSystemId = fs.FileSystemId,
            FileSystemName = name,
            DryRun = request.DryRun,
            Reason = request.Reason,
            NextEpoch = highestEpoch + 1,
            MountPoint = configuration.FileSystem.MountPoint,
            MountMethod = configuration.FileSystem.MountMethod,
            Unit = configuration.Application.Unit,
            HealthUrl = configuration.Application.HealthUrl,
            Dns = configuration.Dns,
            Waits = configuration.Poll,
            Budgets = configuration.Budgets,
        };

        if (replication is { } config && string.Equals(config.Destination.FileSystemId, fs.FileSystemId, StringComparison.Ordinal))
        {
            var destination = config.Destination;
            if (destination.LastReplicatedTimestamp is null)
            {
                throw new ReplicaNotSyncedException($"File system {fs.FileSystemId} in {region} is a replica of {config.SourceFileSystemId} ({config.SourceFileSystemRegion}) that has never completed a sync (status {destination.Status}); promoting it would expose an incomplete copy.");
            }

            if (destination.Status is ReplicationStatus.Error or ReplicationStatus.Paused or ReplicationStatus.Pausing)
            {
                warnings.Add($"replication is {destination.Status.ToString().ToUpperInvariant()}: {destination.StatusMessage ?? "no status message"}");
            }

            var crossRegion = !string.Equals(config.SourceFileSystemRegion, region, StringComparison.Ordinal);
            plan = plan with
            {
                Action = PlanAction.Promote,
                Decision = $"{fs.FileSystemId} is a replica of {config.SourceFileSystemId} in {config.SourceFileSystemRegion} (status {destination.Status.ToString().ToUpperInvariant()}): delete the replication to make it writable",
                SourceFileSystemId = config.SourceFileSystemId,
                SourceRegion = config.SourceFileSystemRegion,
                ReplicationStatus = destination.Status.ToString().ToUpperInvariant(),
                LocalConfigurationOnly = request.SourceRegionUnavailable && crossRegion,
                LastReplicatedTimestamp = destination.LastReplicatedTimestamp,
                DataLossWindowSeconds = Math.Max(0, (now - destination.LastReplicatedTimestamp.Value).TotalSeconds),
            };
            if (request.SourceRegionUnavailable && !crossRegion)
            {
                warnings.Add("sourceRegionUnavailable ignored: the source is in the same region, where LOCAL_CONFIGURATION_ONLY is not allowed");
            }
        }
        else if (replication is { } source)
        {
            plan = plan with
            {
                Action = PlanAction.None,
                Decision = $"{fs.FileSystemId} is the replication source (to {source.Destination.FileSystemId} in {source.Destination.Region}); it stays writable and replication stays {source.Destination.Status.ToString().ToUpperInvariant()}",
                DataLossWindowSeconds = 0,
            };
        }
        else if (fs.Tags.TryGetValue(EfsDrTags.Role, out var role) && role == EfsDrTags.Promoting && fs.Tags.TryGetValue(EfsDrTags.PromotedFrom, out var from))
        {
            // An earlier run deleted the replication and stopped before CheckPromotion tagged the result: finish it.
            CheckNotStale(fs, others);
            plan = plan with
            {
                Action = PlanAction.Promote,
                Decision = $"{fs.FileSystemId} was being promoted (from {from}) by run {fs.Tags.GetValueOrDefault(EfsDrTags.Run, "?")}, which stopped after the delete: finish the promotion",
                SourceFileSystemId = from,
                SourceRegion = configuration.Regions.FirstOrDefault(r => !string.Equals(r, region, StringComparison.Ordinal)) ?? region,
                ReplicationStatus = "gone",
                NextEpoch = Math.Max(EfsDrTags.EpochOf(fs.Tags), 1),
                DataLossWindowSeconds = null,
            };
            warnings.Add("the data-loss window of the interrupted promotion is unknown now; see the first run's plan");
        }
        else
        {
            plan = plan with
            {
                Action = PlanAction.None,
                Decision = AcceptStandalone(fs, others, warnings),
                DataLossWindowSeconds = 0,
            };
        }

        var preflight = await PreflightAsync(plan, request.DryRun, cancellationToken).ConfigureAwait(false);
        return plan with { TargetAvailabilityZone = preflight.Zone, Preflight = preflight.Results, Warnings = warnings };
    }

    private ServerSettings Validate(FailoverRequest request)
    {
        var errors = new List<FieldError>();
        ServerSettings? server = null;
        if (string.IsNullOrWhiteSpace(request.TargetServer))
        {
            errors.Add(new FieldError("targetServer", "is required"));
        }
        else if (!Patterns.ServerName().IsMatch(request.TargetServer))
        {
            errors.Add(new FieldError("targetServer", $"'{Printable(request.TargetServer)}' is not a server name"));
        }
        else if ((server = configuration.Server(request.TargetServer)) is null)
        {
            errors.Add(new FieldError("targetServer", $"'{request.TargetServer}' is not a server of the cluster ({string.Join(", ", configuration.Servers.Select(s => s.Name))})"));
        }

        if (request.Reason is { } reason && (reason.Length > 256 || reason.Any(char.IsControl)))
        {
            errors.Add(new FieldError("reason", "must be at most 256 characters without control characters"));
        }

        return errors.Count == 0 ? server! : throw new InvalidInputException(errors);
    }

    private static string Printable(string value) => new([.. value.Take(64).Select(c => char.IsControl(c) ? '?' : c)]);

    private async Task<ReplicationConfiguration?> ReplicationOfAsync(string region, string fileSystemId, CancellationToken cancellationToken)
    {
        try
        {
            var all = await replications.DescribeReplicationsAsync(region, fileSystemId, cancellationToken).ConfigureAwait(false);
            return all.FirstOrDefault(r => r.Destinations.Any(d => d.FileSystemId == fileSystemId))
                ?? all.FirstOrDefault(r => r.SourceFileSystemId == fileSystemId);
        }
        catch (ReplicationNotFoundException)
        {
            return null;
        }
    }

    private async Task<List<FileSystem>> OtherRegionsAsync(string region, string name, List<string> warnings, CancellationToken cancellationToken)
    {
        var found = new List<FileSystem>();
        foreach (var other in configuration.Regions.Where(r => !string.Equals(r, region, StringComparison.Ordinal)))
        {
            try
            {
                found.AddRange(await fileSystems.FindByNameAsync(other, name, cancellationToken).ConfigureAwait(false));
            }
            catch (AwsServiceException ex) when (ex is AwsUnreachableException or AwsTransientException)
            {
                warnings.Add($"{other} could not be read ({ex.ErrorCode}); epochs there were not compared");
            }
        }

        return found;
    }

    private static string AcceptStandalone(FileSystem fs, List<FileSystem> others, List<string> warnings)
    {
        if (!EfsDrTags.PromotedByEfsDr(fs.Tags))
        {
            throw new StaleFileSystemException(
                $"{fs.FileSystemId} in {fs.Region} takes part in no replication and was not promoted by EfsDr (no {EfsDrTags.Role} tag): " +
                "it may be a stale ex-primary. Refusing to mount it. If it really holds the current data, tag it " +
                $"{EfsDrTags.Role}=primary and {EfsDrTags.Epoch}=<a number above every other copy's>.");
        }

        CheckNotStale(fs, others);
        var epoch = EfsDrTags.EpochOf(fs.Tags);

        if (fs.Protection == OverwriteProtection.Replicating)
        {
            warnings.Add($"{fs.FileSystemId} reports protection REPLICATING without a replication configuration");
        }

        return $"{fs.FileSystemId} was promoted by EfsDr (epoch {epoch.ToString(CultureInfo.InvariantCulture)}) and takes part in no replication: mount it as it is";
    }

    private static void CheckNotStale(FileSystem fs, List<FileSystem> others)
    {
        var epoch = EfsDrTags.EpochOf(fs.Tags);
        var newer = others.FirstOrDefault(o => EfsDrTags.EpochOf(o.Tags) > epoch);
        if (newer is not null)
        {
            throw new StaleFileSystemException(
                $"{fs.FileSystemId} in {fs.Region} has epoch {epoch}, but {newer.FileSystemId} in {newer.Region} has epoch {EfsDrTags.EpochOf(newer.Tags)}: " +
                "this copy is a stale ex-primary. Re-protect from the newer copy before failing over here.");
        }
    }

    private async Task<(string Zone, IReadOnlyList<string> Results)> PreflightAsync(FailoverPlan plan, bool dryRun, CancellationToken cancellationToken)
    {
        var results = new List<string>();
        var zone = string.Empty;
        void Fail(EfsDrException error)
        {
            results.Add("FAILED " + error.Message);
            if (!dryRun)
            {
                throw error;
            }
        }

        var instance = await instances.DescribeAsync(plan.TargetRegion, plan.TargetInstanceId, cancellationToken).ConfigureAwait(false);
        zone = instance.AvailabilityZone;
        if (!string.Equals(instance.State, "running", StringComparison.Ordinal))
        {
            Fail(new TargetNodeOfflineException($"{plan.TargetServer} ({plan.TargetInstanceId}) is '{instance.State}', not running; nothing was changed."));
        }
        else
        {
            results.Add($"instance: {plan.TargetInstanceId} running in {zone}");
        }

        if (instance.PrivateIpAddress is { } ip && !string.Equals(ip, plan.TargetIp, StringComparison.Ordinal))
        {
            results.Add($"note: instance private IP {ip} differs from the configured {plan.TargetIp}; DNS will use the configured address");
        }

        var ping = await nodes.GetPingStatusAsync(plan.TargetRegion, plan.TargetInstanceId, cancellationToken).ConfigureAwait(false);
        if (ping != PingStatus.Online)
        {
            Fail(new TargetNodeOfflineException($"{plan.TargetServer} ({plan.TargetInstanceId}) is {ping} in SSM, not Online; nothing was changed."));
        }
        else
        {
            results.Add("ssm: Online");
        }

        var targets = await fileSystems.DescribeMountTargetsAsync(plan.TargetRegion, plan.FileSystemId, cancellationToken).ConfigureAwait(false);
        var local = targets.FirstOrDefault(t => t.IsAvailable && string.Equals(t.AvailabilityZoneName, zone, StringComparison.Ordinal));
        if (local is null)
        {
            Fail(new MountTargetUnavailableException(
                $"{plan.FileSystemId} has no available mount target in {zone} (it has: {(targets.Count == 0 ? "none" : string.Join(", ", targets.Select(t => $"{t.AvailabilityZoneName}={t.LifeCycleState}")))}); create it before failing over; nothing was changed."));
        }
        else
        {
            results.Add($"mount target: {local.MountTargetId} available in {zone}");
        }

        return (zone, results);
    }
}
