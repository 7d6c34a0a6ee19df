using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using EfsDr.LocalCloud.Hosting;

namespace EfsDr.LocalCloud.Ec2;

/// <summary>What a test or the drill can see of an instance.</summary>
public sealed record InstanceSnapshot(string Region, string InstanceId, string AvailabilityZone, string PrivateIp, string SubnetId, string State);

/// <summary>
/// EC2 (query protocol, XML answers): DescribeInstances by <c>InstanceId.N</c> and by the filters instance-id, instance-state-name,
/// subnet-id, availability-zone and private-ip-address. An unknown id is <c>InvalidInstanceID.NotFound</c> (400), an id that does not
/// start with <c>i-</c> is <c>InvalidInstanceID.Malformed</c>, as in EC2. Instances live in one region each.
/// </summary>
public sealed partial class Ec2Emulator(LocalCloudContext context) : IServiceEmulator
{
    private static readonly XNamespace Ns = "http://ec2.amazonaws.com/doc/2016-11-15/";

    /// <summary>EC2's state codes.</summary>
    private static readonly Dictionary<string, int> StateCodes = new(StringComparer.Ordinal)
    {
        ["pending"] = 0,
        ["running"] = 16,
        ["shutting-down"] = 32,
        ["terminated"] = 48,
        ["stopping"] = 64,
        ["stopped"] = 80,
    };

    private static readonly Dictionary<string, Func<Ec2Instance, string>> Filters = new(StringComparer.Ordinal)
    {
        ["instance-id"] = i => i.Id,
        ["instance-state-name"] = i => i.State,
        ["subnet-id"] = i => i.SubnetId,
        ["availability-zone"] = i => i.AvailabilityZone,
        ["private-ip-address"] = i => i.PrivateIp,
    };

    private readonly Lock _gate = new();
    private readonly List<Ec2Instance> _instances = [];

    /// <inheritdoc />
    public string SigningName => "ec2";

    internal LocalCloudContext Context { get; } = context;

    /// <inheritdoc />
    public Task<AwsAnswer> HandleAsync(AwsCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var form = call.Query.Concat(call.Form).GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        var action = form.GetValueOrDefault("Action");
        return Task.FromResult(action switch
        {
            "DescribeInstances" => DescribeInstances(call.Region, form),
            null => AwsAnswer.Ec2Error(400, "MissingAction", "The request must contain the parameter Action."),
            _ => AwsAnswer.Ec2Error(400, "InvalidAction", $"The action {action} is not valid for this web service."),
        });
    }

    /// <inheritdoc />
    public AwsAnswer Throttled() => AwsAnswer.Ec2Error(503, "RequestLimitExceeded", "Request limit exceeded.");

    /// <inheritdoc />
    public AwsAnswer ServerError() => AwsAnswer.Ec2Error(500, "InternalError", "An internal error has occurred (injected).");

