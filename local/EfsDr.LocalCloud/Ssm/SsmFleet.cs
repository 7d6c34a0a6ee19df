using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EfsDr.LocalCloud.Hosting;
using EfsDr.LocalCloud.Nodes;
using static EfsDr.LocalCloud.Ssm.SsmJson;

namespace EfsDr.LocalCloud.Ssm;

/// <summary>The managed-instance fleet: the simulated nodes, their ping (DescribeInstanceInformation) and the documents
/// SSM knows (DescribeDocument).</summary>
/// <param name="context">The local cloud.</param>
/// <param name="owner">The emulator whose resolvers tell file systems and instance states.</param>
internal sealed partial class SsmFleet(LocalCloudContext context, SsmEmulator owner)
{
    /// <summary>Instance states in which the agent gets no command and the instance is not listed.</summary>
    public static readonly string[] StoppedStates = ["stopped", "stopping"];

    /// <summary>Instance states in which the instance id is invalid.</summary>
    public static readonly string[] GoneStates = ["terminated", "shutting-down"];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, NodeSandbox> _nodes = new(StringComparer.Ordinal);
    private readonly List<NodeSandbox> _nodeOrder = [];
    private readonly Dictionary<string, DateTimeOffset> _lastPing = new(StringComparer.Ordinal);

    /// <summary>The simulated nodes, in the order they were added.</summary>
    public IReadOnlyList<NodeSandbox> Sandboxes
    {
        get
        {
            lock (_gate)
            {
                return [.. _nodeOrder];
            }
        }
    }

    /// <summary>The sandbox of a node, or null.</summary>
    public NodeSandbox? Find(string instanceId)
    {
        lock (_gate)
        {
            return _nodes.TryGetValue(instanceId, out var sandbox) ? sandbox : null;
        }
    }

    /// <summary>True when the instance is terminated or shutting down.</summary>
    public bool IsGone(string instanceId) => GoneStates.Contains(owner.InstanceStateResolver(instanceId), StringComparer.Ordinal);

    /// <summary>Creates a simulated node (sandbox, shims, loopback address) managed by SSM, Online. Its application unit is
    /// <c>minio</c>.</summary>
    public SimulatedNode AddNode(string name, string instanceId, string region, string address) =>
        AddNode(name, instanceId, region, address, NodeSandbox.DefaultApplicationUnit);

    /// <summary>Creates a simulated node whose application (s3rver) is started by <paramref name="applicationUnit"/>.</summary>
    /// <param name="name">The server name; also the sandbox folder <c>ROOT/nodes/NAME</c>.</param>
    /// <param name="instanceId">Its EC2 instance id.</param>
    /// <param name="region">Its region (DescribeInstanceInformation and SendCommand of that region see it).</param>
    /// <param name="address">Its loopback address, 127.x.y.z; the application listens there on port 9000.</param>
    /// <param name="applicationUnit">The systemd unit name of the application.</param>
    public SimulatedNode AddNode(string name, string instanceId, string region, string address, string applicationUnit)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        if (!SafeName().IsMatch(name))
        {
            throw new ArgumentException($"A node name is letters, digits, '.', '_' and '-': {name}", nameof(name));
        }

        if (!IPAddress.TryParse(address, out var ip) || !IPAddress.IsLoopback(ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            throw new ArgumentException($"A node's address is an IPv4 loopback address (127.x.y.z): {address}", nameof(address));
        }

        if (!UnitName().IsMatch(applicationUnit))
        {
            throw new ArgumentException($"A unit name matches the document's Unit pattern {UnitName()}: {applicationUnit}", nameof(applicationUnit));
        }

        var directory = Path.Combine(context.Root, "nodes", name);
        var node = new SimulatedNode(name, instanceId, region, address, directory, Path.Combine(directory, "mnt", "efs"));
        if (!SandboxPath().IsMatch(node.MountPoint))
        {
            throw new InvalidOperationException($"The node's mount point {node.MountPoint} would fail the node script's MountPoint check (letters, digits, '._/-', at most 255 characters); use a RootDirectory without other characters.");
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(owner.IsDisposed, owner);
            if (_nodes.ContainsKey(instanceId) || _nodeOrder.Any(n => n.Node.Name == name || n.Node.Address == address))
            {
                throw new InvalidOperationException($"A node with instance id {instanceId}, name {name} or address {address} exists already.");
            }

            var sandbox = new NodeSandbox(node, context.RepositoryRoot, (r, id) => owner.FileSystemResolver(r, id), applicationUnit);
            _nodes[instanceId] = sandbox;
            _nodeOrder.Add(sandbox);
            _lastPing[instanceId] = context.Clock.Now;
        }

        return node;
    }

    /// <summary>The sandbox of a node (shim calls, mounts, application pid), for tests and the drill.</summary>
    public NodeSandbox Sandbox(string instanceId)
    {
        lock (_gate)
        {
            return _nodes.TryGetValue(instanceId, out var sandbox) ? sandbox : throw new KeyNotFoundException($"No simulated node {instanceId}");
        }
    }

    /// <summary>The pid of the node's running application (s3rver), or null when it does not run.</summary>
    public int? ApplicationPid(string instanceId) => Sandbox(instanceId).ApplicationPid;

    /// <summary>The node's mounts (target, source as given, options, region, file system id).</summary>
    public IReadOnlyList<NodeMount> Mounts(string instanceId) => Sandbox(instanceId).Mounts;

