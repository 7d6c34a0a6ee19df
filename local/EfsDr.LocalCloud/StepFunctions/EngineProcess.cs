using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EfsDr.LocalCloud.Hosting;

namespace EfsDr.LocalCloud.StepFunctions;

/// <summary>
/// The one Node process that runs every execution of the cloud: <c>node --require local/sfn/polyfill.cjs
/// local/sfn/engine-server.mjs</c> (aws-local-stepfunctions; the protocol is at the top of that file). It starts on first
/// need, on the cloud's simulated clock (<c>EFSDR_SIM_CLOCK</c>); its output lines are routed to their executions by id;
/// when it dies, the executions it ran fail (<c>LocalCloud.EngineError</c>) and the next need starts a new one; it is
/// killed with the cloud. The node binary is <c>EFSDR_NODE</c> when set, else <c>node</c> on PATH (20 with the polyfill,
/// or 22+).
/// </summary>
internal sealed class EngineProcess(string repositoryRoot, Func<Uri> endpoint, SimClock clock) : IAsyncDisposable
{
    /// <summary>The environment variable that names the node binary to use.</summary>
    public const string NodeVariable = "EFSDR_NODE";

    private readonly Lock _gate = new();
    private readonly List<Instance> _instances = [];
    private Instance? _current;
    private int _started;
    private bool _disposed;

    /// <summary>How many engine processes have been started (a restart after a crash counts).</summary>
    public int ProcessesStarted => Volatile.Read(ref _started);

    /// <summary>The runner script, relative to the repository root.</summary>
    public static string Runner(string repositoryRoot) => Path.Combine(repositoryRoot, "local", "sfn", "engine-server.mjs");

    /// <summary>The polyfill preloaded before the engine (Promise.withResolvers on Node 20).</summary>
    public static string Polyfill(string repositoryRoot) => Path.Combine(repositoryRoot, "local", "sfn", "polyfill.cjs");

    /// <summary>The node binary, or null when there is none.</summary>
    public static string? Node()
    {
        var configured = Environment.GetEnvironmentVariable(NodeVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured) ? configured : null;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, OperatingSystem.IsWindows() ? "node.exe" : "node");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Why executions cannot run here (no node, no <c>npm ci</c>, no runner), or null when they can.</summary>
    public static string? UnavailableReason(string repositoryRoot)
    {
        if (Node() is null)
        {
            return $"node was not found on PATH (or {NodeVariable}); Step Functions executions run in aws-local-stepfunctions on Node.";
        }

        if (!File.Exists(Path.Combine(repositoryRoot, "node_modules", "aws-local-stepfunctions", "package.json")))
        {
            return $"node_modules/aws-local-stepfunctions is missing under {repositoryRoot}; run `npm ci` there.";
        }

        return File.Exists(Runner(repositoryRoot)) ? null : $"{Runner(repositoryRoot)} is missing.";
    }

