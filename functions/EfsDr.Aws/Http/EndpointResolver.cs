using System.Text.RegularExpressions;

namespace EfsDr.Aws.Http;

/// <summary>
/// Resolves a service endpoint the way the AWS SDKs do for environment configuration:
/// <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c> first, then <c>AWS_ENDPOINT_URL</c>, then the real endpoint;
/// <c>AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true</c> turns both variables off.
/// </summary>
public sealed partial class EndpointResolver
{
    private readonly Func<string, string?> _environment;

    /// <summary>Creates a resolver over a variable lookup (the process environment by default).</summary>
    public EndpointResolver(Func<string, string?>? environment = null)
    {
        _environment = environment ?? Environment.GetEnvironmentVariable;
    }

    /// <summary>The base URI to call <paramref name="service"/> in <paramref name="region"/>.</summary>
    /// <exception cref="ArgumentException">The region is not a region name, or a configured endpoint is not an absolute http(s) URL.</exception>
    public Uri Resolve(AwsServiceInfo service, string region)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (!RegionPattern().IsMatch(region ?? string.Empty))
        {
            throw new ArgumentException($"region: '{region}' is not an AWS region name (for example us-west-2).", nameof(region));
        }

        var configured = ConfiguredEndpoint(service);
        if (configured is not null)
        {
            return configured;
        }

        return new Uri("https://" + service.HostTemplate.Replace("{region}", region, StringComparison.Ordinal));
    }

    /// <summary>The endpoint set through the environment for this service, or null when none is.</summary>
    public Uri? ConfiguredEndpoint(AwsServiceInfo service)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (string.Equals(_environment("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var specificName = "AWS_ENDPOINT_URL_" + service.EnvironmentSuffix;
        var value = NonEmpty(_environment(specificName)) is { } specific ? (specificName, specific)
            : NonEmpty(_environment("AWS_ENDPOINT_URL")) is { } global ? ("AWS_ENDPOINT_URL", global)
            : ((string Name, string Url)?)null;
        if (value is null)
        {
            return null;
        }

        if (!Uri.TryCreate(value.Value.Item2, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"{value.Value.Item1}: '{value.Value.Item2}' is not an absolute http(s) URL.");
        }

        return uri;
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex RegionPattern();
}
