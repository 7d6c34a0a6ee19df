using System.Globalization;
using System.Security.Cryptography;
using System.Xml;
using System.Xml.Linq;
using EfsDr.LocalCloud.Hosting;

namespace EfsDr.LocalCloud.Route53;

/// <summary>What a test or the drill can see of a record.</summary>
public sealed record RecordSnapshot(string Name, string Type, long? Ttl, IReadOnlyList<string> Values);

/// <summary>
/// Route 53 (REST-XML 2013-04-01; global, signed for us-east-1): CreateHostedZone, GetHostedZone, ChangeResourceRecordSets
/// (CREATE, UPSERT, DELETE of plain record sets; the batch is all-or-nothing and refused with InvalidChangeBatch, whose
/// message lists every problem as <c>[problem, problem]</c>, as Route 53 answers today), GetChange (PENDING until <see cref="LocalCloudOptions.DnsPropagation"/>, simulated, has
/// passed, then INSYNC) and ListResourceRecordSets (Route 53's order: labels reversed; names lower case with the trailing dot).
/// Ids go out with their <c>/hostedzone/</c> and <c>/change/</c> prefixes and are accepted with or without them.
/// Alias, weighted and other routing-policy record sets are refused with InvalidInput.
/// </summary>
public sealed class Route53Emulator(LocalCloudContext context) : IServiceEmulator
{
    private static readonly XNamespace Ns = "https://route53.amazonaws.com/doc/2013-04-01/";
    private static readonly XmlReaderSettings ReaderSettings = new() { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
    private static readonly HashSet<string> Types = new(StringComparer.Ordinal) { "A", "AAAA", "CAA", "CNAME", "DS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV", "TXT" };

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Zone> _zones = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Change> _changes = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public string SigningName => "route53";

    internal LocalCloudContext Context { get; } = context;

    /// <inheritdoc />
    public Task<AwsAnswer> HandleAsync(AwsCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return Task.FromResult(Route(call));
        }
        catch (Route53Fault fault)
        {
            return Task.FromResult(fault.Answer);
        }
    }

    /// <inheritdoc />
    public AwsAnswer Throttled() => AwsAnswer.Route53Error(400, "Throttling", "Rate exceeded");

    /// <inheritdoc />
    public AwsAnswer ServerError() => AwsAnswer.Xml(
        new XElement(Ns + "ErrorResponse", new XElement(Ns + "Error", new XElement(Ns + "Type", "Receiver"), new XElement(Ns + "Code", "ServiceUnavailable"), new XElement(Ns + "Message", "Injected server error")), new XElement(Ns + "RequestId", Guid.NewGuid().ToString())),
        503);

    /// <summary>Creates a hosted zone (with its SOA and NS records); returns its id (without /hostedzone/).</summary>
    public string CreateHostedZone(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        lock (_gate)
        {
            return AddZone(name, "seed-" + Guid.NewGuid().ToString("N"), null, privateZone: false).Id;
        }
    }

