using System.CommandLine;
using System.Globalization;

namespace EfsDr.Drill;

/// <summary><c>efsdr-drill up</c>: a seeded local world (the article's topology, the group started on server1) kept running
/// for <c>efsdr</c> until Ctrl-C or SIGTERM.</summary>
public static class UpCommand
{
    /// <summary>The default port of the local cloud's endpoint (LocalStack's).</summary>
    public const int DefaultPort = 4566;

    /// <summary>Builds the command.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var port = new Option<int>("--port") { Description = $"Port of the local cloud's endpoint on 127.0.0.1 (default {DefaultPort}; 0: any free port).", DefaultValueFactory = _ => DefaultPort };
        var timeScale = new Option<double>("--time-scale") { Description = "Simulated seconds per real second (default 60).", DefaultValueFactory = _ => 60 };
        var configFile = new Option<string>("--config-file") { Description = "Where to write the cluster configuration for efsdr (default artifacts/local-world/cluster.json).", DefaultValueFactory = _ => LocalWorldOptions.DefaultConfigFile };
        var command = new Command("up", "Start the local cloud, seed the article's topology, start the group on server1, print how to point efsdr at it, and run until Ctrl-C.")
        {
            port, timeScale, configFile,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new LocalWorldOptions
            {
                Port = parse.GetValue(port),
                TimeScale = parse.GetValue(timeScale),
                ConfigFile = parse.GetValue(configFile)!,
            };
            if (options.Port is < 0 or > 65535 || options.TimeScale is < 1 or > 10_000)
            {
                await error.WriteLineAsync("--port must be 0–65535 and --time-scale 1–10000").ConfigureAwait(false);
                return 2;
            }

            return await RunAsync(options, line => output.WriteLine(line), cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Starts the world, prints how to use it, waits for <paramref name="cancellationToken"/> and disposes the world.
    /// Returns 0 when stopped by cancellation after a start, 1 when the group could not be started.</summary>
    public static async Task<int> RunAsync(LocalWorldOptions options, Action<string> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        LocalWorldHost world;
        try
        {
            world = await LocalWorldHost.StartAsync(options, output, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            output("efsdr-drill up: stopped before the world was up");
            return 0;
        }
        catch (InvalidOperationException ex)
        {
            output("efsdr-drill up: " + ex.Message);
            return 1;
        }

        await using (world.ConfigureAwait(false))
        {
            foreach (var line in world.Instructions())
            {
                output(line);
            }

            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            output("efsdr-drill up: stopping the local world");
        }

        output(string.Create(CultureInfo.InvariantCulture, $"efsdr-drill up: stopped; {options.ConfigFile} removed"));
        return 0;
    }
}
