using System.CommandLine;
using System.Text.RegularExpressions;
using EfsDr.Cli.Commands;

namespace EfsDr.Cli;

/// <summary>efsdr: EfsDr's operator CLI.</summary>
public static partial class Program
{
    /// <summary>Entry point.</summary>
    public static Task<int> Main(string[] args) => InvokeAsync(args, Console.Out, Console.Error, CancellationToken.None);

    /// <summary>Parses and runs <paramref name="args"/> as the binary does: a usage error is one line on
    /// <paramref name="error"/> and exit 2; help goes to <paramref name="output"/>.</summary>
    public static async Task<int> InvokeAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        var parse = BuildRoot(output, error).Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not CliHelp)
        {
            await error.WriteLineAsync(UsageLine(parse)).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The command tree, writing to the given streams (tests capture them).</summary>
    public static RootCommand BuildRoot(TextWriter output, TextWriter error)
    {
        var root = new RootCommand("EfsDr: disaster-recovery orchestration for EFS-backed EXPRESSCLUSTER clusters on AWS.");
        var global = new GlobalOptions();
        global.AddTo(root);
        root.Subcommands.Add(FailoverCommand.Create(global, output, error));
        root.Subcommands.Add(FailoverCommand.CreatePlan(global, output, error));
        root.Subcommands.Add(ReprotectCommand.Create(global, output, error));
        root.Subcommands.Add(StatusCommand.Create(global, output, error));
        root.Subcommands.Add(RunsCommand.Create(global, output, error));
        root.Subcommands.Add(RunsCommand.CreateReport(global, output, error));
        root.Subcommands.Add(ConfigCommand.Create(global, output, error));
        root.Subcommands.Add(HealthCommand.Create(global, output, error));
        root.Subcommands.Add(FenceCommand.Create(global, output, error));
        root.Subcommands.Add(VersionCommand.Create(global, output, error));
        CliHelp.Install(root, output);
        return root;
    }

    /// <summary>The one line a parse error becomes: what was wrong, and where the command's help is.</summary>
    public static string UsageLine(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var messages = parse.Errors.Select(e => Plain(e.Message)).Distinct(StringComparer.Ordinal).ToList();
        if (messages.Count > 1)
        {
            // "efsdr bogus": the unknown word says it all.
            messages.Remove(CommandRequired);
        }

        var problems = string.Join("; ", messages);
        return $"efsdr: {problems}: see {HelpCommand(parse.CommandResult.Command)}";
    }

    /// <summary>"efsdr &lt;command&gt; --help" for <paramref name="command"/>.</summary>
    public static string HelpCommand(Command command) =>
        CliHelp.PathOf(command) is { Length: > 0 } path ? $"efsdr {path} --help" : "efsdr --help";

    /// <summary>A parser message in efsdr's words: no .NET type names, no trailing full stop.</summary>
    private static string Plain(string message)
    {
        if (ConversionError().Match(message) is { Success: true } m)
        {
            var what = m.Groups["type"].Value.Contains("Int", StringComparison.Ordinal) ? "a whole number" : "a valid value";
            return $"{m.Groups["option"].Value}: '{m.Groups["value"].Value}' is not {what}";
        }

        return message.StartsWith("Required command was not provided", StringComparison.Ordinal) ? CommandRequired : message.TrimEnd('.');
    }

    private const string CommandRequired = "a command is required";

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (option|command) '(?<option>[^']*)' as expected type '(?<type>[^']*)'")]
    private static partial Regex ConversionError();
}
