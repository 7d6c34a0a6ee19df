using EfsDr.Aws;
using EfsDr.Core.Configuration;
using EfsDr.Core.Failover;
using EfsDr.Core.Ports;
using EfsDr.Functions.Handlers;
using EfsDr.Functions.Observability;
using EfsDr.Functions.Runtime;
using Microsoft.Extensions.Logging;

namespace EfsDr.Functions;

/// <summary>The ports a function host needs; AWS in Lambda, the local cloud or fakes elsewhere.</summary>
public sealed record FunctionPorts(IFileSystems FileSystems, IReplications Replications, INodeAgent Nodes, IInstances Instances, IDnsRecords Dns, IParameters Parameters, IExecutions Executions);

/// <summary>
/// The composition root of the functions: reads the environment, builds the ports and the handlers, and picks the one
/// named by <c>_HANDLER</c>. The local cloud uses <see cref="Handlers"/> to dispatch Lambda Invoke in-process.
/// </summary>
public static class FunctionHost
{
    /// <summary>Inline configuration JSON (local cloud, tests).</summary>
    public const string ConfigVariable = "EFSDR_CONFIG";

    /// <summary>The SSM parameter that holds the configuration (set by the template).</summary>
    public const string ConfigParameterVariable = "EFSDR_CONFIG_PARAMETER";

    /// <summary>The SSM Command document the node runs (set by the template).</summary>
    public const string NodeDocumentVariable = "EFSDR_NODE_DOCUMENT";

    /// <summary>Every handler, by name, over the given ports. <paramref name="metricsOutput"/> receives the health check's
    /// EMF lines (the raw log stream; none are written when it is null).</summary>
    public static IReadOnlyDictionary<string, LambdaHandler> Handlers(Func<string, string?> environment, FunctionPorts ports, TimeProvider time, ILogger logger, TextWriter? metricsOutput = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(ports);
        var region = environment("AWS_REGION") ?? environment("AWS_DEFAULT_REGION");
        var inline = environment(ConfigVariable);
        var parameter = environment(ConfigParameterVariable);
        Func<CancellationToken, Task<ClusterConfiguration>> configuration = async cancellationToken =>
        {
            if (!string.IsNullOrWhiteSpace(inline))
            {
                return EfsDrJson.ParseConfiguration(inline, AwsRegions.IsKnown);
            }

            if (string.IsNullOrWhiteSpace(parameter) || string.IsNullOrWhiteSpace(region))
            {
                throw new InvalidOperationException($"Set {ConfigVariable}, or {ConfigParameterVariable} and AWS_REGION, to give the functions the cluster configuration.");
            }

            return EfsDrJson.ParseConfiguration(await ports.Parameters.GetAsync(region, parameter, cancellationToken).ConfigureAwait(false), AwsRegions.IsKnown);
        };
        var document = environment(NodeDocumentVariable);
        var nodeDocument = string.IsNullOrWhiteSpace(document) ? StackNames.DefaultNodeDocument : document;
        var failover = new FailoverFunctions(
            configuration,
            ports.FileSystems,
            ports.Replications,
            ports.Nodes,
            ports.Instances,
            ports.Dns,
            ports.Parameters,
            ports.Executions,
            nodeDocument,
            time,
            logger).Handlers();
        var reprotect = new ReprotectFunctions(configuration, ports.FileSystems, ports.Replications, ports.Parameters, ports.Executions, time, logger).Handlers();
        var health = new HealthFunctions(configuration, ports, region ?? string.Empty, nodeDocument, time, logger, metricsOutput ?? TextWriter.Null).Handlers();
        return failover.Concat(reprotect).Concat(health).ToDictionary(h => h.Key, h => h.Value, StringComparer.Ordinal);
    }

    /// <summary>The handler named by <c>_HANDLER</c>, over AWS.</summary>
    /// <exception cref="InvalidOperationException"><c>_HANDLER</c> is missing or unknown.</exception>
    public static LambdaHandler Build(Func<string, string?> environment, TimeProvider time, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var name = environment("_HANDLER");
        var logger = new JsonLineLoggerProvider(output, time).CreateLogger("EfsDr.Functions");
        var adapters = new AwsAdapters(time: time, onRetry: retry => LogRetry(logger, retry.Retry, retry.ErrorCode, retry.HttpStatus, retry.Delay.TotalMilliseconds));
        var ports = new FunctionPorts(adapters.FileSystems, adapters.Replications, adapters.NodeAgent, adapters.Instances, adapters.Dns, adapters.Parameters, adapters.Executions);
        var handlers = Handlers(environment, ports, time, logger, output);
        return name is not null && handlers.TryGetValue(name, out var handler)
            ? handler
            : throw new InvalidOperationException($"_HANDLER '{name}' is not one of: {string.Join(", ", FunctionNames.All)}.");
    }

    private static void LogRetry(ILogger logger, int retry, string errorCode, int httpStatus, double delayMs) =>
        RetryLog(logger, retry, errorCode, httpStatus, delayMs, null);

    private static readonly Action<ILogger, int, string, int, double, Exception?> RetryLog =
        LoggerMessage.Define<int, string, int, double>(LogLevel.Warning, new EventId(1, "AwsRetry"), "AWS call retry {Retry} after {ErrorCode} (HTTP {HttpStatus}); waiting {DelayMs} ms");
}
