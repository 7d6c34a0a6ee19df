using System.Text.Json.Serialization;
using EfsDr.Aws.Http;

namespace EfsDr.Aws.Efs;

// The EFS 2015-02-01 wire shapes EfsDr reads and writes (botocore efs/2015-02-01/service-2.json). Member names are the wire names.
#pragma warning disable CS1591 // wire DTOs mirror the service model; the model documents them.

public sealed class EfsTag
{
    public string Key { get; set; } = string.Empty;
    public string Value { get; set; } = string.Empty;
}

public sealed class EfsFileSystemProtection
{
    public string? ReplicationOverwriteProtection { get; set; }
}

public sealed class EfsFileSystemDescription
{
    public string? OwnerId { get; set; }
    public string? CreationToken { get; set; }
    public string FileSystemId { get; set; } = string.Empty;
    public string? FileSystemArn { get; set; }
    [JsonConverter(typeof(EpochSecondsConverter))]
    public DateTimeOffset CreationTime { get; set; }
    public string LifeCycleState { get; set; } = string.Empty;
    public string? Name { get; set; }
    public int NumberOfMountTargets { get; set; }
    public string? AvailabilityZoneName { get; set; }
    public List<EfsTag> Tags { get; set; } = [];
    public EfsFileSystemProtection? FileSystemProtection { get; set; }
    public bool? Encrypted { get; set; }
}

public sealed class EfsCreateFileSystemRequest
{
    public string CreationToken { get; set; } = string.Empty;
    public string? PerformanceMode { get; set; }
    public bool Encrypted { get; set; }
    public string? AvailabilityZoneName { get; set; }
    public List<EfsTag> Tags { get; set; } = [];
}

public sealed class EfsDescribeFileSystemsResponse
{
    public string? Marker { get; set; }
    public List<EfsFileSystemDescription> FileSystems { get; set; } = [];
    public string? NextMarker { get; set; }
}

public sealed class EfsDestination
{
    public string Status { get; set; } = string.Empty;
    public string FileSystemId { get; set; } = string.Empty;
    public string Region { get; set; } = string.Empty;
    [JsonConverter(typeof(NullableEpochSecondsConverter))]
    public DateTimeOffset? LastReplicatedTimestamp { get; set; }
    public string? OwnerId { get; set; }
    public string? StatusMessage { get; set; }
    public string? RoleArn { get; set; }
}

public sealed class EfsReplicationConfigurationDescription
{
    public string SourceFileSystemId { get; set; } = string.Empty;
    public string SourceFileSystemRegion { get; set; } = string.Empty;
    public string SourceFileSystemArn { get; set; } = string.Empty;
    public string OriginalSourceFileSystemArn { get; set; } = string.Empty;
    [JsonConverter(typeof(EpochSecondsConverter))]
    public DateTimeOffset CreationTime { get; set; }
    public List<EfsDestination> Destinations { get; set; } = [];
    public string? SourceFileSystemOwnerId { get; set; }
}

public sealed class EfsDescribeReplicationConfigurationsResponse
{
    public List<EfsReplicationConfigurationDescription> Replications { get; set; } = [];
    public string? NextToken { get; set; }
}

public sealed class EfsDestinationToCreate
{
    public string? Region { get; set; }
    public string? AvailabilityZoneName { get; set; }
    public string? KmsKeyId { get; set; }
    public string? FileSystemId { get; set; }
    public string? RoleArn { get; set; }
}

public sealed class EfsCreateReplicationConfigurationRequest
{
    public List<EfsDestinationToCreate> Destinations { get; set; } = [];
}

public sealed class EfsUpdateFileSystemProtectionRequest
{
    public string? ReplicationOverwriteProtection { get; set; }
}

public sealed class EfsTagResourceRequest
{
    public List<EfsTag> Tags { get; set; } = [];
}

public sealed class EfsListTagsForResourceResponse
{
    public List<EfsTag> Tags { get; set; } = [];
    public string? NextToken { get; set; }
}

public sealed class EfsMountTargetDescription
{
    public string? OwnerId { get; set; }
    public string MountTargetId { get; set; } = string.Empty;
    public string FileSystemId { get; set; } = string.Empty;
    public string SubnetId { get; set; } = string.Empty;
    public string LifeCycleState { get; set; } = string.Empty;
    public string? IpAddress { get; set; }
    public string? NetworkInterfaceId { get; set; }
    public string? AvailabilityZoneId { get; set; }
    public string? AvailabilityZoneName { get; set; }
    public string? VpcId { get; set; }
}

public sealed class EfsDescribeMountTargetsResponse
{
    public string? Marker { get; set; }
    public List<EfsMountTargetDescription> MountTargets { get; set; } = [];
    public string? NextMarker { get; set; }
}

public sealed class EfsCreateMountTargetRequest
{
    public string FileSystemId { get; set; } = string.Empty;
    public string SubnetId { get; set; } = string.Empty;
    public string? IpAddress { get; set; }
    public List<string>? SecurityGroups { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(EfsDescribeFileSystemsResponse))]
[JsonSerializable(typeof(EfsFileSystemDescription))]
[JsonSerializable(typeof(EfsDescribeReplicationConfigurationsResponse))]
[JsonSerializable(typeof(EfsReplicationConfigurationDescription))]
[JsonSerializable(typeof(EfsCreateReplicationConfigurationRequest))]
[JsonSerializable(typeof(EfsUpdateFileSystemProtectionRequest))]
[JsonSerializable(typeof(EfsFileSystemProtection))]
[JsonSerializable(typeof(EfsTagResourceRequest))]
[JsonSerializable(typeof(EfsListTagsForResourceResponse))]
[JsonSerializable(typeof(EfsDescribeMountTargetsResponse))]
[JsonSerializable(typeof(EfsMountTargetDescription))]
[JsonSerializable(typeof(EfsCreateMountTargetRequest))]
[JsonSerializable(typeof(EfsCreateFileSystemRequest))]
public sealed partial class EfsJsonContext : JsonSerializerContext;
#pragma warning restore CS1591
