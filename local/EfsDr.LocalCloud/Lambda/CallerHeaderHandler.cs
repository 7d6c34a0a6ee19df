using EfsDr.LocalCloud.Hosting;

namespace EfsDr.LocalCloud.Lambda;

/// <summary>
/// The transport of the handlers' AWS clients in the Lambda emulator: it names the function whose invocation makes a
/// call in <see cref="LocalCloudHost.CallerHeader"/>, so the fault injector draws for that function's calls apart
/// from anyone else's (<see cref="LocalCloudHost.DrawKey"/>). The function is the one <see cref="Enter"/> set on the
/// calling flow; calls outside an invocation go out unchanged.
/// </summary>
public sealed class CallerHeaderHandler : DelegatingHandler
{
    private static readonly AsyncLocal<string?> Caller = new();

    /// <summary>Creates the handler over <paramref name="inner"/>.</summary>
    public CallerHeaderHandler(HttpMessageHandler inner)
        : base(inner)
    {
    }

    /// <summary>The function named on the current flow, or null.</summary>
    public static string? Current => Caller.Value;

    /// <summary>Names <paramref name="function"/> as the caller of every call made on this flow (and the flows it
    /// starts) until the returned scope is disposed.</summary>
    public static IDisposable Enter(string function)
    {
        ArgumentException.ThrowIfNullOrEmpty(function);
        var before = Caller.Value;
        Caller.Value = function;
        return new Scope(before);
    }

    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Caller.Value is { } function)
        {
            request.Headers.Remove(LocalCloudHost.CallerHeader);
            request.Headers.TryAddWithoutValidation(LocalCloudHost.CallerHeader, function);
        }

        return base.SendAsync(request, cancellationToken);
    }

    private sealed class Scope(string? before) : IDisposable
    {
        public void Dispose() => Caller.Value = before;
    }
}
