using System.Text.Json;
using EfsDr.Cli.Commands;
using EfsDr.Core.Model;
using EfsDr.Core.Reprotect;
using EfsDr.Runs;

namespace EfsDr.Cli.Tests.Commands;

/// <summary><c>efsdr reprotect</c>: usage errors refused before any AWS call, its help, and how it prints a plan and a summary.</summary>
public sealed class ReprotectCommandTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static string Config() => Path.Combine(EfsDr.LocalCloud.Hosting.LocalCloudHost.FindRepositoryRoot(), "config", "cluster.example.json");

    private static async Task<(int Exit, string Out, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await Program.InvokeAsync([.. args, "--config", Config(), "--endpoint-url", "http://127.0.0.1:9"], output, error, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("--timeout", "soon", "--timeout")]
    [InlineData("--output", "yaml", "--output")]
    [InlineData("--reason", "two\nlines", "--reason")]
    [InlineData("--bogus", "x", "--bogus")]
    public async Task Reprotect_BadOption_IsOneUsageLineNamingIt(string option, string value, string named)
    {
        var (exit, stdout, stderr) = await RunAsync("reprotect", option, value);

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains(named, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(string.Empty, stdout);
    }

    [Fact]
    public async Task Reprotect_ReasonTooLong_IsAUsageErrorNamingIt()
    {
        var (exit, _, stderr) = await RunAsync("reprotect", "--reason", new string('x', ReprotectCommand.MaxReasonLength + 1));

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.StartsWith("efsdr: --reason: must be at most 256 characters", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reprotect_Help_ShowsItsOptionsExampleAndExitCodes()
    {
        var (exit, stdout, _) = await RunAsync("reprotect", "--help");

        Assert.Equal(ExitCodes.Ok, exit);
        foreach (var expected in new[] { "--dry-run", "--overwrite-diverged", "--wait", "--timeout <duration>", "--reason <text>", "--reprotect-state-machine <name>", "efsdr reprotect --dry-run", "Exit codes:" })
        {
            Assert.Contains(expected, stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Root_Help_ListsReprotect()
    {
        var (_, stdout, _) = await RunAsync("--help");

        Assert.Contains("reprotect", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void PlanLines_UnfencedExPrimaryWithOverwrite_SaysWhatIsOverwritten()
    {
        var plan = new ReprotectPlan
        {
            PrimaryFileSystemId = "fs-west", PrimaryRegion = "us-west-2", Epoch = 2, ReplicaRegion = "us-east-1", Action = ReprotectAction.IntoExPrimary,
            ExPrimaryFileSystemId = "fs-east", ReplicaFileSystemId = "fs-east", Decision = "fs-east was NOT fenced", Overwrites = "everything on fs-east that fs-west lacks",
            Warnings = ["--overwrite-diverged: writes made on the ex-primary after the failover are lost"],
        };

        var lines = ReprotectCommand.PlanLines(plan).ToList();

        Assert.Contains("  replica         fs-east (us-east-1) — IntoExPrimary", lines);
        Assert.Contains("  OVERWRITES      everything on fs-east that fs-west lacks", lines);
        Assert.Contains(lines, l => l.StartsWith("  warning         --overwrite-diverged", StringComparison.Ordinal));
    }

    [Fact]
    public void PlanLines_NewFileSystemKeepingTheDivergedCopy_SaysWhatIsKept()
    {
        var plan = new ReprotectPlan
        {
            PrimaryFileSystemId = "fs-west", PrimaryRegion = "us-west-2", Epoch = 2, ReplicaRegion = "us-east-1", Action = ReprotectAction.IntoNewFileSystem,
            KeptFileSystemId = "fs-east", DivergedName = "DRTest-EFS1-diverged-2", Decision = "fs-east was NOT fenced",
        };

        var lines = ReprotectCommand.PlanLines(plan).ToList();

        Assert.Contains("  replica         a new file system (us-east-1) — IntoNewFileSystem", lines);
        Assert.Contains("  overwrites      nothing", lines);
        Assert.Contains("  keeps           fs-east as 'DRTest-EFS1-diverged-2' in us-east-1 (never deleted by EfsDr)", lines);
    }

    [Fact]
    public void SummaryLines_SucceededReprotect_NamesPrimaryReplicaKeptAndLastSync()
    {
        var summary = new ReprotectSummary
        {
            Action = ReprotectAction.IntoExPrimary, Primary = "fs-west (us-west-2)", Replica = "fs-east (us-east-1)", Decision = "fenced",
            LastReplicatedTimestamp = Start.AddMinutes(2), Steps = ["replication fs-west (us-west-2) → fs-east (us-east-1) created"],
        };
        var machine = "arn:aws:states:us-west-2:111122223333:stateMachine:efsdr-reprotect";
        var execution = new Execution(machine.Replace("stateMachine", "execution", StringComparison.Ordinal) + ":reprotect-3", machine, "reprotect-3", ExecutionStatus.Succeeded, Start, Start.AddMinutes(3), "{}",
            JsonSerializer.Serialize(summary, ReprotectStateJsonContext.Default.ReprotectSummary), null, null);
        var run = new RunRecord("reprotect-3", "reprotect", execution, [], null);

        var lines = ReprotectCommand.SummaryLines(run).ToList();

        Assert.Contains("  replica         fs-east (us-east-1) — IntoExPrimary", lines);
        Assert.Contains("  kept            nothing (no diverged copy)", lines);
        Assert.Contains(lines, l => l.StartsWith("  last replicated 2026-12-02T12:02:00.0000000+00:00", StringComparison.Ordinal));
        Assert.Contains("  step            replication fs-west (us-west-2) → fs-east (us-east-1) created", lines);
        Assert.Contains("  duration        3 min 0 s", lines);
    }
}
