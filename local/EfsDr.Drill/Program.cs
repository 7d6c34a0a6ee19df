using System.CommandLine;
using System.Runtime.InteropServices;

namespace EfsDr.Drill;

/// <summary>efsdr-drill: the DR drill on the local cloud (the default command) and <c>up</c>, a seeded local world for efsdr.</summary>
public static class Program
{
    /// <summary>Entry point: <c>dotnet run --project local/EfsDr.Drill [-- OPTIONS | up]</c>. Ctrl-C or SIGTERM cancels the
    /// command, which then disposes the local cloud (its nodes and engines) before the process exits.</summary>
    public static async Task<int> Main(string[] args)
    {
        using var stop = new CancellationTokenSource();
        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        return await BuildRoot(Console.Out, Console.Error).Parse(args)
            .InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, stop.Token).ConfigureAwait(false);
    }

    /// <summary>The command tree, writing to the given streams (tests capture them): the root runs the drill; <c>drill</c>
    /// is the same; <c>up</c> keeps a seeded world running.</summary>
    public static RootCommand BuildRoot(TextWriter output, TextWriter error)
    {
        var root = DrillCommand.AddTo(new RootCommand("EfsDr's test bench on the local cloud. " + DrillCommand.Description), output, error);
        root.Subcommands.Add(DrillCommand.Create(output, error));
        root.Subcommands.Add(UpCommand.Create(output, error));
        return root;
    }
}
