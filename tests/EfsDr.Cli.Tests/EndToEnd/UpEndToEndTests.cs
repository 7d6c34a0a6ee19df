using System.Text.Json;
using EfsDr.Drill;

namespace EfsDr.Cli.Tests.EndToEnd;

/// <summary><c>efsdr-drill up</c>: a seeded world kept running, that <c>efsdr</c> reaches through what <c>up</c> prints.</summary>
[Trait("Category", "EndToEnd")]
public sealed class UpEndToEndTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Up_Running_EfsdrStatusWithThePrintedEnvironmentSeesServer1_AndCancellationStopsIt()
    {
        LocalWorld.RequireNodeTooling();
        var folder = Path.Combine(Path.GetTempPath(), $"efsdr-up-{Guid.NewGuid():N}");
        var config = Path.Combine(folder, "cluster.json");
        var lines = new List<string>();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Output(string line)
        {
            lock (lines)
            {
                lines.Add(line);
            }

            if (line.StartsWith("Ctrl-C", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }

        string Transcript()
        {
            lock (lines)
            {
                return string.Join('\n', lines);
            }
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var up = Task.Run(() => UpCommand.RunAsync(new LocalWorldOptions { Port = 0, ConfigFile = config }, Output, stop.Token), Token);
        var saved = new Dictionary<string, string?>();
        try
        {
            // Up, or finished early (a failure): whichever comes first, within the deadline.
            await Task.WhenAny(ready.Task, up).WaitAsync(TimeSpan.FromMinutes(4), Token);
            Assert.True(ready.Task.IsCompleted, "up did not come up:\n" + Transcript());
            var exports = Transcript().Split('\n')
                .Where(l => l.StartsWith("  export ", StringComparison.Ordinal))
                .Select(l => l["  export ".Length..].Split('=', 2))
                .ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
            Assert.Equal(["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "EFSDR_CONFIG_FILE"], exports.Keys);
            Assert.Equal(Path.GetFullPath(config), exports["EFSDR_CONFIG_FILE"]);
            Assert.True(File.Exists(config), Transcript());

            // efsdr with nothing but the printed environment: no --endpoint-url, no --config.
            foreach (var (name, value) in exports)
            {
                saved[name] = Environment.GetEnvironmentVariable(name);
                Environment.SetEnvironmentVariable(name, value);
            }

            using var output = new StringWriter();
            using var error = new StringWriter();
            var exit = await Program.BuildRoot(output, error).Parse(["status", "--output", "json"]).InvokeAsync(cancellationToken: Token);

            Assert.True(exit == 0, $"efsdr status exited {exit}: {error}\n{output}\n{Transcript()}");
            using var status = JsonDocument.Parse(output.ToString());
            Assert.Equal("server1", status.RootElement.GetProperty("dns").GetProperty("activeServer").GetString());
            Assert.Equal("127.0.0.11", status.RootElement.GetProperty("dns").GetProperty("value").GetString());
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }

            await stop.CancelAsync();
            var rc = await up.WaitAsync(TimeSpan.FromMinutes(2), CancellationToken.None);
            Assert.Equal(0, rc);
            Directory.Delete(folder, recursive: true);
        }

        Assert.False(File.Exists(config), "up leaves no configuration behind once stopped");
        Assert.Contains("efsdr-drill up: stopped", Transcript(), StringComparison.Ordinal);
    }
}
