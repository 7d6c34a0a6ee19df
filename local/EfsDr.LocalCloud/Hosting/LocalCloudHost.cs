using System.Net;
using EfsDr.LocalCloud.Ec2;
using EfsDr.LocalCloud.Efs;
using EfsDr.LocalCloud.Lambda;
using EfsDr.LocalCloud.Route53;
using EfsDr.LocalCloud.Ssm;
using EfsDr.LocalCloud.StepFunctions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EfsDr.LocalCloud.Hosting;

/// <summary>
/// The local cloud: one Kestrel listener on 127.0.0.1 that answers the AWS operations EfsDr uses. Each request is
/// routed by the service and region of its SigV4 credential scope, after the fault injector had its say.
/// </summary>
public sealed class LocalCloudHost : IAsyncDisposable
{
    /// <summary>The request header that names the Lambda function making a call (added by the Lambda emulator's
    /// transport, <see cref="CallerHeaderHandler"/>); it only scopes the call's fault draws (<see cref="DrawKey"/>).</summary>
    public const string CallerHeader = "X-EfsDr-Local-Caller";

    private readonly CancellationTokenSource _stopping = new();
    private readonly WebApplication _app;
    private int _disposed;
    private readonly Dictionary<string, IServiceEmulator> _emulators;
    private readonly bool _ownsRoot;

    private LocalCloudHost(WebApplication app, LocalCloudContext context, bool ownsRoot)
    {
        _app = app;
        Context = context;
        _ownsRoot = ownsRoot;
        context.Efs = new EfsEmulator(context);
        context.Route53 = new Route53Emulator(context);
        context.Ec2 = new Ec2Emulator(context);
        context.Ssm = new SsmEmulator(context);
        context.Lambda = new LambdaEmulator(context);
        context.StepFunctions = new StepFunctionsEmulator(context);
        _emulators = new IServiceEmulator[] { context.Efs, context.Route53, context.Ec2, context.Ssm, context.Lambda, context.StepFunctions }
            .ToDictionary(e => e.SigningName, StringComparer.Ordinal);
    }

    /// <summary>Everything the emulators share; the seeding and inspection API of each emulator hangs off it.</summary>
    public LocalCloudContext Context { get; }

    /// <summary>http://127.0.0.1:PORT/.</summary>
    public Uri Endpoint => Context.Endpoint;

    /// <summary>The fault injector.</summary>
    public FaultInjector Faults => Context.Faults;

    /// <summary>Requests answered so far, by signing name.</summary>
    public IReadOnlyDictionary<string, int> RequestCounts
    {
        get
        {
            lock (_counts)
            {
                return new Dictionary<string, int>(_counts, StringComparer.Ordinal);
            }
        }
    }

    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>Starts the cloud on a free 127.0.0.1 port (or <paramref name="port"/>).</summary>
    public static async Task<LocalCloudHost> StartAsync(LocalCloudOptions? options = null, int port = 0, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalCloudOptions();
        var ownsRoot = options.RootDirectory is null;
        var root = options.RootDirectory ?? Path.Combine(Path.GetTempPath(), "efsdr-local-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.Limits.MaxRequestBodySize = 16 * 1024 * 1024;
        });
        var app = builder.Build();
        var context = new LocalCloudContext(options, new SimClock(time ?? TimeProvider.System, options.TimeScale), new FaultInjector(options.RandomSeed), root, options.RepositoryRoot ?? FindRepositoryRoot());
        var cloud = new LocalCloudHost(app, context, ownsRoot);
        app.Run(cloud.DispatchAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        context.Endpoint = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        return cloud;
    }

