using System.Text.Json.Serialization;

namespace EfsDr.Core.Configuration;

/// <summary>How the node mounts EFS.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MountMethod>))]
public enum MountMethod
{
    /// <summary><c>mount -t efs -o tls</c> (amazon-efs-utils): encryption in transit and AWS's recommended options.</summary>
    [JsonStringEnumMemberName("efs-utils")]
    EfsUtils,

    /// <summary>Plain NFSv4.1 with AWS's recommended options, for nodes without efs-utils.</summary>
    [JsonStringEnumMemberName("nfs4")]
    Nfs4,
}

/// <summary>The protected file system and how it is mounted.</summary>
public sealed record FileSystemSettings
{
    /// <summary>The exact value of the Name tag, the same in every region.</summary>
    [JsonRequired]
    public string Name { get; set; } = string.Empty;

    /// <summary>Where the active node mounts it.</summary>
    public string MountPoint { get; set; } = "/mnt/efs";

    /// <summary>How it is mounted.</summary>
    public MountMethod MountMethod { get; set; } = MountMethod.EfsUtils;
}

/// <summary>One cluster node.</summary>
public sealed record ServerSettings
{
    /// <summary>The EXPRESSCLUSTER server name (server1 …).</summary>
    [JsonRequired]
    public string Name { get; set; } = string.Empty;

    /// <summary>The server group: Main or Sub.</summary>
    [JsonRequired]
    public string Group { get; set; } = string.Empty;

    /// <summary>The region the node runs in.</summary>
    [JsonRequired]
    public string Region { get; set; } = string.Empty;

    /// <summary>The EC2 instance id.</summary>
    [JsonRequired]
    public string InstanceId { get; set; } = string.Empty;

    /// <summary>The private IPv4 address the DNS record points at when this node is active.</summary>
    [JsonRequired]
    public string PrivateIp { get; set; } = string.Empty;
}

/// <summary>The Route 53 record that names the active node.</summary>
public sealed record DnsSettings
{
    /// <summary>The private hosted zone id (without /hostedzone/).</summary>
    [JsonRequired]
    public string HostedZoneId { get; set; } = string.Empty;

    /// <summary>The A record, e.g. drtest.example.com.</summary>
    [JsonRequired]
    public string RecordName { get; set; } = string.Empty;

    /// <summary>The TTL in normal operation.</summary>
    public long Ttl { get; set; } = 300;

    /// <summary>The TTL set at the start of a failover so caches expire before the flip.</summary>
    public long FailoverTtl { get; set; } = 30;
}

/// <summary>The application served from the file system.</summary>
public sealed record ApplicationSettings
{
    /// <summary>The systemd unit.</summary>
    public string Unit { get; set; } = "minio";

    /// <summary>The URL the node polls until the application is healthy.</summary>
    public string HealthUrl { get; set; } = "http://127.0.0.1:9000/minio/health/live";
}

/// <summary>How often each wait loop polls, in seconds.</summary>
public sealed record PollSettings
{
    /// <summary>Between checks of the orphaned configuration's deletion (reprotect). A failover's promotion checks are
    /// spaced by the expected promotion instead (<see cref="Failover.PollSchedule"/>).</summary>
    public int PromotionSeconds { get; set; } = 30;

    /// <summary>The longest wait between node-command checks (the first comes after 3 s, then the waits grow to this).</summary>
    public int NodeSeconds { get; set; } = 10;

    /// <summary>The longest wait between DNS change checks (the first comes after 3 s, then the waits grow to this).</summary>
    public int DnsSeconds { get; set; } = 10;

    /// <summary>Between sync checks of a planned failover (the replica catching up with the stopped source).</summary>
    public int SyncSeconds { get; set; } = 30;
}

/// <summary>The most each phase may take, in seconds.</summary>
public sealed record BudgetSettings
{
    /// <summary>From the delete request until the replica is writable: 70 minutes covers a 60-minute promotion with room
    /// for its last checks (EFS says "several minutes" with no bound; Terraform waits 20; the seed measured 10–15).</summary>
    public int PromotionSeconds { get; set; } = DefaultPromotionSeconds;

    /// <summary>The default of <see cref="PromotionSeconds"/>.</summary>
    public const int DefaultPromotionSeconds = 4200;

    /// <summary>From SendCommand until the node reports.</summary>
    public int NodeCommandSeconds { get; set; } = 600;

    /// <summary>The node's own wait for the health URL.</summary>
    public int HealthSeconds { get; set; } = 120;

    /// <summary>From the UPSERT until INSYNC.</summary>
    public int DnsSeconds { get; set; } = 600;

    /// <summary>A planned failover: from stopping the source's node until the replica has caught up (EFS replicates within
    /// its 15-minute RPO, so twice that by default).</summary>
    public int SyncSeconds { get; set; } = 1800;
}

/// <summary>Where a new replica gets a mount target: one subnet (so one availability zone) where a region's nodes run.</summary>
public sealed record MountTargetSettings
{
    /// <summary>The region of the subnet; one of the servers' regions.</summary>
    [JsonRequired]
    public string Region { get; set; } = string.Empty;

    /// <summary>The subnet (subnet-…) the mount target is created in.</summary>
    [JsonRequired]
    public string SubnetId { get; set; } = string.Empty;

    /// <summary>The security groups (sg-…, 1 to 5) of the mount target.</summary>
    [JsonRequired]
    public IReadOnlyList<string> SecurityGroups { get; set; } = [];
}

/// <summary>The whole cluster as EfsDr sees it: one JSON document, stored in SSM Parameter Store in each region.</summary>
public sealed record ClusterConfiguration
{
    /// <summary>The protected file system.</summary>
    [JsonRequired]
    public FileSystemSettings FileSystem { get; set; } = new();

    /// <summary>The cluster's nodes.</summary>
    [JsonRequired]
    public IReadOnlyList<ServerSettings> Servers { get; set; } = [];

    /// <summary>The DNS record.</summary>
    [JsonRequired]
    public DnsSettings Dns { get; set; } = new();

    /// <summary>The application.</summary>
    public ApplicationSettings Application { get; set; } = new();

    /// <summary>The recovery point objective in seconds (EFS: 15 minutes for most file systems).</summary>
    public int RpoSeconds { get; set; } = 900;

    /// <summary>Poll intervals.</summary>
    public PollSettings Poll { get; set; } = new();

    /// <summary>Time budgets.</summary>
    public BudgetSettings Budgets { get; set; } = new();

    /// <summary>The subnets and security groups for mount targets of a file system EfsDr creates (reprotect into a new
    /// file system): one entry per availability zone where a region's nodes run.</summary>
    public IReadOnlyList<MountTargetSettings> MountTargets { get; set; } = [];

    /// <summary>The mount-target settings of <paramref name="region"/>, in configuration order.</summary>
    public IReadOnlyList<MountTargetSettings> MountTargetsIn(string region) =>
        [.. MountTargets.Where(m => string.Equals(m.Region, region, StringComparison.Ordinal))];

    /// <summary>The server with this name, or null.</summary>
    public ServerSettings? Server(string name) => Servers.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal));

    /// <summary>The regions that host servers, in configuration order.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Regions => [.. Servers.Select(s => s.Region).Distinct(StringComparer.Ordinal)];
}
