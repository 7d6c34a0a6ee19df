using System.Text.Json;
using EfsDr.Core.Configuration;
using EfsDr.Core.Health;
using EfsDr.Core.Ports;
using EfsDr.Functions.Observability;
using EfsDr.Functions.Runtime;
using Microsoft.Extensions.Logging;

namespace EfsDr.Functions.Handlers;

/// <summary>
/// The scheduled health check: loads the configuration, runs <see cref="HealthChecker"/>, writes the EMF metric lines
/// to <paramref name="metricsOutput"/> (the raw log stream) and returns the report. The event is ignored.
/// </summary>
public sealed partial class HealthFunctions(
    Func<CancellationToken, Task<ClusterConfiguration>> configuration,
    FunctionPorts ports,
    string region,
    string nodeDocument,
    TimeProvider time,
    ILogger logger,
    TextWriter metricsOutput)
{
    /// <summary>Every handler by its name.</summary>
    public IReadOnlyDictionary<string, LambdaHandler> Handlers() => new Dictionary<string, LambdaHandler>(StringComparer.Ordinal)
    {
        [FunctionNames.HealthCheck] = CheckAsync,
    };

    /// <summary>Runs the check; the event is ignored.</summary>
    public async Task<byte[]> CheckAsync(byte[] input, InvocationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(ports);
        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["step"] = FunctionNames.HealthCheck, ["requestId"] = context.RequestId });
        var checker = new HealthChecker(await configuration(cancellationToken).ConfigureAwait(false), ports.FileSystems, ports.Replications, ports.Nodes, ports.Instances, ports.Dns, time, new HealthCheckOptions(nodeDocument));
        var report = await checker.CheckAsync(cancellationToken).ConfigureAwait(false);
        foreach (var line in HealthMetrics.Lines(report, region))
        {
            metricsOutput.WriteLine(line);
        }

        metricsOutput.Flush();
        var critical = report.Count(FindingSeverity.Critical);
        var warnings = report.Count(FindingSeverity.Warning);
        LogChecked(logger, report.FileSystemName, report.DrReady, report.ReplicationStatus ?? "UNKNOWN", report.ReplicationLagSeconds, critical, warnings);
        foreach (var finding in report.Findings.Where(f => f.Severity != FindingSeverity.Info))
        {
            LogFinding(logger, finding.Severity, finding.Id, finding.Message, finding.Remedy);
        }

        return JsonSerializer.SerializeToUtf8Bytes(report, HealthJsonContext.Default.HealthReport);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Health of {FileSystemName}: DR ready {DrReady}, replication {ReplicationStatus}, lag {LagSeconds} s, {Critical} critical, {Warnings} warnings")]
    private static partial void LogChecked(ILogger logger, string fileSystemName, bool drReady, string replicationStatus, double? lagSeconds, int critical, int warnings);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Severity} {FindingId}: {FindingMessage} Remedy: {Remedy}")]
    private static partial void LogFinding(ILogger logger, FindingSeverity severity, string findingId, string findingMessage, string remedy);
}