    private async Task DispatchAsync(HttpContext http)
    {
        var scope = AwsCall.Scope(http.Request.Headers.Authorization.ToString());
        if (scope is null)
        {
            await Write(http, AwsAnswer.JsonError(403, "MissingAuthenticationToken", "The local cloud routes by the SigV4 credential scope; send a signed request.")).ConfigureAwait(false);
            return;
        }

        var (service, region) = scope.Value;
        if (!_emulators.TryGetValue(service, out var emulator))
        {
            await Write(http, AwsAnswer.JsonError(400, "UnknownService", $"The local cloud does not emulate '{service}'.")).ConfigureAwait(false);
            return;
        }

        lock (_counts)
        {
            _counts[service] = _counts.GetValueOrDefault(service) + 1;
        }

        var faults = Context.Faults.For(service, region);
        if (faults.Unreachable)
        {
            http.Abort();
            return;
        }

        if (faults.BlackHole)
        {
            await HoldAsync(http).ConfigureAwait(false);
            return;
        }

        if (faults.Latency > TimeSpan.Zero)
        {
            await Task.Delay(faults.Latency, Context.Clock.Time, http.RequestAborted).ConfigureAwait(false);
        }

        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body, http.RequestAborted).ConfigureAwait(false);
        var call = new AwsCall(
            service,
            region,
            http.Request.Method,
            http.Request.Path.Value ?? "/",
            http.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal),
            http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body.ToArray());
        switch (Context.Faults.Decide(DrawKey(call), faults))
        {
            case InjectedFault.Throttled:
                await Write(http, emulator.Throttled()).ConfigureAwait(false);
                return;
            case InjectedFault.ServerError:
                await Write(http, emulator.ServerError()).ConfigureAwait(false);
                return;
        }

        AwsAnswer answer;
        try
        {
            answer = await emulator.HandleAsync(call, http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            answer = AwsAnswer.JsonError(500, "InternalFailure", $"local cloud {service}: {ex.GetType().Name}: {ex.Message}");
        }

        await Write(http, answer).ConfigureAwait(false);
    }

    /// <summary>The identity of a call for <see cref="FaultInjector.Draw"/>: service, region, method, the operation
    /// (<c>X-Amz-Target</c> of the JSON protocols, <c>Action</c> of EC2's query protocol) and the path with every segment
    /// that holds a generated id (a digit, and no ':' of an ARN) replaced by <c>{}</c>. It names the operation, never a
    /// run's own ids or times, so a replay draws the same values for the same calls. A call made by a function the
    /// Lambda emulator runs is prefixed with that function's name (<see cref="CallerHeader"/>), so the calls of two
    /// functions running at once, or of a function and the drill, never draw each other's values.</summary>
    public static string DrawKey(AwsCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var caller = call.Headers.GetValueOrDefault(CallerHeader) is { Length: > 0 } function ? function + " " : string.Empty;
        var target = call.Headers.GetValueOrDefault("X-Amz-Target") ?? string.Empty;
        var action = call.Service == "ec2" ? QueryAction(call.Body) : string.Empty;
        var path = string.Join('/', call.Path.Split('/').Select(p => p.Any(char.IsAsciiDigit) && !p.Contains(':', StringComparison.Ordinal) && !p.Contains("%3A", StringComparison.OrdinalIgnoreCase) ? "{}" : p));
        return $"{caller}{call.Service} {call.Region} {call.Method} {path} {target}{action}";
    }

    private static string QueryAction(byte[] body)
    {
        var form = System.Text.Encoding.UTF8.GetString(body);
        return form.Split('&').Select(p => p.Split('=', 2)).FirstOrDefault(p => p[0] == "Action") is [_, var value] ? value : string.Empty;
    }

    /// <summary>A black hole: the request was accepted and is never answered. It is held until the client gives up
    /// (<see cref="HttpContext.RequestAborted"/>) or the cloud stops, and then its connection is dropped.</summary>
    private async Task HoldAsync(HttpContext http)
    {
        using var hold = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, _stopping.Token);
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, hold.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // the client gave up or the cloud is stopping: either way no answer is ever sent
        }

        http.Abort();
    }

    private static async Task Write(HttpContext http, AwsAnswer answer)
    {
        http.Response.StatusCode = answer.Status;
        http.Response.ContentType = answer.ContentType;
        http.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>())
        {
            http.Response.Headers[name] = value;
        }

        if (answer.Body.Length > 0)
        {
            await http.Response.Body.WriteAsync(answer.Body).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the listener, the simulated nodes' applications and running executions; deletes the temp folder it made.
    /// Requests held by a black hole are dropped first, so they never hold up the shutdown.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var emulator in _emulators.Values.OfType<IAsyncDisposable>())
        {
            await emulator.DisposeAsync().ConfigureAwait(false);
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
        if (_ownsRoot)
        {
            try
            {
                Directory.Delete(Context.Root, recursive: true);
            }
            catch (IOException)
            {
                // a node's application may still hold a file for a moment; the folder is in /tmp
            }
        }
    }

    /// <summary>The folder holding Serverless.sln above the running binaries (or the current directory).</summary>
    public static string FindRepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("The repository root (Serverless.sln) was not found; set LocalCloudOptions.RepositoryRoot.");
    }
}
