using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;

namespace EfsDr.Testing.Fakes;

/// <summary>An in-memory stand-in for every domain port, recording each write so tests can assert "nothing was changed".</summary>
public sealed class InMemoryCloud : IFileSystems, IReplications, INodeCommands, IInstances, IDnsRecords, IParameters
{
    private int _sequence;

    public Dictionary<string, FileSystem> FileSystemsById { get; } = new(StringComparer.Ordinal);

    public List<ReplicationConfiguration> Replications { get; } = [];

    public List<MountTarget> MountTargets { get; } = [];

    public Dictionary<string, InstanceInfo> Instances { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, PingStatus> Ping { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, DnsRecord> Records { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, DnsChangeStatus> Changes { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Queue<Func<CommandInvocation>>> Invocations { get; } = new(StringComparer.Ordinal);

    public List<string> Writes { get; } = [];

    public Dictionary<string, string> ParameterValues { get; } = new(StringComparer.Ordinal);

    public Task<string> GetAsync(string region, string name, CancellationToken cancellationToken) =>
        ParameterValues.TryGetValue(region + ":" + name, out var value)
            ? Task.FromResult(value)
            : throw new AwsServiceException(new AwsErrorDetails("ssm", "ParameterNotFound", name, 400, null));

    public HashSet<string> UnreachableRegions { get; } = new(StringComparer.Ordinal);

    /// <summary>Regions whose SSM (SendCommand, GetCommandInvocation, DescribeInstanceInformation) does not answer.</summary>
    public HashSet<string> UnreachableSsmRegions { get; } = new(StringComparer.Ordinal);

    /// <summary>Errors to throw from the next DeleteReplication calls, in order.</summary>
    public Queue<Exception> DeleteFailures { get; } = new();

    public List<(string Region, string SourceId, DeletionMode Mode)> Deletes { get; } = [];

    public List<(string Region, string InstanceId, NodeCommand Command)> Sent { get; } = [];

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
            throw new AwsUnreachableException(new AwsErrorDetails("efs", "ConnectionFailure", region + " unreachable", 0, null));
        }
    }

    private void ReachSsm(string region)
    {
        if (UnreachableSsmRegions.Contains(region))
        {
            throw new AwsUnreachableException(new AwsErrorDetails("ssm", "ConnectionFailure", region + " unreachable", 0, null));
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
            : throw new FileSystemNotFoundException(new AwsErrorDetails("efs", "FileSystemNotFound", fileSystemId, 404, null));
    }

    public Task<OverwriteProtection> UpdateProtectionAsync(string region, string fileSystemId, OverwriteProtection protection, CancellationToken cancellationToken)
    {
        Reach(region);
        if (Replications.Any(r => r.Destinations.Any(d => d.FileSystemId == fileSystemId)))
        {
            throw new ReplicationAlreadyExistsException(new AwsErrorDetails("efs", "ReplicationAlreadyExists", "ReplicationOverwriteProtection cannot be changed while the file system is a replication destination.", 409, null));
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

        FileSystemsById[fileSystemId] = fs with { Tags = merged };
        return Task.CompletedTask;
    }

    public Task<IReadOnlyDictionary<string, string>> ListTagsAsync(string region, string fileSystemId, CancellationToken cancellationToken) =>
        Task.FromResult(FileSystemsById[fileSystemId].Tags);

    public Task<IReadOnlyList<MountTarget>> DescribeMountTargetsAsync(string region, string fileSystemId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<MountTarget>>([.. MountTargets.Where(m => m.FileSystemId == fileSystemId)]);

    public Task<MountTarget> CreateMountTargetAsync(string region, MountTargetRequest request, CancellationToken cancellationToken)
    {
        Writes.Add($"mount-target {request.FileSystemId}");
        var target = new MountTarget($"fsmt-{++_sequence}", request.FileSystemId, request.SubnetId, "creating", null, null, null);
        MountTargets.Add(target);
        return Task.FromResult(target);
    }

    public Task<IReadOnlyList<ReplicationConfiguration>> DescribeReplicationsAsync(string region, string fileSystemId, CancellationToken cancellationToken)
    {
        Reach(region);
        var found = Replications.Where(r => r.SourceFileSystemId == fileSystemId || r.Destinations.Any(d => d.FileSystemId == fileSystemId)).ToList();
        return found.Count == 0
            ? throw new ReplicationNotFoundException(new AwsErrorDetails("efs", "ReplicationNotFound", fileSystemId, 404, null))
            : Task.FromResult<IReadOnlyList<ReplicationConfiguration>>(found);
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
            throw new ReplicationNotFoundException(new AwsErrorDetails("efs", "ReplicationNotFound", sourceFileSystemId, 404, null));
        }

        var r = Replications[index];
        Replications[index] = r with { Destinations = [r.Destination with { Status = ReplicationStatus.Deleting }] };
        return Task.CompletedTask;
    }

    /// <summary>Finishes a deletion as EFS does: the configuration disappears and the replica becomes writable.</summary>
    public void CompleteDeletion(string sourceFileSystemId)
    {
        var r = Replications.Single(x => x.SourceFileSystemId == sourceFileSystemId);
        Replications.Remove(r);
        var destination = FileSystemsById[r.Destination.FileSystemId];
        FileSystemsById[destination.FileSystemId] = destination with { Protection = OverwriteProtection.Enabled };
    }

    public Task<ReplicationConfiguration> CreateReplicationAsync(string region, string sourceFileSystemId, ReplicationTarget target, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<string> SendAsync(string region, string instanceId, NodeCommand command, CancellationToken cancellationToken)
    {
        ReachSsm(region);
        Writes.Add($"send-command {instanceId} {command.DocumentName}");
        Sent.Add((region, instanceId, command));
        return Task.FromResult($"cmd-{++_sequence}");
    }

    public Task<CommandInvocation> GetInvocationAsync(string region, string commandId, string instanceId, CancellationToken cancellationToken)
    {
        ReachSsm(region);
        if (!Invocations.TryGetValue(commandId, out var queue) || queue.Count == 0)
        {
            throw new InvocationDoesNotExistException(new AwsErrorDetails("ssm", "InvocationDoesNotExist", commandId, 400, null));
        }

        return Task.FromResult(queue.Count > 1 ? queue.Dequeue()() : queue.Peek()());
    }

    /// <summary>The SSM documents that exist, as region:name.</summary>
    public HashSet<string> Documents { get; } = new(StringComparer.Ordinal) { "us-east-1:EfsDr-Node", "us-west-2:EfsDr-Node" };

    public Task<bool> DocumentExistsAsync(string region, string name, CancellationToken cancellationToken)
    {
        Reach(region);
        return Task.FromResult(Documents.Contains(region + ":" + name));
    }

    public Task<PingStatus> GetPingStatusAsync(string region, string instanceId, CancellationToken cancellationToken)
    {
        ReachSsm(region);
        return Task.FromResult(Ping.TryGetValue(instanceId, out var ping) ? ping : PingStatus.NotRegistered);
    }

    Task<InstanceInfo> IInstances.DescribeAsync(string region, string instanceId, CancellationToken cancellationToken) =>
        Instances.TryGetValue(instanceId, out var instance)
            ? Task.FromResult(instance)
            : throw new InstanceNotFoundException(new AwsErrorDetails("ec2", "InvalidInstanceID.NotFound", instanceId, 400, null));

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