    /// <summary>Adds a running instance (replacing one with the same id).</summary>
    public void AddInstance(string region, string instanceId, string availabilityZone, string privateIp, string subnetId)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentException.ThrowIfNullOrEmpty(availabilityZone);
        ArgumentException.ThrowIfNullOrEmpty(privateIp);
        ArgumentException.ThrowIfNullOrEmpty(subnetId);
        lock (_gate)
        {
            _instances.RemoveAll(i => i.Id == instanceId);
            _instances.Add(new Ec2Instance(region, instanceId, availabilityZone, privateIp, subnetId, "running", Context.Clock.Now));
        }
    }

    /// <summary>Sets an instance's state (pending, running, shutting-down, terminated, stopping, stopped).</summary>
    /// <exception cref="ArgumentException">An unknown instance or state.</exception>
    public void SetInstanceState(string instanceId, string state)
    {
        if (!StateCodes.ContainsKey(state ?? string.Empty))
        {
            throw new ArgumentException($"'{state}' is not an EC2 instance state ({string.Join(", ", StateCodes.Keys)}).", nameof(state));
        }

        lock (_gate)
        {
            var index = _instances.FindIndex(i => i.Id == instanceId);
            if (index < 0)
            {
                throw new ArgumentException($"No instance '{instanceId}' was added.", nameof(instanceId));
            }

            _instances[index] = _instances[index] with { State = state! };
        }
    }

    /// <summary>An instance, or null.</summary>
    public InstanceSnapshot? Instance(string instanceId)
    {
        lock (_gate)
        {
            return _instances.FirstOrDefault(i => i.Id == instanceId) is { } i
                ? new InstanceSnapshot(i.Region, i.Id, i.AvailabilityZone, i.PrivateIp, i.SubnetId, i.State)
                : null;
        }
    }

    /// <summary>The availability zone of a subnet some instance of the region uses, or null (EFS uses it for mount targets).</summary>
    internal string? AvailabilityZoneOfSubnet(string region, string subnetId)
    {
        lock (_gate)
        {
            return _instances.FirstOrDefault(i => i.Region == region && i.SubnetId == subnetId)?.AvailabilityZone;
        }
    }

    private AwsAnswer DescribeInstances(string region, Dictionary<string, string> form)
    {
        var ids = Numbered(form, "InstanceId.").ToList();
        if (ids.FirstOrDefault(id => !id.StartsWith("i-", StringComparison.Ordinal)) is { } malformed)
        {
            return AwsAnswer.Ec2Error(400, "InvalidInstanceID.Malformed", $"Invalid id: \"{malformed}\"");
        }

        var filters = new List<(Func<Ec2Instance, string> Field, HashSet<string> Values)>();
        for (var n = 1; form.TryGetValue($"Filter.{n}.Name", out var name); n++)
        {
            if (!Filters.TryGetValue(name, out var field))
            {
                return AwsAnswer.Ec2Error(400, "InvalidParameterValue", $"The filter '{name}' is invalid");
            }

            filters.Add((field, Numbered(form, $"Filter.{n}.Value.").ToHashSet(StringComparer.Ordinal)));
        }

        List<Ec2Instance> found;
        lock (_gate)
        {
            var inRegion = _instances.Where(i => i.Region == region).ToList();
            var missing = ids.Where(id => inRegion.All(i => i.Id != id)).Distinct(StringComparer.Ordinal).ToList();
            if (missing.Count > 0)
            {
                return AwsAnswer.Ec2Error(400, "InvalidInstanceID.NotFound", missing.Count == 1
                    ? $"The instance ID '{missing[0]}' does not exist"
                    : $"The instance IDs '{string.Join(", ", missing)}' do not exist");
            }

            found = [.. inRegion.Where(i => (ids.Count == 0 || ids.Contains(i.Id)) && filters.All(f => f.Values.Contains(f.Field(i))))];
        }

        return AwsAnswer.Xml(new XElement(
            Ns + "DescribeInstancesResponse",
            new XElement(Ns + "requestId", Guid.NewGuid().ToString()),
            new XElement(Ns + "reservationSet", found.Select(Reservation))));
    }

    private static XElement Reservation(Ec2Instance i) => new(
        Ns + "item",
        new XElement(Ns + "reservationId", "r-" + i.Id[2..]),
        new XElement(Ns + "ownerId", "000000000000"),
        new XElement(Ns + "groupSet"),
        new XElement(
            Ns + "instancesSet",
            new XElement(
                Ns + "item",
                new XElement(Ns + "instanceId", i.Id),
                new XElement(Ns + "imageId", "ami-0e5d7a0c0ffee0001"),
                new XElement(Ns + "instanceState", new XElement(Ns + "code", StateCodes[i.State].ToString(CultureInfo.InvariantCulture)), new XElement(Ns + "name", i.State)),
                new XElement(Ns + "privateDnsName", i.State == "terminated" ? string.Empty : $"ip-{i.PrivateIp.Replace('.', '-')}.{i.Region}.compute.internal"),
                new XElement(Ns + "instanceType", "t3.small"),
                new XElement(Ns + "launchTime", i.LaunchTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)),
                new XElement(Ns + "placement", new XElement(Ns + "availabilityZone", i.AvailabilityZone), new XElement(Ns + "tenancy", "default")),
                new XElement(Ns + "monitoring", new XElement(Ns + "state", "disabled")),
                i.State == "terminated" ? null : new XElement(Ns + "subnetId", i.SubnetId),
                i.State == "terminated" ? null : new XElement(Ns + "vpcId", "vpc-0e5d7a0c0ffee0001"),
                i.State == "terminated" ? null : new XElement(Ns + "privateIpAddress", i.PrivateIp),
                new XElement(Ns + "architecture", "x86_64"),
                new XElement(Ns + "rootDeviceType", "ebs"))));

    /// <summary>The values of <c>{prefix}1</c>, <c>{prefix}2</c> … in order.</summary>
    private static IEnumerable<string> Numbered(Dictionary<string, string> form, string prefix) =>
        form.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal) && Index().IsMatch(p.Key[prefix.Length..]))
            .OrderBy(p => int.Parse(p.Key[prefix.Length..], CultureInfo.InvariantCulture))
            .Select(p => p.Value);

    [GeneratedRegex("^[0-9]{1,6}$")]
    private static partial Regex Index();

    private sealed record Ec2Instance(string Region, string Id, string AvailabilityZone, string PrivateIp, string SubnetId, string State, DateTimeOffset LaunchTime);
}
