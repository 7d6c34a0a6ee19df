using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using EfsDr.Aws.Http;

[assembly: AssemblyFixture(typeof(EfsDr.Aws.Tests.Support.MotoServerFixture))]

namespace EfsDr.Aws.Tests.Support;

/// <summary>
/// Starts one <c>moto_server</c> on a free 127.0.0.1 port for the contract tests and stops it afterwards.
/// Where moto_server is absent the contract tests skip with the reason, or fail when CI=true.
/// </summary>
public sealed class MotoServerFixture : IAsyncLifetime
{
    private Process? _process;

    /// <summary>The endpoint, e.g. http://127.0.0.1:40123, once started.</summary>
    public Uri? Endpoint { get; private set; }

    /// <summary>Why moto is not available, when it is not.</summary>
    public string? UnavailableReason { get; private set; }

    /// <summary>Credentials moto accepts (it checks none).</summary>
    public static BasicAWSCredentials Credentials { get; } = new("testing", "testing");

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        var executable = ExternalTool.Find("moto_server");
        if (executable is null)
        {
            UnavailableReason = "moto_server is not on PATH (it ships with the machine image's Python; PyPI is not reachable to add it)";
            return;
        }

        var port = FreePort();
        var start = new ProcessStartInfo(executable, ["-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("moto_server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var endpoint = new Uri($"http://127.0.0.1:{port}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                UnavailableReason = $"moto_server exited with {_process.ExitCode} before answering";
                return;
            }

            try
            {
                using var response = await http.GetAsync(new Uri(endpoint, "/moto-api/"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Endpoint = endpoint;
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // not answering yet
            }

            await Task.Delay(100);
        }

        UnavailableReason = "moto_server did not answer within 60 s";
    }

    /// <summary>The endpoint, or skips/fails the calling test when moto is not available.</summary>
    public Uri Require()
    {
        if (Endpoint is null)
        {
            ExternalTool.Unavailable(UnavailableReason ?? "moto_server is not available");
        }

        return Endpoint!;
    }

    /// <summary>A pipeline whose every service endpoint is moto.</summary>
    public SignedRequestPipeline Pipeline()
    {
        var endpoint = Require().ToString();
        return new SignedRequestPipeline(
            new HttpClient { Timeout = Timeout.InfiniteTimeSpan },
            Credentials,
            new EndpointResolver(name => name == "AWS_ENDPOINT_URL" ? endpoint : null),
            new AwsRetryOptions { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(50), AttemptTimeout = TimeSpan.FromSeconds(30) });
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        return ValueTask.CompletedTask;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
