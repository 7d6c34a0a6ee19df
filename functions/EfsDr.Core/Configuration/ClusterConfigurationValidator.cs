using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using EfsDr.Core.Exceptions;

namespace EfsDr.Core.Configuration;

/// <summary>Checks a configuration field by field. Values that reach a node's shell are held to the same patterns
/// as the SSM document's <c>allowedPattern</c>s (see <see cref="Patterns"/>).</summary>
public static class ClusterConfigurationValidator
{
    /// <summary>The longest configuration document, in UTF-8 bytes: an SSM Standard parameter holds 4 KB (4096 bytes).</summary>
    public const int MaxDocumentBytes = 4096;

    /// <summary>How much of a bad value a message repeats; longer values are cut there and end with "…".</summary>
    public const int MaxQuotedLength = 60;

    /// <summary>Every problem of <paramref name="configuration"/>, each naming its field; empty when it is valid.</summary>
    /// <param name="configuration">The parsed configuration.</param>
    /// <param name="isKnownRegion">Says whether a region name is a real AWS region (the composition root passes the AWS
    /// adapters' list); null checks the name's shape only.</param>
    public static IReadOnlyList<FieldError> Validate(ClusterConfiguration configuration, Func<string, bool>? isKnownRegion = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var errors = new List<FieldError>();
        void Check(bool ok, string field, string message)
        {
            if (!ok)
            {
                errors.Add(new FieldError(field, message));
            }
        }

        var missing = new (object? Value, string Field)[]
        {
            (configuration.FileSystem, "fileSystem"), (configuration.Servers, "servers"), (configuration.Dns, "dns"),
            (configuration.Application, "application"), (configuration.Poll, "poll"), (configuration.Budgets, "budgets"),
        }.Where(x => x.Value is null).Select(x => new FieldError(x.Field, "must be an object, not null")).ToList();
        if (missing.Count > 0 || configuration.Servers.Any(s => s is null))
        {
            return missing.Count > 0 ? missing : [new FieldError("servers", "must not contain null")];
        }

        var fs = configuration.FileSystem;
        Check(Patterns.FileSystemName().IsMatch(fs.Name), "fileSystem.name", $"'{Shorten(fs.Name)}' must be 1–256 characters of letters, digits, spaces and _ . : / = + - @ (an EFS Name tag)");
        Check(Patterns.IsMountPoint(fs.MountPoint), "fileSystem.mountPoint", $"'{Shorten(fs.MountPoint)}' must be an absolute path below / of letters, digits and . _ - / without '..'");
        Check(Enum.IsDefined(fs.MountMethod), "fileSystem.mountMethod", "must be one of: " + MountMethods);

        Check(configuration.Servers.Count > 0, "servers", "at least one server is required");
        for (var i = 0; i < configuration.Servers.Count; i++)
        {
            var s = configuration.Servers[i];
            var at = $"servers[{i}]";
            Check(Patterns.ServerName().IsMatch(s.Name), at + ".name", $"'{Shorten(s.Name)}' must be 1–63 letters, digits, '.', '_' or '-', starting with a letter or digit");
            Check(Patterns.GroupName().IsMatch(s.Group), at + ".group", $"'{Shorten(s.Group)}' must be a server group name such as Main or Sub");
            Check(IsRegion(s.Region, isKnownRegion), at + ".region", $"'{Shorten(s.Region)}' is not an AWS region (for example us-west-2); check the spelling");
            Check(Patterns.InstanceId().IsMatch(s.InstanceId), at + ".instanceId", $"'{Shorten(s.InstanceId)}' is not an EC2 instance id (i- and 8 or 17 hex digits)");
            Check(Patterns.IsIPv4(s.PrivateIp), at + ".privateIp", $"'{Shorten(s.PrivateIp)}' is not an IPv4 address");
            Check(!Patterns.IsIPv4(s.PrivateIp) || Patterns.IsUsableHostAddress(s.PrivateIp), at + ".privateIp", $"'{s.PrivateIp}' cannot be a server's address (0.0.0.0/8, link-local, multicast, reserved and broadcast addresses are not); give the instance's private IPv4 address");
        }

        foreach (var (field, values) in new[]
        {
            ("name", configuration.Servers.Select(s => s.Name)),
            ("instanceId", configuration.Servers.Select(s => s.InstanceId)),
            ("privateIp", configuration.Servers.Select(s => s.PrivateIp)),
        })
        {
            var duplicate = values.GroupBy(v => v, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1 && g.Key.Length > 0);
            Check(duplicate is null, "servers[]." + field, $"'{Shorten(duplicate?.Key)}' appears more than once");
        }

        ValidateMountTargets(configuration, errors);

        var dns = configuration.Dns;
        Check(Patterns.HostedZoneId().IsMatch(dns.HostedZoneId), "dns.hostedZoneId", $"'{Shorten(dns.HostedZoneId)}' is not a Route 53 hosted zone id (upper-case letters and digits, without /hostedzone/)");
        Check(Patterns.RecordName().IsMatch(dns.RecordName), "dns.recordName", $"'{Shorten(dns.RecordName)}' is not a DNS name");
        Check(dns.Ttl is >= 0 and <= 172800, "dns.ttl", $"{dns.Ttl} must be between 0 and 172800 seconds");
        Check(dns.FailoverTtl >= 0 && dns.FailoverTtl <= dns.Ttl, "dns.failoverTtl", $"{dns.FailoverTtl} must be between 0 and dns.ttl ({dns.Ttl})");

        var app = configuration.Application;
        Check(Patterns.Unit().IsMatch(app.Unit), "application.unit", $"'{Shorten(app.Unit)}' is not a systemd unit name");
        Check(Patterns.IsHealthUrl(app.HealthUrl), "application.healthUrl", $"'{Shorten(app.HealthUrl)}' must be an absolute http(s) URL without spaces or quotes");

        Check(configuration.RpoSeconds is >= 60 and <= 86400, "rpoSeconds", $"{configuration.RpoSeconds} must be between 60 and 86400");
        Check(configuration.Poll.PromotionSeconds is >= 1 and <= 300, "poll.promotionSeconds", $"{configuration.Poll.PromotionSeconds} must be between 1 and 300");
        Check(configuration.Poll.NodeSeconds is >= 1 and <= 300, "poll.nodeSeconds", $"{configuration.Poll.NodeSeconds} must be between 1 and 300");
        Check(configuration.Poll.DnsSeconds is >= 1 and <= 300, "poll.dnsSeconds", $"{configuration.Poll.DnsSeconds} must be between 1 and 300");
        Check(configuration.Poll.SyncSeconds is >= 1 and <= 300, "poll.syncSeconds", $"{configuration.Poll.SyncSeconds} must be between 1 and 300");
        Check(configuration.Budgets.PromotionSeconds is >= 60 and <= 86400, "budgets.promotionSeconds", $"{configuration.Budgets.PromotionSeconds} must be between 60 and 86400");
        Check(configuration.Budgets.NodeCommandSeconds is >= 30 and <= 172800, "budgets.nodeCommandSeconds", $"{configuration.Budgets.NodeCommandSeconds} must be between 30 and 172800");
        Check(configuration.Budgets.HealthSeconds is >= 1 and <= 3600, "budgets.healthSeconds", $"{configuration.Budgets.HealthSeconds} must be between 1 and 3600");
        Check(configuration.Budgets.HealthSeconds < configuration.Budgets.NodeCommandSeconds, "budgets.healthSeconds", "must be shorter than budgets.nodeCommandSeconds");
        Check(configuration.Budgets.DnsSeconds is >= 10 and <= 86400, "budgets.dnsSeconds", $"{configuration.Budgets.DnsSeconds} must be between 10 and 86400");
        Check(configuration.Budgets.SyncSeconds is >= 60 and <= 86400, "budgets.syncSeconds", $"{configuration.Budgets.SyncSeconds} must be between 60 and 86400");
        foreach (var (budget, budgetField, poll, pollField) in new[]
        {
            (configuration.Budgets.PromotionSeconds, "budgets.promotionSeconds", configuration.Poll.PromotionSeconds, "poll.promotionSeconds"),
            (configuration.Budgets.NodeCommandSeconds, "budgets.nodeCommandSeconds", configuration.Poll.NodeSeconds, "poll.nodeSeconds"),
            (configuration.Budgets.DnsSeconds, "budgets.dnsSeconds", configuration.Poll.DnsSeconds, "poll.dnsSeconds"),
            (configuration.Budgets.SyncSeconds, "budgets.syncSeconds", configuration.Poll.SyncSeconds, "poll.syncSeconds"),
        })
        {
            Check(budget >= poll, budgetField, $"{budget} is shorter than {pollField} ({poll}): the wait would end before its first check; raise the budget or shorten the interval");
        }

        return errors;
    }

