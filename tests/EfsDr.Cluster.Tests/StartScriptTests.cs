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

    private Task<ScriptResult> Run(Dictionary<string, string> environment) =>
        ScriptRunner.RunAsync(Repo.ClusterScript("start.sh"), environment, _fake.Root);

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
            ["failover", "--to", "server1", "--wait", "--timeout", "55m", "--config", "/etc/efsdr/cluster.json", "--reason", "EXPRESSCLUSTER START of failover1"],
            _fake.Argv);
    }

    [Fact]
    public async Task Start_NoClpVariables_ReasonFallsBackToStartOfGroup()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = _fake.Bin + ":" + Repo.SystemPath,
            ["EFSDR_CONF"] = _fake.SettingsFile,
            ["EFSDR_BIN"] = _fake.Efsdr,
            ["EFSDR_SERVER"] = "server2",
        };

        var result = await Run(environment);

        ScriptRunner.AssertExit(0, result);
        Assert.Equal("EXPRESSCLUSTER START of group", _fake.Argv[^1]);
    }

    [Fact]
    public async Task Start_ClpVariables_AreLoggedOnStdout()
    {
        var environment = Environment("RECOVER", "failover-drtest");
        environment["EFSDR_BIN"] = _fake.Efsdr;
        environment["EFSDR_SERVER"] = "server2";

        var result = await Run(environment);

        ScriptRunner.AssertExit(0, result);
        Assert.Contains("efsdr-cluster start: CLP_EVENT=RECOVER CLP_SERVER=OTHER CLP_GROUPNAME=failover-drtest CLP_RESOURCENAME=exec-efsdr", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("failing over to server2", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("EXPRESSCLUSTER RECOVER of failover-drtest", _fake.Argv);
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
    public async Task Start_Efsdr_ReplacesTheScriptProcessSoSignalsReachIt()
    {
        var environment = Environment();
        environment["EFSDR_BIN"] = _fake.Efsdr;
        environment["EFSDR_SERVER"] = "server3";

        var result = await Run(environment);

        ScriptRunner.AssertExit(0, result);
        Assert.Equal(result.Pid, _fake.Pid); // exec: the process EXPRESSCLUSTER started (and would signal) is efsdr
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
}
