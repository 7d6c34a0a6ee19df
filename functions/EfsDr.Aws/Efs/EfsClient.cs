using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EfsDr.Aws.Http;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Paging;
using EfsDr.Core.Ports;

namespace EfsDr.Aws.Efs;

/// <summary>Amazon EFS (REST-JSON, API 2015-02-01) over the shared signed-request pipeline.</summary>
public sealed class EfsClient : IFileSystems, IReplications
{
    private const string Version = "/2015-02-01";
    private const string Json = "application/json";
    private readonly SignedRequestPipeline _pipeline;

    /// <summary>Creates the client.</summary>
    public EfsClient(SignedRequestPipeline pipeline)
    {
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
    }

    /// <summary>Page size of DescribeFileSystems (EFS default and maximum: 100).</summary>
    public int PageSize { get; init; } = 100;

    /// <summary>The most pages one listing reads before it stops with <see cref="RunawayListingException"/>.</summary>
    public int MaxPages { get; init; } = PageMarkers.DefaultMaxPages;

    /// <inheritdoc />
    public async Task<IReadOnlyList<FileSystem>> FindByNameAsync(string region, string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var found = new List<FileSystem>();
        var pages = new PageMarkers(AwsServiceInfo.Efs.ErrorService, "DescribeFileSystems", MaxPages);
        string? marker = null;
        do
        {
            var query = new List<KeyValuePair<string, string>> { new("MaxItems", PageSize.ToString(CultureInfo.InvariantCulture)) };
            if (marker is not null)
            {
                query.Add(new("Marker", marker));
            }

            var page = await GetAsync(region, "DescribeFileSystems", Version + "/file-systems", query, EfsJsonContext.Default.EfsDescribeFileSystemsResponse, cancellationToken).ConfigureAwait(false);
            found.AddRange(page.FileSystems.Where(fs => string.Equals(NameOf(fs), name, StringComparison.Ordinal)).Select(fs => ToModel(region, fs)));
            marker = pages.After(page.NextMarker);
        }
        while (marker is not null);

        return found;
    }

