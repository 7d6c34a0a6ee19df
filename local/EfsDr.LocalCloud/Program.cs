using EfsDr.LocalCloud.Hosting;

namespace EfsDr.LocalCloud;

/// <summary>Runs the local cloud on its own until Ctrl-C (the drill hosts it in-process instead).</summary>
public static class Program
{
    /// <summary>Entry point: <c>dotnet run --project local/EfsDr.LocalCloud [-- PORT]</c>.</summary>
    public static async Task<int> Main(string[] args)
    {
        var port = args.Length > 0 && int.TryParse(args[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) ? p : 4566;
        await using var cloud = await LocalCloudHost.StartAsync(new LocalCloudOptions(), port).ConfigureAwait(false);
        Console.WriteLine($"EfsDr local cloud on {cloud.Endpoint} (export AWS_ENDPOINT_URL={cloud.Endpoint.ToString().TrimEnd('/')}); Ctrl-C stops it.");
        using var stop = new CancellationTokenSource();
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        return 0;
    }
}
