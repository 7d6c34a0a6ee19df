using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using EfsDr.Aws;
using EfsDr.Aws.Http;
using EfsDr.Core.Configuration;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Failover;

namespace EfsDr.Cli.Commands;

/// <summary>The global options, with the AWS CLI's names and meaning, shared by every command.</summary>
public sealed class GlobalOptions
{
    /// <summary>--region: the region for commands without a target server (defaults: AWS_REGION, then every region of the cluster).</summary>
    public Option<string?> Region { get; } = new("--region") { Description = "AWS region (as the AWS CLI); commands with a target use the target's region.", Recursive = true, HelpName = "region" };

    /// <summary>--profile: a named profile of the shared credentials/config files.</summary>
    public Option<string?> Profile { get; } = new("--profile") { Description = "Use a named profile (as the AWS CLI; default $AWS_PROFILE).", Recursive = true, HelpName = "name" };

    /// <summary>--endpoint-url: one endpoint for every service (the local cloud, LocalStack …).</summary>
    public Option<string?> EndpointUrl { get; } = new("--endpoint-url") { Description = "Override every service endpoint (as the AWS CLI); AWS_ENDPOINT_URL[_<SERVICE>] also work.", Recursive = true, HelpName = "url" };

    /// <summary>--output text|json.</summary>
    public Option<string> Output { get; } = new("--output") { Description = "text (default) or json.", Recursive = true, DefaultValueFactory = _ => "text", HelpName = "text|json" };

    /// <summary>--config: the cluster configuration file.</summary>
    public Option<string?> Config { get; } = new("--config") { Description = "Cluster configuration JSON (default: $EFSDR_CONFIG_FILE, then /etc/efsdr/cluster.json).", Recursive = true, HelpName = "file" };

    /// <summary>--state-machine: the failover state machine's name.</summary>
    public Option<string> StateMachine { get; } = new("--state-machine") { Description = "The failover state machine's name (default efsdr-failover).", Recursive = true, DefaultValueFactory = _ => "efsdr-failover", HelpName = "name" };

    /// <summary>--reprotect-state-machine: the reprotect state machine's name.</summary>
    public Option<string> ReprotectStateMachine { get; } = new("--reprotect-state-machine") { Description = "The reprotect state machine's name (default efsdr-reprotect).", Recursive = true, DefaultValueFactory = _ => "efsdr-reprotect", HelpName = "name" };

    /// <summary>--debug: a failure's stack trace after its one line.</summary>
    public Option<bool> Debug { get; } = new("--debug") { Description = "On failure, also print the stack trace.", Recursive = true };

    /// <summary>--stack-name: the EfsDr stack's name, the same in every region; the node document and the configuration
    /// parameter are named after it.</summary>
    public Option<string?> StackName { get; } = new("--stack-name") { Description = $"The EfsDr stack's name, the same in every region (default: $EFSDR_STACK_NAME, then {StackNames.Default}); names the node document (<stack>-node) and the configuration parameter (/<stack>/configuration).", Recursive = true, HelpName = "name" };

    /// <summary>Adds them to the root command.</summary>
    public void AddTo(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        root.Options.Add(Region);
        root.Options.Add(Profile);
        root.Options.Add(EndpointUrl);
        root.Options.Add(Output);
        root.Options.Add(Config);
        root.Options.Add(StateMachine);
        root.Options.Add(ReprotectStateMachine);
        root.Options.Add(StackName);
        root.Options.Add(Debug);
    }
}

/// <summary>A usage problem the user can fix (exit 2); the message says what is wrong, the boundary adds where help is.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>What a command runs with: parsed global options, AWS clients, the configuration, and output.</summary>
public sealed class CliContext : IDisposable
{
    private readonly Lazy<AwsAdapters> _adapters;
    private ClusterConfiguration? _configuration;

    private CliContext(ParseResult parse, GlobalOptions options, TextWriter output, TextWriter error)
    {
        Parse = parse;
        Out = output;
        Error = error;
        Json = parse.GetValue(options.Output) switch
        {
            "json" => true,
            "text" => false,
            var other => throw new UsageException($"--output: '{other}' is not text or json"),
        };
        Region = parse.GetValue(options.Region) ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION");
        ConfigPath = parse.GetValue(options.Config) ?? Environment.GetEnvironmentVariable("EFSDR_CONFIG_FILE") ?? "/etc/efsdr/cluster.json";
        StateMachineName = parse.GetValue(options.StateMachine) ?? "efsdr-failover";
        ReprotectStateMachineName = parse.GetValue(options.ReprotectStateMachine) ?? "efsdr-reprotect";
        StackName = StackNameOf(parse.GetValue(options.StackName), Environment.GetEnvironmentVariable("EFSDR_STACK_NAME"));
        var profile = parse.GetValue(options.Profile) is { Length: > 0 } named ? named : Environment.GetEnvironmentVariable("AWS_PROFILE");

        var endpoint = parse.GetValue(options.EndpointUrl);
        if (endpoint is not null && !Uri.TryCreate(endpoint, UriKind.Absolute, out _))
        {
            throw new UsageException($"--endpoint-url: '{endpoint}' is not an absolute URL");
        }

        var resolver = new EndpointResolver(name => endpoint is not null && name.StartsWith("AWS_ENDPOINT_URL", StringComparison.Ordinal) ? endpoint : Environment.GetEnvironmentVariable(name));
        _adapters = new Lazy<AwsAdapters>(() => new AwsAdapters(credentials: AwsCredentialSource.Resolve(profile), endpoints: resolver, retry: Retry));
    }

