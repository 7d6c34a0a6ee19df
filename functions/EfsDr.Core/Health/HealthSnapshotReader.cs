using EfsDr.Core.Configuration;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;

namespace EfsDr.Core.Health;

/// <summary>
/// Reads, once, what the health checks look at (<see cref="HealthSnapshot"/>). It changes nothing, and a read that fails
/// becomes a finding (region-unreachable or check-failed), never an exception.
/// </summary>
public sealed class HealthSnapshotReader(
    ClusterConfiguration configuration,
    IFileSystems fileSystems,
    IReplications replications,
    INodeAgent nodes,
    IInstances instances,
    IDnsRecords dns,
    TimeProvider time,
    HealthCheckOptions? options = null)
{
    private readonly HealthCheckOptions _options = options ?? new HealthCheckOptions();

    /// <summary>Reads everything: storage, servers, the SSM document and DNS.</summary>
    public async Task<HealthSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var findings = new List<HealthFinding>();
        var snapshot = await ReadStorageAsync(findings, cancellationToken).ConfigureAwait(false);
        snapshot = snapshot with
        {
            Servers = await ReadServersAsync(snapshot.Topology, findings, cancellationToken).ConfigureAwait(false),
            Documents = await ReadDocumentsAsync(findings, cancellationToken).ConfigureAwait(false),
        };
        return await WithDnsAsync(snapshot, findings, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the file systems, their replications and the DNS record only (what <c>efsdr status</c> shows).</summary>
    public async Task<HealthSnapshot> ReadStorageAndDnsAsync(CancellationToken cancellationToken)
    {
        var findings = new List<HealthFinding>();
        var snapshot = await ReadStorageAsync(findings, cancellationToken).ConfigureAwait(false);
        return await WithDnsAsync(snapshot, findings, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HealthSnapshot> ReadStorageAsync(List<HealthFinding> findings, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var name = configuration.FileSystem.Name;
        var byRegion = new Dictionary<string, IReadOnlyList<FileSystem>>(StringComparer.Ordinal);
        var unreadable = new Dictionary<string, ReadFailure>(StringComparer.Ordinal);
        foreach (var region in configuration.Regions)
        {
            var read = new ReadAttempt(region, $"find '{name}'", findings);
            var found = await read.TryAsync(() => fileSystems.FindByNameAsync(region, name, cancellationToken)).ConfigureAwait(false);
            if (found is null)
            {
                unreadable[region] = read.Failure!;
                continue;
            }

            byRegion[region] = found;
        }

        var sides = new List<ReplicationSide>();
        foreach (var fs in byRegion.Values.SelectMany(f => f))
        {
            sides.Add(new ReplicationSide(fs, await new ReadAttempt(fs.Region, $"describe replications of {fs.FileSystemId}", findings).TryAsync(() => replications.DescribeReplicationsAsync(fs.Region, fs.FileSystemId, cancellationToken)).ConfigureAwait(false)));
        }

        return new HealthSnapshot
        {
            Configuration = configuration,
            Now = now,
            ByRegion = byRegion,
            UnreadableRegions = unreadable,
            Sides = sides,
            Destinations = await LookUpDestinationsAsync(sides, unreadable, findings, cancellationToken).ConfigureAwait(false),
            ReadFindings = findings,
        };
    }

    /// <summary>Looks up by id each destination a source lists that does not carry the Name, in the regions that could be read.</summary>
    private async Task<Dictionary<(string Region, string FileSystemId), DestinationLookup>> LookUpDestinationsAsync(List<ReplicationSide> sides, Dictionary<string, ReadFailure> unreadable, List<HealthFinding> findings, CancellationToken cancellationToken)
    {
        var lookups = new Dictionary<(string, string), DestinationLookup>();
        var wanted = HealthTopology.ListedBySource(sides)
            .Select(c => c.Destinations[0])
            .Where(d => d.Status != ReplicationStatus.Deleting && HealthTopology.SideOf(sides, d) is null && !unreadable.ContainsKey(d.Region));
        foreach (var d in wanted)
        {
            if (lookups.ContainsKey((d.Region, d.FileSystemId)))
            {
                continue;
            }

            try
            {
                var found = await new ReadAttempt(d.Region, $"describe {d.FileSystemId}", findings).TryAsync(() => fileSystems.DescribeAsync(d.Region, d.FileSystemId, cancellationToken)).ConfigureAwait(false);
                if (found is not null)
                {
                    var configurations = await new ReadAttempt(d.Region, $"describe replications of {d.FileSystemId}", findings).TryAsync(() => replications.DescribeReplicationsAsync(d.Region, d.FileSystemId, cancellationToken)).ConfigureAwait(false);
                    lookups[(d.Region, d.FileSystemId)] = new DestinationLookup(new ReplicationSide(found, configurations));
                }
            }
            catch (FileSystemNotFoundException)
            {
                lookups[(d.Region, d.FileSystemId)] = new DestinationLookup(null);
            }
        }

        return lookups;
    }

    private async Task<List<ServerReading>> ReadServersAsync(HealthTopology topology, List<HealthFinding> findings, CancellationToken cancellationToken)
    {
        var readings = new List<ServerReading>();
        foreach (var server in configuration.Servers)
        {
            readings.Add(await ReadServerAsync(server, topology, findings, cancellationToken).ConfigureAwait(false));
        }

        return readings;
    }

    private async Task<ServerReading> ReadServerAsync(ServerSettings server, HealthTopology topology, List<HealthFinding> findings, CancellationToken cancellationToken)
    {
        var region = server.Region;
        InstanceInfo? instance = null;
        var missing = false;
        try
        {
            instance = await new ReadAttempt(region, $"describe {server.InstanceId}", findings).TryAsync(() => instances.DescribeAsync(region, server.InstanceId, cancellationToken)).ConfigureAwait(false);
        }
        catch (NodeNotFoundException)
        {
            missing = true;
        }

        var ping = await new ReadAttempt(region, $"ping of {server.InstanceId}", findings).TryValueAsync(async () => (PingStatus?)await nodes.GetPingStatusAsync(region, server.InstanceId, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        var fs = InRegion(topology.Primary, region) ?? InRegion(topology.Replica, region);
        var targets = fs is null || instance is null
            ? null
            : await new ReadAttempt(region, $"mount targets of {fs.FileSystemId}", findings).TryAsync(() => fileSystems.DescribeMountTargetsAsync(region, fs.FileSystemId, cancellationToken)).ConfigureAwait(false);
        return new ServerReading(server, instance, missing, ping, fs, targets);
    }

    private static FileSystem? InRegion(FileSystem? fs, string region) => fs is not null && string.Equals(fs.Region, region, StringComparison.Ordinal) ? fs : null;

    private async Task<Dictionary<string, bool>> ReadDocumentsAsync(List<HealthFinding> findings, CancellationToken cancellationToken)
    {
        var documents = new Dictionary<string, bool>(StringComparer.Ordinal);
        if (!_options.CheckDocument)
        {
            return documents;
        }

        foreach (var region in configuration.Regions)
        {
            var exists = await new ReadAttempt(region, $"describe document {_options.NodeDocument}", findings).TryValueAsync(async () => (bool?)await nodes.IsNodeDocumentInstalledAsync(region, _options.NodeDocument, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            if (exists is { } e)
            {
                documents[region] = e;
            }
        }

        return documents;
    }

    private async Task<HealthSnapshot> WithDnsAsync(HealthSnapshot snapshot, List<HealthFinding> findings, CancellationToken cancellationToken)
    {
        var settings = configuration.Dns;
        var read = new ReadAttempt("route53", $"read {settings.RecordName}", findings);
        var record = await read.TryAsync(async () => new DnsReading(await dns.GetRecordAsync(settings.HostedZoneId, settings.RecordName, "A", cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);
        return snapshot with { Dns = record, DnsFailure = read.Failure, ReadFindings = findings };
    }

    /// <summary>One read; a failed cloud call becomes a finding, <see cref="Failure"/> and null.</summary>
    private sealed class ReadAttempt(string where, string what, List<HealthFinding> findings)
    {
        /// <summary>Why the read failed.</summary>
        public ReadFailure? Failure { get; private set; }

        public async Task<T?> TryAsync<T>(Func<Task<T>> read)
            where T : class
        {
            try
            {
                return await read().ConfigureAwait(false);
            }
            catch (CloudCallFailedException ex) when (ex is RegionUnreachableException or CloudBusyException)
            {
                Failure = new ReadFailure(ex.Code, ex.Message, Unreachable: true);
                findings.Add(new HealthFinding(HealthFindingIds.RegionUnreachable, FindingSeverity.Critical,
                    $"{where} could not be reached to {what} ({ex.Code}); what lives there was not checked.",
                    "Check the region's service health and the network path; the check repeats on its schedule."));
                return null;
            }
            catch (CloudCallFailedException ex) when (ex is not CloudResourceNotFoundException)
            {
                Failure = new ReadFailure(ex.Code, ex.Message, Unreachable: false);
                findings.Add(new HealthFinding(HealthFindingIds.CheckFailed, FindingSeverity.Critical,
                    $"{where}: could not {what}: {ex.Code}: {ex.Error.Message}",
                    "Check the health check's IAM permissions and the configuration."));
                return null;
            }
        }

        public async Task<T?> TryValueAsync<T>(Func<Task<T?>> read)
            where T : struct =>
            (await TryAsync(async () => new Box<T?>(await read().ConfigureAwait(false))).ConfigureAwait(false))?.Value;
    }

    private sealed record Box<T>(T Value);
}
