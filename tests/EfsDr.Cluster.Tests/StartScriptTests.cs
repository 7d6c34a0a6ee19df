using EfsDr.Cluster.Tests.Support;

namespace EfsDr.Cluster.Tests;

/// <summary>cluster/start.sh against a fake efsdr that records its argv and exits with a chosen code.</summary>
public sealed class StartScriptTests : IDisposable
{
    private readonly FakeEfsdr _fake = new();

    public void Dispose() => _fake.Dispose();

    /// <summary>What EXPRESSCLUSTER gives an exec resource's start script, plus a settings file that does not exist.</summary>
    private Dictionary<string, string> Environment(string @event = "FAILOVER", string group = "failover-drtest") => new(StringComparer.Ordinal)
    {
        ["PATH"] = _fake.Bin + ":" + Repo.SystemPath,
        ["EFSDR_CONF"] = _fake.SettingsFile,
        ["CLP_EVENT"] = @event,
        ["CLP_SERVER"] = "OTHER",
        ["CLP_GROUPNAME"] = group,
        ["CLP_RESOURCENAME"] = "exec-efsdr",
    };

    /// <summary>Outside the cluster: no CLP_* variable at all.</summary>
    private Dictionary<string, string> ManualEnvironment() => new(StringComparer.Ordinal)
    {
        ["PATH"] = _fake.Bin + ":" + Repo.SystemPath,
        ["EFSDR_CONF"] = _fake.SettingsFile,
        ["EFSDR_BIN"] = _fake.Efsdr,
        ["EFSDR_SERVER"] = "server2",
    };

    private Dictionary<string, string> FailoverEnvironment()
    {
        var environment = Environment();
        environment["EFSDR_BIN"] = _fake.Efsdr;
        environment["EFSDR_SERVER"] = "server2";
        return environment;
    }

    private Task<ScriptResult> Run(Dictionary<string, string> environment, params string[] arguments) =>
        ScriptRunner.RunAsync(Repo.ClusterScript("start.sh"), environment, _fake.Root, arguments: arguments);

    [Fact]
    public async Task Start_SettingsFile_RunsFailoverToThisServerWithExactArguments()
    {
        _fake.WriteSettings($"""
            EFSDR_SERVER=server3
            EFSDR_BIN={_fake.Efsdr}
            EFSDR_CONFIG_FILE=/etc/efsdr/cluster.json
            EFSDR_TIMEOUT=45m
            """);

        var result = await Run(Environment());

        ScriptRunner.AssertExit(0, result);
        Assert.Equal(
            ["failover", "--to", "server3", "--wait", "--timeout", "45m", "--config", "/etc/efsdr/cluster.json", "--reason", "EXPRESSCLUSTER FAILOVER of failover-drtest"],
            _fake.Argv);
    }

    [Fact]
    public async Task Start_NoSettingsFile_UsesDefaultsAndShortHostname()
    {
        _fake.Hostname = "server1";
        var environment = Environment("START", "failover1");
        environment["EFSDR_BIN"] = "efsdr"; // a bare name: the fake on PATH (the default is /usr/local/bin/efsdr)

        var result = await Run(environment);

        ScriptRunner.AssertExit(0, result);
        Assert.Equal(
            ["failover", "--to", "server1", "--wait", "--timeout", "125m", "--config", "/etc/efsdr/cluster.json", "--planned-if-possible", "--reason", "EXPRESSCLUSTER START of failover1"],
            _fake.Argv);
    }

