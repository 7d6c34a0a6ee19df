using EfsDr.Core.Exceptions;
using EfsDr.Core.Paging;

namespace EfsDr.Core.Tests.Paging;

public sealed class PageMarkersTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void After_NoMarker_EndsTheListing(string? marker)
    {
        var pages = new PageMarkers("efs", "DescribeFileSystems");

        Assert.Null(pages.After(marker));
        Assert.Equal(1, pages.Pages);
    }

    [Fact]
    public void After_NewMarkers_ReturnsEachUntilTheBound()
    {
        var pages = new PageMarkers("efs", "DescribeFileSystems", maxPages: 3);

        Assert.Equal("m1", pages.After("m1"));
        Assert.Equal("m2", pages.After("m2"));
        Assert.Null(pages.After(null));
    }

    [Fact]
    public void After_RepeatedMarker_ThrowsRunawayListing()
    {
        var pages = new PageMarkers("efs", "DescribeFileSystems");
        pages.After("m1");
        pages.After("m2");

        var ex = Assert.Throws<RunawayListingException>(() => pages.After("m1"));

        Assert.Equal(PageMarkers.RepeatedMarkerCode, ex.Code);
        Assert.Equal("efs", ex.Service);
        Assert.Equal(3, ex.Pages);
        Assert.Contains("repeated a page marker", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void After_MarkerOnTheLastAllowedPage_ThrowsTooManyPages()
    {
        var pages = new PageMarkers("states", "ListExecutions", maxPages: 2);
        pages.After("m1");

        var ex = Assert.Throws<RunawayListingException>(() => pages.After("m2"));

        Assert.Equal(PageMarkers.TooManyPagesCode, ex.Code);
        Assert.Equal(2, ex.Pages);
    }

    [Fact]
    public void Constructor_NoPagesAllowed_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PageMarkers("efs", "DescribeFileSystems", maxPages: 0));
}
