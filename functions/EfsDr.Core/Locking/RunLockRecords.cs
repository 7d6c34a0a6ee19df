using System.Text.Json.Serialization;

namespace EfsDr.Core.Locking;

/// <summary>Who takes the run lock: the execution that runs the failover.</summary>
/// <param name="ExecutionArn">The execution's ARN (its region is in it); this identifies the owner.</param>
/// <param name="RunId">The run id (the execution name).</param>
/// <param name="TargetServer">The server the run fails over to.</param>
public sealed record RunLockOwner(string ExecutionArn, string RunId, string TargetServer)
{
    /// <summary>Regions the operator declared unavailable for this run (<c>sourceRegionUnavailable</c>): a holder whose
    /// execution lives there and cannot be reached counts as abandoned at once, not only after the maximum run time.</summary>
    public IReadOnlyList<string> DeclaredDownRegions { get; init; } = [];
}

/// <summary>The value of one generation's parameter (source-generated JSON, camelCase).</summary>
/// <param name="ExecutionArn">The owner's execution ARN.</param>
/// <param name="RunId">The owner's run id.</param>
/// <param name="TargetServer">The owner's target server.</param>
/// <param name="AcquiredAt">When the owner took this generation.</param>
/// <param name="Released">True once the owner let go.</param>
/// <param name="ReleasedAt">When the owner let go.</param>
public sealed record RunLockRecord(string ExecutionArn, string RunId, string TargetServer, DateTimeOffset AcquiredAt, bool Released, DateTimeOffset? ReleasedAt);

/// <summary>One generation of the run lock in one region, as read.</summary>
/// <param name="Region">The region whose Parameter Store holds it.</param>
/// <param name="Generation">The generation number (1, 2, …); the highest one is the lock's current state.</param>
/// <param name="ParameterName">The parameter's name.</param>
/// <param name="Record">The value, or null when it cannot be read (then the generation counts as held by an unknown run).</param>
/// <param name="LastModified">When the parameter was last written, when the store says.</param>
public sealed record RunLockHolder(string Region, long Generation, string ParameterName, RunLockRecord? Record, DateTimeOffset? LastModified)
{
    /// <summary>True unless its owner released it (an unreadable value counts as held).</summary>
    public bool IsHeld => Record is not { Released: true };
}

/// <summary>The run lock as one <see cref="RunLockService.AcquireAsync"/> left it: held in <see cref="Held"/>, not checked in
/// <see cref="Skipped"/> (unreachable regions other than the run's own).</summary>
/// <param name="FileSystemName">The protected file system's Name.</param>
/// <param name="Path">The lock's parameter path (the same in every region).</param>
/// <param name="Owner">This run.</param>
/// <param name="Held">Each region where this run holds the lock, in acquisition order.</param>
/// <param name="Skipped">Each region that could not be reached, with the reason.</param>
public sealed record RunLock(string FileSystemName, string Path, RunLockOwner Owner, IReadOnlyList<HeldRunLock> Held, IReadOnlyList<SkippedRegion> Skipped);

/// <summary>The lock held in one region.</summary>
/// <param name="Region">The region.</param>
/// <param name="Generation">The generation this run holds.</param>
/// <param name="ParameterName">Its parameter.</param>
/// <param name="AlreadyHeld">True when this run held it before this call (the step was retried).</param>
/// <param name="TakenOverFrom">The execution ARN of an abandoned holder this run took over from, if any (null for an unreadable one).</param>
/// <param name="TakeOverReason">Why the previous holder counted as abandoned, if one was taken over.</param>
public sealed record HeldRunLock(string Region, long Generation, string ParameterName, bool AlreadyHeld, string? TakenOverFrom, string? TakeOverReason);

/// <summary>A region that was not locked or released, and why.</summary>
public sealed record SkippedRegion(string Region, string Reason);

/// <summary>What one <see cref="RunLockService.ReleaseAsync"/> did.</summary>
/// <param name="FileSystemName">The protected file system's Name.</param>
/// <param name="ExecutionArn">The run that let go.</param>
/// <param name="Released">Each generation of this run that is now released (including those released before).</param>
/// <param name="NotHeld">Regions where this run held no generation.</param>
/// <param name="Failed">Regions where the lock could not be read or written, with the reason (best effort: the rest went on).</param>
public sealed record RunLockRelease(string FileSystemName, string ExecutionArn, IReadOnlyList<ReleasedRunLock> Released, IReadOnlyList<string> NotHeld, IReadOnlyList<SkippedRegion> Failed);

/// <summary>One generation released.</summary>
/// <param name="Region">The region.</param>
/// <param name="Generation">The generation.</param>
/// <param name="ParameterName">Its parameter.</param>
/// <param name="AlreadyReleased">True when it was released before this call.</param>
public sealed record ReleasedRunLock(string Region, long Generation, string ParameterName, bool AlreadyReleased);

/// <summary>The run lock's value and results as JSON (camelCase; unknown members of a stored value are ignored, so a newer
/// EfsDr's extra fields do not make a lock unreadable).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunLockRecord))]
[JsonSerializable(typeof(RunLockHolder))]
[JsonSerializable(typeof(RunLock))]
[JsonSerializable(typeof(RunLockRelease))]
public sealed partial class RunLockJsonContext : JsonSerializerContext;