    [Fact]
    public async Task Start_NoClpEvent_Exits43WithoutRunningEfsdr()
    {
        var result = await Run(ManualEnvironment());

        ScriptRunner.AssertExit(43, result);
        Assert.Contains("CLP_EVENT is not set", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--manual", result.Stderr, StringComparison.Ordinal);
        Assert.False(_fake.Ran, "start.sh run by hand must not fail over without --manual");
    }

    [Fact]
    public async Task Start_NoClpEventWithManualFlag_RunsWithAManualReason()
    {
        var result = await Run(ManualEnvironment(), "--manual");

        ScriptRunner.AssertExit(0, result);
        Assert.Equal("manual start.sh on server2", _fake.Argv[^1]);
    }

    [Fact]
    public async Task Start_UnknownArgument_Exits41WithoutRunningEfsdr()
    {
        var result = await Run(ManualEnvironment(), "--force");

        ScriptRunner.AssertExit(41, result);
        Assert.False(_fake.Ran);
    }

    [Theory]
    [InlineData("RECOVER")] // the Windows templates' value; Linux does not send it
    [InlineData("start")]
    [InlineData("STOP")]
    public async Task Start_ClpEventNeitherStartNorFailover_Exits44WithoutRunningEfsdr(string @event)
    {
        var environment = Environment(@event);
        environment["EFSDR_BIN"] = _fake.Efsdr;
        environment["EFSDR_SERVER"] = "server2";

        var result = await Run(environment, "--manual");

        ScriptRunner.AssertExit(44, result);
        Assert.Contains($"CLP_EVENT={@event} is neither START nor FAILOVER", result.Stderr, StringComparison.Ordinal);
        Assert.False(_fake.Ran);
    }

    [Fact]
    public async Task Start_ClpVariables_AreLoggedOnStderr()
    {
        var environment = Environment("FAILOVER", "failover-drtest");
        environment["EFSDR_BIN"] = _fake.Efsdr;
        environment["EFSDR_SERVER"] = "server2";

        var result = await Run(environment);

        ScriptRunner.AssertExit(0, result);
        Assert.Contains("efsdr-cluster start: CLP_EVENT=FAILOVER CLP_SERVER=OTHER CLP_GROUPNAME=failover-drtest CLP_RESOURCENAME=exec-efsdr", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("failing over to server2", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("EXPRESSCLUSTER FAILOVER of failover-drtest", _fake.Argv);
    }

    [Fact]
    public async Task Start_AwsVariables_ReachEfsdrUnchanged()
    {
        var environment = Environment();
        environment["EFSDR_BIN"] = _fake.Efsdr;
        environment["EFSDR_SERVER"] = "server3";
        environment["AWS_ENDPOINT_URL"] = "http://127.0.0.1:4566/";
        environment["AWS_REGION"] = "us-west-2";

        var result = await Run(environment);

        ScriptRunner.AssertExit(0, result);
        Assert.Contains("AWS_ENDPOINT_URL=http://127.0.0.1:4566/", _fake.Environment);
        Assert.Contains("AWS_REGION=us-west-2", _fake.Environment);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(130)]
    public async Task Start_EfsdrExitCode_IsPassedThroughUnchanged(int code)
    {
        _fake.ExitCode = code;
        var environment = Environment();
        environment["EFSDR_BIN"] = _fake.Efsdr;
        environment["EFSDR_SERVER"] = "server3";

        var result = await Run(environment);

        ScriptRunner.AssertExit(code, result);
        Assert.True(_fake.Ran, "efsdr did not run");
    }

    [Fact]
    public async Task Start_TermWhileEfsdrWaits_IsForwardedToEfsdrAndItsCodeReturned()
    {
        // EXPRESSCLUSTER's start-script timeout signals the script: the fake efsdr, once it traps TERM, sends TERM to
        // its parent (start.sh) and waits; only a forwarded TERM ends it.
        _fake.Behaviour = """
            trap 'echo TERM > "$S/signal"; exit 130' TERM
            # only start.sh may be signalled (were efsdr exec'd, the parent would be the test host)
            tr '\0' ' ' < "/proc/$PPID/cmdline" | grep -q 'start\.sh' || { echo "efsdr's parent is not start.sh" >&2; exit 99; }
            kill -TERM "$PPID"
            while :; do sleep 1 & wait $!; done
            """;

        var result = await Run(FailoverEnvironment());

        ScriptRunner.AssertExit(130, result);
        Assert.Equal("TERM", File.ReadAllText(Path.Combine(_fake.Root, "signal")).Trim());
        Assert.Contains("efsdr was interrupted", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("server 3")]
    [InlineData("server3;reboot")]
    [InlineData("-server3")]
    public async Task Start_InvalidServerName_Exits41WithoutRunningEfsdr(string server)
    {
        var environment = Environment();
        environment["EFSDR_BIN"] = _fake.Efsdr;
        environment["EFSDR_SERVER"] = server;

        var result = await Run(environment);

        ScriptRunner.AssertExit(41, result);
        Assert.StartsWith("efsdr-cluster start: EFSDR_SERVER", result.Stderr, StringComparison.Ordinal);
        Assert.False(_fake.Ran, "efsdr must not run with an invalid server name");
    }

    [Fact]
    public async Task Start_NoHostnameAndNoServerSetting_Exits41()
    {
        _fake.Hostname = string.Empty;
        var environment = Environment();
        environment["EFSDR_BIN"] = _fake.Efsdr;

        var result = await Run(environment);

        ScriptRunner.AssertExit(41, result);
        Assert.False(_fake.Ran);
    }

    [Fact]
    public async Task Start_MissingBinary_Exits42NamingIt()
    {
        var environment = Environment();
        environment["EFSDR_BIN"] = Path.Combine(_fake.Root, "no-such-efsdr");
        environment["EFSDR_SERVER"] = "server3";

        var result = await Run(environment);

        ScriptRunner.AssertExit(42, result);
        Assert.Contains("no-such-efsdr is not an executable file", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SettingsFileFails_Exits40WithoutRunningEfsdr()
    {
        _fake.WriteSettings($"""
            EFSDR_BIN={_fake.Efsdr}
            EFSDR_SERVER=server3
            false
            """);

        var result = await Run(Environment());

        ScriptRunner.AssertExit(40, result);
        Assert.Contains($"the settings file {_fake.SettingsFile} failed", result.Stderr, StringComparison.Ordinal);
        Assert.False(_fake.Ran);
    }

    private const string RunningArn = "arn:aws:states:us-east-1:111122223333:execution:efsdr-failover:failover-server1-7";

    /// <summary>efsdr's answer while a failover to server1 runs (FailoverCommand: "efsdr: refused: " + the conflict).</summary>
    private const string Refusal = "echo \"efsdr: refused: a failover to server1 is running: " + RunningArn + " (started 2025-09-01 10:00:00Z). One run per file system: wait for it (efsdr failover --to server1 --wait) before starting another; nothing was changed.\" >&2; exit 3";

    [Fact]
    public async Task Start_RefusedForAnotherTarget_LogsTheRunningExecutionAsksAgainAndSucceeds()
    {
        _fake.InstallClplogcmd();
        _fake.Behaviour = $"if [ \"$n\" -le 2 ]; then {Refusal}; fi";
        var environment = FailoverEnvironment();
        environment["EFSDR_CONFLICT_POLL"] = "1";
        environment["EFSDR_CONFLICT_WAIT"] = "1m";

        var result = await Run(environment);

        ScriptRunner.AssertExit(0, result);
        Assert.Equal(3, _fake.Calls); // refused twice, then the failover to server2 ran
        var warning = Assert.Single(_fake.AlertLog, l => l.Level == "warn");
        Assert.Contains($"the failover to server1 ({RunningArn}) is running", warning.Message, StringComparison.Ordinal);
        Assert.Contains("server2 does not become active while it runs", warning.Message, StringComparison.Ordinal);
        Assert.Contains(_fake.AlertLog, l => l.Level == "info" && l.Message.Contains("server2 is active", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_RefusedAndNoConflictWait_Exits45AtOnceNamingTheRunningExecution()
    {
        _fake.InstallClplogcmd();
        _fake.Behaviour = Refusal;
        var environment = FailoverEnvironment();
        environment["EFSDR_CONFLICT_WAIT"] = "0";

        var result = await Run(environment);

        ScriptRunner.AssertExit(45, result);
        Assert.Equal(1, _fake.Calls);
        var error = Assert.Single(_fake.AlertLog, l => l.Level == "err");
        Assert.Contains($"the failover to server1 ({RunningArn}) is still running", error.Message, StringComparison.Ordinal);
        Assert.Contains("server2 will not become active", error.Message, StringComparison.Ordinal);
        Assert.Contains("efsdr: refused: a failover to server1", result.Stderr, StringComparison.Ordinal); // efsdr's own line
    }

    [Fact]
    public async Task Start_RefusedUntilTheConflictWaitEnds_Exits45AfterAskingAgain()
    {
        _fake.Behaviour = Refusal;
        var environment = FailoverEnvironment();
        environment["EFSDR_CONFLICT_POLL"] = "1";
        environment["EFSDR_CONFLICT_WAIT"] = "1s";

        var result = await Run(environment);

        ScriptRunner.AssertExit(45, result);
        Assert.True(_fake.Calls >= 2, $"efsdr ran {_fake.Calls} time(s); start.sh should have asked again after 1 s");
        Assert.Contains("will not become active", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_RefusalSlowerThanTheConflictWait_AsksAgainOnceBeforeExit45()
    {
        // The wait counts from the first refusal: an efsdr that takes longer than EFSDR_CONFLICT_WAIT to refuse (a slow
        // region) still gets asked again once, instead of the wait being spent before the first answer.
        _fake.Behaviour = "sleep 1.3\n" + Refusal;
        var environment = FailoverEnvironment();
        environment["EFSDR_CONFLICT_POLL"] = "1";
        environment["EFSDR_CONFLICT_WAIT"] = "1s";

        var result = await Run(environment);

        ScriptRunner.AssertExit(45, result);
        Assert.Equal(2, _fake.Calls);
    }

    [Fact]
    public async Task Start_RunFailedWithoutRefusal_Exits3WithoutAskingAgain()
    {
        _fake.Behaviour = "echo 'efsdr: the run failed: PromotionFailed' >&2; exit 3";
        var environment = FailoverEnvironment();
        environment["EFSDR_CONFLICT_POLL"] = "1";

        var result = await Run(environment);

        ScriptRunner.AssertExit(3, result);
        Assert.Equal(1, _fake.Calls);
    }

    [Theory]
    [InlineData("EFSDR_CONFLICT_WAIT", "30 m")]
    [InlineData("EFSDR_CONFLICT_WAIT", "-1")]
    [InlineData("EFSDR_CONFLICT_POLL", "0")]
    [InlineData("EFSDR_ACCEPT_UNVERIFIED_EPOCHS", "true")]
    [InlineData("EFSDR_PLANNED", "yes")]
    public async Task Start_InvalidConflictOrEpochSetting_Exits41WithoutRunningEfsdr(string name, string value)
    {
        var environment = FailoverEnvironment();
        environment[name] = value;

        var result = await Run(environment);

        ScriptRunner.AssertExit(41, result);
        Assert.Contains(name, result.Stderr, StringComparison.Ordinal);
        Assert.False(_fake.Ran);
    }

    [Fact]
    public async Task Start_AcceptUnverifiedEpochsYes_PassesTheFlagAndWarns()
    {
        _fake.InstallClplogcmd();
        _fake.WriteSettings("EFSDR_ACCEPT_UNVERIFIED_EPOCHS=yes\n");

        var result = await Run(FailoverEnvironment());

        ScriptRunner.AssertExit(0, result);
        Assert.Equal("--accept-unverified-epochs", _fake.Argv[^1]);
        Assert.Contains(_fake.AlertLog, l => l.Level == "warn" && l.Message.Contains("EFSDR_ACCEPT_UNVERIFIED_EPOCHS=yes", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("", "START", "--planned-if-possible")]
    [InlineData("", "FAILOVER", null)]
    [InlineData("EFSDR_PLANNED=auto\n", "START", "--planned-if-possible")]
    [InlineData("EFSDR_PLANNED=auto\n", "FAILOVER", null)]
    [InlineData("EFSDR_PLANNED=always\n", "START", "--planned")]
    [InlineData("EFSDR_PLANNED=always\n", "FAILOVER", "--planned")]
    [InlineData("EFSDR_PLANNED=never\n", "START", null)]
    [InlineData("EFSDR_PLANNED=never\n", "FAILOVER", null)]
    public async Task Start_PlannedSetting_PassesThePlannedFlagForTheEvent(string settings, string @event, string? flag)
    {
        _fake.WriteSettings(settings);
        var environment = Environment(@event);
        environment["EFSDR_BIN"] = _fake.Efsdr;
        environment["EFSDR_SERVER"] = "server3";

        ScriptRunner.AssertExit(0, await Run(environment));

        var flags = _fake.Argv.Where(a => a.StartsWith("--planned", StringComparison.Ordinal)).ToList();
        Assert.Equal(flag is null ? [] : [flag], flags);
        Assert.Equal($"EXPRESSCLUSTER {@event} of failover-drtest", _fake.Argv[^1]);
    }

    [Fact]
    public async Task Start_ManualWithDefaultPlannedSetting_AsksForAPlannedMoveIfPossible()
    {
        ScriptRunner.AssertExit(0, await Run(ManualEnvironment(), "--manual"));

        Assert.Contains("--planned-if-possible", _fake.Argv);
    }

    [Fact]
    public async Task Start_AcceptUnverifiedEpochsUnset_DoesNotPassTheFlag()
    {
        ScriptRunner.AssertExit(0, await Run(FailoverEnvironment()));

        Assert.DoesNotContain("--accept-unverified-epochs", _fake.Argv);
    }

    [Fact]
    public async Task Start_Success_ReportsTheStartAndTheOutcomeThroughClplogcmd()
    {
        _fake.InstallClplogcmd();

        ScriptRunner.AssertExit(0, await Run(FailoverEnvironment()));

        Assert.Collection(
            _fake.AlertLog,
            l => Assert.Equal(("info", true), (l.Level, l.Message.StartsWith("efsdr-cluster start: CLP_EVENT=FAILOVER", StringComparison.Ordinal))),
            l => Assert.Equal(("info", true), (l.Level, l.Message.Contains("server2 is active", StringComparison.Ordinal))));
    }

    [Theory]
    [InlineData(3, "the failover run to server2 failed")]
    [InlineData(4, "EFSDR_TIMEOUT=125m passed while waiting")]
    [InlineData(5, "AWS was unreachable")]
    public async Task Start_EfsdrFails_ReportsTheOutcomeAsAnErrorThroughClplogcmd(int code, string text)
    {
        _fake.InstallClplogcmd();
        _fake.ExitCode = code;

        ScriptRunner.AssertExit(code, await Run(FailoverEnvironment()));

        var error = Assert.Single(_fake.AlertLog, l => l.Level == "err");
        Assert.Contains(text, error.Message, StringComparison.Ordinal);
        Assert.EndsWith($"(exit {code})", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ClplogcmdOptionsSetting_IsPassedToClplogcmd()
    {
        _fake.InstallClplogcmd();
        var environment = FailoverEnvironment();
        environment["EFSDR_CLPLOGCMD_OPTIONS"] = "--alert --syslog";

        ScriptRunner.AssertExit(0, await Run(environment));

        Assert.All(_fake.AlertLog, l => Assert.Equal(["--alert", "--syslog"], l.Arguments.TakeLast(2)));
    }

    [Fact]
    public async Task Start_NoClplogcmdOnPath_ReportsOnStderr()
    {
        _fake.ExitCode = 5;

        var result = await Run(FailoverEnvironment());

        ScriptRunner.AssertExit(5, result);
        Assert.Contains("efsdr-cluster start: AWS was unreachable from server2; the activation fails (exit 5)", result.Stderr, StringComparison.Ordinal);
    }
}
