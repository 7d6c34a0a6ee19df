using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;

namespace EfsDr.Testing.Fakes;

/// <summary>An in-memory stand-in for every domain port, recording each write so tests can assert "nothing was changed".</summary>
public sealed class InMemoryCloud : IFileSystems, IReplications, INodeAgent, IInstances, IDnsRecords, IParameters
{
    private int _sequence;

    public Dictionary<string, FileSystem> FileSystemsById { get; } = new(StringComparer.Ordinal);

    public List<ReplicationConfiguration> Replications { get; } = [];

    public List<MountTarget> MountTargets { get; } = [];

    public Dictionary<string, InstanceInfo> Instances { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, PingStatus> Ping { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, DnsRecord> Records { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, DnsChangeStatus> Changes { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Queue<Func<NodeProgress>>> Invocations { get; } = new(StringComparer.Ordinal);

    public List<string> Writes { get; } = [];

    public Dictionary<string, string> ParameterValues { get; } = new(StringComparer.Ordinal);

    public Task<string> GetAsync(string region, string name, CancellationToken cancellationToken) =>
        ParameterValues.TryGetValue(region + ":" + name, out var value)
            ? Task.FromResult(value)
            : throw new CloudCallFailedException(new CloudError("ssm", "ParameterNotFound", name, 400, null));

    public HashSet<string> UnreachableRegions { get; } = new(StringComparer.Ordinal);

    /// <summary>When each parameter (region:name) was written and its version; parameters set directly in
    /// <see cref="ParameterValues"/> have none.</summary>
    public Dictionary<string, (long Version, DateTimeOffset Modified)> ParameterVersions { get; } = new(StringComparer.Ordinal);

    /// <summary>The clock parameter writes are stamped with.</summary>
    public TimeProvider ParameterClock { get; set; } = TimeProvider.System;

    /// <summary>Runs before each TryCreateAsync checks the name (region, name): lets a test interleave another writer there.</summary>
    public Func<string, string, Task>? BeforeTryCreate { get; set; }

    /// <summary>Regions whose Parameter Store answers every call with throttling beyond the retries.</summary>
    public HashSet<string> ThrottledParameterRegions { get; } = new(StringComparer.Ordinal);

    /// <summary>Every parameter write and delete, as "op region name".</summary>
    public List<string> ParameterWrites { get; } = [];

    /// <summary>The largest listing ListByPathAsync returns; more throws <see cref="TooManyParametersException"/>.</summary>
    public int MaxListedParameters { get; set; } = 1000;

    private readonly Lock _parameterGate = new();

    private void ReachParameters(string region)
    {
        if (UnreachableRegions.Contains(region))
        {
            throw new RegionUnreachableException(new CloudError("ssm", "ConnectionFailure", region + " unreachable", 0, null));
        }

        if (ThrottledParameterRegions.Contains(region))
        {
            throw new CloudBusyException(new CloudError("ssm", "ThrottlingException", "Rate exceeded", 400, null));
        }
    }

    private void StoreParameter(string region, string name, string value)
    {
        var key = region + ":" + name;
        var version = ParameterVersions.TryGetValue(key, out var current) ? current.Version + 1 : 1;
        ParameterValues[key] = value;
        ParameterVersions[key] = (version, ParameterClock.GetUtcNow());
    }

    public async Task<bool> TryCreateAsync(string region, string name, string value, CancellationToken cancellationToken)
    {
        ReachParameters(region);
        if (BeforeTryCreate is { } hook)
        {
            await hook(region, name);
        }

        lock (_parameterGate)
        {
            if (ParameterValues.ContainsKey(region + ":" + name))
            {
                return false;
            }

            ParameterWrites.Add($"create {region} {name}");
            StoreParameter(region, name, value);
            return true;
        }
    }

    public Task PutAsync(string region, string name, string value, CancellationToken cancellationToken)
    {
        ReachParameters(region);
        lock (_parameterGate)
        {
            ParameterWrites.Add($"put {region} {name}");
            StoreParameter(region, name, value);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<StoredParameter>> ListByPathAsync(string region, string path, CancellationToken cancellationToken)
    {
        ReachParameters(region);
        var prefix = region + ":" + path.TrimEnd('/') + "/";
        List<StoredParameter> found;
        lock (_parameterGate)
        {
            found = [.. ParameterValues
                .Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal) && !p.Key[prefix.Length..].Contains('/', StringComparison.Ordinal))
                .Select(p => new StoredParameter(
                    p.Key[(region.Length + 1)..],
                    p.Value,
                    ParameterVersions.TryGetValue(p.Key, out var v) ? v.Version : 1,
                    ParameterVersions.TryGetValue(p.Key, out var m) ? m.Modified : null))];
        }

        return found.Count > MaxListedParameters
            ? throw new TooManyParametersException(region, path, MaxListedParameters)
            : Task.FromResult<IReadOnlyList<StoredParameter>>(found);
    }

    public Task DeleteAsync(string region, string name, CancellationToken cancellationToken)
    {
        ReachParameters(region);
        lock (_parameterGate)
        {
            ParameterWrites.Add($"delete {region} {name}");
            ParameterValues.Remove(region + ":" + name);
            ParameterVersions.Remove(region + ":" + name);
        }

        return Task.CompletedTask;
    }

    /// <summary>Sides deleted with LOCAL_CONFIGURATION_ONLY, as (region, source id): that region no longer lists the configuration,
    /// the other region still does (an orphaned configuration).</summary>
    public HashSet<(string Region, string SourceId)> LocallyDeleted { get; } = [];

    /// <summary>File systems whose replication configurations cannot be read (DescribeReplications throttled beyond the retries).</summary>
    public HashSet<string> UnreadableReplications { get; } = new(StringComparer.Ordinal);

    /// <summary>Regions whose SSM (SendCommand, GetCommandInvocation, DescribeInstanceInformation) does not answer.</summary>
    public HashSet<string> UnreachableSsmRegions { get; } = new(StringComparer.Ordinal);

    /// <summary>How many DescribeReplications answers still list an orphaned configuration (DELETING) after its last side was
    /// deleted LOCAL_CONFIGURATION_ONLY; 0 (the default): it is gone at once. EFS takes minutes.</summary>
    public int OrphanDeletionChecks { get; set; }

    /// <summary>Orphaned configurations being deleted, by source id: the DescribeReplications answers that still list them.</summary>
    public Dictionary<string, int> PendingDeletions { get; } = new(StringComparer.Ordinal);

    /// <summary>Errors to throw from the next DeleteReplication calls, in order.</summary>
    public Queue<Exception> DeleteFailures { get; } = new();

    public List<(string Region, string SourceId, DeletionMode Mode)> Deletes { get; } = [];

    public List<SentNodeCommand> Sent { get; } = [];

    public FileSystem AddFileSystem(string region, string id, string? name, OverwriteProtection protection = OverwriteProtection.Enabled, IReadOnlyDictionary<string, string>? tags = null, string state = "available")
    {
        var allTags = new Dictionary<string, string>(tags ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        if (name is not null)
        {
            allTags["Name"] = name;
        }

        var fs = new FileSystem(region, id, $"arn:aws:elasticfilesystem:{region}:111122223333:file-system/{id}", name, state, protection, null, 1, DateTimeOffset.UnixEpoch, allTags);
        FileSystemsById[id] = fs;
        return fs;
    }

    public void Replicate(string sourceRegion, string sourceId, string destinationRegion, string destinationId, ReplicationStatus status, DateTimeOffset? lastReplicated, string? message = null) =>
        Replications.Add(new ReplicationConfiguration(
            sourceId, sourceRegion, $"arn:{sourceId}", $"arn:{sourceId}", DateTimeOffset.UnixEpoch,
            [new ReplicationDestination(status, destinationId, destinationRegion, lastReplicated, message, null, null)], null));

    private void Reach(string region)
    {
        if (UnreachableRegions.Contains(region))
        {
            throw new RegionUnreachableException(new CloudError("efs", "ConnectionFailure", region + " unreachable", 0, null));
        }
    }

    private void ReachSsm(string region)
    {
        if (UnreachableSsmRegions.Contains(region))
        {
            throw new RegionUnreachableException(new CloudError("ssm", "ConnectionFailure", region + " unreachable", 0, null));
        }
    }

    public Task<IReadOnlyList<FileSystem>> FindByNameAsync(string region, string name, CancellationToken cancellationToken)
    {
        Reach(region);
        return Task.FromResult<IReadOnlyList<FileSystem>>([.. FileSystemsById.Values.Where(f => f.Region == region && f.Name == name)]);
    }

    public Task<FileSystem> DescribeAsync(string region, string fileSystemId, CancellationToken cancellationToken)
    {
        Reach(region);
        return FileSystemsById.TryGetValue(fileSystemId, out var fs) && fs.Region == region
            ? Task.FromResult(fs)
            : throw new FileSystemNotFoundException(new CloudError("efs", "FileSystemNotFound", fileSystemId, 404, null));
    }

    public Task<OverwriteProtection> UpdateProtectionAsync(string region, string fileSystemId, OverwriteProtection protection, CancellationToken cancellationToken)
    {
        Reach(region);
        if (Replications.Any(r => r.Destinations.Any(d => d.FileSystemId == fileSystemId)))
        {
            throw new AlreadyAReplicaException(new CloudError("efs", "ReplicationAlreadyExists", "ReplicationOverwriteProtection cannot be changed while the file system is a replication destination.", 409, null));
        }

        Writes.Add($"protection {fileSystemId} {protection}");
        FileSystemsById[fileSystemId] = FileSystemsById[fileSystemId] with { Protection = protection };
        return Task.FromResult(protection);
    }

    public Task TagAsync(string region, string fileSystemId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        Reach(region);
        Writes.Add($"tag {fileSystemId} {string.Join(",", tags.Select(t => t.Key + "=" + t.Value))}");
        var fs = FileSystemsById[fileSystemId];
        var merged = new Dictionary<string, string>(fs.Tags, StringComparer.Ordinal);
        foreach (var (k, v) in tags)
        {
            merged[k] = v;
        }

        FileSystemsById[fileSystemId] = fs with { Tags = merged, Name = merged.GetValueOrDefault("Name") };
        return Task.CompletedTask;
    }

    public Task<IReadOnlyDictionary<string, string>> ListTagsAsync(string region, string fileSystemId, CancellationToken cancellationToken) =>
        Task.FromResult(FileSystemsById[fileSystemId].Tags);

    public Task<IReadOnlyList<MountTarget>> DescribeMountTargetsAsync(string region, string fileSystemId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<MountTarget>>([.. MountTargets.Where(m => m.FileSystemId == fileSystemId)]);

    public Task<FileSystem> CreateFileSystemAsync(string region, FileSystemToCreate request, CancellationToken cancellationToken)
    {
        Reach(region);
        if (FileSystemsById.Values.FirstOrDefault(f => f.Region == region && f.CreationToken == request.CreationToken) is { } existing)
        {
            return Task.FromResult(existing);
        }

        Writes.Add($"create-file-system {region} {request.CreationToken}");
        var id = $"fs-c{++_sequence:x16}";
        var name = request.Tags.GetValueOrDefault("Name");
        var fs = AddFileSystem(region, id, name, OverwriteProtection.Enabled, request.Tags, NewFileSystemState) with { Encrypted = request.Encrypted, CreationToken = request.CreationToken };
        FileSystemsById[id] = fs;
        return Task.FromResult(fs);
    }

    /// <summary>The availability zone of each subnet (EFS places a mount target in its subnet's zone).</summary>
    public Dictionary<string, string> SubnetZones { get; } = new(StringComparer.Ordinal);

    /// <summary>The lifecycle state a created file system starts in (EFS: creating).</summary>
    public string NewFileSystemState { get; set; } = "creating";

    public Task<MountTarget> CreateMountTargetAsync(string region, MountTargetRequest request, CancellationToken cancellationToken)
    {
        Writes.Add($"mount-target {request.FileSystemId}");
        var target = new MountTarget($"fsmt-{++_sequence}", request.FileSystemId, request.SubnetId, "creating", null, SubnetZones.GetValueOrDefault(request.SubnetId), null);
        MountTargets.Add(target);
        return Task.FromResult(target);
    }

    public Task<IReadOnlyList<ReplicationConfiguration>> DescribeReplicationsAsync(string region, string fileSystemId, CancellationToken cancellationToken)
    {
        Reach(region);
        if (UnreadableReplications.Contains(fileSystemId))
        {
            throw new CloudBusyException(new CloudError("efs", "ThrottlingException", "Rate exceeded", 429, null));
        }

        AdvancePendingDeletions(fileSystemId);
        var found = Replications.Where(r => (r.SourceFileSystemId == fileSystemId || r.Destinations.Any(d => d.FileSystemId == fileSystemId)) && !LocallyDeleted.Contains((region, r.SourceFileSystemId)))
            .Where(r => r.SourceFileSystemRegion == region || r.Destination.Region == region)
            .ToList();
        return Task.FromResult<IReadOnlyList<ReplicationConfiguration>>(found);
    }

    public Task DeleteReplicationAsync(string region, string sourceFileSystemId, DeletionMode mode, CancellationToken cancellationToken)
    {
        Deletes.Add((region, sourceFileSystemId, mode));
        Writes.Add($"delete-replication {sourceFileSystemId} {mode}");
        if (DeleteFailures.TryDequeue(out var failure))
        {
            throw failure;
        }

        var index = Replications.FindIndex(r => r.SourceFileSystemId == sourceFileSystemId);
        if (index < 0)
        {
            throw new NoReplicationException(new CloudError("efs", "ReplicationNotFound", sourceFileSystemId, 404, null));
        }

        if (PendingDeletions.ContainsKey(sourceFileSystemId))
        {
            return Task.CompletedTask;
        }

        if (mode == DeletionMode.LocalConfigurationOnly && LocallyDeleted.Any(l => l.SourceId == sourceFileSystemId && l.Region != region))
        {
            // The last side of an orphaned configuration: DELETING for OrphanDeletionChecks answers, then gone everywhere.
            var orphan = Replications[index];
            Replications[index] = orphan with { Destinations = [orphan.Destination with { Status = ReplicationStatus.Deleting }] };
            PendingDeletions[sourceFileSystemId] = OrphanDeletionChecks;
            if (OrphanDeletionChecks == 0)
            {
                AdvancePendingDeletions(sourceFileSystemId);
            }

            return Task.CompletedTask;
        }

        var r = Replications[index];
        Replications[index] = r with { Destinations = [r.Destination with { Status = ReplicationStatus.Deleting }] };
        return Task.CompletedTask;
    }

    /// <summary>An orphaned configuration being deleted that <paramref name="fileSystemId"/> takes part in: one answer less
    /// lists it; once none is left it is gone everywhere.</summary>
    private void AdvancePendingDeletions(string fileSystemId)
    {
        foreach (var r in Replications.Where(r => PendingDeletions.ContainsKey(r.SourceFileSystemId) && (r.SourceFileSystemId == fileSystemId || r.Destination.FileSystemId == fileSystemId)).ToList())
        {
            var left = PendingDeletions[r.SourceFileSystemId];
            if (left > 0)
            {
                PendingDeletions[r.SourceFileSystemId] = left - 1;
                continue;
            }

            PendingDeletions.Remove(r.SourceFileSystemId);
            LocallyDeleted.RemoveWhere(l => l.SourceId == r.SourceFileSystemId);
            Replications.Remove(r);
        }
    }

    /// <summary>Finishes a LOCAL_CONFIGURATION_ONLY deletion made while the source region was down: the destination is
    /// writable and lists nothing, while the source region still holds its (orphaned) side of the configuration.</summary>
    public void OrphanAtSource(string sourceFileSystemId)
    {
        var r = Replications.Single(x => x.SourceFileSystemId == sourceFileSystemId);
        LocallyDeleted.Add((r.Destination.Region, sourceFileSystemId));
        var destination = FileSystemsById[r.Destination.FileSystemId];
        FileSystemsById[destination.FileSystemId] = destination with { Protection = OverwriteProtection.Enabled };
    }

    /// <summary>Finishes a deletion as EFS does: the configuration disappears and the replica becomes writable.</summary>
    public void CompleteDeletion(string sourceFileSystemId)
    {
        var r = Replications.Single(x => x.SourceFileSystemId == sourceFileSystemId);
        Replications.Remove(r);
        var destination = FileSystemsById[r.Destination.FileSystemId];
        FileSystemsById[destination.FileSystemId] = destination with { Protection = OverwriteProtection.Enabled };
    }

    /// <summary>Creates a configuration into an existing file system (protection must be DISABLED), as EFS does: the destination
    /// becomes REPLICATING and the replication starts ENABLING, never synced.</summary>
    public Task<ReplicationConfiguration> CreateReplicationAsync(string region, string sourceFileSystemId, ReplicationTarget target, CancellationToken cancellationToken)
    {
        Reach(region);
        Writes.Add($"create-replication {sourceFileSystemId} {target.FileSystemId}");
        if (Replications.Any(r => r.SourceFileSystemId == sourceFileSystemId || r.Destinations.Any(d => d.FileSystemId == sourceFileSystemId)))
        {
            throw new AlreadyAReplicaException(new CloudError("efs", "ReplicationAlreadyExists", $"{sourceFileSystemId} already takes part in a replication.", 409, null));
        }

        if (target.FileSystemId is not { } id || !FileSystemsById.TryGetValue(id, out var destination) || destination.Protection != OverwriteProtection.Disabled)
        {
            throw new CloudCallFailedException(new CloudError("efs", "ValidationException", "The destination must exist with ReplicationOverwriteProtection DISABLED.", 400, null));
        }

        FileSystemsById[id] = destination with { Protection = OverwriteProtection.Replicating };
        Replicate(region, sourceFileSystemId, target.Region, id, ReplicationStatus.Enabling, null);
        return Task.FromResult(Replications[^1]);
    }

    /// <summary>Completes a sync of the replication from <paramref name="sourceFileSystemId"/> at <paramref name="at"/>: ENABLED.</summary>
    public void CompleteSync(string sourceFileSystemId, DateTimeOffset at)
    {
        var index = Replications.FindIndex(r => r.SourceFileSystemId == sourceFileSystemId);
        var r = Replications[index];
        Replications[index] = r with { Destinations = [r.Destination with { Status = ReplicationStatus.Enabled, LastReplicatedTimestamp = at }] };
    }

    public Task<string> ActivateAsync(string region, string instanceId, NodeActivationRequest request, CancellationToken cancellationToken) =>
        Send(new SentNodeCommand(region, instanceId, "activate", request.Document, request.Comment, request, null));

    public Task<string> DeactivateAsync(string region, string instanceId, NodeDeactivationRequest request, CancellationToken cancellationToken) =>
        Send(new SentNodeCommand(region, instanceId, "deactivate", request.Document, request.Comment, null, request));

    /// <summary>The next progress queued for the command (the last one stays); <see cref="NodeProgressState.NotYetVisible"/> when none is queued.</summary>
    public Task<NodeProgress> GetProgressAsync(string region, string commandRef, string instanceId, CancellationToken cancellationToken)
    {
        ReachSsm(region);
        if (!Invocations.TryGetValue(commandRef, out var queue) || queue.Count == 0)
        {
            return Task.FromResult(new NodeProgress(NodeProgressState.NotYetVisible, "not yet visible", null, -1, string.Empty, string.Empty));
        }

        return Task.FromResult(queue.Count > 1 ? queue.Dequeue()() : queue.Peek()());
    }

    private Task<string> Send(SentNodeCommand command)
    {
        ReachSsm(command.Region);
        Writes.Add($"send-command {command.InstanceId} {command.Document}");
        Sent.Add(command);
        return Task.FromResult($"cmd-{++_sequence}");
    }

    /// <summary>The SSM documents that exist, as region:name.</summary>
    public HashSet<string> Documents { get; } = new(StringComparer.Ordinal) { "us-east-1:efsdr-node", "us-west-2:efsdr-node" };

    public Task<bool> IsNodeDocumentInstalledAsync(string region, string document, CancellationToken cancellationToken)
    {
        Reach(region);
        return Task.FromResult(Documents.Contains(region + ":" + document));
    }

    public Task<PingStatus> GetPingStatusAsync(string region, string instanceId, CancellationToken cancellationToken)
    {
        ReachSsm(region);
        return Task.FromResult(Ping.TryGetValue(instanceId, out var ping) ? ping : PingStatus.NotRegistered);
    }

    Task<InstanceInfo> IInstances.DescribeAsync(string region, string instanceId, CancellationToken cancellationToken) =>
        Instances.TryGetValue(instanceId, out var instance)
            ? Task.FromResult(instance)
            : throw new NodeNotFoundException(new CloudError("ec2", "InvalidInstanceID.NotFound", instanceId, 400, null));

    public Task<DnsChange> UpsertARecordAsync(string hostedZoneId, string recordName, string ipAddress, long ttlSeconds, string? comment, CancellationToken cancellationToken)
    {
        Writes.Add($"dns {recordName} {ipAddress} {ttlSeconds}");
        Records[recordName.TrimEnd('.')] = new DnsRecord(recordName.TrimEnd('.') + ".", "A", ttlSeconds, [ipAddress]);
        var id = $"C{++_sequence}";
        Changes[id] = DnsChangeStatus.Pending;
        return Task.FromResult(new DnsChange(id, DnsChangeStatus.Pending, DateTimeOffset.UnixEpoch, comment));
    }

    public Task<DnsChange> GetChangeAsync(string changeId, CancellationToken cancellationToken) =>
        Task.FromResult(new DnsChange(changeId, Changes[changeId], DateTimeOffset.UnixEpoch, null));

    public Task<DnsRecord?> GetRecordAsync(string hostedZoneId, string recordName, string recordType, CancellationToken cancellationToken) =>
        Task.FromResult(Records.TryGetValue(recordName.TrimEnd('.'), out var r) ? r : null);
}

/// <summary>One node command the fake received: activate (with <see cref="Activation"/>) or deactivate (with <see cref="Deactivation"/>).</summary>
public sealed record SentNodeCommand(string Region, string InstanceId, string Action, string Document, string Comment, NodeActivationRequest? Activation, NodeDeactivationRequest? Deactivation);