    /// <summary>Sends <paramref name="execution"/>'s start job (kind start) to the engine, starting the engine if none
    /// runs; the execution fails at once when no engine can start. Nothing is sent once the execution is closed.</summary>
    public async Task StartAsync(ExecutionRecord execution, JsonObject job)
    {
        Instance? instance;
        try
        {
            instance = Current(execution);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
        {
            execution.Close("FAILED", clock.Now, "LocalCloud.EngineUnavailable", ex.Message);
            return;
        }

        if (instance is not null)
        {
            await instance.WriteAsync(job, () => execution.Status == ExecutionRecord.Running).ConfigureAwait(false);
        }
    }

    /// <summary>Asks the engine running <paramref name="execution"/> to abort it (StopExecution).</summary>
    public Task StopAsync(ExecutionRecord execution)
    {
        Instance? instance;
        lock (_gate)
        {
            instance = _instances.FirstOrDefault(i => i.Runs(execution));
        }

        return instance is null
            ? Task.CompletedTask
            : instance.WriteAsync(new JsonObject { ["kind"] = "stop", ["id"] = execution.Arn }, () => true);
    }

    /// <summary>Has the engine validate a definition ahead of its first execution (kind define), starting the engine if
    /// none runs; best effort.</summary>
    public async Task DefineAsync(JsonObject job)
    {
        Instance? instance;
        try
        {
            instance = Current(null);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
        {
            return;
        }

        if (instance is not null)
        {
            await instance.WriteAsync(job, () => true).ConfigureAwait(false);
        }
    }

    /// <summary>Kills the engine and waits (a while) for its output to be read.</summary>
    public async ValueTask DisposeAsync()
    {
        Instance[] instances;
        lock (_gate)
        {
            _disposed = true;
            instances = [.. _instances];
        }

        foreach (var instance in instances)
        {
            instance.Kill();
        }

        try
        {
            await Task.WhenAll(instances.Select(i => i.Reader)).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // a reader that does not end is abandoned with its killed process
        }

        foreach (var instance in instances)
        {
            instance.Dispose();
        }
    }

    /// <summary>The running engine (started when there is none or the last one ended), with <paramref name="execution"/>
    /// routed to it; null once disposed (the execution is then closed).</summary>
    private Instance? Current(ExecutionRecord? execution)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                execution?.Close("ABORTED", clock.Now, "LocalCloud.Stopped", "The local cloud stopped while the execution started.");
                return null;
            }

            if (_current is null || !_current.Route(execution))
            {
                // An ended instance stays listed (and is disposed with the rest): only a crash ends one.
                _current = new Instance(Launch(), clock);
                _instances.Add(_current);
                _started++;
                _current.Route(execution);
            }

            return _current;
        }
    }

    private Process Launch()
    {
        var node = Node() ?? throw new InvalidOperationException(UnavailableReason(repositoryRoot));
        var start = new ProcessStartInfo(node)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
            WorkingDirectory = Path.Combine(repositoryRoot, "local", "sfn"),
        };
        start.ArgumentList.Add("--require");
        start.ArgumentList.Add(Polyfill(repositoryRoot));
        start.ArgumentList.Add(Runner(repositoryRoot));
        foreach (var (name, value) in EngineEnvironment(endpoint(), clock))
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"{node} did not start.");
    }

    /// <summary>The engine's environment: the cloud's Lambda endpoint, dummy credentials, one attempt per Invoke (only
    /// the ASL's Retry retries) and the simulated clock; null removes a variable.</summary>
    private static Dictionary<string, string?> EngineEnvironment(Uri endpoint, SimClock clock) => new(StringComparer.Ordinal)
    {
        ["AWS_ENDPOINT_URL_LAMBDA"] = endpoint.ToString().TrimEnd('/'),
        ["AWS_ENDPOINT_URL"] = null,
        ["AWS_REGION"] = "us-east-1",
        ["AWS_DEFAULT_REGION"] = "us-east-1",
        ["AWS_ACCESS_KEY_ID"] = "local",
        ["AWS_SECRET_ACCESS_KEY"] = "local",
        ["AWS_SESSION_TOKEN"] = null,
        ["AWS_PROFILE"] = null,
        ["AWS_MAX_ATTEMPTS"] = "1",
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["NODE_NO_WARNINGS"] = "1",
        ["EFSDR_SIM_CLOCK"] = new JsonObject
        {
            ["scale"] = clock.Scale,
            ["originMs"] = (clock.Origin - DateTimeOffset.UnixEpoch).TotalMilliseconds,
            ["baseMs"] = (clock.BaseOrigin - DateTimeOffset.UnixEpoch).TotalMilliseconds,
        }.ToJsonString(),
    };

    /// <summary>One engine process: its routes (execution id → record), its stdin writer and its stdout reader.</summary>
    private sealed class Instance : IDisposable
    {
        private const int StderrLimit = 8192;
        private readonly Lock _gate = new();
        private readonly Dictionary<string, ExecutionRecord> _routes = new(StringComparer.Ordinal);
        private readonly SemaphoreSlim _write = new(1, 1);
        private readonly StringBuilder _stderr = new();
        private readonly Process _process;
        private readonly SimClock _clock;
        private string? _fatal;

        public Instance(Process process, SimClock clock)
        {
            _process = process;
            _clock = clock;
            _process.ErrorDataReceived += (_, e) => OnStderr(e.Data);
            _process.BeginErrorReadLine();
            Reader = Task.Run(ReadAsync);
        }

        public Task Reader { get; }

        public bool Ended
        {
            get
            {
                lock (_gate)
                {
                    return _ended;
                }
            }
        }

        private bool _ended;

        public bool Runs(ExecutionRecord execution)
        {
            lock (_gate)
            {
                return _routes.ContainsKey(execution.Arn);
            }
        }

        /// <summary>Routes <paramref name="execution"/>'s lines here (null: nothing to route); false once this process ended.</summary>
        public bool Route(ExecutionRecord? execution)
        {
            lock (_gate)
            {
                if (_ended)
                {
                    return false;
                }

                if (execution is not null)
                {
                    _routes[execution.Arn] = execution;
                    execution.EngineProcessId = _process.Id;
                }

                return true;
            }
        }

        /// <summary>Writes one job line, unless <paramref name="wanted"/> says no by the time it is this writer's turn; a
        /// process that is gone is left to the reader to report.</summary>
        public async Task WriteAsync(JsonObject job, Func<bool> wanted)
        {
            await _write.WaitAsync().ConfigureAwait(false);
            try
            {
                if (wanted())
                {
                    await _process.StandardInput.WriteLineAsync(job.ToJsonString(ExecutionRecord.Relaxed)).ConfigureAwait(false);
                    await _process.StandardInput.FlushAsync().ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // the process died; its reader fails what it ran
            }
            finally
            {
                _write.Release();
            }
        }

        public void Kill()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
            {
                // already gone
            }
        }

        public void Dispose()
        {
            _process.Dispose();
            _write.Dispose();
        }

        private async Task ReadAsync()
        {
            try
            {
                while (await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
                {
                    Dispatch(line);
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // the process was killed
            }

            await EndAsync().ConfigureAwait(false);
        }

        /// <summary>The process is gone: whatever it still ran fails, with its exit code and its last words.</summary>
        private async Task EndAsync()
        {
            try
            {
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
            {
                // the exit code stays unknown
            }

            ExecutionRecord[] orphans;
            string detail;
            lock (_gate)
            {
                _ended = true;
                orphans = [.. _routes.Values];
                _routes.Clear();
                detail = _fatal ?? _stderr.ToString();
            }

            var exit = _process.HasExited ? _process.ExitCode.ToString(CultureInfo.InvariantCulture) : "?";
            foreach (var execution in orphans)
            {
                execution.Close("FAILED", _clock.Now, "LocalCloud.EngineError", $"The engine process ended (exit {exit}) without a result. {detail}".TrimEnd());
            }
        }

        private void Dispatch(string line)
        {
            if (!line.StartsWith("{\"kind\":", StringComparison.Ordinal))
            {
                return;
            }

            JsonObject? record;
            try
            {
                record = JsonNode.Parse(line) as JsonObject;
            }
            catch (JsonException)
            {
                return;
            }

            var kind = record?["kind"]?.GetValue<string>();
            if (record?["id"] is not JsonValue idValue || !idValue.TryGetValue<string>(out var id))
            {
                if (kind == "fatal")
                {
                    lock (_gate)
                    {
                        _fatal = $"{record?["error"]}: {record?["cause"]}";
                    }
                }

                return;
            }

            ExecutionRecord? execution;
            lock (_gate)
            {
                execution = _routes.GetValueOrDefault(id);
                if (kind is "result" or "fatal")
                {
                    _routes.Remove(id);
                }
            }

            execution?.Accept(record);
        }

        private void OnStderr(string? line)
        {
            if (line is null)
            {
                return;
            }

            ExecutionRecord[] running;
            lock (_gate)
            {
                _stderr.AppendLine(line);
                if (_stderr.Length > StderrLimit)
                {
                    _stderr.Remove(0, _stderr.Length - StderrLimit);
                }

                running = [.. _routes.Values];
            }

            foreach (var execution in running)
            {
                execution.AppendStderr(line);
            }
        }
    }
}
