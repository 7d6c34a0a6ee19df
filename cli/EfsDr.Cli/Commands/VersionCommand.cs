using System.CommandLine;
using System.Reflection;
using System.Text.Json.Nodes;

namespace EfsDr.Cli.Commands;

/// <summary><c>efsdr version</c>: the informational version.</summary>
public static class VersionCommand
{
    /// <summary>The assembly's informational version (the SDK appends the source revision when it knows it).</summary>
    public static string InformationalVersion =>
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(VersionCommand).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>The lines <c>efsdr version</c> prints.</summary>
    public static IReadOnlyList<string> Lines() =>
    [
        $"efsdr {InformationalVersion}",
    ];

    /// <summary>Builds the command: one line, or <c>{"version": …}</c> with <c>--output json</c>.</summary>
    public static Command Create(GlobalOptions global, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        var command = new Command("version", "Print efsdr's version.");
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(parse, global, output, error, (cli, _) =>
        {
            if (cli.Json)
            {
                cli.WriteJson(new JsonObject { ["version"] = InformationalVersion });
                return Task.FromResult(ExitCodes.Ok);
            }

            foreach (var line in Lines())
            {
                cli.Out.WriteLine(line);
            }

            return Task.FromResult(ExitCodes.Ok);
        }, cancellationToken));
        return command;
    }
}
