using EfsDr.Core.Failover;

namespace EfsDr.Drill.Chaos;

/// <summary>One named invariant's verdict after a round; <paramref name="Evidence"/> says what was looked at and, when it
/// failed, exactly what is wrong.</summary>
/// <param name="Name">The invariant (<see cref="ChaosInvariants.ObjectsReadable"/> …).</param>
/// <param name="Passed">True when it holds.</param>
/// <param name="Evidence">What was looked at; on failure, what is wrong.</param>
public sealed record InvariantResult(string Name, bool Passed, string Evidence);

/// <summary>One acknowledged write: the S3 PUT returned 2xx through the record's address.</summary>
/// <param name="Bucket">The bucket.</param>
/// <param name="Key">The key; a writer uses a new key per write (a rewritten key counts with its latest acknowledged write).</param>
/// <param name="Sha256">The SHA-256 of the object's content, lower-case hex (<see cref="ObjectLedger.Sha256Of"/> of the text
/// that <see cref="S3Probe.PutAsync"/> sent, UTF-8).</param>
/// <param name="AcknowledgedAt">When the PUT returned, on the local cloud's simulated clock
/// (<c>world.Cloud.Context.Clock.GetUtcNow()</c>), the clock of the run summaries' data-loss windows.</param>
/// <param name="Address">The address the PUT went to (the record's value then).</param>
public sealed record LedgerEntry(string Bucket, string Key, string Sha256, DateTimeOffset AcknowledgedAt, string Address);

/// <summary>A data-loss window reported by an unplanned (cross-region) failover (<see cref="ChaosRound.LossWindowOf"/>): writes acknowledged in
/// [<paramref name="From"/>, <paramref name="To"/>] may be missing and are then counted as lost-in-window, never as lost.</summary>
/// <param name="RunId">The run that reported it.</param>
/// <param name="From">The window's start (the last sync the promoted copy holds), simulated clock.</param>
/// <param name="To">The window's end (the cut-over), simulated clock.</param>
public sealed record LossWindow(string RunId, DateTimeOffset From, DateTimeOffset To)
{
    /// <summary>True when <paramref name="at"/> lies in the window, both ends included.</summary>
    public bool Contains(DateTimeOffset at) => From <= at && at <= To;
}

/// <summary>A run the round expected to be refused, or that was refused: the world before it started and after it ended.</summary>
/// <param name="ExecutionArn">Its execution; empty when it was refused before an execution was started.</param>
/// <param name="Error">The error it was refused with.</param>
/// <param name="Before">The world just before it started.</param>
/// <param name="After">The world once it ended.</param>
/// <param name="RanAlone">True when no other run ran meanwhile: then <paramref name="Before"/> and <paramref name="After"/>
/// must be equal. Otherwise its history must show that it entered no mutating step.</param>
public sealed record RefusedRun(string ExecutionArn, string Error, WorldFingerprint Before, WorldFingerprint After, bool RanAlone);

/// <summary>What the runner tells the invariants about the round that just ended.</summary>
/// <param name="Round">The round's number.</param>
/// <param name="Refused">The runs refused in the round.</param>
/// <param name="LastCompletedRunEndedAt">When the last run that completed (in this round or before) ended, simulated clock;
/// every write acknowledged up to then must be readable. Null: no run has completed yet, and every write acknowledged
/// before the check started is checked.</param>
public sealed record RoundFacts(int Round, IReadOnlyList<RefusedRun> Refused, DateTimeOffset? LastCompletedRunEndedAt);

/// <summary>What the last object check found (the figures' "objects checked / lost").</summary>
/// <param name="Checked">Acknowledged objects the check covered (read now, or verified before on the same primary).</param>
/// <param name="Lost">Objects missing or different outside every reported loss window: must be 0.</param>
/// <param name="LostInReportedWindows">Objects missing or different that were acknowledged inside a reported loss window.</param>
/// <param name="LostKeys">The lost objects (outside windows) as <c>bucket/key</c>.</param>
public sealed record ObjectCheck(int Checked, int Lost, int LostInReportedWindows, IReadOnlyList<string> LostKeys);
