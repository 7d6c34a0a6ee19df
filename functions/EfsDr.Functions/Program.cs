using System.Runtime.InteropServices;
using EfsDr.Functions.Runtime;

namespace EfsDr.Functions;

/// <summary>The <c>bootstrap</c> of the provided.al2023 runtime: one binary for every function, chosen by <c>_HANDLER</c>.</summary>
public static class Program
{
    /// <summary>Runs the Lambda runtime loop until SIGTERM.</summary>
    public static async Task<int> Main()
    {
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        using var client = RuntimeApiClient.FromEnvironment();
        var time = TimeProvider.System;
        return await LambdaRuntime.RunAsync(() => FunctionHost.Build(Environment.GetEnvironmentVariable, time, Console.Out), client, time, stop.Token).ConfigureAwait(false);
    }
}
