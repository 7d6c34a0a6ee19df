using System.Net;
using System.Text;
using EfsDr.Aws.Efs;
using EfsDr.Aws.StepFunctions;
using EfsDr.Aws.Tests.Support;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Paging;

namespace EfsDr.Aws.Tests.Http;

/// <summary>
/// Every hand-written pager stops: a service that repeats a page marker (issue 14: 17,000 requests in 15 s) ends the
/// listing with <see cref="RunawayListingException"/> after two requests, and one that never stops sending new markers
/// ends it after <c>MaxPages</c> requests.
/// </summary>
public sealed class PagerBoundTests
{
    private const string Region = "us-west-2";
    private const int MaxPages = 5;

    public static TheoryData<string> Listings => ["DescribeFileSystems", "DescribeMountTargets", "DescribeReplicationConfigurations", "ListTagsForResource", "ListStateMachines"];

    [Theory]
    [MemberData(nameof(Listings))]
    public async Task Pager_ServiceRepeatsMarker_ThrowsRunawayListingAfterTwoRequests(string listing)
    {
        var server = new EndlessPages(listing, _ => "same-marker");

        var ex = await Assert.ThrowsAsync<RunawayListingException>(() => ListAsync(server, listing));

        Assert.Equal(2, server.Requests);
        Assert.Equal(PageMarkers.RepeatedMarkerCode, ex.Code);
        Assert.Contains(listing, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Listings))]
    public async Task Pager_ServiceNeverStops_ThrowsRunawayListingAfterMaxPages(string listing)
    {
        var server = new EndlessPages(listing, n => "marker-" + n);

        var ex = await Assert.ThrowsAsync<RunawayListingException>(() => ListAsync(server, listing));

        Assert.Equal(MaxPages, server.Requests);
        Assert.Equal(PageMarkers.TooManyPagesCode, ex.Code);
        Assert.Equal(MaxPages, ex.Pages);
    }

    private static Task ListAsync(EndlessPages server, string listing)
    {
        var pipeline = TestPipeline.Create(server);
        var efs = new EfsClient(pipeline) { MaxPages = MaxPages };
        var sfn = new StepFunctionsClient(pipeline) { MaxPages = MaxPages };
        var token = TestContext.Current.CancellationToken;
        return listing switch
        {
            "DescribeFileSystems" => efs.FindByNameAsync(Region, "minio", token),
            "DescribeMountTargets" => efs.DescribeMountTargetsAsync(Region, "fs-1", token),
            "DescribeReplicationConfigurations" => efs.DescribeReplicationsAsync(Region, "fs-1", token),
            "ListTagsForResource" => efs.ListTagsAsync(Region, "fs-1", token),
            "ListStateMachines" => sfn.FindStateMachineAsync(Region, "efsdr-failover", token),
            _ => throw new ArgumentOutOfRangeException(nameof(listing), listing, "unknown listing"),
        };
    }

    /// <summary>A service whose every answer to a listing holds no items and another marker (from <c>marker(n)</c>).</summary>
    private sealed class EndlessPages(string listing, Func<int, string> marker) : HttpMessageHandler
    {
        public int Requests { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (++Requests > 1000)
            {
                throw new InvalidOperationException("The pager did not stop after 1000 requests.");
            }

            var next = marker(Requests);
            var body = listing switch
            {
                "DescribeFileSystems" => $$"""{"FileSystems":[],"NextMarker":"{{next}}"}""",
                "DescribeMountTargets" => $$"""{"MountTargets":[],"NextMarker":"{{next}}"}""",
                "DescribeReplicationConfigurations" => $$"""{"Replications":[],"NextToken":"{{next}}"}""",
                "ListTagsForResource" => $$"""{"Tags":[],"NextToken":"{{next}}"}""",
                _ => $$"""{"stateMachines":[],"nextToken":"{{next}}"}""",
            };
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
        }
    }
}
