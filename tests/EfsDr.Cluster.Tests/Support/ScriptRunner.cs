using System.Diagnostics;

namespace EfsDr.Cluster.Tests.Support;

/// <summary>What one run of a script produced. <see cref="Pid"/> is the process the test started.</summary>
public sealed record ScriptResult(int ExitCode, string Stdout, string Stderr, int Pid)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}--- stderr\n{Stderr}";
}

/// <summary>Runs a script with bash in an environment made only of the given variables, as EXPRESSCLUSTER runs its
/// scripts with a small environment of its own: nothing of the test process leaks in (no AWS_*, no EFSDR_*, no CLP_*).</summary>
public static class ScriptRunner
{
    /// <summary>Runs <c>bash SCRIPT [ARGUMENTS…]</c>; kills it and fails the test when it outlives <paramref name="timeout"/>.</summary>
    public static async Task<ScriptResult> RunAsync(string script, IReadOnlyDictionary<string, string> environment, string workingDirectory, TimeSpan? timeout = null, IReadOnlyList<string>? arguments = null)
    {
        var start = new ProcessStartInfo("/bin/bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments ?? [])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        start.Environment["PATH"] = Repo.SystemPath;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        process.StandardInput.Close();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(timeout ?? TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            Assert.Fail($"{Path.GetFileName(script)} did not finish within {(timeout ?? TimeSpan.FromSeconds(60)).TotalSeconds} s\n--- stdout\n{await stdout}--- stderr\n{await stderr}");
        }

        return new ScriptResult(process.ExitCode, await stdout, await stderr, process.Id);
    }

    /// <summary>Asserts an exit code, with the whole run in the message.</summary>
    public static void AssertExit(int expected, ScriptResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Assert.True(result.ExitCode == expected, $"expected exit {expected}, got {result}");
    }

    /// <summary>Writes an executable file.</summary>
    public static void WriteExecutable(string path, string text)
    {
        File.WriteAllText(path, text.ReplaceLineEndings("\n"));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