    /// <summary>Sets a record directly (INSYNC at once).</summary>
    /// <exception cref="ArgumentException">An unknown zone, a name outside the zone, or no values.</exception>
    public void UpsertRecord(string hostedZoneId, string name, string type, long ttl, IReadOnlyList<string> values)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("A record set needs at least one value.", nameof(values));
        }

        lock (_gate)
        {
            var zone = SeededZone(hostedZoneId);
            var canonical = Route53Names.Canonical(name);
            if (!Route53Names.InZone(canonical, zone.Name))
            {
                throw new ArgumentException($"{canonical} is not in zone {zone.Name}.", nameof(name));
            }

            var key = (canonical, type.ToUpperInvariant());
            zone.Records[key] = new RecordSet(key.canonical, key.Item2, ttl, [.. values]);
        }
    }

    /// <summary>The record with exactly this name (trailing dot optional) and type, or null.</summary>
    /// <exception cref="ArgumentException">An unknown zone.</exception>
    public RecordSnapshot? Record(string hostedZoneId, string name, string type)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(type);
        lock (_gate)
        {
            return SeededZone(hostedZoneId).Records.GetValueOrDefault((Route53Names.Canonical(name), type.ToUpperInvariant())) is { } r
                ? new RecordSnapshot(Route53Names.Presentation(r.Name), r.Type, r.Ttl, r.Values)
                : null;
        }
    }

    private AwsAnswer Route(AwsCall call)
    {
        var segments = call.Path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        if (segments.Length < 2 || segments[0] != "2013-04-01")
        {
            throw Fault(404, "InvalidAction", $"The local cloud does not emulate {call.Method} {call.Path}.");
        }

        return (call.Method, segments[1..]) switch
        {
            ("POST", ["hostedzone"]) => CreateHostedZone(call),
            ("GET", ["hostedzone", var id]) => GetHostedZone(id),
            ("POST", ["hostedzone", var id, "rrset"]) => ChangeResourceRecordSets(call, id),
            ("GET", ["hostedzone", var id, "rrset"]) => ListResourceRecordSets(call, id),
            ("GET", ["change", var id]) => GetChange(id),
            _ => throw Fault(404, "InvalidAction", $"The local cloud does not emulate {call.Method} {call.Path}."),
        };
    }

    private AwsAnswer CreateHostedZone(AwsCall call)
    {
        var request = Parse(call.Body, "CreateHostedZoneRequest");
        var name = Child(request, "Name")?.Value ?? throw Fault(400, "InvalidInput", "Name is required.");
        var reference = Child(request, "CallerReference")?.Value ?? throw Fault(400, "InvalidInput", "CallerReference is required.");
        var config = Child(request, "HostedZoneConfig");
        var comment = config is null ? null : Child(config, "Comment")?.Value;
        var privateZone = string.Equals(config is null ? null : Child(config, "PrivateZone")?.Value, "true", StringComparison.OrdinalIgnoreCase) || Child(request, "VPC") is not null;
        if (name.Trim('.').Length == 0 || name.Contains("..", StringComparison.Ordinal))
        {
            throw Fault(400, "InvalidDomainName", $"{name} is not a valid domain name.");
        }

        Zone zone;
        Change change;
        lock (_gate)
        {
            if (_zones.Values.Any(z => z.CallerReference == reference))
            {
                throw Fault(409, "HostedZoneAlreadyExists", $"A hosted zone has already been created with the specified caller reference '{reference}'.");
            }

            zone = AddZone(name, reference, comment, privateZone);
            change = AddChange(null);
        }

        var answer = AwsAnswer.Xml(
            new XElement(
                Ns + "CreateHostedZoneResponse",
                HostedZoneXml(zone),
                ChangeInfoXml(change),
                DelegationSetXml(zone),
                Child(request, "VPC") is { } vpc ? new XElement(Ns + "VPC", vpc.Elements().Select(e => new XElement(Ns + e.Name.LocalName, e.Value))) : null),
            201);
        return answer with { Headers = new Dictionary<string, string> { ["Location"] = $"https://route53.amazonaws.com/2013-04-01/hostedzone/{zone.Id}" } };
    }

    private AwsAnswer GetHostedZone(string id)
    {
        lock (_gate)
        {
            var zone = FindZone(id);
            return AwsAnswer.Xml(new XElement(Ns + "GetHostedZoneResponse", HostedZoneXml(zone), DelegationSetXml(zone)));
        }
    }

    private AwsAnswer ChangeResourceRecordSets(AwsCall call, string zoneId)
    {
        var request = Parse(call.Body, "ChangeResourceRecordSetsRequest");
        var batch = Child(request, "ChangeBatch") ?? throw Fault(400, "InvalidInput", "ChangeBatch is required.");
        var comment = Child(batch, "Comment")?.Value;
        var changes = Child(batch, "Changes")?.Elements().Where(e => e.Name.LocalName == "Change").Select(ParseChange).ToList() ?? [];
        if (changes.Count == 0)
        {
            throw Fault(400, "InvalidInput", "Invalid request: the change batch holds no changes.");
        }

        Change change;
        lock (_gate)
        {
            var zone = FindZone(zoneId);
            var working = new Dictionary<(string, string), RecordSet>(zone.Records);
            var messages = new List<string>();
            foreach (var (action, set) in changes)
            {
                var key = (set.Name, set.Type);
                var where = $"[name='{Route53Names.Presentation(set.Name)}', type='{set.Type}']";
                if (!Route53Names.InZone(set.Name, zone.Name))
                {
                    messages.Add($"RRSet with DNS name {Route53Names.Presentation(set.Name)} is not permitted in zone {Route53Names.Presentation(zone.Name)}");
                    continue;
                }

                if (set.Type == "A" && set.Values.FirstOrDefault(v => !Route53Names.IsIPv4(v)) is { } bad)
                {
                    messages.Add($"Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '{bad}''");
                    continue;
                }

                working.TryGetValue(key, out var current);
                if (action == "CREATE" && current is not null)
                {
                    messages.Add($"Tried to create resource record set {where} but it already exists");
                }
                else if (action == "DELETE" && current is null)
                {
                    messages.Add($"Tried to delete resource record set {where} but it was not found");
                }
                else if (action == "DELETE" && (current!.Ttl != set.Ttl || !current.Values.SequenceEqual(set.Values)))
                {
                    messages.Add($"Tried to delete resource record set {where} but the values provided do not match the current values");
                }
                else if (action == "DELETE")
                {
                    working.Remove(key);
                }
                else
                {
                    working[key] = set;
                }
            }

            if (messages.Count > 0)
            {
                // Route 53's current form: a standard ErrorResponse whose one Message lists every problem in brackets
                // (the older <InvalidChangeBatch><Messages><Message>… body is no longer sent, and botocore cannot read it).
                throw Fault(400, "InvalidChangeBatch", "[" + string.Join(", ", messages) + "]");
            }

            zone.Records = working;
            change = AddChange(comment);

            // INSYNC is due at an exact instant (GetChange compares with it), known at submission.
            Context.Timeline.Start(PhysicalKind.DnsChange, zone.Id, change.Id, change.SubmittedAt, change.SubmittedAt + Context.Options.DnsPropagation);
        }

        return AwsAnswer.Xml(new XElement(Ns + "ChangeResourceRecordSetsResponse", ChangeInfoXml(change)));
    }

    private AwsAnswer GetChange(string id)
    {
        var changeId = id[(id.LastIndexOf('/') + 1)..];
        lock (_gate)
        {
            return _changes.TryGetValue(changeId, out var change)
                ? AwsAnswer.Xml(new XElement(Ns + "GetChangeResponse", ChangeInfoXml(change)))
                : throw Fault(404, "NoSuchChange", $"A change with the specified change ID does not exist: {changeId}");
        }
    }

    private AwsAnswer ListResourceRecordSets(AwsCall call, string zoneId)
    {
        var name = call.Query.GetValueOrDefault("name");
        var type = call.Query.GetValueOrDefault("type");
        if (type is not null && name is null)
        {
            throw Fault(400, "InvalidInput", "Invalid request: a type requires a name.");
        }

        var max = 300;
        if (call.Query.TryGetValue("maxitems", out var text) && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out max) || max < 1))
        {
            throw Fault(400, "InvalidInput", $"maxitems must be a positive integer, not '{text}'.");
        }

        max = Math.Min(max, 300);
        List<RecordSet> records;
        lock (_gate)
        {
            records = [.. FindZone(zoneId).Records.Values];
        }

        records.Sort((a, b) => Route53Names.Compare(a.Name, a.Type, b.Name, b.Type));
        var start = name is null ? 0 : records.FindIndex(r => Route53Names.Compare(r.Name, r.Type, Route53Names.Canonical(name), type?.ToUpperInvariant() ?? string.Empty) >= 0);
        var rest = start < 0 ? [] : records.Skip(start).ToList();
        var page = rest.Take(max).ToList();
        var next = rest.Count > max ? rest[max] : null;
        return AwsAnswer.Xml(new XElement(
            Ns + "ListResourceRecordSetsResponse",
            new XElement(Ns + "ResourceRecordSets", page.Select(RecordSetXml)),
            new XElement(Ns + "IsTruncated", next is null ? "false" : "true"),
            next is null ? null : new XElement(Ns + "NextRecordName", Route53Names.Presentation(next.Name)),
            next is null ? null : new XElement(Ns + "NextRecordType", next.Type),
            new XElement(Ns + "MaxItems", max.ToString(CultureInfo.InvariantCulture))));
    }

    // ---- state (callers hold _gate) ----

    private Zone AddZone(string name, string callerReference, string? comment, bool privateZone)
    {
        var zone = new Zone("Z" + RandomId(20), Route53Names.Canonical(name), callerReference, comment, privateZone);
        var servers = NameServers(zone);
        zone.Records[(zone.Name, "NS")] = new RecordSet(zone.Name, "NS", 172800, [.. servers.Select(s => s + ".")]);
        zone.Records[(zone.Name, "SOA")] = new RecordSet(zone.Name, "SOA", 900, [$"{servers[0]}. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"]);
        _zones[zone.Id] = zone;
        return zone;
    }

    private Change AddChange(string? comment)
    {
        var change = new Change("C" + RandomId(20), DateTimeOffset.FromUnixTimeMilliseconds(Context.Clock.Now.ToUnixTimeMilliseconds()), comment);
        _changes[change.Id] = change;
        return change;
    }

    private Zone FindZone(string id)
    {
        var zoneId = id[(id.LastIndexOf('/') + 1)..];
        return _zones.TryGetValue(zoneId, out var zone) ? zone : throw Fault(404, "NoSuchHostedZone", $"No hosted zone found with ID: {zoneId}");
    }

    private Zone SeededZone(string id) =>
        _zones.GetValueOrDefault((id ?? string.Empty)[((id ?? string.Empty).LastIndexOf('/') + 1)..])
        ?? throw new ArgumentException($"No hosted zone '{id}' was created.", nameof(id));

    private static (string Action, RecordSet Set) ParseChange(XElement change)
    {
        var action = Child(change, "Action")?.Value;
        if (action is not ("CREATE" or "DELETE" or "UPSERT"))
        {
            throw Fault(400, "InvalidInput", $"Invalid request: Action '{action}' is not CREATE, DELETE or UPSERT.");
        }

        var set = Child(change, "ResourceRecordSet") ?? throw Fault(400, "InvalidInput", "Invalid request: a Change needs a ResourceRecordSet.");
        var name = Child(set, "Name")?.Value;
        var type = Child(set, "Type")?.Value;
        if (string.IsNullOrWhiteSpace(name) || type is null || !Types.Contains(type))
        {
            throw Fault(400, "InvalidInput", $"Invalid request: a ResourceRecordSet needs a Name and a Type ({string.Join(", ", Types)}); got '{name}' / '{type}'.");
        }

        var unsupported = set.Elements().Select(e => e.Name.LocalName).FirstOrDefault(n => n is not ("Name" or "Type" or "TTL" or "ResourceRecords"));
        if (unsupported is not null)
        {
            throw Fault(400, "InvalidInput", $"The local cloud emulates plain record sets only; '{unsupported}' is not supported.");
        }

        var where = $"[Action={action}, Name={name}, Type={type}, SetIdentifier=null]";
        var ttlText = Child(set, "TTL")?.Value ?? throw Fault(400, "InvalidInput", $"Invalid request: Missing field 'TTL' in Change with {where}");
        if (!long.TryParse(ttlText, NumberStyles.None, CultureInfo.InvariantCulture, out var ttl) || ttl > int.MaxValue)
        {
            throw Fault(400, "InvalidInput", $"Invalid request: TTL '{ttlText}' is not 0-2147483647 in Change with {where}");
        }

        var values = Child(set, "ResourceRecords")?.Elements().Where(e => e.Name.LocalName == "ResourceRecord").Select(r => Child(r, "Value")?.Value ?? string.Empty).ToList() ?? [];
        if (values.Count == 0)
        {
            throw Fault(400, "InvalidInput", $"Invalid request: Missing field 'ResourceRecords' in Change with {where}");
        }

        return (action, new RecordSet(Route53Names.Canonical(name), type, ttl, values));
    }

    // ---- wire shapes ----

    private XElement ChangeInfoXml(Change change) => new(
        Ns + "ChangeInfo",
        new XElement(Ns + "Id", "/change/" + change.Id),
        new XElement(Ns + "Status", Context.Clock.Elapsed(change.SubmittedAt, Context.Options.DnsPropagation) ? "INSYNC" : "PENDING"),
        new XElement(Ns + "SubmittedAt", change.SubmittedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)),
        change.Comment is null ? null : new XElement(Ns + "Comment", change.Comment));

    private static XElement HostedZoneXml(Zone zone) => new(
        Ns + "HostedZone",
        new XElement(Ns + "Id", "/hostedzone/" + zone.Id),
        new XElement(Ns + "Name", Route53Names.Presentation(zone.Name)),
        new XElement(Ns + "CallerReference", zone.CallerReference),
        new XElement(Ns + "Config", zone.Comment is null ? null : new XElement(Ns + "Comment", zone.Comment), new XElement(Ns + "PrivateZone", zone.PrivateZone ? "true" : "false")),
        new XElement(Ns + "ResourceRecordSetCount", zone.Records.Count.ToString(CultureInfo.InvariantCulture)));

    private static XElement? DelegationSetXml(Zone zone) => zone.PrivateZone
        ? null
        : new XElement(Ns + "DelegationSet", new XElement(Ns + "NameServers", NameServers(zone).Select(s => new XElement(Ns + "NameServer", s))));

    private static XElement RecordSetXml(RecordSet r) => new(
        Ns + "ResourceRecordSet",
        new XElement(Ns + "Name", Route53Names.Presentation(r.Name)),
        new XElement(Ns + "Type", r.Type),
        r.Ttl is { } ttl ? new XElement(Ns + "TTL", ttl.ToString(CultureInfo.InvariantCulture)) : null,
        new XElement(Ns + "ResourceRecords", r.Values.Select(v => new XElement(Ns + "ResourceRecord", new XElement(Ns + "Value", v)))));

    private static string[] NameServers(Zone zone)
    {
        var n = Math.Abs(zone.Id.GetHashCode(StringComparison.Ordinal) % 2000);
        return [$"ns-{n}.awsdns-{n % 64:00}.com", $"ns-{n + 1}.awsdns-{n % 64:00}.net", $"ns-{n + 2}.awsdns-{n % 64:00}.org", $"ns-{n + 3}.awsdns-{n % 64:00}.co.uk"];
    }

    private static XElement Parse(byte[] body, string root)
    {
        try
        {
            using var stream = new MemoryStream(body, writable: false);
            using var reader = XmlReader.Create(stream, ReaderSettings);
            var element = XDocument.Load(reader).Root;
            return element is not null && element.Name.LocalName == root ? element : throw Fault(400, "InvalidInput", $"The request body must be a {root}.");
        }
        catch (XmlException e)
        {
            throw Fault(400, "InvalidInput", "Could not parse the request body: " + e.Message);
        }
    }

    private static XElement? Child(XElement parent, string localName) => parent.Elements().FirstOrDefault(e => e.Name.LocalName == localName);

    private static Route53Fault Fault(int status, string code, string message) => new(AwsAnswer.Route53Error(status, code, message));

    private static string RandomId(int length)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        return new string([.. Enumerable.Range(0, length).Select(_ => Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)])]);
    }

    private sealed class Zone(string id, string name, string callerReference, string? comment, bool privateZone)
    {
        public string Id { get; } = id;

        public string Name { get; } = name;

        public string CallerReference { get; } = callerReference;

        public string? Comment { get; } = comment;

        public bool PrivateZone { get; } = privateZone;

        public Dictionary<(string Name, string Type), RecordSet> Records { get; set; } = [];
    }

    private sealed record RecordSet(string Name, string Type, long? Ttl, IReadOnlyList<string> Values);

    private sealed record Change(string Id, DateTimeOffset SubmittedAt, string? Comment);

    /// <summary>An error answer, thrown to leave an operation early.</summary>
    private sealed class Route53Fault(AwsAnswer answer) : Exception(answer.Status.ToString(CultureInfo.InvariantCulture))
    {
        public AwsAnswer Answer { get; } = answer;
    }
}
