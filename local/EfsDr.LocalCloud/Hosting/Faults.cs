namespace EfsDr.LocalCloud.Hosting;

/// <summary>Faults of one service in one region.</summary>
public sealed record ServiceFaults
{
    /// <summary>Share of requests answered with the service's throttling error (0–1).</summary>
    public double ThrottleRate { get; init; }

    /// <summary>Share of requests answered with HTTP 500/503 (0–1).</summary>
    public double ServerErrorRate { get; init; }

    /// <summary>Extra latency of every request (real time).</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Connections are dropped without an answer, as for a region that is down.</summary>
    public bool Unreachable { get; init; }
}

/// <summary>
/// Fault injection, changeable while the cloud runs. Services are keyed by SigV4 signing name
/// (elasticfilesystem, route53, ec2, ssm, states, lambda); "*" matches any service or region.
/// </summary>
public sealed class FaultInjector(int seed)
{
    private readonly Lock _gate = new();
    private readonly Random _random = new(seed);
    private readonly Dictionary<(string Service, string Region), ServiceFaults> _faults = [];
    private readonly HashSet<string> _offlineNodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _failingCommands = new(StringComparer.Ordinal);

    /// <summary>Multiplies the simulated replication deletion time (slow deletion).</summary>
    public double DeletionSlowdown { get; set; } = 1;

    /// <summary>When set, the Lambda invocation that follows the first successful invocation of this function fails
    /// (errorType SimulatedCrashException): the run stops right after that step.</summary>
    public string? CrashAfterFunction { get; set; }

    /// <summary>Sets the faults of a service in a region ("*" for all).</summary>
    public void Set(string service, string region, ServiceFaults faults)
    {
        lock (_gate)
        {
            _faults[(service, region)] = faults;
        }
    }

    /// <summary>Removes every service fault.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _faults.Clear();
            _offlineNodes.Clear();
            _failingCommands.Clear();
            DeletionSlowdown = 1;
            CrashAfterFunction = null;
        }
    }

    /// <summary>The faults for a request to <paramref name="service"/> in <paramref name="region"/>.</summary>
    public ServiceFaults For(string service, string region)
    {
        lock (_gate)
        {
            return _faults.GetValueOrDefault((service, region))
                ?? _faults.GetValueOrDefault((service, "*"))
                ?? _faults.GetValueOrDefault(("*", region))
                ?? _faults.GetValueOrDefault(("*", "*"))
                ?? new ServiceFaults();
        }
    }

    /// <summary>A random draw in [0,1).</summary>
    public double Draw()
    {
        lock (_gate)
        {
            return _random.NextDouble();
        }
    }

    /// <summary>Marks a node's SSM agent offline (ConnectionLost) or back online.</summary>
    public void SetNodeOffline(string instanceId, bool offline)
    {
        lock (_gate)
        {
            if (offline)
            {
                _offlineNodes.Add(instanceId);
            }
            else
            {
                _offlineNodes.Remove(instanceId);
            }
        }
    }

    /// <summary>True when the node's agent is offline.</summary>
    public bool IsNodeOffline(string instanceId)
    {
        lock (_gate)
        {
            return _offlineNodes.Contains(instanceId);
        }
    }

    /// <summary>Makes every command on a node fail with <paramref name="stderr"/> (null: stop failing).</summary>
    public void SetCommandFailure(string instanceId, string? stderr)
    {
        lock (_gate)
        {
            if (stderr is null)
            {
                _failingCommands.Remove(instanceId);
            }
            else
            {
                _failingCommands[instanceId] = stderr;
            }
        }
    }

    /// <summary>The injected failure of commands on a node, or null.</summary>
    public string? CommandFailure(string instanceId)
    {
        lock (_gate)
        {
            return _failingCommands.GetValueOrDefault(instanceId);
        }
    }
}
