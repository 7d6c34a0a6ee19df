using System.CommandLine;
using System.Reflection;

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

    /// <summary>Builds the command.</summary>
    public static Command Create(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var command = new Command("version", "Print efsdr's version.");
        command.SetAction(_ =>
        {
            foreach (var line in Lines())
            {
                output.WriteLine(line);
            }

            return 0;
        });
        return command;
    }
}
