using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Globalization;

namespace EfsDr.Cli.Commands;

/// <summary>
/// efsdr's help: the usage line, the command's own options with their values as metavars (<c>--output &lt;text|json&gt;</c>),
/// the global options once in their own group, an example and the exit codes.
/// </summary>
public sealed class CliHelp(TextWriter output) : SynchronousCommandLineAction
{
    private const int Column = 34;

    /// <summary>One example per command, by command path.</summary>
    private static readonly Dictionary<string, string[]> Examples = new(StringComparer.Ordinal)
    {
        [string.Empty] = ["efsdr status", "efsdr plan --to server2", "efsdr failover --to server2 --wait --reason \"us-east-1 is down\""],
        ["failover"] = ["efsdr failover --to server2 --wait --timeout 45m --reason \"us-east-1 is down\"", "efsdr failover --to server3 --planned --wait --reason \"planned move\""],
        ["plan"] = ["efsdr plan --to server2", "efsdr plan --to server3 --planned"],
        ["reprotect"] = ["efsdr reprotect --dry-run", "efsdr reprotect --wait --reason \"protect us-west-2\"", "efsdr reprotect --overwrite-diverged --wait"],
        ["status"] = ["efsdr status --output json"],
        ["runs"] = ["efsdr runs --max 5"],
        ["report"] = ["efsdr report failover-server2-7 --format svg > run.svg"],
        ["config"] = ["efsdr config validate /etc/efsdr/cluster.json"],
        ["config validate"] = ["efsdr config validate /etc/efsdr/cluster.json"],
        ["config push"] = ["efsdr config push cluster.json --region us-west-2"],
        ["config diff"] = ["efsdr config diff cluster.json"],
        ["health"] = ["efsdr health --output json"],
        ["fence"] = ["efsdr fence --dry-run"],
        ["version"] = ["efsdr version --output json"],
    };

    /// <inheritdoc />
    public override bool ClearsParseErrors => true;

    /// <summary>Puts this help in place of the default one on <paramref name="root"/>'s help option.</summary>
    public static void Install(RootCommand root, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(root);
        foreach (var help in root.Options.OfType<HelpOption>())
        {
            help.Action = new CliHelp(output);
        }
    }

    /// <inheritdoc />
    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        Write(parseResult.CommandResult.Command, output);
        return ExitCodes.Ok;
    }

    /// <summary>The command's path below the root ("" for the root, "config validate").</summary>
    public static string PathOf(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var names = new List<string>();
        for (var c = command; c is not null and not RootCommand; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Insert(0, c.Name);
        }

        return string.Join(' ', names);
    }

    /// <summary>Writes the help of <paramref name="command"/>.</summary>
    public static void Write(Command command, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(output);
        var path = PathOf(command);
        var root = Root(command);
        output.WriteLine("Usage: " + Usage(command, path));
        output.WriteLine();
        output.WriteLine(command.Description);
        Section(output, "Arguments:", command.Arguments.Where(a => !a.Hidden).Select(a => ($"<{a.Name}>", a.Description)));
        Section(output, "Commands:", command.Subcommands.Where(c => !c.Hidden).Select(c => (c.Name, c.Description)));
        var globals = root.Options.Where(o => o.Recursive && !o.Hidden).ToList();
        Section(output, "Options:", command.Options.Where(o => !o.Hidden && !globals.Contains(o)).Select(o => (Label(o), Describe(o))));
        Section(output, "Global options (every command):", globals.Select(o => (Label(o), o.Description)));
        if (Examples.TryGetValue(path, out var examples))
        {
            Section(output, examples.Length == 1 ? "Example:" : "Examples:", examples.Select(e => (e, (string?)null)));
        }

        output.WriteLine();
        output.WriteLine("Exit codes:");
        foreach (var (code, meaning) in ExitCodes.Meanings)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {code,-4} {meaning}"));
        }
    }

    /// <summary>The option as the usage shows it: its name and its value's metavar (none for a flag).</summary>
    public static string Label(Option option)
    {
        ArgumentNullException.ThrowIfNull(option);
        var names = string.Join(", ", new[] { option.Name }.Concat(option.Aliases.Where(a => a.StartsWith('-')).Order(StringComparer.Ordinal)));
        return option.Arity.MaximumNumberOfValues == 0 || option.ValueType == typeof(bool) ? names : $"{names} <{option.HelpName ?? option.Name.TrimStart('-')}>";
    }

    private static string Usage(Command command, string path)
    {
        var words = new List<string> { path.Length == 0 ? "efsdr" : "efsdr " + path };
        if (command.Subcommands.Count > 0)
        {
            words.Add("<command>");
        }

        words.AddRange(command.Arguments.Where(a => !a.Hidden).Select(a => $"<{a.Name}>"));
        words.AddRange(command.Options.Where(o => o.Required).Select(Label));
        words.Add("[options]");
        return string.Join(' ', words);
    }

    private static string? Describe(Option option) =>
        option.Required ? option.Description + " Required." : option.Description;

    private static Command Root(Command command)
    {
        var c = command;
        while (c.Parents.OfType<Command>().FirstOrDefault() is { } parent)
        {
            c = parent;
        }

        return c;
    }

    private static void Section(TextWriter output, string title, IEnumerable<(string Label, string? Text)> rows)
    {
        var list = rows.ToList();
        if (list.Count == 0)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine(title);
        foreach (var (label, text) in list)
        {
            output.WriteLine(string.IsNullOrEmpty(text) ? "  " + label : label.Length + 2 >= Column ? $"  {label}\n{new string(' ', Column)}{text}" : $"  {label.PadRight(Column - 2)}{text}");
        }
    }
}
