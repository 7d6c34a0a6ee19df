using System.Text.Json;
using EfsDr.Core.Locking;

namespace EfsDr.Core.Failover;

/// <summary>CleanUpFailedRun: after any failure, put back the TTL the run lowered and release its run lock. Best effort:
/// what was done, and what could not be, is added to the failure's Cause, whose Error stays the domain error's name.</summary>
public sealed class FailedRunCleanup(DnsSwitchService dns, RunLockSteps locks)
{
    /// <summary>Cleans up and returns the failure for the Fail state.</summary>
    public async Task<FailureReport> CleanUpAsync(FailoverState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var failure = state.Failure ?? new FailureReport { Error = "States.Runtime", Cause = "the failure was not recorded" };
        failure = failure with { Cause = Unwrap(failure.Cause) };
        var plan = state.Plan;
        if (string.IsNullOrEmpty(plan.RunId) || plan.DryRun)
        {
            return failure;
        }

        var notes = new List<string>();
        if (await dns.RestoreTtlAsync(state, cancellationToken).ConfigureAwait(false) is { } ttl)
        {
            notes.Add(ttl);
        }

        if (!string.IsNullOrEmpty(plan.ExecutionArn))
        {
            try
            {
                notes.Add(RunLockSteps.Describe(await locks.ReleaseAsync(state, cancellationToken).ConfigureAwait(false)));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                notes.Add($"run lock not released ({ex.GetType().Name}); it is taken over once this execution is closed");
            }
        }

        return notes.Count == 0 ? failure : failure with { Cause = $"{failure.Cause} [after the failure: {string.Join("; ", notes)}]", CleanUp = notes };
    }

    /// <summary>The errorMessage of a Lambda error document, or the text as it is.</summary>
    public static string Unwrap(string? cause)
    {
        if (string.IsNullOrEmpty(cause) || !cause.TrimStart().StartsWith('{'))
        {
            return cause ?? string.Empty;
        }

        try
        {
            using var doc = JsonDocument.Parse(cause);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("errorMessage", out var message) && message.ValueKind == JsonValueKind.String
                ? message.GetString()!
                : cause;
        }
        catch (JsonException)
        {
            return cause;
        }
    }
}
