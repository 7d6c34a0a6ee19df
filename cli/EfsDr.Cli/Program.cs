using System.CommandLine;
using EfsDr.Cli.Commands;

namespace EfsDr.Cli;

/// <summary>efsdr: EfsDr's operator CLI.</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("EfsDr: disaster-recovery orchestration for EFS-backed EXPRESSCLUSTER clusters on AWS.");
        root.Subcommands.Add(VersionCommand.Create(Console.Out));
#if EFSDR_DRILL
        root.Subcommands.Add(DrillCommand.Create(Console.Out));
#endif
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