    /// <summary>The largest number of security groups EFS allows on a mount target.</summary>
    public const int MaxSecurityGroups = 5;

    private static void ValidateMountTargets(ClusterConfiguration configuration, List<FieldError> errors)
    {
        if (configuration.MountTargets is null)
        {
            errors.Add(new FieldError("mountTargets", "must be an array, not null"));
            return;
        }

        // A bad server region is reported once, at the server: the mount targets are not measured against it.
        var serverRegionsValid = !errors.Any(e => e.Field.StartsWith("servers[", StringComparison.Ordinal) && e.Field.EndsWith(".region", StringComparison.Ordinal));
        var regions = configuration.Regions;
        for (var i = 0; i < configuration.MountTargets.Count; i++)
        {
            var at = $"mountTargets[{i}]";
            if (configuration.MountTargets[i] is not { } m)
            {
                errors.Add(new FieldError(at, "must not be null"));
                continue;
            }

            if (serverRegionsValid && !regions.Contains(m.Region, StringComparer.Ordinal))
            {
                errors.Add(new FieldError(at + ".region", $"'{Shorten(m.Region)}' is not a region of any server ({string.Join(", ", regions)})"));
            }

            if (!Patterns.SubnetId().IsMatch(m.SubnetId ?? string.Empty))
            {
                errors.Add(new FieldError(at + ".subnetId", $"'{Shorten(m.SubnetId)}' is not a subnet id (subnet- and 8 or 17 hex digits)"));
            }

            var groups = m.SecurityGroups ?? [];
            if (groups.Count is < 1 or > MaxSecurityGroups)
            {
                errors.Add(new FieldError(at + ".securityGroups", $"has {groups.Count} security groups; a mount target takes 1 to {MaxSecurityGroups}"));
            }

            foreach (var bad in groups.Where(g => !Patterns.SecurityGroupId().IsMatch(g ?? string.Empty)))
            {
                errors.Add(new FieldError(at + ".securityGroups", $"'{Shorten(bad)}' is not a security group id (sg- and 8 or 17 hex digits)"));
            }
        }

        var duplicate = configuration.MountTargets.Where(m => m is not null).GroupBy(m => m.SubnetId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            errors.Add(new FieldError("mountTargets[].subnetId", $"'{Shorten(duplicate.Key)}' appears more than once (one mount target per subnet)"));
        }
    }

