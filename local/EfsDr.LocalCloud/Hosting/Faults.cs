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

    /// <summary>Connections are dropped without an answer: the client sees a connection failure at once.</summary>
    public bool Unreachable { get; init; }

    /// <summary>
    /// Requests are taken and never answered, which is what a region that is down on AWS usually does: the connection
    /// is accepted and the client waits until its own timeout or deadline gives up. The request is held until the
    /// client aborts it or the cloud stops (then the connection is dropped); it never delays the cloud's shutdown.
    /// </summary>
    public bool BlackHole { get; init; }
}

/// <summary>
/// <summary>How <see cref="FaultInjector"/> numbers the draws of a call key (<see cref="FaultInjector.Draws"/>).</summary>
public enum FaultDraws
{
    /// <summary>The n-th call of a key draws its n-th value: a rate is the share of requests that fail.</summary>
    PerCall,

    /// <summary>A call draws the value of its attempt: how many calls of its key in a row were just failed by the
    /// injector (0 after any call it let through). Every call of an operation then meets the same faults on its first,
    /// second … attempt, however many times a loop made it before, so a poll whose count follows real time never
    /// shifts another call's draw (the chaos drill's exact replay, issue 12).</summary>
    PerAttempt,
}

/// <summary>What <see cref="FaultInjector.Decide"/> does to a call.</summary>
public enum InjectedFault
{
    /// <summary>The call goes through.</summary>
    None,

    /// <summary>The call is answered with its service's throttling error.</summary>
    Throttled,

    /// <summary>The call is answered with HTTP 500.</summary>
    ServerError,
}

/// <summary>
/// Fault injection, changeable while the cloud runs. Services are keyed by SigV4 signing name
/// (elasticfilesystem, route53, ec2, ssm, states, lambda); "*" matches any service or region.
/// <para>
/// <see cref="BlackHoleRegion"/> takes a whole region down the way AWS regions usually fail: every regional service
/// (<see cref="RegionalServices"/>) accepts connections and never answers, on top of whatever other faults are set.
/// Route 53 is global (signed for us-east-1) and stays up. <see cref="RestoreRegion"/> or <see cref="Clear"/> ends it.
/// </para>
/// <para>
/// Draws are replayable: the draw of a call is a pure function of the seed (or the last <see cref="Reseed"/>), the call's
/// key (service, region, operation) and how many draws that key had before (<see cref="DrawOf"/>), not the next value of
/// one shared sequence. Calls of different operations, made concurrently by different executions, never shift each
/// other's draws, so the same seed throttles the same calls whatever their interleaving. A fault can also end when a
/// function is next invoked (<see cref="EndWhenInvoked"/>), at a point of the run rather than after a real-time delay.
/// With <see cref="FaultDraws.PerAttempt"/> the ordinal is the call's attempt instead of its count, so neither does
/// the number of polls a loop made before.
/// </para>
/// </summary>
public sealed class FaultInjector(int seed)
{
    /// <summary>The signing names of the regional services EfsDr calls, which <see cref="BlackHoleRegion"/> takes down
    /// (not route53: it is global and signed for us-east-1).</summary>
    public static IReadOnlyList<string> RegionalServices { get; } = ["elasticfilesystem", "ssm", "ec2", "states", "lambda"];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _draws = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _attempts = new(StringComparer.Ordinal);
    private readonly List<(string Function, Action End)> _endings = [];
    private long _salt = seed;
    private readonly Dictionary<(string Service, string Region), ServiceFaults> _faults = [];
    private readonly HashSet<string> _offlineNodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _failingCommands = new(StringComparer.Ordinal);
    private readonly HashSet<string> _blackHoledRegions = new(StringComparer.Ordinal);

    /// <summary>How draws are numbered: <see cref="FaultDraws.PerCall"/> (the default) or <see cref="FaultDraws.PerAttempt"/>.</summary>
    public FaultDraws Draws { get; set; }

    /// <summary>Multiplies the simulated replication deletion time (slow deletion).</summary>
    public double DeletionSlowdown { get; set; } = 1;

    /// <summary>When set, the Lambda invocation that follows the first successful invocation of this function fails
    /// (errorType SimulatedCrashException): the run stops right after that step.</summary>
    public string? CrashAfterFunction { get; set; }

    /// <summary>When set, every EFS replication copy stops after writing this many files, as if the sync were cut off in
    /// flight (the files it wrote stay in the destination); null (the default) lets copies complete.</summary>
    public int? InterruptReplicationCopiesAfterFiles { get; set; }

    /// <summary>Sets the faults of a service in a region ("*" for all).</summary>
    public void Set(string service, string region, ServiceFaults faults)
    {
        lock (_gate)
        {
            _faults[(service, region)] = faults;
        }
    }

