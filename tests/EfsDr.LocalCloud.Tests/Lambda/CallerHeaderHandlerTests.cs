using System.Net;
using EfsDr.LocalCloud.Hosting;
using EfsDr.LocalCloud.Lambda;

namespace EfsDr.LocalCloud.Tests.Lambda;

/// <summary>The handlers' transport names the function whose invocation makes a call, and only inside it (issue 12).</summary>
public sealed class CallerHeaderHandlerTests
{
    [Fact]
    public async Task SendAsync_InsideAndOutsideAnInvocation_NamesTheFunctionOnlyInside()
    {
        var seen = new List<string?>();
        using var http = new HttpClient(new CallerHeaderHandler(new Recorder(seen)));
        var ct = TestContext.Current.CancellationToken;

        await http.GetAsync(new Uri("http://127.0.0.1/before"), ct);
        using (CallerHeaderHandler.Enter("check-dns"))
        {
            await Task.Run(() => http.GetAsync(new Uri("http://127.0.0.1/inside"), ct), ct);
            using (CallerHeaderHandler.Enter("check-sync"))
            {
                await http.GetAsync(new Uri("http://127.0.0.1/nested"), ct);
            }

            await http.GetAsync(new Uri("http://127.0.0.1/after-nested"), ct);
        }

        await http.GetAsync(new Uri("http://127.0.0.1/after"), ct);

        Assert.Equal([null, "check-dns", "check-sync", "check-dns", null], seen);
    }

    private sealed class Recorder(List<string?> seen) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            seen.Add(request.Headers.TryGetValues(LocalCloudHost.CallerHeader, out var values) ? string.Join(',', values) : null);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }
}
