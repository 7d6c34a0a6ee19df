using EfsDr.Core.Deadlines;

namespace EfsDr.Functions.Runtime;

/// <summary>
/// The handler ran into its deadline: its cancellation token fired (at the deadline minus the safety margin) and it
/// gave up with an <see cref="OperationCanceledException"/>. Reported as <c>errorType</c> <c>FunctionTimeoutException</c>
/// so a workflow can tell "out of time" from a real failure; the handler's exception is the inner exception.
/// </summary>
public sealed class FunctionTimeoutException : TimeoutException
{
    /// <summary>Creates the exception.</summary>
    public FunctionTimeoutException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The custom-runtime loop: build the handler once, then next → handler → response or error, until stopped.
/// Each invocation runs under a <see cref="CallDeadline"/> (<see cref="CallDeadlineFor"/>), so an AWS call that gets
/// no answer ends as a typed <c>RegionUnreachableException</c> while there is still time to report it, rather than as
/// <see cref="FunctionTimeoutException"/>.
/// </summary>
public static class LambdaRuntime
{
    /// <summary>How long before the invocation's deadline the handler's token fires, leaving time to report.</summary>
    public static readonly TimeSpan DefaultSafetyMargin = TimeSpan.FromMilliseconds(500);

    /// <summary>The least time an invocation keeps after its AWS calls' deadline (see <see cref="CallDeadlineFor"/>).</summary>
    public static readonly TimeSpan MinCallReserve = TimeSpan.FromSeconds(2);

    /// <summary>The share of an invocation's time kept after its AWS calls' deadline, when more than <see cref="MinCallReserve"/>.</summary>
    public const double CallReserveShare = 0.1;

    /// <summary>Exit code: <c>stop</c> was cancelled.</summary>
    public const int ExitStopped = 0;

    /// <summary>Exit code: the composition (<c>build</c>) threw; it was reported on <c>/runtime/init/error</c>.</summary>
    public const int ExitInitError = 1;

    /// <summary>Exit code: the Runtime API failed or answered unexpectedly; Lambda restarts the process.</summary>
    public const int ExitRuntimeApiError = 2;

    // CancellationTokenSource timers cannot be longer than this; a deadline further away gets no timer at all.
    private static readonly TimeSpan MaxTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>Runs the runtime loop.</summary>
    /// <param name="build">The composition root; called once. If it throws, the error goes to <c>/runtime/init/error</c>
    /// and <see cref="ExitInitError"/> is returned.</param>
    /// <param name="client">The Runtime API.</param>
    /// <param name="time">The clock that measures the time left until each deadline.</param>
    /// <param name="stop">Ends the loop (<see cref="ExitStopped"/>); also cancels a running handler.</param>
    /// <param name="safetyMargin">How long before the deadline the handler's token fires; <see cref="DefaultSafetyMargin"/> by default.</param>
    /// <param name="log">Where one line per failure is written; <see cref="Console.Error"/> (CloudWatch) by default.</param>
    /// <returns>The process exit code. A handler's failure is reported and the loop goes on; a Runtime API failure
    /// ends it with <see cref="ExitRuntimeApiError"/>.</returns>
    public static async Task<int> RunAsync(
        Func<LambdaHandler> build,
        RuntimeApiClient client,
        TimeProvider time,
        CancellationToken stop,
        TimeSpan? safetyMargin = null,
        TextWriter? log = null)
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(time);
        var margin = safetyMargin ?? DefaultSafetyMargin;
        ArgumentOutOfRangeException.ThrowIfLessThan(margin, TimeSpan.Zero, nameof(safetyMargin));
        log ??= Console.Error;