    /// <summary>The CLI's retries: a call that gets no answer gives up within about 40 s (3 attempts of at most 10 s),
    /// so a command reports an unreachable region instead of hanging on it.</summary>
    public static AwsRetryOptions Retry { get; } = new() { MaxAttempts = 3, AttemptTimeout = TimeSpan.FromSeconds(10), MaxDelay = TimeSpan.FromSeconds(5) };

    /// <summary>The most a reading command (status, runs, report) spends on AWS calls in all.</summary>
    public static TimeSpan ReadBudget { get; } = TimeSpan.FromMinutes(2);

    /// <summary>The parse result.</summary>
    public ParseResult Parse { get; }

    /// <summary>Standard output.</summary>
    public TextWriter Out { get; }

    /// <summary>Standard error.</summary>
    public TextWriter Error { get; }

    /// <summary>True for --output json.</summary>
    public bool Json { get; }

    /// <summary>The --region (or AWS_REGION), or null.</summary>
    public string? Region { get; }

    /// <summary>Where the configuration is read from.</summary>
    public string ConfigPath { get; }

    /// <summary>The failover state machine's name.</summary>
    public string StateMachineName { get; }

    /// <summary>The reprotect state machine's name.</summary>
    public string ReprotectStateMachineName { get; }

    /// <summary>The EfsDr stack's name (--stack-name, then EFSDR_STACK_NAME, then <see cref="StackNames.Default"/>).</summary>
    public string StackName { get; }

    /// <summary>The stack's SSM Command document (<c>&lt;stack&gt;-node</c>).</summary>
    public string NodeDocument => StackNames.NodeDocument(StackName);

    /// <summary>The SSM parameter the stack's functions read the configuration from (<c>/&lt;stack&gt;/configuration</c>).</summary>
    public string ConfigurationParameter => StackNames.ConfigurationParameter(StackName);

    /// <summary>AWS clients (created on first use).</summary>
    public AwsAdapters Aws => _adapters.Value;

    /// <summary>The cluster configuration, read and validated once.</summary>
    public ClusterConfiguration Configuration
    {
        get
        {
            if (_configuration is null)
            {
                if (!File.Exists(ConfigPath))
                {
                    throw new UsageException($"--config: {ConfigPath} does not exist (set --config or EFSDR_CONFIG_FILE)");
                }

                _configuration = ReadConfiguration(ConfigPath, "--config");
            }

            return _configuration;
        }
    }

    /// <summary>Reads and validates a configuration file (regions checked against the AWS SDK's list). A path that is
    /// missing, a directory or larger than a configuration may be is a <see cref="UsageException"/> naming <paramref name="field"/>.</summary>
    public static ClusterConfiguration ReadConfiguration(string path, string field) =>
        EfsDrJson.ParseConfiguration(ReadConfigurationText(path, field), AwsRegions.IsKnown);

    /// <summary>The text of a configuration file, after the checks of <see cref="ReadConfiguration"/> that need no parsing.</summary>
    public static string ReadConfigurationText(string path, string field)
    {
        ArgumentNullException.ThrowIfNull(path);
        var shown = ClusterConfigurationValidator.Shorten(path);
        if (Directory.Exists(path))
        {
            throw new UsageException($"{field}: {shown} is a directory; give the configuration file (for example config/cluster.example.json)");
        }

        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new UsageException($"{field}: {shown} does not exist (set --config or EFSDR_CONFIG_FILE)");
        }

        if (file.Length > ClusterConfigurationValidator.MaxDocumentBytes)
        {
            throw new UsageException($"{field}: {shown} is {EfsDrJson.DescribeSize(file.Length)}; a configuration may be at most {ClusterConfigurationValidator.MaxDocumentBytes} bytes (an SSM Standard parameter holds 4 KB): leave out defaults and whitespace");
        }

