using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EfsDr.Core.Deadlines;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;

namespace EfsDr.Core.Locking;

/// <summary>
/// One run per protected file system: a run lock kept in the Parameter Store of every configured region.
/// </summary>
/// <remarks>
/// <para><b>Layout.</b> Each region holds the lock's generations under <see cref="PathOf"/>:
/// <c>/efsdr/run-lock/&lt;key&gt;/&lt;generation, 10 digits&gt;</c>, each a <see cref="RunLockRecord"/>. The highest
/// generation is the lock's state: held by its owner unless released.</para>
/// <para><b>Atomicity.</b> The only write that decides who holds the lock is <see cref="IParameters.TryCreateAsync"/>
/// (PutParameter with Overwrite=false) of generation top+1: of two runs that read the same top, exactly one creates
/// top+1. Taking over from an abandoned holder is the same create, so it is atomic too. Nobody ever overwrites another
/// run's generation; a run only marks its own released.</para>
/// <para><b>Abandoned holders.</b> A held top generation whose execution is closed (SUCCEEDED, FAILED, TIMED_OUT,
/// ABORTED) or does not exist is taken over. When the owner's region cannot be reached to ask, it is taken over only
/// once it is older than the maximum run time (the state machine's TimeoutSeconds, 4 h by default): no execution
/// runs longer. RUNNING, PENDING_REDRIVE and statuses EfsDr does not know count as running.</para>
/// <para><b>Regions.</b> Regions are locked one by one in ordinal order, so two runs from different regions meet in
/// the same first region and cannot refuse each other forever. A region other than the run's own that cannot be
/// reached is skipped and reported; the run's own region must answer. When a later region refuses, what this call
/// holds is released again.</para>
/// <para><b>Idempotence.</b> Acquiring again for the same execution finds its own generation and succeeds; releasing
/// again finds it released. A crash of the caller at any point leaves a state the next call (or another run, once the
/// execution has closed) recovers from.</para>
/// </remarks>
public sealed class RunLockService
{
    /// <summary>The root of every run lock's parameters.</summary>
    public const string Root = "/efsdr/run-lock";

    /// <summary>How many generations are kept: after taking generation g, generations up to g − 3 are deleted.</summary>
    public const int KeptGenerations = 3;

    /// <summary>How many times one region's lock is read and decided again after losing a race, before giving up.</summary>
    public const int MaxRounds = 3;

    /// <summary>The most the lock's calls in one region other than the run's own may take (a region that is down hangs).</summary>
    public static readonly TimeSpan OtherRegionBudget = TimeSpan.FromSeconds(15);

    /// <summary>The state machine's maximum run time (its TimeoutSeconds) unless the constructor says otherwise.</summary>
    public static readonly TimeSpan DefaultMaxRunTime = TimeSpan.FromHours(4);

    private const int MaxKeyNameLength = 64;
    private const int HashHexLength = 12;

    private readonly IParameters _parameters;
    private readonly IExecutions _executions;
    private readonly TimeProvider _time;