    /// <summary>Throws <see cref="InvalidConfigurationException"/> unless the configuration is valid.</summary>
    /// <param name="configuration">The parsed configuration.</param>
    /// <param name="isKnownRegion">As in <see cref="Validate"/>.</param>
    public static ClusterConfiguration EnsureValid(ClusterConfiguration configuration, Func<string, bool>? isKnownRegion = null)
    {
        var errors = Validate(configuration, isKnownRegion);
        return errors.Count == 0 ? configuration : throw new InvalidConfigurationException(errors);
    }

    /// <summary>The allowed values of <c>fileSystem.mountMethod</c>, as they are written in the JSON.</summary>
    public static string MountMethods => string.Join(", ", Enum.GetValues<MountMethod>().Select(m => m switch
    {
        MountMethod.EfsUtils => "efs-utils",
        MountMethod.Nfs4 => "nfs4",
        _ => m.ToString(),
    }));

    /// <summary><paramref name="value"/> as a message repeats it: at most <see cref="MaxQuotedLength"/> characters, then "…".</summary>
    public static string Shorten(string? value) =>
        value is null ? string.Empty : value.Length <= MaxQuotedLength ? value : string.Concat(value.AsSpan(0, MaxQuotedLength), "…");

    private static bool IsRegion(string? region, Func<string, bool>? isKnownRegion) =>
        region is not null && Patterns.Region().IsMatch(region) && (isKnownRegion is null || isKnownRegion(region));
}

