using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using EfsDr.Aws.Http;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;

namespace EfsDr.Aws.Route53;

/// <summary>
/// Amazon Route 53 (REST-XML, API 2013-04-01) over the shared signed-request pipeline.
/// Route 53 is global: every request goes to <c>route53.amazonaws.com</c> and is signed for us-east-1,
/// whatever region the caller runs in. Ids are accepted with or without their <c>/hostedzone/</c> or
/// <c>/change/</c> prefix and returned without it.
/// </summary>
public sealed class Route53Client : IDnsRecords
{
    /// <summary>The XML namespace of every Route 53 request and response body.</summary>
    public const string XmlNamespace = "https://route53.amazonaws.com/doc/2013-04-01/";

    /// <summary>The region every Route 53 request is sent for (the control plane lives there).</summary>
    public const string Region = "us-east-1";

    private const string Version = "/2013-04-01";
    private const int MaxZoneIdLength = 32;
    private const int MaxRecordNameLength = 1024;
    private const int MaxCommentLength = 256;
    private static readonly XNamespace Ns = XmlNamespace;
    private static readonly XmlReaderSettings ReaderSettings = new() { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
    private readonly SignedRequestPipeline _pipeline;

    /// <summary>Creates the client.</summary>
    public Route53Client(SignedRequestPipeline pipeline)
    {
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
    }

    /// <inheritdoc />
    /// <remarks>The record name is sent in Route 53's stored form (<see cref="DnsName.Canonical"/>: lower-case, trailing dot).</remarks>
    /// <exception cref="ArgumentException">An empty zone id or record name, an address that is not a dotted-decimal IPv4 address,
    /// a TTL outside 0..2147483647, or a comment longer than 256 characters.</exception>
    /// <exception cref="Core.Exceptions.DnsZoneNotFoundException">The zone does not exist.</exception>
    /// <exception cref="Core.Exceptions.DnsChangeRejectedException">Route 53 refused the batch; every message is kept.</exception>
    public async Task<DnsChange> UpsertARecordAsync(string hostedZoneId, string recordName, string ipAddress, long ttlSeconds, string? comment, CancellationToken cancellationToken)
    {
        var zone = ZoneId(hostedZoneId, nameof(hostedZoneId));
        ValidateRecordName(recordName, nameof(recordName));
        if (!IsDottedIPv4(ipAddress))
        {
            throw new ArgumentException($"ipAddress: '{ipAddress}' is not an IPv4 address in dotted-decimal form (for example 10.20.1.15).", nameof(ipAddress));
        }

        if (ttlSeconds is < 0 or > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(ttlSeconds), ttlSeconds, "ttlSeconds: Route 53 accepts a TTL from 0 to 2147483647 seconds.");
        }

        if (comment is { Length: > MaxCommentLength })
        {
            throw new ArgumentException($"comment: Route 53 accepts at most {MaxCommentLength} characters, got {comment.Length}.", nameof(comment));
        }

        var body = ChangeBatchXml(DnsName.Canonical(recordName), "A", ttlSeconds, [ipAddress], comment);
        var request = new AwsRequest(HttpMethod.Post, $"{Version}/hostedzone/{AwsRequest.Segment(zone)}/rrset/")
        {
            Body = body,
            Operation = "ChangeResourceRecordSets",
        };
        var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        return ParseChangeInfo(response.Body, "ChangeResourceRecordSets");
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">An empty change id.</exception>
    /// <exception cref="Core.Exceptions.DnsChangeNotFoundException">Route 53 knows no such change.</exception>
    public async Task<DnsChange> GetChangeAsync(string changeId, CancellationToken cancellationToken)
    {
        var id = StripIdPrefix(changeId, nameof(changeId));
        var request = new AwsRequest(HttpMethod.Get, $"{Version}/change/{AwsRequest.Segment(id)}") { Operation = "GetChange" };
        var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        return ParseChangeInfo(response.Body, "GetChange");
    }

    /// <inheritdoc />
    /// <remarks>Asks ListResourceRecordSets for one record set starting at this name (in Route 53's stored form,
    /// <see cref="DnsName.Canonical"/>) and type; Route 53 answers with the first record set at or after that position, so
    /// the answer is returned only when its name (<see cref="DnsName.Same"/>) and type are the ones asked for. An alias
    /// record set has no TTL and no values.</remarks>
    /// <exception cref="ArgumentException">An empty zone id, record name or record type.</exception>
    /// <exception cref="Core.Exceptions.DnsZoneNotFoundException">The zone does not exist.</exception>
    public async Task<DnsRecord?> GetRecordAsync(string hostedZoneId, string recordName, string recordType, CancellationToken cancellationToken)
    {
        var zone = ZoneId(hostedZoneId, nameof(hostedZoneId));
        ValidateRecordName(recordName, nameof(recordName));
        if (string.IsNullOrWhiteSpace(recordType))
        {
            throw new ArgumentException("recordType: a record type (for example A) is required.", nameof(recordType));
        }

        var type = recordType.Trim().ToUpperInvariant();
        var request = new AwsRequest(HttpMethod.Get, $"{Version}/hostedzone/{AwsRequest.Segment(zone)}/rrset")
        {
            Query = [new("name", DnsName.Canonical(recordName)), new("type", type), new("maxitems", "1")],
            Operation = "ListResourceRecordSets",
        };
        var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        var root = Parse(response.Body, "ListResourceRecordSets");
        foreach (var set in Child(root, "ResourceRecordSets")?.Elements().Where(e => e.Name.LocalName == "ResourceRecordSet") ?? [])
        {
            var name = Child(set, "Name")?.Value ?? string.Empty;
            var setType = Child(set, "Type")?.Value ?? string.Empty;
            if (!DnsName.Same(name, recordName) || !string.Equals(setType, type, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var ttlText = Child(set, "TTL")?.Value;
            long? ttl = ttlText is null ? null : long.Parse(ttlText, NumberStyles.None, CultureInfo.InvariantCulture);
            var values = Child(set, "ResourceRecords")?.Elements().Where(e => e.Name.LocalName == "ResourceRecord")
                .Select(r => Child(r, "Value")?.Value ?? string.Empty).ToList() ?? [];
            return new DnsRecord(name, setType, ttl, values);
        }

        return null;
    }

    /// <summary>An id without its prefix: everything up to the last '/' goes (as botocore's <c>fix_route53_ids</c> does),
    /// so <c>/hostedzone/Z1</c> and <c>Z1</c> both give <c>Z1</c>, and <c>/change/C2</c> gives <c>C2</c>.</summary>
    /// <exception cref="ArgumentException">The id is empty, or nothing is left once the prefix is gone.</exception>
    public static string StripIdPrefix(string id, string parameterName)
    {
        var stripped = (id ?? string.Empty).Trim();
        stripped = stripped[(stripped.LastIndexOf('/') + 1)..];
        if (stripped.Length == 0)
        {
            throw new ArgumentException($"{parameterName}: '{id}' holds no id (expected for example Z1D633PJN98FT9 or /hostedzone/Z1D633PJN98FT9).", parameterName);
        }

        return stripped;
    }

    /// <summary>The <c>ChangeResourceRecordSetsRequest</c> body of one UPSERT, elements in the model's order.</summary>
    public static byte[] ChangeBatchXml(string recordName, string recordType, long ttlSeconds, IReadOnlyList<string> values, string? comment)
    {
        ArgumentNullException.ThrowIfNull(values);
        var batch = new XElement(
            Ns + "ChangeBatch",
            comment is null ? null : new XElement(Ns + "Comment", comment),
            new XElement(
                Ns + "Changes",
                new XElement(
                    Ns + "Change",
                    new XElement(Ns + "Action", "UPSERT"),
                    new XElement(
                        Ns + "ResourceRecordSet",
                        new XElement(Ns + "Name", recordName),
                        new XElement(Ns + "Type", recordType),
                        new XElement(Ns + "TTL", ttlSeconds.ToString(CultureInfo.InvariantCulture)),
                        new XElement(Ns + "ResourceRecords", values.Select(v => new XElement(Ns + "ResourceRecord", new XElement(Ns + "Value", v))))))));
        var root = new XElement(Ns + "ChangeResourceRecordSetsRequest", batch);
        return Encoding.UTF8.GetBytes(root.ToString(SaveOptions.DisableFormatting));
    }

    /// <summary>Parses a change status (PENDING or INSYNC).</summary>
    /// <exception cref="XmlException">Any other value.</exception>
    public static DnsChangeStatus ParseStatus(string? value) => value switch
    {
        "PENDING" => DnsChangeStatus.Pending,
        "INSYNC" => DnsChangeStatus.InSync,
        _ => throw new XmlException($"Route 53 change status '{value}' is neither PENDING nor INSYNC."),
    };

    private static string ZoneId(string hostedZoneId, string parameterName)
    {
        var zone = StripIdPrefix(hostedZoneId, parameterName);
        if (zone.Length > MaxZoneIdLength)
        {
            throw new ArgumentException($"{parameterName}: '{hostedZoneId}' is longer than a hosted zone id ({MaxZoneIdLength} characters).", parameterName);
        }

        return zone;
    }

    private static void ValidateRecordName(string recordName, string parameterName)
    {
        if (string.IsNullOrWhiteSpace(recordName))
        {
            throw new ArgumentException($"{parameterName}: a record name (for example minio.internal.example.com) is required.", parameterName);
        }

        if (recordName.Length > MaxRecordNameLength || recordName.Trim().Length != recordName.Length)
        {
            throw new ArgumentException($"{parameterName}: '{recordName}' is not a record name (no surrounding spaces, at most {MaxRecordNameLength} characters).", parameterName);
        }
    }

    /// <summary>True for the canonical dotted-decimal form only (not <c>10.1</c>, <c>010.0.0.1</c> or an IPv6 address).</summary>
    private static bool IsDottedIPv4(string? value) =>
        value is not null
        && IPAddress.TryParse(value, out var address)
        && address.AddressFamily == AddressFamily.InterNetwork
        && string.Equals(address.ToString(), value, StringComparison.Ordinal);

    private static DnsChange ParseChangeInfo(byte[] body, string operation)
    {
        var info = Child(Parse(body, operation), "ChangeInfo") ?? throw new XmlException($"{operation}: the response has no <ChangeInfo>.");
        var id = Child(info, "Id")?.Value ?? throw new XmlException($"{operation}: <ChangeInfo> has no <Id>.");
        var submitted = Child(info, "SubmittedAt")?.Value ?? throw new XmlException($"{operation}: <ChangeInfo> has no <SubmittedAt>.");
        if (!DateTimeOffset.TryParse(submitted, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var submittedAt))
        {
            throw new XmlException($"{operation}: <SubmittedAt> '{submitted}' is not an ISO 8601 timestamp.");
        }

        return new DnsChange(StripIdPrefix(id, "Id"), ParseStatus(Child(info, "Status")?.Value), submittedAt, Child(info, "Comment")?.Value);
    }

    private static XElement Parse(byte[] body, string operation)
    {
        using var stream = new MemoryStream(body, writable: false);
        using var reader = XmlReader.Create(stream, ReaderSettings);
        return XDocument.Load(reader).Root ?? throw new XmlException($"{operation}: empty response body.");
    }

    /// <summary>The first child with this local name, whatever its namespace (the namespace is Route 53's, but emulators vary).</summary>
    private static XElement? Child(XElement parent, string localName) =>
        parent.Elements().FirstOrDefault(e => e.Name.LocalName == localName);

    private Task<AwsResponse> SendAsync(AwsRequest request, CancellationToken cancellationToken) =>
        _pipeline.SendAsync(AwsServiceInfo.Route53, Region, request, XmlErrorReader.Instance, cancellationToken);
}
