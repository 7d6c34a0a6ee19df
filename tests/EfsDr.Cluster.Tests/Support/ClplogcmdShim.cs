namespace EfsDr.Cluster.Tests.Support;

/// <summary>One call of the <c>clplogcmd</c> shim: its <c>-m</c> message, its <c>-l</c> level and every argument.</summary>
public sealed record AlertLine(string Message, string Level, IReadOnlyList<string> Arguments);

/// <summary>
/// A fake <c>clplogcmd</c> (EXPRESSCLUSTER's "write to the alert log" command): it appends its argv to a log, one call
/// a line, arguments separated by U+001F, and exits 0. Scripts use it only when it is on PATH.
/// </summary>
public static class ClplogcmdShim
{
    /// <summary>Writes <c>BIN/clplogcmd</c>, logging to <paramref name="log"/>.</summary>
    public static void Install(string bin, string log) =>
        ScriptRunner.WriteExecutable(Path.Combine(bin, "clplogcmd"), $$"""
            #!/bin/bash
            { printf '%s\x1f' "$@"; printf '\n'; } >> '{{log}}'
            """);

    /// <summary>The calls so far (none when the shim never ran).</summary>
    public static IReadOnlyList<AlertLine> Read(string log)
    {
        if (!File.Exists(log))
        {
            return [];
        }

        return File.ReadAllLines(log).Select(line =>
        {
            var args = line.TrimEnd('\u001f').Split('\u001f');
            return new AlertLine(ValueOf(args, "-m"), ValueOf(args, "-l"), args);
        }).ToList();
    }

    private static string ValueOf(string[] args, string option)
    {
        var at = Array.IndexOf(args, option);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : string.Empty;
    }
}