/// <summary>The patterns shared by the validator and the SSM document's <c>allowedPattern</c>s.</summary>
public static partial class Patterns
{
    /// <summary>An EFS Name tag value.</summary>
    [GeneratedRegex(@"^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$")]
    public static partial Regex FileSystemName();

    /// <summary>A cluster server name.</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    public static partial Regex ServerName();

    /// <summary>A server group name.</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,30}$")]
    public static partial Regex GroupName();

    /// <summary>An AWS region.</summary>
    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    public static partial Regex Region();

    /// <summary>An EC2 instance id.</summary>
    [GeneratedRegex("^i-([0-9a-f]{8}|[0-9a-f]{17})$")]
    public static partial Regex InstanceId();

    /// <summary>A VPC subnet id.</summary>
    [GeneratedRegex("^subnet-([0-9a-f]{8}|[0-9a-f]{17})$")]
    public static partial Regex SubnetId();

    /// <summary>A VPC security group id.</summary>
    [GeneratedRegex("^sg-([0-9a-f]{8}|[0-9a-f]{17})$")]
    public static partial Regex SecurityGroupId();

    /// <summary>An EFS file system id (the SSM document's FileSystemId pattern).</summary>
    [GeneratedRegex("^fs-[0-9a-f]{8,40}$")]
    public static partial Regex FileSystemId();

    /// <summary>A Route 53 hosted zone id.</summary>
    [GeneratedRegex("^[A-Z0-9]{1,32}$")]
    public static partial Regex HostedZoneId();

    /// <summary>A DNS record name, trailing dot optional.</summary>
    [GeneratedRegex(@"^(?=.{1,253}\.?$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$")]
    public static partial Regex RecordName();

    /// <summary>A systemd unit name (the SSM document's Unit pattern).</summary>
    [GeneratedRegex("^[A-Za-z0-9@._-]{1,64}$")]
    public static partial Regex Unit();

    /// <summary>A mount point (the SSM document's MountPoint pattern).</summary>
    [GeneratedRegex("^/[A-Za-z0-9._/-]{1,254}$")]
    public static partial Regex MountPointPattern();

    /// <summary>A health URL (the SSM document's HealthUrl pattern).</summary>
    [GeneratedRegex(@"^https?://[A-Za-z0-9.:\[\]_-]+(/[A-Za-z0-9._~/%-]*)?$")]
    public static partial Regex HealthUrlPattern();

    /// <summary>True for an absolute mount point that is not / and has no '..' segment.</summary>
    public static bool IsMountPoint(string? value) =>
        value is not null && MountPointPattern().IsMatch(value) && !value.Split('/').Contains("..") && value.TrimEnd('/').Length > 0;

    /// <summary>True for a dotted-quad IPv4 address.</summary>
    public static bool IsIPv4(string? value) =>
        value is not null && IPAddress.TryParse(value, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork && ip.ToString() == value;

    /// <summary>True for an IPv4 address a host can have: not 0.0.0.0/8 (this network), 169.254.0.0/16 (link-local),
    /// 224.0.0.0/4 (multicast) or 240.0.0.0/4 (reserved, and the broadcast address). Loopback stays allowed: the local
    /// cloud's nodes listen on 127.0.0.x.</summary>
    public static bool IsUsableHostAddress(string? value)
    {
        if (value is null || !IPAddress.TryParse(value, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }

        var bytes = ip.GetAddressBytes();
        return bytes[0] != 0 && !(bytes[0] == 169 && bytes[1] == 254) && bytes[0] < 224;
    }

    /// <summary>True for an absolute http(s) URL that the node may poll.</summary>
    public static bool IsHealthUrl(string? value) =>
        value is not null && value.Length <= 512 && HealthUrlPattern().IsMatch(value) && Uri.TryCreate(value, UriKind.Absolute, out _);
}