        return File.ReadAllText(path);
    }

    private static string StackNameOf(string? option, string? environment)
    {
        var (name, source) = option is not null ? (option, "--stack-name") : !string.IsNullOrEmpty(environment) ? (environment, "EFSDR_STACK_NAME") : (StackNames.Default, "--stack-name");
        return StackNames.IsValid(name)
            ? name
            : throw new UsageException($"{source}: '{ClusterConfigurationValidator.Shorten(name)}' is not a CloudFormation stack name (a letter, then letters, digits and hyphens, at most 128); give the name the stack was deployed with");
    }

    /// <summary>The server by name, or a usage error naming --to.</summary>
    public ServerSettings Server(string name) =>
        Configuration.Server(name) ?? throw new UsageException($"--to: '{name}' is not a server of the cluster ({string.Join(", ", Configuration.Servers.Select(s => s.Name))})");

    /// <summary>The failover state machine's ARN in a region, or a usage error.</summary>
    public async Task<string> StateMachineAsync(string region, CancellationToken cancellationToken) =>
        await Aws.Executions.FindStateMachineAsync(region, StateMachineName, cancellationToken).ConfigureAwait(false)
        ?? throw new UsageException($"--state-machine: no state machine named '{StateMachineName}' in {region}; is the EfsDr stack deployed there?");

    private static readonly JsonSerializerOptions JsonOutput = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes a JSON document, indented, without escaping what a terminal shows as it is ('+', '&lt;', non-ASCII).</summary>
    public void WriteJson(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        Out.WriteLine(node.ToJsonString(JsonOutput));
    }

    /// <summary>One progress line for people: on stderr with <c>--output json</c>, so stdout stays one JSON document.</summary>
    public void Say(string line) => (Json ? Error : Out).WriteLine(line);

    /// <summary>Says a run was started or joined: the starter's notes, then <paramref name="headline"/>.</summary>
    public void Announce(EfsDr.Runs.StartOutcome outcome, string headline)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        foreach (var note in outcome.Notes)
        {
            Say("note: " + note);
        }

        Say(headline);
    }

    /// <summary>The answer of a run started (or joined) without <c>--wait</c>: the execution ARN (or, with
    /// <c>--output json</c>, the run as JSON). Returns exit code 0.</summary>
    public int WriteStarted(EfsDr.Runs.StartOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (Json)
        {
            WriteJson(new JsonObject { ["executionArn"] = outcome.ExecutionArn, ["name"] = outcome.Name, ["joined"] = outcome.Joined, ["status"] = "RUNNING" });
        }
        else
        {
            Out.WriteLine(outcome.ExecutionArn);
        }

        return ExitCodes.Ok;
    }

    /// <summary>Runs a command body inside efsdr's error boundary: whatever fails becomes one line
    /// <c>efsdr: &lt;what happened&gt;: &lt;what to do&gt;</c> on stderr and its documented exit code (<see cref="ErrorBoundary"/>);
    /// <c>--debug</c> adds the stack trace.</summary>
    public static async Task<int> RunAsync(ParseResult parse, GlobalOptions options, TextWriter output, TextWriter error, Func<CliContext, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(body);
        CliContext? context = null;
        try
        {
            context = new CliContext(parse, options, output, error);
            return await body(context, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var (code, line) = ErrorBoundary.Describe(ex, parse, context?.ConfigPath, cancellationToken);
            await error.WriteLineAsync(line).ConfigureAwait(false);
            if (parse.GetValue(options.Debug))
            {
                await error.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
            }

            return code;
        }
        finally
        {
            context?.Dispose();
        }
    }

    /// <summary>Parses a duration: 90s, 45m, 1h, 1h30m, or hh:mm:ss.</summary>
    public static TimeSpan ParseDuration(string text, string option)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && text.Contains(':', StringComparison.Ordinal) && span > TimeSpan.Zero)
        {
            return span;
        }

        var total = TimeSpan.Zero;
        var number = string.Empty;
        foreach (var c in text.Trim())
        {
            if (char.IsAsciiDigit(c))
            {
                number += c;
                continue;
            }

            if (number.Length == 0 || !int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                throw new UsageException($"{option}: '{text}' is not a duration such as 90s, 45m or 1h30m");
            }

            total += c switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                _ => throw new UsageException($"{option}: '{text}' is not a duration such as 90s, 45m or 1h30m"),
            };
            number = string.Empty;
        }

        if (number.Length > 0 || total <= TimeSpan.Zero)
        {
            throw new UsageException($"{option}: '{text}' is not a duration such as 90s, 45m or 1h30m");
        }

        return total;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_adapters.IsValueCreated)
        {
            _adapters.Value.Dispose();
        }
    }
}
