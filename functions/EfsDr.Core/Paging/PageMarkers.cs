using EfsDr.Core.Exceptions;

namespace EfsDr.Core.Paging;

/// <summary>
/// Keeps a paged listing finite: every pager (EFS, Step Functions, SSM, the run listing) passes each page's marker
/// through <see cref="After"/>, which ends the listing when the service sends no marker and stops it with
/// <see cref="RunawayListingException"/> when the service repeats a marker (a loop that would otherwise never end) or
/// sends more than <see cref="MaxPages"/> pages.
/// </summary>
public sealed class PageMarkers
{
    /// <summary>The default bound on the pages of one listing (100 pages of 100 items: far above any cluster's needs).</summary>
    public const int DefaultMaxPages = 100;

    /// <summary>The error code of a listing whose service sent a marker it had sent before.</summary>
    public const string RepeatedMarkerCode = "RepeatedPageMarker";

    /// <summary>The error code of a listing that sent more than <see cref="MaxPages"/> pages.</summary>
    public const string TooManyPagesCode = "TooManyPages";

    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly string _service;
    private readonly string _listing;

    /// <summary>Starts tracking one listing.</summary>
    /// <param name="service">The service that answers (efs, states, ssm…), for the error.</param>
    /// <param name="listing">What is listed (the operation's name), for the error.</param>
    /// <param name="maxPages">The most pages the listing may read; at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxPages"/> is less than 1.</exception>
    public PageMarkers(string service, string listing, int maxPages = DefaultMaxPages)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentException.ThrowIfNullOrEmpty(listing);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPages, 1);
        _service = service;
        _listing = listing;
        MaxPages = maxPages;
    }

    /// <summary>The most pages the listing may read.</summary>
    public int MaxPages { get; }

    /// <summary>The pages read so far.</summary>
    public int Pages { get; private set; }

    /// <summary>Records one page read and the marker it gave; returns the marker to ask for next, or null when the
    /// listing is complete (no marker, or an empty one).</summary>
    /// <exception cref="RunawayListingException">The marker was sent before, or another page would exceed <see cref="MaxPages"/>.</exception>
    public string? After(string? nextMarker)
    {
        Pages++;
        if (string.IsNullOrEmpty(nextMarker))
        {
            return null;
        }

        if (!_seen.Add(nextMarker))
        {
            throw Runaway(RepeatedMarkerCode, $"{_listing}: the service repeated a page marker after {Pages} page(s); the listing would never end.");
        }

        if (Pages >= MaxPages)
        {
            throw Runaway(TooManyPagesCode, $"{_listing}: still more pages after {Pages}, the most one listing may read.");
        }

        return nextMarker;
    }

    private RunawayListingException Runaway(string code, string message) =>
        new(new CloudError(_service, code, message, 200, null), Pages);
}