    /// <summary>Creates the service.</summary>
    /// <param name="parameters">Parameter Store, in every region.</param>
    /// <param name="executions">Step Functions, to ask whether a holder still runs.</param>
    /// <param name="time">The clock.</param>
    /// <param name="maxRunTime">The state machine's maximum run time (default <see cref="DefaultMaxRunTime"/>): a holder
    /// whose region cannot be reached counts as abandoned once its lock is older than this.</param>
    public RunLockService(IParameters parameters, IExecutions executions, TimeProvider time, TimeSpan? maxRunTime = null)
    {
        _parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
        _executions = executions ?? throw new ArgumentNullException(nameof(executions));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        MaxRunTime = maxRunTime ?? DefaultMaxRunTime;
        if (MaxRunTime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(maxRunTime), maxRunTime, "The maximum run time must be positive.");
        }
    }

    /// <summary>The maximum run time in force.</summary>
    public TimeSpan MaxRunTime { get; }

    /// <summary>
    /// The parameter-safe key of a file system Name: the Name with every character outside <c>a-zA-Z0-9_.-</c> replaced
    /// by <c>_</c> (at most 64 of them), then <c>-</c> and the first 12 hex digits of the SHA-256 of the Name's UTF-8 bytes,
    /// so two Names that differ only in replaced characters still get different keys.
    /// </summary>
    /// <remarks>
    /// SSM parameter names (botocore's ssm/2014-11-06 service-2.json, PutParameterRequest.Name, and the Systems Manager
    /// User Guide, "Creating Systems Manager parameters"): case-sensitive; only <c>a-zA-Z0-9_.-</c>, with <c>/</c>
    /// delimiting a hierarchy of at most 15 levels; no spaces; not prefixed with <c>aws</c> or <c>ssm</c>; at most 1011
    /// characters including the ARN prefix. EFS Name tags may hold spaces and <c>: + = @</c> (and any Unicode letter),
    /// hence the replacement. The full name <c>/efsdr/run-lock/&lt;key&gt;/&lt;generation&gt;</c> has 4 levels and at most
    /// 16 + 1 + 77 + 1 + 10 = 105 characters.
    /// </remarks>
    public static string KeyOf(string fileSystemName)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileSystemName);
        var safe = new StringBuilder(Math.Min(fileSystemName.Length, MaxKeyNameLength));
        foreach (var c in fileSystemName)
        {
            if (safe.Length == MaxKeyNameLength)
            {
                break;
            }

            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '_');
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fileSystemName)))[..HashHexLength];
        return $"{safe}-{hash}";
    }

    /// <summary>The lock's parameter path for a file system Name: <c>/efsdr/run-lock/&lt;key&gt;</c>.</summary>
    public static string PathOf(string fileSystemName) => $"{Root}/{KeyOf(fileSystemName)}";

    /// <summary>The parameter name of one generation: <c>/efsdr/run-lock/&lt;key&gt;/&lt;generation as 10 digits&gt;</c>.</summary>
    public static string NameOf(string fileSystemName, long generation)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(generation);
        return $"{PathOf(fileSystemName)}/{generation.ToString("D10", CultureInfo.InvariantCulture)}";
    }

    /// <summary>
    /// Takes the run lock of <paramref name="fileSystemName"/> for <paramref name="me"/> in every region of
    /// <paramref name="regions"/> (and <paramref name="ownRegion"/>), in ordinal order.
    /// </summary>
    /// <param name="fileSystemName">The protected file system's exact Name.</param>
    /// <param name="regions">The configured regions (every region that hosts a server).</param>
    /// <param name="ownRegion">The run's own region (the target server's, where its state machine runs): it must answer.</param>
    /// <param name="me">This run.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>Where the lock is held and which regions were skipped.</returns>
    /// <exception cref="RunInProgressException">Another run holds the lock and is (or may still be) running; what this
    /// call had taken is released again and nothing else was changed.</exception>
    /// <exception cref="RunLockContendedException">The lock of one region changed hands <see cref="MaxRounds"/> times under
    /// this call; nothing was changed (retry).</exception>
    /// <exception cref="CloudCallFailedException">The run's own region failed (unreachable, throttled, denied …). What this
    /// call took stays held by this execution: a retry of the step finds it, and it is abandoned once the execution closes.</exception>
    public async Task<RunLock> AcquireAsync(string fileSystemName, IReadOnlyList<string> regions, string ownRegion, RunLockOwner me, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(ownRegion);
        ValidateOwner(me);
        var path = PathOf(fileSystemName);
        var held = new List<HeldRunLock>();
        var skipped = new List<SkippedRegion>();
        foreach (var region in Ordered(regions, ownRegion))
        {
            Outcome outcome;
            try
            {
                // Another region may be down and leave calls unanswered: it gets a budget of its own.
                using (string.Equals(region, ownRegion, StringComparison.Ordinal) ? null : CallDeadline.Within(_time, OtherRegionBudget))
                {
                    outcome = await AcquireInRegionAsync(fileSystemName, path, region, me, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (CloudCallFailedException ex) when (ex is RegionUnreachableException or CloudBusyException && !string.Equals(region, ownRegion, StringComparison.Ordinal))
            {
                skipped.Add(new SkippedRegion(region, $"not locked: {region} could not be reached ({ex.Message})"));
                continue;
            }

            if (outcome.Refusal is { } refusal)
            {
                await ReleaseHeldAsync(fileSystemName, me, held, cancellationToken).ConfigureAwait(false);
                throw new RunInProgressException(refusal);
            }

            held.Add(outcome.Held!);
        }

        return new RunLock(fileSystemName, path, me, held, skipped);
    }

    /// <summary>
    /// Marks every generation of <paramref name="executionArn"/> released, in every region of <paramref name="regions"/>.
    /// Best effort per region: a region that fails is reported in <see cref="RunLockRelease.Failed"/> and the others go on.
    /// </summary>
    public async Task<RunLockRelease> ReleaseAsync(string fileSystemName, IReadOnlyList<string> regions, string executionArn, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(executionArn);
        var path = PathOf(fileSystemName);
        var released = new List<ReleasedRunLock>();
        var notHeld = new List<string>();
        var failed = new List<SkippedRegion>();
        foreach (var region in Ordered(regions, ownRegion: null))
        {
            try
            {
                using var budget = CallDeadline.Within(_time, OtherRegionBudget);
                var mine = (await GenerationsAsync(region, path, cancellationToken).ConfigureAwait(false))
                    .Where(g => string.Equals(g.Record?.ExecutionArn, executionArn, StringComparison.Ordinal))
                    .ToList();
                if (mine.Count == 0)
                {
                    notHeld.Add(region);
                    continue;
                }

                foreach (var generation in mine)
                {
                    var already = !generation.IsHeld;
                    if (!already)
                    {
                        await MarkReleasedAsync(generation, cancellationToken).ConfigureAwait(false);
                    }

                    released.Add(new ReleasedRunLock(region, generation.Generation, generation.ParameterName, already));
                }
            }
            catch (EfsDrException ex) when (ex is CloudCallFailedException or TooManyParametersException)
            {
                failed.Add(new SkippedRegion(region, $"not released: {ex.Message}"));
            }
        }

        return new RunLockRelease(fileSystemName, executionArn, released, notHeld, failed);
    }

    /// <summary>
    /// The lock's top generation in <paramref name="region"/> (whether held or released), or null when it has none. The
    /// CLI derives a deterministic execution name from it: two CLIs that read the same top name the same execution.
    /// </summary>
    public async Task<RunLockHolder?> CurrentAsync(string fileSystemName, string region, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        var generations = await GenerationsAsync(region, PathOf(fileSystemName), cancellationToken).ConfigureAwait(false);
        return generations.Count == 0 ? null : generations[^1];
    }

    private async Task<Outcome> AcquireInRegionAsync(string fileSystemName, string path, string region, RunLockOwner me, CancellationToken cancellationToken)
    {
        for (var round = 1; round <= MaxRounds; round++)
        {
            var generations = await GenerationsAsync(region, path, cancellationToken).ConfigureAwait(false);
            var top = generations.Count == 0 ? null : generations[^1];
            string? takeOverReason = null;
            if (top is { IsHeld: true })
            {
                if (string.Equals(top.Record?.ExecutionArn, me.ExecutionArn, StringComparison.Ordinal))
                {
                    return new Outcome(new HeldRunLock(region, top.Generation, top.ParameterName, AlreadyHeld: true, null, null), null);
                }

                var verdict = await JudgeAsync(fileSystemName, top, me, cancellationToken).ConfigureAwait(false);
                if (verdict.Refusal is not null)
                {
                    return new Outcome(null, verdict.Refusal);
                }

                takeOverReason = verdict.AbandonedBecause;
            }

            var next = (top?.Generation ?? 0) + 1;
            var record = new RunLockRecord(me.ExecutionArn, me.RunId, me.TargetServer, _time.GetUtcNow(), Released: false, ReleasedAt: null);
            var name = NameOf(fileSystemName, next);
            if (!await _parameters.TryCreateAsync(region, name, Serialize(record), cancellationToken).ConfigureAwait(false))
            {
                continue; // another run created this generation first: read again and decide again
            }

            // Only the create decides, but a listing that lagged far behind (past generations that were already deleted)
            // could have let this create land below the real top. Re-read: if a higher generation exists, this one is not
            // the lock's state; let go of it and decide again.
            var after = await GenerationsAsync(region, path, cancellationToken).ConfigureAwait(false);
            var mine = new RunLockHolder(region, next, name, record, null);
            if (after.Any(g => g.Generation > next))
            {
                await MarkReleasedAsync(mine, cancellationToken).ConfigureAwait(false);
                continue;
            }

            await CollectGarbageAsync(after, next, cancellationToken).ConfigureAwait(false);
            return new Outcome(new HeldRunLock(region, next, name, AlreadyHeld: false, takeOverReason is null ? null : top?.Record?.ExecutionArn, takeOverReason), null);
        }

        throw new RunLockContendedException(
            $"The run lock of '{fileSystemName}' in {region} changed hands {MaxRounds} times while this run tried to take it; this run changed nothing. Retry; if it persists, look at the parameters under {path} in {region}.");
    }

    /// <summary>Whether a held top generation that is not ours is abandoned (and why) or still running (and the refusal).</summary>
    private async Task<Verdict> JudgeAsync(string fileSystemName, RunLockHolder top, RunLockOwner me, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (top.Record is not { } record)
        {
            if (top.LastModified is { } written && now - written > MaxRunTime)
            {
                return Verdict.Abandoned($"its value could not be read and it was written at {Format(written)}, more than the maximum run time {MaxRunTime} ago");
            }

            var from = top.LastModified is { } w ? $"from {Format(w + MaxRunTime)}" : "never, as its write time is unknown";
            return Verdict.Refused(
                $"The run lock of '{fileSystemName}' in {top.Region} ({top.ParameterName}) holds a value EfsDr cannot read; it counts as abandoned {from}. "
                + "This run was refused before it changed anything. If no failover is running, delete that parameter and start again.");
        }

        Execution execution;
        try
        {
            using (CallDeadline.Within(_time, OtherRegionBudget))
            {
                execution = await _executions.DescribeAsync(record.ExecutionArn, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (RunNotFoundException)
        {
            return Verdict.Abandoned($"its execution {record.ExecutionArn} does not exist");
        }
        catch (CloudCallFailedException ex) when (ex is RegionUnreachableException or CloudBusyException)
        {
            var abandonedFrom = record.AcquiredAt + MaxRunTime;
            if (me.DeclaredDownRegions.Contains(RegionOf(record.ExecutionArn), StringComparer.Ordinal))
            {
                // The operator declared that region down (sourceRegionUnavailable) and it does not answer: a run there
                // can change nothing any more, and waiting out the maximum run time would block the DR failover itself.
                return Verdict.Abandoned($"its region {RegionOf(record.ExecutionArn)} does not answer and this run's input declares it unavailable");
            }

            if (now > abandonedFrom)
            {
                return Verdict.Abandoned($"its region {RegionOf(record.ExecutionArn)} could not be reached and it was taken at {Format(record.AcquiredAt)}, more than the maximum run time {MaxRunTime} ago");
            }

            return Verdict.Refused(
                $"Another failover of '{fileSystemName}' may still be running: execution {record.ExecutionArn} (run {record.RunId}) to {record.TargetServer}, "
                + $"which took the run lock in {top.Region} at {Format(record.AcquiredAt)}. Its region {RegionOf(record.ExecutionArn)} could not be reached to check ({ex.Message}). "
                + $"This run was refused before it changed anything. That lock counts as abandoned from {Format(abandonedFrom)} (the maximum run time, {MaxRunTime}). "
                + $"Wait for that run, or join it: efsdr failover --to {record.TargetServer} --wait");
        }

        return execution.Status switch
        {
            ExecutionStatus.Succeeded or ExecutionStatus.Failed or ExecutionStatus.TimedOut or ExecutionStatus.Aborted =>
                Verdict.Abandoned($"its execution {record.ExecutionArn} is closed ({Wire(execution.Status)}{(execution.StopDate is { } stopped ? " at " + Format(stopped) : string.Empty)})"),
            _ => Verdict.Refused(
                $"Another failover of '{fileSystemName}' is {(execution.Status == ExecutionStatus.PendingRedrive ? "about to be redriven" : "running")}: "
                + $"execution {record.ExecutionArn} (run {record.RunId}) to {record.TargetServer}, started {Format(execution.StartDate)}. "
                + $"This run was refused before it changed anything. Wait for that run to finish, or join it: efsdr failover --to {record.TargetServer} --wait"),
        };
    }

    /// <summary>Best effort: lets go of what this call holds after a later region refused.</summary>
    private async Task ReleaseHeldAsync(string fileSystemName, RunLockOwner me, List<HeldRunLock> held, CancellationToken cancellationToken)
    {
        foreach (var lockHeld in held)
        {
            try
            {
                var current = (await GenerationsAsync(lockHeld.Region, PathOf(fileSystemName), cancellationToken).ConfigureAwait(false))
                    .FirstOrDefault(g => g.Generation == lockHeld.Generation);
                if (current is { IsHeld: true } && string.Equals(current.Record?.ExecutionArn, me.ExecutionArn, StringComparison.Ordinal))
                {
                    await MarkReleasedAsync(current, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (EfsDrException ex) when (ex is CloudCallFailedException or TooManyParametersException)
            {
                // Best effort: the generation stays held by this execution, which is about to fail; once it has closed,
                // the next run takes over from it.
            }
        }
    }

    private Task MarkReleasedAsync(RunLockHolder generation, CancellationToken cancellationToken)
    {
        var record = generation.Record! with { Released = true, ReleasedAt = _time.GetUtcNow() };
        return _parameters.PutAsync(generation.Region, generation.ParameterName, Serialize(record), cancellationToken);
    }

    /// <summary>Best effort: deletes generations up to <paramref name="top"/> − <see cref="KeptGenerations"/>.</summary>
    private async Task CollectGarbageAsync(IReadOnlyList<RunLockHolder> generations, long top, CancellationToken cancellationToken)
    {
        foreach (var old in generations.Where(g => g.Generation <= top - KeptGenerations))
        {
            try
            {
                await _parameters.DeleteAsync(old.Region, old.ParameterName, cancellationToken).ConfigureAwait(false);
            }
            catch (CloudCallFailedException)
            {
                // Best effort: the next run that takes the lock tries again.
            }
        }
    }

    /// <summary>The lock's generations in a region, lowest first; parameters that are not generations are ignored.</summary>
    private async Task<List<RunLockHolder>> GenerationsAsync(string region, string path, CancellationToken cancellationToken)
    {
        var listed = await _parameters.ListByPathAsync(region, path, cancellationToken).ConfigureAwait(false);
        var generations = new List<RunLockHolder>(listed.Count);
        foreach (var parameter in listed)
        {
            var last = parameter.Name.Length == path.Length + 11 && parameter.Name.StartsWith(path + "/", StringComparison.Ordinal)
                ? parameter.Name[(path.Length + 1)..]
                : null;
            if (last is not null && last.All(char.IsAsciiDigit) && long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var generation) && generation > 0)
            {
                generations.Add(new RunLockHolder(region, generation, parameter.Name, Parse(parameter.Value), parameter.LastModified));
            }
        }

        generations.Sort((a, b) => a.Generation.CompareTo(b.Generation));
        return generations;
    }

    /// <summary>The stored record, or null when the value is not a readable record of an execution.</summary>
    internal static RunLockRecord? Parse(string value)
    {
        try
        {
            var record = JsonSerializer.Deserialize(value, RunLockJsonContext.Default.RunLockRecord);
            return record is { ExecutionArn: { } arn, RunId: not null, TargetServer: not null } && IsExecutionArn(arn) && record.AcquiredAt != default
                ? record
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Serialize(RunLockRecord record) => JsonSerializer.Serialize(record, RunLockJsonContext.Default.RunLockRecord);

    private static void ValidateOwner(RunLockOwner me)
    {
        ArgumentNullException.ThrowIfNull(me);
        if (!IsExecutionArn(me.ExecutionArn))
        {
            throw new ArgumentException($"'{me.ExecutionArn}' is not a Step Functions execution ARN (arn:PARTITION:states:REGION:ACCOUNT:execution:MACHINE:NAME).", nameof(me));
        }

        ArgumentException.ThrowIfNullOrEmpty(me.RunId, nameof(me));
        ArgumentException.ThrowIfNullOrEmpty(me.TargetServer, nameof(me));
    }

    /// <summary>arn:PARTITION:states:REGION:ACCOUNT:execution:MACHINE:NAME (express executions have one more part).</summary>
    private static bool IsExecutionArn(string? arn)
    {
        var parts = arn?.Split(':');
        return parts is { Length: >= 8 } && parts[0] == "arn" && parts[2] == "states" && parts[3].Length > 0 && parts[5] == "execution" && parts[6].Length > 0 && parts[7].Length > 0;
    }

    private static string RegionOf(string executionArn) => executionArn.Split(':')[3];

    private static SortedSet<string> Ordered(IReadOnlyList<string> regions, string? ownRegion)
    {
        ArgumentNullException.ThrowIfNull(regions);
        var all = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var region in regions)
        {
            ArgumentException.ThrowIfNullOrEmpty(region, nameof(regions));
            all.Add(region);
        }

        if (ownRegion is not null)
        {
            all.Add(ownRegion);
        }

        if (all.Count == 0)
        {
            throw new ArgumentException("At least one region is required.", nameof(regions));
        }

        return all;
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Wire(ExecutionStatus status) => status switch
    {
        ExecutionStatus.Succeeded => "SUCCEEDED",
        ExecutionStatus.Failed => "FAILED",
        ExecutionStatus.TimedOut => "TIMED_OUT",
        ExecutionStatus.Aborted => "ABORTED",
        _ => status.ToString(),
    };

    private sealed record Outcome(HeldRunLock? Held, string? Refusal);

    private sealed record Verdict(string? AbandonedBecause, string? Refusal)
    {
        public static Verdict Abandoned(string why) => new(why, null);

        public static Verdict Refused(string message) => new(null, message);
    }
}
