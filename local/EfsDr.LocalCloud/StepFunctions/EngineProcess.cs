using System.Diagnostics;

namespace EfsDr.LocalCloud.StepFunctions;

/// <summary>Starts <c>node --require local/sfn/polyfill.cjs local/sfn/run-execution.mjs</c>, the aws-local-stepfunctions runner
/// of one execution. The node binary is <c>EFSDR_NODE</c> when set, else <c>node</c> on PATH (20 with the polyfill, or 22+).</summary>
internal static class EngineProcess
{
    /// <summary>The environment variable that names the node binary to use.</summary>
    public const string NodeVariable = "EFSDR_NODE";

    /// <summary>The runner script, relative to the repository root.</summary>
    public static string Runner(string repositoryRoot) => Path.Combine(repositoryRoot, "local", "sfn", "run-execution.mjs");

    /// <summary>The polyfill preloaded before the engine (Promise.withResolvers on Node 20).</summary>
    public static string Polyfill(string repositoryRoot) => Path.Combine(repositoryRoot, "local", "sfn", "polyfill.cjs");

    /// <summary>The node binary, or null when there is none.</summary>
    public static string? Node()
    {
        var configured = Environment.GetEnvironmentVariable(NodeVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured) ? configured : null;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, OperatingSystem.IsWindows() ? "node.exe" : "node");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Why executions cannot run here (no node, no <c>npm ci</c>, no runner), or null when they can.</summary>
    public static string? UnavailableReason(string repositoryRoot)
    {
        if (Node() is null)
        {
            return $"node was not found on PATH (or {NodeVariable}); Step Functions executions run in aws-local-stepfunctions on Node.";
        }

        if (!File.Exists(Path.Combine(repositoryRoot, "node_modules", "aws-local-stepfunctions", "package.json")))
        {
            return $"node_modules/aws-local-stepfunctions is missing under {repositoryRoot}; run `npm ci` there.";
        }

        return File.Exists(Runner(repositoryRoot)) ? null : $"{Runner(repositoryRoot)} is missing.";
    }

    /// <summary>Starts the runner with redirected stdin/stdout/stderr and <paramref name="environment"/> applied (null removes a variable).</summary>
    public static Process Start(string repositoryRoot, IReadOnlyDictionary<string, string?> environment)
    {
        var node = Node() ?? throw new InvalidOperationException(UnavailableReason(repositoryRoot));
        var start = new ProcessStartInfo(node)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.Combine(repositoryRoot, "local", "sfn"),
        };
        start.ArgumentList.Add("--require");
        start.ArgumentList.Add(Polyfill(repositoryRoot));
        start.ArgumentList.Add(Runner(repositoryRoot));
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"{node} did not start.");
    }
}
