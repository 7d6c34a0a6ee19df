using EfsDr.Cluster.Tests.Support;

namespace EfsDr.Cluster.Tests;

/// <summary>
/// cluster/stop.sh against a fake node script and minimal shims, for the failures the local cloud's nodes do not
/// produce. The fake node script exits with <c>state/node-exit</c> (0 when absent) or sleeps when
/// <c>state/node-hang</c> exists; <c>mountpoint</c> answers from <c>state/mounted</c> (sleeps when
/// <c>state/hang-mountpoint</c> exists); <c>systemctl is-active</c> answers from <c>state/active</c>; a fake
/// <c>clplogcmd</c> logs its calls. Which failures stop.sh passes on decides whether EXPRESSCLUSTER's final action on
/// deactivation failure (by default: shut the OS down) runs.
/// </summary>
public sealed class StopScriptTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "efsdr-stop-" + Guid.NewGuid().ToString("N"));

    public StopScriptTests()
    {
        foreach (var folder in new[] { Bin, State, StateDir, Path.Combine(_root, "mnt", "efs") })
        {
            Directory.CreateDirectory(folder);
        }

        ScriptRunner.WriteExecutable(NodeScript, $$"""
            #!/bin/bash
            env | grep -E '^SSM_' | sort > '{{State}}/node-env'
            [ -e '{{State}}/node-hang' ] && exec sleep 600
            exit "$(cat '{{State}}/node-exit' 2>/dev/null || echo 0)"
            """);
        ScriptRunner.WriteExecutable(Path.Combine(Bin, "mountpoint"), $"#!/bin/bash\n[ -e '{State}/hang-mountpoint' ] && exec sleep 600\n[ -e '{State}/mounted' ] || exit 32\n");
        ScriptRunner.WriteExecutable(Path.Combine(Bin, "systemctl"), $"#!/bin/bash\n[ \"$1\" = is-active ] || exit 1\n[ -e '{State}/active' ] || exit 3\n");
        ClplogcmdShim.Install(Bin, AlertLogFile);
    }

    private string Bin => Path.Combine(_root, "bin");

    private string State => Path.Combine(_root, "state");

    private string StateDir => Path.Combine(_root, "var", "lib", "efsdr");

    private string NodeScript => Path.Combine(_root, "efsdr-node.sh");

    private string AlertLogFile => Path.Combine(_root, "clplogcmd.log");

    private IReadOnlyList<AlertLine> AlertLog => ClplogcmdShim.Read(AlertLogFile);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // a leftover temp folder is not a test failure
        }
    }

    private void Node(int exitCode) => File.WriteAllText(Path.Combine(State, "node-exit"), exitCode.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private void Touch(string name) => File.WriteAllText(Path.Combine(State, name), string.Empty);

    private void Recorded() => File.WriteAllText(Path.Combine(StateDir, "active-file-system"), "fs-0123456789abcdef0\n");

    private Task<ScriptResult> Run(IReadOnlyDictionary<string, string>? extra = null)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = Bin + ":" + Repo.SystemPath,
            ["EFSDR_CONF"] = Path.Combine(_root, "efsdr.conf"),
            ["EFSDR_NODE_SCRIPT"] = NodeScript,
            ["EFSDR_MOUNT_POINT"] = Path.Combine(_root, "mnt", "efs"),
            ["EFSDR_STATE_DIR"] = StateDir,
            ["CLP_EVENT"] = "FAILOVER",
            ["CLP_FACTOR"] = "GROUPFAILOVER",
        };
        foreach (var (name, value) in extra ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        return ScriptRunner.RunAsync(Repo.ClusterScript("stop.sh"), environment, _root);
    }

    [Fact]
    public async Task Stop_NodeScriptSucceeds_Exits0AndReportsTheOutcome()
    {
        var result = await Run();

        ScriptRunner.AssertExit(0, result);
        Assert.Equal(["SSM_Action=deactivate", $"SSM_MountPoint={_root}/mnt/efs", "SSM_Unit=minio"], File.ReadAllLines(Path.Combine(State, "node-env")));
        Assert.Collection(
            AlertLog,
            l => Assert.Equal(("info", true), (l.Level, l.Message.Contains("CLP_EVENT=FAILOVER CLP_FACTOR=GROUPFAILOVER", StringComparison.Ordinal))),
            l => Assert.Equal(("info", true), (l.Level, l.Message.Contains("minio is stopped", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task Stop_UnitStillActive_Exits30AndReportsAnError()
    {
        Node(30);
        Touch("active");
        Touch("mounted");

        var result = await Run();

        ScriptRunner.AssertExit(30, result);
        Assert.Contains(AlertLog, l => l.Level == "err" && l.Message.Contains("minio failed to stop", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stop_MountBusy_Exits31AndReportsAnError()
    {
        Node(31);
        Touch("mounted");
        Recorded();

        var result = await Run();

        ScriptRunner.AssertExit(31, result);
        Assert.Contains(AlertLog, l => l.Level == "err" && l.Message.Contains("could not be unmounted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stop_NodeScriptHangs_Exits44WithinTheStopTimeout()
    {
        Touch("node-hang");
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = await Run(new Dictionary<string, string> { ["EFSDR_STOP_TIMEOUT"] = "1" });

        ScriptRunner.AssertExit(44, result);
        Assert.Contains("did not finish within EFSDR_STOP_TIMEOUT=1s", result.Stderr, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"stop took {clock.Elapsed}; the node script should have been stopped after 1 s");
    }

    [Fact]
    public async Task Stop_NodeScriptMissingAndNothingHeld_Exits0WithAWarning()
    {
        File.Delete(NodeScript);

        var result = await Run();

        ScriptRunner.AssertExit(0, result);
        var warning = Assert.Single(AlertLog);
        Assert.Equal("warn", warning.Level);
        Assert.Contains("is not a readable file; but", warning.Message, StringComparison.Ordinal);
        Assert.Contains("so the stop succeeds", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_NodeScriptMissingAndStillMounted_Exits43()
    {
        File.Delete(NodeScript);
        Touch("mounted");

        var result = await Run();

        ScriptRunner.AssertExit(43, result);
        Assert.Contains(AlertLog, l => l.Level == "err" && l.Message.Contains("is still mounted", StringComparison.Ordinal) && l.Message.Contains("final action", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stop_NodeScriptRejectsASettingAndNothingHeld_Exits0WithAWarning()
    {
        Node(15); // invalid unit

        var result = await Run();

        ScriptRunner.AssertExit(0, result);
        Assert.Contains(AlertLog, l => l.Level == "warn" && l.Message.Contains("the node script failed (exit 15)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("record")]
    [InlineData("active")]
    [InlineData("mounted")]
    public async Task Stop_NodeScriptRejectsASettingWhileSomethingIsHeld_FailsWithItsCode(string held)
    {
        Node(13); // invalid mount point
        if (held == "record")
        {
            Recorded();
        }
        else
        {
            Touch(held);
        }

        var result = await Run();

        ScriptRunner.AssertExit(13, result);
        Assert.Contains("this node may still hold the file system", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_CheckAfterAFailureHangs_FailsWithinTheCheckTimeout()
    {
        Node(13);
        Touch("hang-mountpoint");

        var result = await Run(new Dictionary<string, string> { ["EFSDR_STOP_CHECK_TIMEOUT"] = "1" });

        ScriptRunner.AssertExit(13, result);
        Assert.Contains("did not finish within 1s (hung?)", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_InvalidStopTimeout_WarnsAndStillStops()
    {
        var result = await Run(new Dictionary<string, string> { ["EFSDR_STOP_TIMEOUT"] = "4m" });

        ScriptRunner.AssertExit(0, result);
        Assert.Contains(AlertLog, l => l.Level == "warn" && l.Message.Contains("EFSDR_STOP_TIMEOUT", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(State, "node-env")), "the node script did not run");
    }

    [Fact]
    public async Task Stop_NoClplogcmdOnPath_ReportsOnStderr()
    {
        File.Delete(Path.Combine(Bin, "clplogcmd"));
        Node(31);
        Touch("mounted");

        var result = await Run();

        ScriptRunner.AssertExit(31, result);
        Assert.Contains("efsdr-cluster stop: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("could not be unmounted", result.Stderr, StringComparison.Ordinal);
    }
}
