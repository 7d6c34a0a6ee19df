using System.Net;
using System.Text;
using System.Text.Json;
using EfsDr.Cli.Commands;

namespace EfsDr.Cli.Tests.Commands;

/// <summary>efsdr's error boundary and first-contact answers (issue 14): one line, the documented exit code, no stack trace.</summary>
public sealed class ErrorBoundaryTests
{
    private static readonly string ExampleConfig = Path.Combine(FindRoot(), "config", "cluster.example.json");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async Task<(int Exit, string Out, string Err)> Efsdr(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await Program.InvokeAsync(args, output, error, Token);
        return (exit, output.ToString(), error.ToString());
    }

    private static void AssertOneLine(string error)
    {
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, error);
        Assert.StartsWith("efsdr: ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("failover")]
    [InlineData("plan")]
    [InlineData("report")]
    [InlineData("config", "validate")]
    [InlineData("runs", "--max", "abc")]
    [InlineData("failover", "--to", "server1", "--to", "server2")]
    [InlineData("status", "--no-such-flag")]
    public async Task InvokeAsync_ArgumentError_ExitsTwoWithOneLinePointingAtHelp(params string[] args)
    {
        var (exit, output, error) = await Efsdr(args);

        Assert.Equal(ExitCodes.Usage, exit);
        AssertOneLine(error);
        Assert.Matches(@"see efsdr ([a-z]+ )*--help$", error.Trim());
        Assert.Equal(string.Empty, output);
    }

    [Fact]
    public async Task InvokeAsync_MaxNotANumber_SaysSoWithoutDotNetTypeNames()
    {
        var (_, _, error) = await Efsdr("runs", "--max", "abc");

        Assert.Equal("efsdr: --max: 'abc' is not a whole number: see efsdr runs --help", error.Trim());
    }

    [Fact]
    public async Task InvokeAsync_NoCredentials_OneLineExitFive()
    {
        using var env = new EnvironmentScope(NoCredentials());

        var (exit, _, error) = await Efsdr("status", "--config", ExampleConfig, "--region", "us-east-1");

        Assert.Equal(ExitCodes.AwsUnreachable, exit);
        AssertOneLine(error);
        Assert.Contains("no AWS credentials", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_UnknownProfile_OneLineNamingItExitTwo()
    {
        using var env = new EnvironmentScope(NoCredentials());

        var (exit, _, error) = await Efsdr("runs", "--profile", "nope", "--config", ExampleConfig);

        Assert.Equal(ExitCodes.Usage, exit);
        AssertOneLine(error);
        Assert.Contains("'nope'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_Debug_AddsTheStackTraceAfterTheLine()
    {
        using var env = new EnvironmentScope(NoCredentials());

        var (exit, _, error) = await Efsdr("status", "--config", ExampleConfig, "--debug");

        Assert.Equal(ExitCodes.AwsUnreachable, exit);
        Assert.StartsWith("efsdr: no AWS credentials", error, StringComparison.Ordinal);
        Assert.Contains("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_GarbageTwoHundredAnswers_OneLineExitFive()
    {
        using var env = new EnvironmentScope(LocalCredentials());
        await using var server = await FakeAws.StartAsync("<<< this is neither JSON nor XML", Token);

        var (exit, _, error) = await Efsdr("status", "--config", ExampleConfig, "--endpoint-url", server.Url);

        Assert.Equal(ExitCodes.AwsUnreachable, exit);
        AssertOneLine(error);
        Assert.True(server.Requests > 0);
    }

    [Fact]
    public async Task Status_NothingReachable_ExitsFive()
    {
        using var env = new EnvironmentScope(LocalCredentials());

        var (exit, output, error) = await Efsdr("status", "--config", ExampleConfig, "--endpoint-url", "http://127.0.0.1:9", "--output", "json");

        Assert.Equal(ExitCodes.AwsUnreachable, exit);
        using var json = JsonDocument.Parse(output);
        Assert.All(json.RootElement.GetProperty("regions").EnumerateArray(), r => Assert.True(r.TryGetProperty("error", out _)));
        AssertOneLine(error);
    }

    [Fact]
    public async Task Failover_ReasonWithControlCharacter_ExitsTwoBeforeAnyCall()
    {
        using var env = new EnvironmentScope(LocalCredentials());
        await using var server = await FakeAws.StartAsync("{}", Token);

        var (exit, _, error) = await Efsdr("failover", "--to", "server2", "--reason", "a\u0001b", "--config", ExampleConfig, "--endpoint-url", server.Url);

        Assert.Equal(ExitCodes.Usage, exit);
        AssertOneLine(error);
        Assert.Contains("--reason", error, StringComparison.Ordinal);
        Assert.Equal(0, server.Requests);
    }

    [Fact]
    public async Task Version_OutputJson_ParsesWithTheVersion()
    {
        var (exit, output, _) = await Efsdr("version", "--output", "json");

        Assert.Equal(ExitCodes.Ok, exit);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(VersionCommand.InformationalVersion, json.RootElement.GetProperty("version").GetString());
    }

    [Fact]
    public async Task Help_Failover_ShowsMetavarsExampleExitCodesAndGlobalsOnce()
    {
        var (exit, output, error) = await Efsdr("failover", "--help");

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Equal(string.Empty, error);
        Assert.Contains("--to <server>", output, StringComparison.Ordinal);
        Assert.Contains("--output <text|json>", output, StringComparison.Ordinal);
        Assert.Contains("Global options", output, StringComparison.Ordinal);
        Assert.Contains("Examples:\n  efsdr failover --to", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("efsdr failover --to server3 --planned --wait", output, StringComparison.Ordinal);
        Assert.Contains("--planned-if-possible", output, StringComparison.Ordinal);
        Assert.Contains("Exit codes:", output, StringComparison.Ordinal);
        Assert.Contains("130", output, StringComparison.Ordinal);
        Assert.Single(output.Split('\n'), l => l.TrimStart().StartsWith("--output", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Help_Root_ListsCommandsAndEveryExitCode()
    {
        var (exit, output, _) = await Efsdr("--help");

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("failover", output, StringComparison.Ordinal);
        Assert.All(ExitCodes.Meanings, m => Assert.Contains(m.Meaning, output, StringComparison.Ordinal));
    }

    [Fact]
    public void Describe_UnexpectedException_ExitOneOneLineAskingForDebug()
    {
        var parse = Program.BuildRoot(TextWriter.Null, TextWriter.Null).Parse(["status"]);

        var (code, line) = ErrorBoundary.Describe(new InvalidOperationException("boom\nsecond line"), parse, null, CancellationToken.None);

        Assert.Equal(ExitCodes.Unexpected, code);
        Assert.Equal("efsdr: unexpected error: InvalidOperationException: boom second line: run again with --debug and report it", line);
    }

    private static Dictionary<string, string?> NoCredentials()
    {
        var empty = Path.Combine(Path.GetTempPath(), $"efsdr-nocreds-{Guid.NewGuid():N}");
        return new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["AWS_ACCESS_KEY_ID"] = null,
            ["AWS_SECRET_ACCESS_KEY"] = null,
            ["AWS_SESSION_TOKEN"] = null,
            ["AWS_PROFILE"] = null,
            ["AWS_DEFAULT_PROFILE"] = null,
            ["AWS_WEB_IDENTITY_TOKEN_FILE"] = null,
            ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = null,
            ["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = null,
            ["AWS_SHARED_CREDENTIALS_FILE"] = empty + ".credentials",
            ["AWS_CONFIG_FILE"] = empty + ".config",
            ["AWS_EC2_METADATA_DISABLED"] = "true",
        };
    }

    private static Dictionary<string, string?> LocalCredentials() => new(StringComparer.Ordinal)
    {
        ["AWS_ACCESS_KEY_ID"] = "local",
        ["AWS_SECRET_ACCESS_KEY"] = "local",
        ["AWS_PROFILE"] = null,
    };

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root not found");
    }

    /// <summary>Sets environment variables and puts the old values back (the assembly's tests run one at a time).</summary>
    private sealed class EnvironmentScope : IDisposable
    {
        private readonly Dictionary<string, string?> _previous = new(StringComparer.Ordinal);

        public EnvironmentScope(Dictionary<string, string?> values)
        {
            foreach (var (name, value) in values)
            {
                _previous[name] = Environment.GetEnvironmentVariable(name);
                Environment.SetEnvironmentVariable(name, value);
            }
        }

        public void Dispose()
        {
            foreach (var (name, value) in _previous)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }

    /// <summary>An "AWS" on loopback answering every request 200 with a fixed body, counting the requests.</summary>
    private sealed class FakeAws : IAsyncDisposable
    {
        private readonly HttpListener _listener;
        private readonly Task _loop;
        private int _requests;

        private FakeAws(HttpListener listener, string body)
        {
            _listener = listener;
            Url = listener.Prefixes.Single();
            _loop = ServeAsync(Encoding.UTF8.GetBytes(body));
        }

        public string Url { get; }

        public int Requests => Volatile.Read(ref _requests);

        public static Task<FakeAws> StartAsync(string body, CancellationToken cancellationToken)
        {
            for (var attempt = 0; ; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
                probe.Start();
                var port = ((IPEndPoint)probe.LocalEndpoint).Port;
                probe.Stop();
                var listener = new HttpListener();
                listener.Prefixes.Add($"http://127.0.0.1:{port}/");
                try
                {
                    listener.Start();
                    return Task.FromResult(new FakeAws(listener, body));
                }
                catch (HttpListenerException) when (attempt < 5)
                {
                    listener.Close();
                }
            }
        }

        private async Task ServeAsync(byte[] body)
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                Interlocked.Increment(ref _requests);
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-amz-json-1.1";
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            _listener.Close();
            await _loop;
        }
    }
}
