using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EfsDr.LocalCloud.Hosting;

namespace EfsDr.LocalCloud.Efs;

/// <summary>The REST-JSON operations of <see cref="EfsEmulator"/>.</summary>
public sealed partial class EfsEmulator
{
    private const string AllConfigurations = "ALL_CONFIGURATIONS";
    private const string LocalConfigurationOnly = "LOCAL_CONFIGURATION_ONLY";

    /// <inheritdoc />
    public Task<AwsAnswer> HandleAsync(AwsCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            // Under the step gate: no copy is in flight while a request changes state (a copy never runs once DELETING is set).
            lock (_stepGate)
            {
                StepLocked();
                return Task.FromResult(Route(call));
            }
        }
        catch (EfsError e)
        {
            return Task.FromResult(AwsAnswer.JsonError(e.Status, e.Code, e.Message, restJson: true));
        }
        catch (JsonException e)
        {
            return Task.FromResult(AwsAnswer.JsonError(400, "BadRequest", "The request body is not valid JSON: " + e.Message, restJson: true));
        }
    }

    private AwsAnswer Route(AwsCall call)
    {
        // ASP.NET Core decodes the path except %2F, so an ARN in a segment arrives with its '/' still encoded.
        var segments = call.Path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        if (segments.Length < 2 || segments[0] != "2015-02-01")
        {
            throw EfsError.BadRequest($"The local cloud does not emulate {call.Method} {call.Path}.");
        }

        return (call.Method, segments[1..]) switch
        {
            ("GET", ["file-systems"]) => DescribeFileSystems(call),
            ("POST", ["file-systems"]) => CreateFileSystem(call),
            ("GET", ["file-systems", "replication-configurations"]) => DescribeReplicationConfigurations(call),
            ("POST", ["file-systems", var id, "replication-configuration"]) => CreateReplicationConfiguration(call, id),
            ("DELETE", ["file-systems", var id, "replication-configuration"]) => DeleteReplicationConfiguration(call, id),
            ("PUT", ["file-systems", var id, "protection"]) => UpdateFileSystemProtection(call, id),
            ("POST", ["resource-tags", var id]) => TagResource(call, id),
            ("GET", ["resource-tags", var id]) => ListTagsForResource(call, id),
            ("GET", ["mount-targets"]) => DescribeMountTargets(call),
            ("POST", ["mount-targets"]) => CreateMountTarget(call),
            _ => throw EfsError.BadRequest($"The local cloud does not emulate {call.Method} {call.Path}."),
        };
    }

    private AwsAnswer DescribeFileSystems(AwsCall call)
    {
        var max = Math.Min(Limit(call, "MaxItems", 100), 100); // EFS pages file systems by 100 at most
        var marker = call.Query.GetValueOrDefault("Marker");
        List<FileSystemState> page;
        string? next;
        lock (_gate)
        {
            IEnumerable<FileSystemState> all = _byRegion.GetValueOrDefault(call.Region, []);
            if (call.Query.GetValueOrDefault("FileSystemId") is { Length: > 0 } id)
            {
                all = [Find(call.Region, id)];
            }

            if (call.Query.GetValueOrDefault("CreationToken") is { Length: > 0 } token)
            {
                all = all.Where(f => f.CreationToken == token);
            }

            (page, next) = Page(all.ToList(), f => f.Id, marker, max);
            page = [.. page.Select(Copy)];
        }

        var answer = new JsonObject();
        if (marker is not null)
        {
            answer["Marker"] = marker;
        }

        answer["FileSystems"] = new JsonArray([.. page.Select(FileSystemJson)]);
        if (next is not null)
        {
            answer["NextMarker"] = next;
        }

        return Json(answer);
    }

    private AwsAnswer CreateFileSystem(AwsCall call)
    {
        var body = call.Json;
        var token = Text(body, "CreationToken") ?? throw EfsError.BadRequest("CreationToken is required.");
        FileSystemState fs;
        lock (_gate)
        {
            if (_byRegion.GetValueOrDefault(call.Region, []).FirstOrDefault(f => f.CreationToken == token) is { } existing)
            {
                throw new EfsError(409, "FileSystemAlreadyExists", $"File system '{existing.Id}' already exists with creation token '{token}'.");
            }

            var tags = Tags(body);
            fs = AddFileSystem(call.Region, token, Text(body, "AvailabilityZoneName"));
            foreach (var (key, value) in tags)
            {
                fs.SetTag(key, value);
            }

            fs = Copy(fs);
        }

        return Json(FileSystemJson(fs), 201);
    }

    private AwsAnswer DescribeReplicationConfigurations(AwsCall call)
    {
        var max = Limit(call, "MaxResults", 100);
        List<JsonObject> page;
        string? next;
        lock (_gate)
        {
            IEnumerable<ReplicationState> visible = _replications.Where(r => r.VisibleIn(call.Region));
            if (call.Query.GetValueOrDefault("FileSystemId") is { Length: > 0 } idOrArn)
            {
                var fs = Find(call.Region, idOrArn);
                visible = visible.Where(r => r.Involves(fs.Region, fs.Id)).ToList();
                if (!visible.Any())
                {
                    throw EfsError.ReplicationNotFound($"No replication configuration found for file system '{fs.Id}'.");
                }
            }

            var all = visible.ToList();
            (var slice, next) = Page(all, r => all.IndexOf(r).ToString(CultureInfo.InvariantCulture), call.Query.GetValueOrDefault("NextToken"), max);
            page = [.. slice.Select(r => ReplicationJson(r, call.Region))];
        }

        var answer = new JsonObject { ["Replications"] = new JsonArray([.. page]) };
        if (next is not null)
        {
            answer["NextToken"] = next;
        }

        return Json(answer);
    }

    private AwsAnswer CreateReplicationConfiguration(AwsCall call, string sourceId)
    {
        var body = call.Json;
        if (!body.TryGetProperty("Destinations", out var destinations) || destinations.ValueKind != JsonValueKind.Array || destinations.GetArrayLength() != 1)
        {
            throw EfsError.BadRequest("Destinations must hold exactly one destination.");
        }

        var destination = destinations[0];
        var fileSystemId = Text(destination, "FileSystemId");
        var zone = Text(destination, "AvailabilityZoneName");
        lock (_gate)
        {
            var source = Find(call.Region, sourceId);
            var region = Text(destination, "Region")
                ?? (fileSystemId is null ? null : RegionOf(fileSystemId))
                ?? (zone is { Length: > 1 } ? zone[..^1] : null)
                ?? call.Region;
            var replication = AddReplication(source, region, fileSystemId, zone);
            return Json(ReplicationJson(replication, call.Region));
        }
    }

    private AwsAnswer DeleteReplicationConfiguration(AwsCall call, string sourceIdOrArn)
    {
        var mode = call.Query.GetValueOrDefault("deletionMode") ?? AllConfigurations;
        if (mode is not (AllConfigurations or LocalConfigurationOnly))
        {
            throw EfsError.BadRequest($"deletionMode must be {AllConfigurations} or {LocalConfigurationOnly}, not '{mode}'.");
        }

        var sourceId = IdOf(sourceIdOrArn);
        lock (_gate)
        {
            var replication = _replications.FirstOrDefault(r => r.Source.FileSystemId == sourceId && r.VisibleIn(call.Region))
                ?? throw EfsError.ReplicationNotFound($"No replication configuration found for source file system '{sourceId}'.");
            var local = replication.Sides.Where(s => s.Present && s.Region == call.Region).ToList();
            var remote = replication.Sides.Where(s => s.Region != call.Region).ToList();
            if (mode == LocalConfigurationOnly)
            {
                if (!replication.CrossRegion)
                {
                    throw EfsError.BadRequest($"{LocalConfigurationOnly} cannot be used for a replication configuration within one Region; use {AllConfigurations}.");
                }
            }
            else if (remote.FirstOrDefault() is { } other)
            {
                if (!other.Present)
                {
                    throw EfsError.BadRequest($"The replication configuration no longer exists in {other.Region}; delete the local configuration with deletionMode={LocalConfigurationOnly}.");
                }

                if (Unreachable(other.Region))
                {
                    throw EfsError.BadRequest($"Amazon EFS cannot reach the replication configuration in {other.Region} to delete it. Try again later, or delete only the local configuration with deletionMode={LocalConfigurationOnly}.");
                }

                local.Add(other);
            }

            var now = Now();
            foreach (var side in local.Where(s => s.State == SideState.Active))
            {
                side.State = SideState.Deleting;
                side.DeletingSince = now;
                if (side == replication.Destination)
                {
                    side.TimelineEntry = Context.Timeline.Start(PhysicalKind.ReplicationDeletion, side.FileSystemId, replication.Source.FileSystemId, now);
                }
            }
        }

        return AwsAnswer.Empty(204);
    }

    private AwsAnswer UpdateFileSystemProtection(AwsCall call, string id)
    {
        var value = Text(call.Json, "ReplicationOverwriteProtection");
        if (value is not (EfsProtection.Enabled or EfsProtection.Disabled))
        {
            throw EfsError.BadRequest($"ReplicationOverwriteProtection must be {EfsProtection.Enabled} or {EfsProtection.Disabled}, not '{value}'.");
        }

        lock (_gate)
        {
            var fs = Find(call.Region, id);
            if (_replications.Any(r => r.Destination.Is(fs.Region, fs.Id)))
            {
                throw EfsError.ReplicationAlreadyExists("ReplicationOverwriteProtection cannot be changed while the file system is a replication destination.");
            }

            fs.Protection = value;
        }

        return Json(new JsonObject { ["ReplicationOverwriteProtection"] = value });
    }

    private AwsAnswer TagResource(AwsCall call, string id)
    {
        var tags = Tags(call.Json);
        lock (_gate)
        {
            var fs = Find(call.Region, id);
            foreach (var (key, value) in tags)
            {
                fs.SetTag(key, value);
            }
        }

        return AwsAnswer.Empty(200);
    }

    private AwsAnswer ListTagsForResource(AwsCall call, string id)
    {
        var max = Limit(call, "MaxResults", 100);
        List<KeyValuePair<string, string>> page;
        string? next;
        lock (_gate)
        {
            var tags = Find(call.Region, id).Tags.ToList();
            (page, next) = Page(tags, t => tags.IndexOf(t).ToString(CultureInfo.InvariantCulture), call.Query.GetValueOrDefault("NextToken"), max);
        }

        var answer = new JsonObject { ["Tags"] = TagsJson(page) };
        if (next is not null)
        {
            answer["NextToken"] = next;
        }

        return Json(answer);
    }

    private AwsAnswer DescribeMountTargets(AwsCall call)
    {
        var max = Limit(call, "MaxItems", 10);
        var marker = call.Query.GetValueOrDefault("Marker");
        var fileSystemId = call.Query.GetValueOrDefault("FileSystemId");
        var mountTargetId = call.Query.GetValueOrDefault("MountTargetId");
        if (call.Query.ContainsKey("AccessPointId"))
        {
            throw EfsError.BadRequest("The local cloud has no access points.");
        }

        List<MountTargetState> page;
        string? next;
        lock (_gate)
        {
            List<MountTargetState> all;
            if (!string.IsNullOrEmpty(fileSystemId))
            {
                all = [.. Find(call.Region, fileSystemId).MountTargets];
            }
            else if (!string.IsNullOrEmpty(mountTargetId))
            {
                all = [.. _byRegion.GetValueOrDefault(call.Region, []).SelectMany(f => f.MountTargets).Where(m => m.Id == mountTargetId)];
                if (all.Count == 0)
                {
                    throw new EfsError(404, "MountTargetNotFound", $"Mount target '{mountTargetId}' does not exist.");
                }
            }
            else
            {
                throw EfsError.BadRequest("FileSystemId or MountTargetId is required.");
            }

            (page, next) = Page(all, m => m.Id, marker, max);
        }

        var answer = new JsonObject();
        if (marker is not null)
        {
            answer["Marker"] = marker;
        }

        answer["MountTargets"] = new JsonArray([.. page.Select(m => MountTargetJson(call.Region, m))]);
        if (next is not null)
        {
            answer["NextMarker"] = next;
        }

        return Json(answer);
    }

    private AwsAnswer CreateMountTarget(AwsCall call)
    {
        var body = call.Json;
        var fileSystemId = Text(body, "FileSystemId") ?? throw EfsError.BadRequest("FileSystemId is required.");
        var subnetId = Text(body, "SubnetId") ?? throw EfsError.BadRequest("SubnetId is required.");
        MountTargetState target;
        lock (_gate)
        {
            var fs = Find(call.Region, fileSystemId);
            var zone = Context.Ec2.AvailabilityZoneOfSubnet(call.Region, subnetId) ?? fs.AvailabilityZoneName ?? call.Region + "a";
            target = AddMountTarget(fs, subnetId, zone, Text(body, "IpAddress"));
        }

        return Json(MountTargetJson(call.Region, target));
    }

    // ---- wire shapes ----

    private static JsonObject FileSystemJson(FileSystemState fs)
    {
        var size = DirectorySize(fs.DataDirectory);
        var json = new JsonObject
        {
            ["OwnerId"] = AccountId,
            ["CreationToken"] = fs.CreationToken,
            ["FileSystemId"] = fs.Id,
            ["FileSystemArn"] = fs.Arn,
            ["CreationTime"] = Epoch(fs.CreationTime),
            ["LifeCycleState"] = "available",
        };
        if (fs.Name is { } name)
        {
            json["Name"] = name;
        }

        json["NumberOfMountTargets"] = fs.MountTargets.Count;
        json["SizeInBytes"] = new JsonObject { ["Value"] = size, ["ValueInIA"] = 0, ["ValueInStandard"] = size, ["ValueInArchive"] = 0 };
        json["PerformanceMode"] = "generalPurpose";
        json["Encrypted"] = true;
        json["KmsKeyId"] = $"arn:aws:kms:{fs.Region}:{AccountId}:key/00000000-0000-0000-0000-000000000000";
        json["ThroughputMode"] = "elastic";
        if (fs.AvailabilityZoneName is { } zone)
        {
            json["AvailabilityZoneName"] = zone;
            json["AvailabilityZoneId"] = ZoneId(fs.Region, zone);
        }

        json["Tags"] = TagsJson(fs.Tags);
        json["FileSystemProtection"] = new JsonObject { ["ReplicationOverwriteProtection"] = fs.Protection };
        return json;
    }

    private static JsonObject ReplicationJson(ReplicationState r, string region)
    {
        var destination = new JsonObject
        {
            ["Status"] = r.StatusIn(region),
            ["FileSystemId"] = r.Destination.FileSystemId,
            ["Region"] = r.Destination.Region,
        };
        if (r.LastReplicated is { } last)
        {
            destination["LastReplicatedTimestamp"] = Epoch(last);
        }

        if (r.StatusMessage is { } message)
        {
            destination["StatusMessage"] = message;
        }

        destination["OwnerId"] = AccountId;
        return new JsonObject
        {
            ["SourceFileSystemId"] = r.Source.FileSystemId,
            ["SourceFileSystemRegion"] = r.Source.Region,
            ["SourceFileSystemArn"] = r.SourceArn,
            ["OriginalSourceFileSystemArn"] = r.SourceArn,
            ["CreationTime"] = Epoch(r.CreationTime),
            ["Destinations"] = new JsonArray(destination),
            ["SourceFileSystemOwnerId"] = AccountId,
        };
    }

    private static JsonObject MountTargetJson(string region, MountTargetState m) => new()
    {
        ["OwnerId"] = AccountId,
        ["MountTargetId"] = m.Id,
        ["FileSystemId"] = m.FileSystemId,
        ["SubnetId"] = m.SubnetId,
        ["LifeCycleState"] = "available",
        ["IpAddress"] = m.IpAddress,
        ["NetworkInterfaceId"] = m.NetworkInterfaceId,
        ["AvailabilityZoneId"] = ZoneId(region, m.AvailabilityZoneName),
        ["AvailabilityZoneName"] = m.AvailabilityZoneName,
        ["VpcId"] = m.VpcId,
    };

    private static JsonArray TagsJson(IEnumerable<KeyValuePair<string, string>> tags) =>
        new([.. tags.Select(t => new JsonObject { ["Key"] = t.Key, ["Value"] = t.Value })]);

    /// <summary>An AZ id in the form of AWS's (use1-az1 for us-east-1a); AWS maps letters to ids per account.</summary>
    private static string ZoneId(string region, string zone)
    {
        var parts = region.Split('-');
        var prefix = parts.Length == 3 ? parts[0] + parts[1][0] + parts[2] : region;
        return $"{prefix}-az{zone[^1] - 'a' + 1}";
    }

    private static double Epoch(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;

    private static long DirectorySize(string directory)
    {
        try
        {
            return 6144 + new DirectoryInfo(directory).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true }).Sum(f => f.Length);
        }
        catch (IOException)
        {
            return 6144;
        }
    }

    // ---- request helpers ----

    /// <summary>A detached copy for rendering outside the lock.</summary>
    private static FileSystemState Copy(FileSystemState fs)
    {
        var copy = new FileSystemState
        {
            Region = fs.Region,
            Id = fs.Id,
            Arn = fs.Arn,
            CreationToken = fs.CreationToken,
            CreationTime = fs.CreationTime,
            DataDirectory = fs.DataDirectory,
            AvailabilityZoneName = fs.AvailabilityZoneName,
            Protection = fs.Protection,
        };
        copy.Tags.AddRange(fs.Tags);
        copy.MountTargets.AddRange(fs.MountTargets);
        return copy;
    }

    /// <summary>One page from the item whose key is <paramref name="marker"/> (the start when null); the next page's marker or null.</summary>
    private static (List<T> Page, string? Next) Page<T>(List<T> all, Func<T, string> key, string? marker, int max)
    {
        var start = 0;
        if (!string.IsNullOrEmpty(marker))
        {
            start = all.FindIndex(item => key(item) == marker);
            if (start < 0)
            {
                throw EfsError.BadRequest($"The marker or token '{marker}' is not valid.");
            }
        }

        var page = all.Skip(start).Take(max).ToList();
        return (page, start + max < all.Count ? key(all[start + max]) : null);
    }

    private static int Limit(AwsCall call, string name, int fallback)
    {
        if (!call.Query.TryGetValue(name, out var text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= 1
            ? value
            : throw EfsError.BadRequest($"{name} must be a positive integer, not '{text}'.");
    }

    private static List<KeyValuePair<string, string>> Tags(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("Tags", out var tags))
        {
            return [];
        }

        if (tags.ValueKind != JsonValueKind.Array)
        {
            throw EfsError.BadRequest("Tags must be a list.");
        }

        var result = new List<KeyValuePair<string, string>>();
        foreach (var tag in tags.EnumerateArray())
        {
            var key = Text(tag, "Key") ?? throw EfsError.BadRequest("Every tag needs a Key.");
            var value = Text(tag, "Value") ?? string.Empty;
            if (key.Length is 0 or > 128 || key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase) || value.Length > 256)
            {
                throw EfsError.BadRequest($"Tag '{key}' is not valid: keys have 1-128 characters and do not start with 'aws:'; values have at most 256.");
            }

            result.Add(new(key, value));
        }

        return result;
    }

    private static string? Text(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static AwsAnswer Json(JsonNode node, int status = 200) => AwsAnswer.Json(node.ToJsonString(), status);
}