    /// <summary>Kills a node's application, as if it crashed (its mount stays).</summary>
    public Task StopApplicationAsync(string instanceId, CancellationToken cancellationToken = default) =>
        Sandbox(instanceId).StopApplicationAsync(cancellationToken);


    /// <summary>True when the node is registered, online, and its instance neither stopped nor gone.</summary>
    public bool Deliverable(string instanceId)
    {
        bool registered;
        lock (_gate)
        {
            registered = _nodes.ContainsKey(instanceId);
        }

        var state = owner.InstanceStateResolver(instanceId);
        return registered && !context.Faults.IsNodeOffline(instanceId)
            && !StoppedStates.Contains(state, StringComparer.Ordinal) && !GoneStates.Contains(state, StringComparer.Ordinal);
    }

    /// <summary>DescribeInstanceInformation: the region's nodes whose instance is not stopped or gone.</summary>
    public AwsAnswer OnDescribeInstanceInformation(string region, JsonElement body)
    {
        var filters = new List<(string Key, HashSet<string> Values)>();
        foreach (var (list, keyName, valuesName) in new[] { ("Filters", "Key", "Values"), ("InstanceInformationFilterList", "key", "valueSet") })
        {
            if (!body.TryGetProperty(list, out var filterList) || filterList.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var entry in filterList.EnumerateArray())
            {
                var key = Text(entry, keyName) ?? string.Empty;
                if (key is not ("InstanceIds" or "PingStatus"))
                {
                    return Error("InvalidFilterKey", $"The local cloud filters instance information by InstanceIds and PingStatus, not '{key}'.");
                }

                var values = entry.TryGetProperty(valuesName, out var v) && v.ValueKind == JsonValueKind.Array
                    ? v.EnumerateArray().Select(x => x.GetString() ?? string.Empty).ToHashSet(StringComparer.Ordinal)
                    : [];
                if (values.Count == 0)
                {
                    return Error("InvalidInstanceInformationFilterValue", $"The filter {key} needs at least one value.");
                }

                filters.Add((key == "InstanceIds" ? "InstanceIds" : "PingStatus", values));
            }
        }

        List<SimulatedNode> nodes;
        lock (_gate)
        {
            nodes = _nodeOrder.Select(n => n.Node).Where(n => n.Region == region).ToList();
        }

        var entries = new JsonArray();
        foreach (var node in nodes)
        {
            var state = owner.InstanceStateResolver(node.InstanceId);
            if (StoppedStates.Contains(state, StringComparer.Ordinal) || GoneStates.Contains(state, StringComparer.Ordinal))
            {
                continue; // stopped and terminated instances are not listed
            }

            var online = !context.Faults.IsNodeOffline(node.InstanceId);
            var ping = online ? "Online" : "ConnectionLost";
            DateTimeOffset lastPing;
            lock (_gate)
            {
                if (online)
                {
                    _lastPing[node.InstanceId] = context.Clock.Now;
                }

                lastPing = _lastPing[node.InstanceId];
            }

            if (filters.Any(f => !f.Values.Contains(f.Key == "InstanceIds" ? node.InstanceId : ping)))
            {
                continue;
            }

            entries.Add(new JsonObject
            {
                ["InstanceId"] = node.InstanceId,
                ["PingStatus"] = ping,
                ["LastPingDateTime"] = Epoch(lastPing),
                ["AgentVersion"] = "3.3.2746.0",
                ["IsLatestVersion"] = true,
                ["PlatformType"] = "Linux",
                ["PlatformName"] = "Amazon Linux",
                ["PlatformVersion"] = "2023",
                ["ResourceType"] = "EC2Instance",
                ["IPAddress"] = node.Address,
                ["ComputerName"] = node.Name,
                ["SourceId"] = node.InstanceId,
                ["SourceType"] = "AWS::EC2::Instance",
            });
        }

        return Ok(new JsonObject { ["InstanceInformationList"] = entries });
    }

    /// <summary>The Command documents DescribeDocument knows, in every region (template.yaml's NodeDocument by default).</summary>
    public ISet<string> DocumentNames { get; } = new HashSet<string>(StringComparer.Ordinal) { EfsDr.Core.Configuration.StackNames.DefaultNodeDocument };

    /// <summary>DescribeDocument.</summary>
    public AwsAnswer OnDescribeDocument(JsonElement body)
    {
        var name = Text(body, "Name");
        if (string.IsNullOrEmpty(name))
        {
            return Error("ValidationException", "Name is required.");
        }

        bool known;
        lock (_gate)
        {
            known = DocumentNames.Contains(name);
        }

        return known
            ? Ok(new JsonObject { ["Document"] = new JsonObject { ["Name"] = name, ["DocumentType"] = "Command", ["SchemaVersion"] = "2.2", ["Status"] = "Active", ["DocumentVersion"] = "1", ["LatestVersion"] = "1", ["DefaultVersion"] = "1" } })
            : Error("InvalidDocument", "The specified document does not exist.");
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex SafeName();

    [GeneratedRegex("^[A-Za-z0-9@._-]{1,64}$")]
    private static partial Regex UnitName();

    [GeneratedRegex("^/[A-Za-z0-9._/-]{1,254}$")]
    private static partial Regex SandboxPath();
}
