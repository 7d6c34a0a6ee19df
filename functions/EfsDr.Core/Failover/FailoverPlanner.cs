using System.Globalization;
using EfsDr.Core.Configuration;
using EfsDr.Core.Deadlines;
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
    INodeAgent nodes,
    IInstances instances,
    TimeProvider time)
{
    /// <summary>The most one read of another region may take (all attempts); an unanswered region then counts as unreadable.</summary>
    public static readonly TimeSpan OtherRegionBudget = TimeSpan.FromSeconds(15);

    /// <summary>Makes the plan for <paramref name="request"/>; <paramref name="runId"/> is the execution name.</summary>
    /// <exception cref="InvalidInputException">A field of the request is wrong.</exception>
    /// <exception cref="StaleFileSystemException">Another copy has a higher epoch, or the candidate is the source of a
    /// replication whose destination is gone, promoted or orphaned, or the candidate is read-only.</exception>
    /// <exception cref="EpochsUnverifiedException">A region could not be read and the candidate is not a replica.</exception>
    /// <exception cref="PlannedFailoverUnavailableException">Planned, but replication is not ENABLED or the source is declared down.</exception>
    /// <exception cref="PlannedFailoverSourceDownException">Planned, but the source region does not answer.</exception>
    /// <exception cref="PlannedFailoverNotReplicaException">Planned, but the target is not a replica.</exception>
    public async Task<FailoverPlan> PlanAsync(FailoverRequest request, string runId, CancellationToken cancellationToken) =>
        await PlanAsync(request, runId, string.Empty, cancellationToken).ConfigureAwait(false);

    /// <summary>Makes the plan; <paramref name="executionArn"/> is the execution that will own the run lock.</summary>
    public async Task<FailoverPlan> PlanAsync(FailoverRequest request, string runId, string executionArn, CancellationToken cancellationToken)
    {
        var server = Validate(request);
        var fs = await FindCandidateAsync(server.Region, cancellationToken).ConfigureAwait(false);
        var warnings = new List<string>();
        var survey = await SurveyAsync(fs, request, cancellationToken).ConfigureAwait(false);
        if (request.Planned)
        {
            CheckPlanned(fs, survey, request);
        }

        var plan = BasePlan(request, runId, executionArn, server, fs, survey);
        plan = survey.Replication is { } config && string.Equals(config.Destination.FileSystemId, fs.FileSystemId, StringComparison.Ordinal)
            ? PlanPromotion(plan, fs, config, survey, request, warnings)
            : PlanWritable(plan, fs, survey, request, warnings);

        warnings.AddRange(survey.Unreadable.Select(u => $"{u}; epochs there were not compared"));
        var preflight = await PreflightAsync(plan, request.DryRun, cancellationToken).ConfigureAwait(false);
        return plan with
        {
            TargetAvailabilityZone = preflight.Zone,
            Preflight = preflight.Results,
            Warnings = warnings,
            UnreadableRegions = survey.Unreadable,
        };
    }

    private async Task<FileSystem> FindCandidateAsync(string region, CancellationToken cancellationToken)
    {
        var name = configuration.FileSystem.Name;
        var candidates = await fileSystems.FindByNameAsync(region, name, cancellationToken).ConfigureAwait(false);
        var fs = candidates.Count switch
        {
            0 => throw new FileSystemNameNotFoundException(name, region),
            1 => candidates[0],
            _ => throw new AmbiguousFileSystemNameException(name, region, candidates.Select(c => c.FileSystemId)),
        };
        return fs.IsAvailable
            ? fs
            : throw new FileSystemUnavailableException($"File system {fs.FileSystemId} ('{name}') in {region} is '{fs.LifeCycleState}', not available.");
    }

    private FailoverPlan BasePlan(FailoverRequest request, string runId, string executionArn, ServerSettings server, FileSystem fs, Survey survey) => new()
    {
        RunId = runId,
        ExecutionArn = executionArn,
        PlannedAt = time.GetUtcNow(),
        TargetServer = server.Name,
        TargetRegion = server.Region,
        TargetInstanceId = server.InstanceId,
        TargetIp = server.PrivateIp,
        FileSystemId = fs.FileSystemId,
        FileSystemName = configuration.FileSystem.Name,
        Regions = configuration.Regions,
        DryRun = request.DryRun,
        Reason = request.Reason,
        SourceRegionDeclaredDown = request.SourceRegionUnavailable,
        Planned = request.Planned,
        NextEpoch = survey.Copies.Select(o => EfsDrTags.EpochOf(o.Tags)).Append(EfsDrTags.EpochOf(fs.Tags)).Max() + 1,
        MountPoint = configuration.FileSystem.MountPoint,
        MountMethod = configuration.FileSystem.MountMethod,
        Unit = configuration.Application.Unit,
        HealthUrl = configuration.Application.HealthUrl,
        Dns = configuration.Dns with { RecordName = DnsName.Canonical(configuration.Dns.RecordName) },
        Waits = configuration.Poll,
        Budgets = configuration.Budgets,
    };

    /// <summary>The candidate is a replica: promote it, unless a copy other than its own source is newer than that source.</summary>
    private static FailoverPlan PlanPromotion(FailoverPlan plan, FileSystem fs, ReplicationConfiguration config, Survey survey, FailoverRequest request, List<string> warnings)
    {
        var destination = config.Destination;
        var region = fs.Region;
        if (destination.LastReplicatedTimestamp is null)
        {
            throw new ReplicaNotSyncedException($"File system {fs.FileSystemId} in {region} is a replica of {config.SourceFileSystemId} ({config.SourceFileSystemRegion}) that has never completed a sync (status {destination.Status}); promoting it would expose an incomplete copy.");
        }

        // A replica carries its source's data, so it is as current as its source: compare the others with that.
        var source = survey.Copies.FirstOrDefault(c => string.Equals(c.FileSystemId, config.SourceFileSystemId, StringComparison.Ordinal));
        var effective = Math.Max(EfsDrTags.EpochOf(fs.Tags), source is null ? 0 : EfsDrTags.EpochOf(source.Tags));
        CheckNoNewerCopy(fs, effective, survey.Copies.Where(c => !ReferenceEquals(c, source)), $"(a replica of {config.SourceFileSystemId}, epoch {effective})");

        if (destination.Status is ReplicationStatus.Error or ReplicationStatus.Paused or ReplicationStatus.Pausing)
        {
            warnings.Add($"replication is {destination.Status.ToString().ToUpperInvariant()}: {destination.StatusMessage ?? "no status message"}");
        }

        var crossRegion = !string.Equals(config.SourceFileSystemRegion, region, StringComparison.Ordinal);
        if (request.SourceRegionUnavailable && !crossRegion)
        {
            warnings.Add("sourceRegionUnavailable ignored: the source is in the same region, where LOCAL_CONFIGURATION_ONLY is not allowed");
        }

        return plan with
        {
            Action = PlanAction.Promote,
            Decision = $"{fs.FileSystemId} is a replica of {config.SourceFileSystemId} in {config.SourceFileSystemRegion} (status {destination.Status.ToString().ToUpperInvariant()}): delete the replication to make it writable",
            SourceFileSystemId = config.SourceFileSystemId,
            SourceRegion = config.SourceFileSystemRegion,
            ReplicationStatus = StateStatuses.From(destination.Status),
            LocalConfigurationOnly = crossRegion && (request.SourceRegionUnavailable || survey.IsUnreadable(config.SourceFileSystemRegion)),
            FenceExPrimary = crossRegion,
            SourceRegionDown = request.SourceRegionUnavailable || survey.IsUnreadable(config.SourceFileSystemRegion),
            LastReplicatedTimestamp = destination.LastReplicatedTimestamp,
            DataLossWindowSeconds = Math.Max(0, (plan.PlannedAt - destination.LastReplicatedTimestamp.Value).TotalSeconds),
            NextEpoch = Math.Max(plan.NextEpoch, effective + 1),
        };
    }

    /// <summary>The candidate is not a replica: it is mounted as it is, so it must be the newest copy, provably.</summary>
    private FailoverPlan PlanWritable(FailoverPlan plan, FileSystem fs, Survey survey, FailoverRequest request, List<string> warnings)
    {
        if (fs.Protection == OverwriteProtection.Disabled)
        {
            throw new StaleFileSystemException(
                $"{fs.FileSystemId} in {fs.Region} is read-only (replication overwrite protection DISABLED{FencedBy(fs)}): it was fenced as an ex-primary or prepared as a replication destination. " +
                "Refusing to mount it. Reprotect from the current primary (efsdr reprotect) and fail over to it with a planned failover.");
        }

        var epoch = EfsDrTags.EpochOf(fs.Tags);
        CheckNoNewerCopy(fs, epoch, survey.Copies, $"(epoch {epoch})");
        var (action, decision) = survey.Replication is { } source
            ? DecideForSource(fs, source, survey)
            : fs.Tags.TryGetValue(EfsDrTags.Role, out var role) && role == EfsDrTags.Promoting && fs.Tags.TryGetValue(EfsDrTags.PromotedFrom, out var from)
                ? (PlanAction.Promote, $"{fs.FileSystemId} was being promoted (from {from}) by run {fs.Tags.GetValueOrDefault(EfsDrTags.Run, "?")}, which stopped after the delete: finish the promotion")
                : (PlanAction.None, AcceptStandalone(fs, warnings));

        var risks = UnverifiedRisks(fs, survey, request);
        warnings.AddRange(risks.Select(r => "accepted risk: " + r));
        plan = plan with { Action = action, Decision = decision, DataLossWindowSeconds = 0, AcceptedRisks = risks };
        if (action != PlanAction.Promote)
        {
            return plan;
        }

        // An earlier run deleted the replication and stopped before CheckPromotion tagged the result: finish it.
        warnings.Add("the data-loss window of the interrupted promotion is unknown now; see the first run's plan");
        var sourceRegion = configuration.Regions.FirstOrDefault(r => !string.Equals(r, fs.Region, StringComparison.Ordinal)) ?? fs.Region;
        return plan with
        {
            SourceFileSystemId = fs.Tags[EfsDrTags.PromotedFrom],
            SourceRegion = sourceRegion,
            FenceExPrimary = !string.Equals(sourceRegion, fs.Region, StringComparison.Ordinal),
            SourceRegionDown = request.SourceRegionUnavailable || survey.IsUnreadable(sourceRegion),
            ReplicationStatus = ReplicaStatus.Gone,
            NextEpoch = Math.Max(epoch, 1),
            DataLossWindowSeconds = null,
        };
    }

    /// <summary>The candidate is a replication source: it stays writable only while its destination is still its replica.</summary>
    private static (PlanAction Action, string Decision) DecideForSource(FileSystem fs, ReplicationConfiguration source, Survey survey)
    {
        var destination = source.Destination;
        var where = $"{destination.FileSystemId} in {destination.Region}";
        var refuse = $"{fs.FileSystemId} in {fs.Region} (epoch {EfsDrTags.EpochOf(fs.Tags)}) still holds a replication configuration to {where}, but ";
        const string Remedy = " This copy is a stale ex-primary: writes made since then live on the other copy. Refusing to mount it; reprotect from the current primary (efsdr reprotect), which also removes this orphaned configuration.";
        if (survey.IsUnreadable(destination.Region))
        {
            // The caller (UnverifiedRisks) refuses unless the operator accepted the risk.
            return (PlanAction.None, $"{fs.FileSystemId} is the replication source (to {where}, which could not be read); it stays writable");
        }

        if (survey.Partner is not { } partner)
        {
            throw new StaleFileSystemException(refuse + "that destination no longer exists." + Remedy);
        }

        if (partner.Protection != OverwriteProtection.Replicating || !survey.PartnerReplicates)
        {
            throw new StaleFileSystemException(
                refuse + $"the destination is no longer its replica (protection {partner.Protection.ToString().ToUpperInvariant()}, epoch {EfsDrTags.EpochOf(partner.Tags)}, " +
                $"{(survey.PartnerReplicates ? "configuration present" : "no replication configuration in " + destination.Region)}): it was promoted, and this configuration is an orphan." + Remedy);
        }

        return (PlanAction.None, $"{fs.FileSystemId} is the replication source (to {where}); it stays writable and replication stays {destination.Status.ToString().ToUpperInvariant()}");
    }

    /// <summary>The risks of regions that could not be read, when the candidate is not a replica: refused unless accepted.</summary>
    private static List<string> UnverifiedRisks(FileSystem fs, Survey survey, FailoverRequest request)
    {
        if (survey.Unreadable.Count == 0)
        {
            return [];
        }

        var risks = survey.Unreadable
            .Select(u => $"{u}: a copy there with a higher epoch than {fs.FileSystemId}'s ({EfsDrTags.EpochOf(fs.Tags)}) cannot be ruled out; if one exists, every write made on it would be abandoned")
            .ToList();
        if (!request.AcceptUnverifiedEpochs)
        {
            throw new EpochsUnverifiedException(
                $"Refusing to mount {fs.FileSystemId} in {fs.Region}: it is not a replica, and {string.Join("; ", survey.Unreadable)} could not be read, so a newer copy there cannot be ruled out. " +
                "Retry when the region answers, or accept the risk explicitly (efsdr failover --accept-unverified-epochs; input acceptUnverifiedEpochs: true). Nothing was changed.");
        }

        return risks;
    }

    /// <summary>A planned move needs what proves it loses nothing: the target is a replica, its source region answers, and
    /// the replication is ENABLED. Otherwise it is refused before anything changes.</summary>
    private static void CheckPlanned(FileSystem fs, Survey survey, FailoverRequest request)
    {
        const string Suffix = " Nothing was changed; an unplanned failover (without --planned) is still possible.";
        var head = $"Planned failover to {fs.FileSystemId} in {fs.Region} is not possible: ";
        if (request.SourceRegionUnavailable)
        {
            throw new PlannedFailoverUnavailableException(head + "the input declares the source region unavailable, and a planned move needs it to answer." + Suffix);
        }

        if (survey.Replication is not { } config || !string.Equals(config.Destination.FileSystemId, fs.FileSystemId, StringComparison.Ordinal))
        {
            throw new PlannedFailoverNotReplicaException(head + "it is not a replica (a planned move promotes a replica once it has caught up)." + Suffix);
        }

        if (survey.IsUnreadable(config.SourceFileSystemRegion))
        {
            throw new PlannedFailoverSourceDownException(
                head + $"the source region {config.SourceFileSystemRegion} does not answer ({string.Join("; ", survey.Unreadable)})." + Suffix);
        }

        if (config.Destination.Status != ReplicationStatus.Enabled)
        {
            throw new PlannedFailoverUnavailableException(
                head + $"the replication from {config.SourceFileSystemId} is {config.Destination.Status.ToString().ToUpperInvariant()}, not ENABLED." + Suffix);
        }
    }

    private static void CheckNoNewerCopy(FileSystem fs, long epoch, IEnumerable<FileSystem> others, string what)
    {
        var newer = others.Where(o => EfsDrTags.EpochOf(o.Tags) > epoch).OrderByDescending(o => EfsDrTags.EpochOf(o.Tags)).FirstOrDefault();
        if (newer is not null)
        {
            throw new StaleFileSystemException(
                $"{fs.FileSystemId} in {fs.Region} {what} is older than {newer.FileSystemId} in {newer.Region} (epoch {EfsDrTags.EpochOf(newer.Tags)}): " +
                "this copy is a stale ex-primary and its data would abandon every write made since. Refusing to mount it; reprotect from the newer copy (efsdr reprotect) before failing over here.");
        }
    }

    private static string FencedBy(FileSystem fs) =>
        fs.Tags.TryGetValue("efsdr:fenced-by", out var run) ? $", fenced by run {run}" : string.Empty;

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
        var all = await replications.DescribeReplicationsAsync(region, fileSystemId, cancellationToken).ConfigureAwait(false);
        return all.FirstOrDefault(r => r.Destinations.Any(d => d.FileSystemId == fileSystemId))
            ?? all.FirstOrDefault(r => r.SourceFileSystemId == fileSystemId);
    }

    /// <summary>Everything Plan compares the candidate with: its replication, the other copies by Name, the replication
    /// partner, and the regions that could not be read. Reads of another region get a short budget of their own.</summary>
    private async Task<Survey> SurveyAsync(FileSystem fs, FailoverRequest request, CancellationToken cancellationToken)
    {
        var unreadable = new List<string>();
        var replication = await ReplicationOfAsync(fs.Region, fs.FileSystemId, cancellationToken).ConfigureAwait(false);
        var copies = new List<FileSystem>();
        foreach (var other in configuration.Regions.Where(r => !string.Equals(r, fs.Region, StringComparison.Ordinal)))
        {
            if (request.SourceRegionUnavailable)
            {
                // The run already knows that region is down: do not spend the budget on it.
                unreadable.Add($"{other}: not read (the input says the source region is unavailable)");
                continue;
            }

            var found = await OtherRegionAsync<IReadOnlyList<FileSystem>>(other, async () => await fileSystems.FindByNameAsync(other, configuration.FileSystem.Name, cancellationToken).ConfigureAwait(false), unreadable).ConfigureAwait(false);
            copies.AddRange(found ?? []);
        }

        var (partner, partnerReplicates) = await PartnerAsync(fs, replication, copies, unreadable, cancellationToken).ConfigureAwait(false);
        if (partner is not null && !copies.Any(c => string.Equals(c.FileSystemId, partner.FileSystemId, StringComparison.Ordinal)))
        {
            copies.Add(partner);
        }

        return new Survey(replication, copies, partner, partnerReplicates, unreadable);
    }

    /// <summary>The other end of the candidate's replication (its destination when it is the source, its source when it is
    /// a replica), and whether that end still lists the same replication.</summary>
    private async Task<(FileSystem? Partner, bool Replicates)> PartnerAsync(FileSystem fs, ReplicationConfiguration? replication, List<FileSystem> copies, List<string> unreadable, CancellationToken cancellationToken)
    {
        if (replication is null)
        {
            return (null, false);
        }

        var isSource = string.Equals(replication.SourceFileSystemId, fs.FileSystemId, StringComparison.Ordinal);
        var (region, id) = isSource
            ? (replication.Destination.Region, replication.Destination.FileSystemId)
            : (replication.SourceFileSystemRegion, replication.SourceFileSystemId);
        if (unreadable.Any(u => u.StartsWith(region + ":", StringComparison.Ordinal)))
        {
            return (null, false);
        }

        var known = copies.FirstOrDefault(c => string.Equals(c.FileSystemId, id, StringComparison.Ordinal));
        var partner = known ?? await OtherRegionAsync(region, async () =>
        {
            try
            {
                return await fileSystems.DescribeAsync(region, id, cancellationToken).ConfigureAwait(false);
            }
            catch (FileSystemNotFoundException)
            {
                return null;
            }
        }, unreadable).ConfigureAwait(false);
        if (partner is null || !isSource)
        {
            return (partner, partner is not null);
        }

        var seen = await OtherRegionAsync(region, () => ReplicationOfAsync(region, id, cancellationToken), unreadable).ConfigureAwait(false);
        return (partner, seen is not null && string.Equals(seen.SourceFileSystemId, fs.FileSystemId, StringComparison.Ordinal));
    }

    /// <summary>Runs one read of another region within <see cref="OtherRegionBudget"/>; an unreachable or throttled region
    /// becomes an entry of <paramref name="unreadable"/>.</summary>
    private async Task<T?> OtherRegionAsync<T>(string region, Func<Task<T?>> read, List<string> unreadable)
        where T : class
    {
        try
        {
            // A region that is down leaves calls unanswered: give it a budget of its own, so the rest of the plan keeps
            // the time it needs within the function's deadline.
            using (CallDeadline.Within(time, OtherRegionBudget))
            {
                return await read().ConfigureAwait(false);
            }
        }
        catch (CloudCallFailedException ex) when (ex is RegionUnreachableException or CloudBusyException)
        {
            if (!unreadable.Any(u => u.StartsWith(region + ":", StringComparison.Ordinal)))
            {
                unreadable.Add($"{region}: could not be read ({ex.GetType().Name}: {ex.Code})");
            }

            return null;
        }
    }

    private static string AcceptStandalone(FileSystem fs, List<string> warnings)
    {
        if (!EfsDrTags.PromotedByEfsDr(fs.Tags))
        {
            throw new StaleFileSystemException(
                $"{fs.FileSystemId} in {fs.Region} takes part in no replication and was not promoted by EfsDr (no {EfsDrTags.Role} tag): " +
                "it may be a stale ex-primary. Refusing to mount it. If it really holds the current data, tag it " +
                $"{EfsDrTags.Role}=primary and {EfsDrTags.Epoch}=<a number above every other copy's>.");
        }

        if (fs.Protection == OverwriteProtection.Replicating)
        {
            warnings.Add($"{fs.FileSystemId} reports protection REPLICATING without a replication configuration");
        }

        return $"{fs.FileSystemId} was promoted by EfsDr (epoch {EfsDrTags.EpochOf(fs.Tags).ToString(CultureInfo.InvariantCulture)}) and takes part in no replication: mount it as it is";
    }

    /// <summary>What Plan learnt about the other copies.</summary>
    private sealed record Survey(
        ReplicationConfiguration? Replication,
        IReadOnlyList<FileSystem> Copies,
        FileSystem? Partner,
        bool PartnerReplicates,
        IReadOnlyList<string> Unreadable)
    {
        public bool IsUnreadable(string region) => Unreadable.Any(u => u.StartsWith(region + ":", StringComparison.Ordinal));
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
