using System.CommandLine;
using EfsDr.Cli.Commands;

namespace EfsDr.Cli;

/// <summary>efsdr: EfsDr's operator CLI.</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static Task<int> Main(string[] args) => BuildRoot(Console.Out, Console.Error).Parse(args).InvokeAsync();

    /// <summary>The command tree, writing to the given streams (tests capture them).</summary>
    public static RootCommand BuildRoot(TextWriter output, TextWriter error)
    {
        var root = new RootCommand("EfsDr: disaster-recovery orchestration for EFS-backed EXPRESSCLUSTER clusters on AWS.");
        var global = new GlobalOptions();
        global.AddTo(root);
        root.Subcommands.Add(FailoverCommand.Create(global, output, error));
        root.Subcommands.Add(FailoverCommand.CreatePlan(global, output, error));
        root.Subcommands.Add(StatusCommand.Create(global, output, error));
        root.Subcommands.Add(RunsCommand.Create(global, output, error));
        root.Subcommands.Add(RunsCommand.CreateReport(global, output, error));
        root.Subcommands.Add(ConfigCommand.Create(global, output, error));
        root.Subcommands.Add(HealthCommand.Create(global, output, error));
        root.Subcommands.Add(FenceCommand.Create(global, output, error));
        root.Subcommands.Add(VersionCommand.Create(output));
        return root;
    }
}