    /// <inheritdoc />
    public async Task<FileSystem> DescribeAsync(string region, string fileSystemId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileSystemId);
        var page = await GetAsync(region, "DescribeFileSystems", Version + "/file-systems", [new("FileSystemId", fileSystemId)], EfsJsonContext.Default.EfsDescribeFileSystemsResponse, cancellationToken).ConfigureAwait(false);
        var fs = page.FileSystems.FirstOrDefault(f => string.Equals(f.FileSystemId, fileSystemId, StringComparison.Ordinal))
            ?? throw new FileSystemNotFoundException(new("efs", "FileSystemNotFound", $"File system '{fileSystemId}' was not in the answer.", 404, null));
        return ToModel(region, fs);
    }

    /// <inheritdoc />
    public async Task<OverwriteProtection> UpdateProtectionAsync(string region, string fileSystemId, OverwriteProtection protection, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileSystemId);
        var body = Serialize(new EfsUpdateFileSystemProtectionRequest { ReplicationOverwriteProtection = ProtectionWire(protection) }, EfsJsonContext.Default.EfsUpdateFileSystemProtectionRequest);
        var response = await SendAsync(region, new AwsRequest(HttpMethod.Put, $"{Version}/file-systems/{AwsRequest.Segment(fileSystemId)}/protection") { Body = body, ContentType = Json, Operation = "UpdateFileSystemProtection" }, cancellationToken).ConfigureAwait(false);
        var result = Deserialize(response.Body, EfsJsonContext.Default.EfsFileSystemProtection);
        return ParseProtection(result.ReplicationOverwriteProtection);
    }

    /// <inheritdoc />
    public async Task TagAsync(string region, string fileSystemId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileSystemId);
        ArgumentNullException.ThrowIfNull(tags);
        var body = Serialize(new EfsTagResourceRequest { Tags = [.. tags.Select(t => new EfsTag { Key = t.Key, Value = t.Value })] }, EfsJsonContext.Default.EfsTagResourceRequest);
        await SendAsync(region, new AwsRequest(HttpMethod.Post, $"{Version}/resource-tags/{AwsRequest.Segment(fileSystemId)}") { Body = body, ContentType = Json, Operation = "TagResource" }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, string>> ListTagsAsync(string region, string fileSystemId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileSystemId);
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        var pages = new PageMarkers(AwsServiceInfo.Efs.ErrorService, "ListTagsForResource", MaxPages);
        string? token = null;
        do
        {
            var query = new List<KeyValuePair<string, string>>();
            if (token is not null)
            {
                query.Add(new("NextToken", token));
            }

            var page = await GetAsync(region, "ListTagsForResource", $"{Version}/resource-tags/{AwsRequest.Segment(fileSystemId)}", query, EfsJsonContext.Default.EfsListTagsForResourceResponse, cancellationToken).ConfigureAwait(false);
            foreach (var tag in page.Tags)
            {
                tags[tag.Key] = tag.Value;
            }

            token = pages.After(page.NextToken);
        }
        while (token is not null);

        return tags;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<MountTarget>> DescribeMountTargetsAsync(string region, string fileSystemId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileSystemId);
        var targets = new List<MountTarget>();
        var pages = new PageMarkers(AwsServiceInfo.Efs.ErrorService, "DescribeMountTargets", MaxPages);
        string? marker = null;
        do
        {
            var query = new List<KeyValuePair<string, string>> { new("FileSystemId", fileSystemId) };
            if (marker is not null)
            {
                query.Add(new("Marker", marker));
            }

            var page = await GetAsync(region, "DescribeMountTargets", Version + "/mount-targets", query, EfsJsonContext.Default.EfsDescribeMountTargetsResponse, cancellationToken).ConfigureAwait(false);
            targets.AddRange(page.MountTargets.Select(ToModel));
            marker = pages.After(page.NextMarker);
        }
        while (marker is not null);

        return targets;
    }

    /// <inheritdoc />
    public async Task<FileSystem> CreateFileSystemAsync(string region, FileSystemToCreate request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.CreationToken);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(request.CreationToken.Length, FileSystemToCreate.MaxTokenLength);
        var body = Serialize(
            new EfsCreateFileSystemRequest
            {
                CreationToken = request.CreationToken,
                PerformanceMode = "generalPurpose",
                Encrypted = request.Encrypted,
                AvailabilityZoneName = request.AvailabilityZoneName,
                Tags = [.. request.Tags.Select(t => new EfsTag { Key = t.Key, Value = t.Value })],
            },
            EfsJsonContext.Default.EfsCreateFileSystemRequest);
        try
        {
            var response = await SendAsync(region, new AwsRequest(HttpMethod.Post, Version + "/file-systems") { Body = body, ContentType = Json, Operation = "CreateFileSystem" }, cancellationToken).ConfigureAwait(false);
            return ToModel(region, Deserialize(response.Body, EfsJsonContext.Default.EfsFileSystemDescription));
        }
        catch (CloudCallFailedException ex) when (string.Equals(ex.Code, "FileSystemAlreadyExists", StringComparison.Ordinal))
        {
            // Created by an earlier call with this token: that one is the answer (EFS's idempotency contract).
            return await FindByTokenAsync(region, request.CreationToken, cancellationToken).ConfigureAwait(false)
                ?? throw new FileSystemNotFoundException(new("efs", "FileSystemNotFound", $"EFS reported a file system with creation token '{request.CreationToken}' but did not list it.", 404, null), ex);
        }
    }

    private async Task<FileSystem?> FindByTokenAsync(string region, string token, CancellationToken cancellationToken)
    {
        var page = await GetAsync(region, "DescribeFileSystems", Version + "/file-systems", [new("CreationToken", token)], EfsJsonContext.Default.EfsDescribeFileSystemsResponse, cancellationToken).ConfigureAwait(false);
        return page.FileSystems.Where(f => string.Equals(f.CreationToken, token, StringComparison.Ordinal)).Select(f => ToModel(region, f)).FirstOrDefault();
    }

    /// <inheritdoc />
    public async Task<MountTarget> CreateMountTargetAsync(string region, MountTargetRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = Serialize(
            new EfsCreateMountTargetRequest
            {
                FileSystemId = request.FileSystemId,
                SubnetId = request.SubnetId,
                IpAddress = request.IpAddress,
                SecurityGroups = request.SecurityGroups.Count == 0 ? null : [.. request.SecurityGroups],
            },
            EfsJsonContext.Default.EfsCreateMountTargetRequest);
        var response = await SendAsync(region, new AwsRequest(HttpMethod.Post, Version + "/mount-targets") { Body = body, ContentType = Json, Operation = "CreateMountTarget" }, cancellationToken).ConfigureAwait(false);
        return ToModel(Deserialize(response.Body, EfsJsonContext.Default.EfsMountTargetDescription));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ReplicationConfiguration>> DescribeReplicationsAsync(string region, string fileSystemId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileSystemId);
        var configurations = new List<ReplicationConfiguration>();
        var pages = new PageMarkers(AwsServiceInfo.Efs.ErrorService, "DescribeReplicationConfigurations", MaxPages);
        string? token = null;
        try
        {
            do
            {
                var query = new List<KeyValuePair<string, string>> { new("FileSystemId", fileSystemId) };
                if (token is not null)
                {
                    query.Add(new("NextToken", token));
                }

                var page = await GetAsync(region, "DescribeReplicationConfigurations", Version + "/file-systems/replication-configurations", query, EfsJsonContext.Default.EfsDescribeReplicationConfigurationsResponse, cancellationToken).ConfigureAwait(false);
                configurations.AddRange(page.Replications.Select(ToModel));
                token = pages.After(page.NextToken);
            }
            while (token is not null);
        }
        catch (NoReplicationException)
        {
            // EFS answers ReplicationNotFound when the file system takes part in no replication: for the core, no configuration.
            return [];
        }

        return configurations;
    }

    /// <inheritdoc />
    public async Task DeleteReplicationAsync(string region, string sourceFileSystemId, DeletionMode mode, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourceFileSystemId);
        var request = new AwsRequest(HttpMethod.Delete, $"{Version}/file-systems/{AwsRequest.Segment(sourceFileSystemId)}/replication-configuration")
        {
            Query = [new("deletionMode", mode.WireName())],
            Operation = "DeleteReplicationConfiguration",
        };
        await SendAsync(region, request, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<ReplicationConfiguration> CreateReplicationAsync(string region, string sourceFileSystemId, ReplicationTarget target, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourceFileSystemId);
        ArgumentNullException.ThrowIfNull(target);
        var body = Serialize(
            new EfsCreateReplicationConfigurationRequest
            {
                Destinations =
                [
                    new EfsDestinationToCreate
                    {
                        Region = target.Region,
                        AvailabilityZoneName = target.AvailabilityZoneName,
                        KmsKeyId = target.KmsKeyId,
                        FileSystemId = target.FileSystemId,
                        RoleArn = target.RoleArn,
                    },
                ],
            },
            EfsJsonContext.Default.EfsCreateReplicationConfigurationRequest);
        var response = await SendAsync(region, new AwsRequest(HttpMethod.Post, $"{Version}/file-systems/{AwsRequest.Segment(sourceFileSystemId)}/replication-configuration") { Body = body, ContentType = Json, Operation = "CreateReplicationConfiguration" }, cancellationToken).ConfigureAwait(false);
        return ToModel(Deserialize(response.Body, EfsJsonContext.Default.EfsReplicationConfigurationDescription));
    }

    /// <summary>The wire value of a protection setting.</summary>
    public static string ProtectionWire(OverwriteProtection protection) => protection switch
    {
        OverwriteProtection.Enabled => "ENABLED",
        OverwriteProtection.Disabled => "DISABLED",
        OverwriteProtection.Replicating => "REPLICATING",
        _ => throw new ArgumentOutOfRangeException(nameof(protection), protection, "protection: only ENABLED, DISABLED or REPLICATING can be set."),
    };

    /// <summary>Parses a protection value; unknown or absent values give <see cref="OverwriteProtection.Unknown"/>.</summary>
    public static OverwriteProtection ParseProtection(string? value) => value switch
    {
        "ENABLED" => OverwriteProtection.Enabled,
        "DISABLED" => OverwriteProtection.Disabled,
        "REPLICATING" => OverwriteProtection.Replicating,
        _ => OverwriteProtection.Unknown,
    };

    /// <summary>Parses a replication status; unknown values give <see cref="ReplicationStatus.Unknown"/>.</summary>
    public static ReplicationStatus ParseStatus(string? value) => value switch
    {
        "ENABLED" => ReplicationStatus.Enabled,
        "ENABLING" => ReplicationStatus.Enabling,
        "DELETING" => ReplicationStatus.Deleting,
        "ERROR" => ReplicationStatus.Error,
        "PAUSED" => ReplicationStatus.Paused,
        "PAUSING" => ReplicationStatus.Pausing,
        _ => ReplicationStatus.Unknown,
    };

    private static string? NameOf(EfsFileSystemDescription fs) =>
        fs.Name ?? fs.Tags.FirstOrDefault(t => string.Equals(t.Key, "Name", StringComparison.Ordinal))?.Value;

    private static FileSystem ToModel(string region, EfsFileSystemDescription fs) => new(
        region,
        fs.FileSystemId,
        fs.FileSystemArn ?? string.Empty,
        NameOf(fs),
        fs.LifeCycleState,
        ParseProtection(fs.FileSystemProtection?.ReplicationOverwriteProtection),
        fs.AvailabilityZoneName,
        fs.NumberOfMountTargets,
        fs.CreationTime,
        fs.Tags.GroupBy(t => t.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal))
    {
        Encrypted = fs.Encrypted == true,
        CreationToken = fs.CreationToken,
    };

    private static MountTarget ToModel(EfsMountTargetDescription mt) =>
        new(mt.MountTargetId, mt.FileSystemId, mt.SubnetId, mt.LifeCycleState, mt.IpAddress, mt.AvailabilityZoneName, mt.AvailabilityZoneId);

    private static ReplicationConfiguration ToModel(EfsReplicationConfigurationDescription r) => new(
        r.SourceFileSystemId,
        r.SourceFileSystemRegion,
        r.SourceFileSystemArn,
        r.OriginalSourceFileSystemArn,
        r.CreationTime,
        [.. r.Destinations.Select(d => new ReplicationDestination(ParseStatus(d.Status), d.FileSystemId, d.Region, d.LastReplicatedTimestamp, d.StatusMessage, d.OwnerId, d.RoleArn))],
        r.SourceFileSystemOwnerId);

    private async Task<T> GetAsync<T>(string region, string operation, string path, IReadOnlyList<KeyValuePair<string, string>> query, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        var response = await SendAsync(region, new AwsRequest(HttpMethod.Get, path) { Query = query, Operation = operation }, cancellationToken).ConfigureAwait(false);
        return Deserialize(response.Body, type);
    }

    private Task<AwsResponse> SendAsync(string region, AwsRequest request, CancellationToken cancellationToken) =>
        _pipeline.SendAsync(AwsServiceInfo.Efs, region, request, JsonErrorReader.Instance, cancellationToken);

    private static byte[] Serialize<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.SerializeToUtf8Bytes(value, type);

    private static T Deserialize<T>(byte[] body, JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(body, type) ?? throw new JsonException($"Empty {typeof(T).Name} body.");
}