        LambdaHandler handler;
        try
        {
            handler = build() ?? throw new InvalidOperationException("The composition returned no handler.");
        }
#pragma warning disable CA1031 // Any composition failure is reported to Lambda, whatever its type.
        catch (Exception ex)
        {
            await log.WriteLineAsync($"INIT ERROR {RuntimeApiClient.ErrorType(ex)}: {ex.Message}").ConfigureAwait(false);
            try
            {
                await client.InitErrorAsync(ex, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception report)
            {
                await log.WriteLineAsync($"RUNTIME API ERROR reporting the init error: {RuntimeApiClient.ErrorType(report)}: {report.Message}").ConfigureAwait(false);
            }

            return ExitInitError;
        }

        try
        {
            while (!stop.IsCancellationRequested)
            {
                var invocation = await client.NextAsync(stop).ConfigureAwait(false);
                await InvokeAsync(handler, invocation, client, time, margin, log, stop).ConfigureAwait(false);
            }

            return ExitStopped;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return ExitStopped;
        }
        catch (Exception ex)
        {
            await log.WriteLineAsync($"RUNTIME API ERROR {RuntimeApiClient.ErrorType(ex)}: {ex.Message}").ConfigureAwait(false);
            return ExitRuntimeApiError;
        }
#pragma warning restore CA1031
    }

    /// <summary>
    /// The deadline of the AWS calls of an invocation that started at <paramref name="startedAt"/> and must end by
    /// <paramref name="invocationDeadline"/>: the invocation's deadline less a reserve of
    /// max(<see cref="MinCallReserve"/>, <see cref="CallReserveShare"/> of the invocation's time); 54 s into a 60 s function.
    /// </summary>
    /// <remarks>
    /// After its last AWS call gives up, a handler still has to map the error, log it and POST it to the Runtime API,
    /// and its token fires <see cref="DefaultSafetyMargin"/> before the deadline. Two seconds cover that even for a
    /// small, busy function; ten percent scales the reserve with longer timeouts. The calls keep the rest: in a 60 s
    /// function, two full 20 s attempts with their backoff and a third cut short.
    /// </remarks>
    public static DateTimeOffset CallDeadlineFor(DateTimeOffset invocationDeadline, DateTimeOffset startedAt)
    {
        var invocationTime = invocationDeadline > startedAt ? invocationDeadline - startedAt : TimeSpan.Zero;
        var share = invocationTime * CallReserveShare;
        var reserve = share > MinCallReserve ? share : MinCallReserve;
        return invocationDeadline - DateTimeOffset.MinValue > reserve ? invocationDeadline - reserve : DateTimeOffset.MinValue;
    }

    /// <summary>Runs one invocation and reports its outcome. Only Runtime API failures escape.</summary>
    private static async Task InvokeAsync(
        LambdaHandler handler,
        RuntimeInvocation invocation,
        RuntimeApiClient client,
        TimeProvider time,
        TimeSpan margin,
        TextWriter log,
        CancellationToken stop)
    {
        var context = invocation.Context;
        byte[] output;
        using (CallDeadline.Until(CallDeadlineFor(context.Deadline, time.GetUtcNow())))
        using (var deadline = DeadlineSource(context.Deadline - margin, time))
        using (var token = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, stop))
        {
            try
            {
                output = await handler(invocation.Input, context, token.Token).ConfigureAwait(false) ?? [];
            }
#pragma warning disable CA1031 // A handler's failure, whatever its type, is the invocation's error, never the loop's.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                var reported = ex is OperationCanceledException && deadline.IsCancellationRequested
                    ? new FunctionTimeoutException(
                        $"Request {context.RequestId} ran out of time: cancelled {margin.TotalMilliseconds:0} ms before its deadline {context.Deadline:O}.", ex)
                    : ex;
                await log.WriteLineAsync($"ERROR {context.RequestId} {RuntimeApiClient.ErrorType(reported)}: {reported.Message}").ConfigureAwait(false);

                // An outcome already computed is always delivered, even while stopping.
                await client.ErrorAsync(context.RequestId, reported, CancellationToken.None).ConfigureAwait(false);
                return;
            }
        }

        await client.RespondAsync(context.RequestId, output, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>A source cancelled at <paramref name="cancelAt"/> on <paramref name="time"/>'s clock (now, if that has passed).</summary>
    private static CancellationTokenSource DeadlineSource(DateTimeOffset cancelAt, TimeProvider time)
    {
        var remaining = cancelAt - time.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            var expired = new CancellationTokenSource();
            expired.Cancel();
            return expired;
        }

        return remaining > MaxTimer ? new CancellationTokenSource() : new CancellationTokenSource(remaining, time);
    }
}