    /// <summary>Black-holes every regional service of <paramref name="region"/> (<see cref="RegionalServices"/>): requests
    /// are accepted and never answered (<see cref="ServiceFaults.BlackHole"/>). Other faults stay as they are.</summary>
    public void BlackHoleRegion(string region)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        lock (_gate)
        {
            _blackHoledRegions.Add(region);
        }
    }

    /// <summary>Ends <see cref="BlackHoleRegion"/> for <paramref name="region"/>: its services answer again (requests
    /// already held stay unanswered until their clients give up).</summary>
    public void RestoreRegion(string region)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        lock (_gate)
        {
            _blackHoledRegions.Remove(region);
        }
    }

    /// <summary>True while <paramref name="region"/> is black-holed by <see cref="BlackHoleRegion"/>.</summary>
    public bool IsBlackHoled(string region)
    {
        lock (_gate)
        {
            return _blackHoledRegions.Contains(region);
        }
    }

    /// <summary>Removes every fault, black-holed regions included.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _faults.Clear();
            _blackHoledRegions.Clear();
            _offlineNodes.Clear();
            _failingCommands.Clear();
            _endings.Clear();
            DeletionSlowdown = 1;
            CrashAfterFunction = null;
            InterruptReplicationCopiesAfterFiles = null;
        }
    }

    /// <summary>The faults for a request to <paramref name="service"/> in <paramref name="region"/>.</summary>
    public ServiceFaults For(string service, string region)
    {
        lock (_gate)
        {
            var faults = _faults.GetValueOrDefault((service, region))
                ?? _faults.GetValueOrDefault((service, "*"))
                ?? _faults.GetValueOrDefault(("*", region))
                ?? _faults.GetValueOrDefault(("*", "*"))
                ?? new ServiceFaults();
            return _blackHoledRegions.Contains(region) && RegionalServices.Contains(service, StringComparer.Ordinal)
                ? faults with { BlackHole = true }
                : faults;
        }
    }

    /// <summary>Starts the draws again from <paramref name="salt"/>: every key's next draw is its first (the chaos drill
    /// reseeds with each round's seed, so a round's draws do not depend on how many calls the rounds before it made).</summary>
    public void Reseed(long salt)
    {
        lock (_gate)
        {
            _salt = salt;
            _draws.Clear();
            _attempts.Clear();
        }
    }

    /// <summary>Decides whether the call identified by <paramref name="key"/> fails under <paramref name="faults"/>'s
    /// throttling and server-error rates: a draw of <c>"throttle " + key</c> below the throttling rate throttles it,
    /// otherwise a draw of <c>"5xx " + key</c> below the server-error rate fails it. Under
    /// <see cref="FaultDraws.PerCall"/> each of the two keys counts its own draws (<see cref="Draw"/>); under
    /// <see cref="FaultDraws.PerAttempt"/> both draw at the key's attempt, which a failed call raises and a call let
    /// through sets back to 0.</summary>
    public InjectedFault Decide(string key, ServiceFaults faults)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(faults);
        if (faults.ThrottleRate <= 0 && faults.ServerErrorRate <= 0)
        {
            return InjectedFault.None;
        }

        lock (_gate)
        {
            if (Draws == FaultDraws.PerCall)
            {
                return faults.ThrottleRate > 0 && NextDraw("throttle " + key) < faults.ThrottleRate ? InjectedFault.Throttled
                    : faults.ServerErrorRate > 0 && NextDraw("5xx " + key) < faults.ServerErrorRate ? InjectedFault.ServerError
                    : InjectedFault.None;
            }

            var attempt = _attempts.GetValueOrDefault(key);
            var fault = faults.ThrottleRate > 0 && DrawOf(_salt, "throttle " + key, attempt) < faults.ThrottleRate ? InjectedFault.Throttled
                : faults.ServerErrorRate > 0 && DrawOf(_salt, "5xx " + key, attempt) < faults.ServerErrorRate ? InjectedFault.ServerError
                : InjectedFault.None;
            if (fault == InjectedFault.None)
            {
                _attempts.Remove(key);
            }
            else
            {
                _attempts[key] = attempt + 1;
            }

            return fault;
        }
    }

    /// <summary>The next draw in [0,1) for a call identified by <paramref name="key"/>: <see cref="DrawOf"/> of the salt,
    /// the key and the number of draws the key had so far.</summary>
    public double Draw(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_gate)
        {
            return NextDraw(key);
        }
    }

    private double NextDraw(string key)
    {
        var ordinal = _draws.GetValueOrDefault(key);
        _draws[key] = ordinal + 1;
        return DrawOf(_salt, key, ordinal);
    }

    /// <summary>The <paramref name="ordinal"/>-th draw in [0,1) of <paramref name="key"/> under <paramref name="salt"/>: a
    /// SplitMix64 mix of the three (the key hashed with FNV-1a over its UTF-8 bytes, stable across processes, unlike
    /// <see cref="string.GetHashCode()"/>).</summary>
    public static double DrawOf(long salt, string key, long ordinal)
    {
        ArgumentNullException.ThrowIfNull(key);
        var hash = 14695981039346656037UL;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(key))
        {
            hash = unchecked((hash ^ b) * 1099511628211UL);
        }

        var mixed = Mix(unchecked((ulong)salt) ^ Mix(hash ^ Mix(unchecked((ulong)ordinal))));
        return (mixed >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>Runs <paramref name="end"/> (which ends a fault) when <paramref name="function"/> is next invoked, before it
    /// runs: a fault that lasts "until the run reaches that step", the same point in every replay. <see cref="Clear"/>
    /// drops the endings not reached.</summary>
    public void EndWhenInvoked(string function, Action end)
    {
        ArgumentException.ThrowIfNullOrEmpty(function);
        ArgumentNullException.ThrowIfNull(end);
        lock (_gate)
        {
            _endings.Add((function, end));
        }
    }

    /// <summary>Told by the Lambda emulator that <paramref name="function"/> is being invoked: runs (once) the endings
    /// registered for it with <see cref="EndWhenInvoked"/>.</summary>
    public void Invoked(string function)
    {
        List<Action> due;
        lock (_gate)
        {
            due = [.. _endings.Where(e => e.Function == function).Select(e => e.End)];
            _endings.RemoveAll(e => e.Function == function);
        }

        foreach (var end in due)
        {
            end();
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

    private static ulong Mix(ulong z)
    {
        unchecked
        {
            z += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
