using EfsDr.Cluster.Tests.Support;

namespace EfsDr.Cluster.Tests;

/// <summary>
/// cluster/genw.sh against minimal shims, for the mount sources and failures the local cloud's nodes do not produce:
/// the nfs4 and efs-utils TLS forms of findmnt's SOURCE, and a probe that hangs. <c>mountpoint</c> answers from
/// <c>state/mounted</c>, <c>findmnt</c> prints <c>state/source</c> or <c>state/options</c>, and <c>dd</c> sleeps when
/// <c>state/hang</c> exists (otherwise the real dd runs); <c>mountpoint</c> and <c>findmnt</c> sleep (a hung NFS mount)
/// when <c>state/hang-mountpoint</c> or <c>state/hang-findmnt</c> exists. A fake <c>clplogcmd</c> logs its calls.
/// </summary>
public sealed class GenwScriptTests : IDisposable
{
    private const string Fs = "fs-0123456789abcdef0";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "efsdr-genw-" + Guid.NewGuid().ToString("N"));

    public GenwScriptTests()
    {
        foreach (var folder in new[] { Bin, State, MountPoint, StateDir, EfsStateDir })
        {
            Directory.CreateDirectory(folder);
        }

        var realDd = Repo.FindOnPath("dd") ?? "/bin/dd";
        ScriptRunner.WriteExecutable(Path.Combine(Bin, "mountpoint"), $"#!/bin/bash\n[ -e '{State}/hang-mountpoint' ] && exec sleep 600\n[ -e '{State}/mounted' ] || exit 32\n");
        ScriptRunner.WriteExecutable(Path.Combine(Bin, "findmnt"), $$"""
            #!/bin/bash
            [ -e '{{State}}/hang-findmnt' ] && exec sleep 600
            col=; prev=
            for a in "$@"; do [ "$prev" = -o ] && col="$a"; prev="$a"; done
            case "$col" in
              SOURCE) cat '{{State}}/source' ;;
              OPTIONS) cat '{{State}}/options' ;;
              *) exit 1 ;;
            esac
            """);
        ScriptRunner.WriteExecutable(Path.Combine(Bin, "dd"), $"#!/bin/bash\n[ -e '{State}/hang' ] && exec sleep 30\nexec '{realDd}' \"$@\"\n");
        File.WriteAllText(Path.Combine(State, "mounted"), string.Empty);
        File.WriteAllText(Path.Combine(State, "options"), "rw,relatime,vers=4.1\n");
        File.WriteAllText(Path.Combine(StateDir, "active-file-system"), Fs + "\n");
        ClplogcmdShim.Install(Bin, AlertLogFile);
    }

    private string AlertLogFile => Path.Combine(_root, "clplogcmd.log");

    private string Bin => Path.Combine(_root, "bin");

    private string State => Path.Combine(_root, "state");

    private string MountPoint => Path.Combine(_root, "mnt", "efs");

    private string StateDir => Path.Combine(_root, "var", "lib", "efsdr");

    private string EfsStateDir => Path.Combine(_root, "efs-state");

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

    private void Mounted(string source, string options = "rw,relatime,vers=4.1")
    {
        File.WriteAllText(Path.Combine(State, "source"), source + "\n");
        File.WriteAllText(Path.Combine(State, "options"), options + "\n");
    }

    private Task<ScriptResult> Run(IReadOnlyDictionary<string, string>? extra = null)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = Bin + ":" + Repo.SystemPath,
            ["EFSDR_CONF"] = Path.Combine(_root, "efsdr.conf"),
            ["EFSDR_MOUNT_POINT"] = MountPoint,
            ["EFSDR_STATE_DIR"] = StateDir,
            ["EFSDR_EFS_STATE_DIR"] = EfsStateDir,
        };
        foreach (var (name, value) in extra ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        return ScriptRunner.RunAsync(Repo.ClusterScript("genw.sh"), environment, _root);
    }

    [Theory]
    [InlineData(Fs + ":/")]
    [InlineData(Fs + ".efs.us-west-2.amazonaws.com:/")]
    public async Task Genw_RecordedFileSystemByIdOrNfs4Name_Exits0(string source)
    {
        Mounted(source);

        var result = await Run();

        ScriptRunner.AssertExit(0, result);
        Assert.Empty(Directory.GetFiles(MountPoint, ".efsdr-genw*", new EnumerationOptions { AttributesToSkip = 0 }));
    }

    [Fact]
    public async Task Genw_EfsUtilsTlsMountWithStateFile_Exits0()
    {
        Mounted("127.0.0.1:/", "rw,relatime,vers=4.1,port=20049");
        File.WriteAllText(Path.Combine(EfsStateDir, $"{Fs}.{MountPoint.TrimStart('/').Replace('/', '.')}.20049"), "{}");

        ScriptRunner.AssertExit(0, await Run());
    }

    [Fact]
    public async Task Genw_EfsUtilsTlsMountOfAnotherFileSystem_Exits52()
    {
        Mounted("127.0.0.1:/", "rw,relatime,vers=4.1,port=20049");
        File.WriteAllText(Path.Combine(EfsStateDir, $"fs-99999999.{MountPoint.TrimStart('/').Replace('/', '.')}.20049"), "{}");

        var result = await Run();

        ScriptRunner.AssertExit(52, result);
        Assert.Contains("efs-utils TLS", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Fs + "1:/")] // an id that merely starts with the recorded one
    [InlineData("fs-deadbeef:/")]
    [InlineData("fs-deadbeef.efs.us-west-2.amazonaws.com:/")]
    [InlineData("/dev/xvdf")]
    [InlineData("127.0.0.1:/")] // TLS form without a port= option
    public async Task Genw_SomethingElseMounted_Exits52(string source)
    {
        Mounted(source);

        var result = await Run();

        ScriptRunner.AssertExit(52, result);
        Assert.StartsWith("efsdr-cluster genw: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(source, result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("fs-123$(id)")]
    [InlineData("not-an-id")]
    public async Task Genw_RecordNotAFileSystemId_Exits51(string content)
    {
        Mounted(Fs + ":/");
        File.WriteAllText(Path.Combine(StateDir, "active-file-system"), content);

        var result = await Run();

        ScriptRunner.AssertExit(51, result);
    }

    [Fact]
    public async Task Genw_ProbeHangs_Exits54WithinTheProbeTimeout()
    {
        Mounted(Fs + ":/");
        File.WriteAllText(Path.Combine(State, "hang"), string.Empty);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = await Run(new Dictionary<string, string> { ["EFSDR_GENW_PROBE_TIMEOUT"] = "1" });

        ScriptRunner.AssertExit(54, result);
        Assert.Contains("did not finish within 1s", result.Stderr, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"genw took {clock.Elapsed}, the probe should have been stopped after 1 s");
    }

    [Fact]
    public async Task Genw_NotMounted_Exits50BeforeReadingTheRecord()
    {
        File.Delete(Path.Combine(State, "mounted"));
        File.Delete(Path.Combine(StateDir, "active-file-system"));

        var result = await Run();

        ScriptRunner.AssertExit(50, result);
    }

    [Theory]
    [InlineData("EFSDR_MOUNT_POINT", "mnt/efs")]
    [InlineData("EFSDR_MOUNT_POINT", "/mnt/../etc")]
    [InlineData("EFSDR_MOUNT_POINT", "/mnt/efs; reboot")]
    [InlineData("EFSDR_GENW_PROBE_TIMEOUT", "0")]
    [InlineData("EFSDR_GENW_PROBE_TIMEOUT", "5s")]
    public async Task Genw_InvalidSetting_Exits41(string name, string value)
    {
        Mounted(Fs + ":/");

        var result = await Run(new Dictionary<string, string> { [name] = value });

        ScriptRunner.AssertExit(41, result);
        Assert.StartsWith($"efsdr-cluster genw: {name}", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Genw_SettingsFile_IsSourcedAndWinsOverTheEnvironment()
    {
        Mounted(Fs + ":/");
        File.WriteAllText(Path.Combine(_root, "efsdr.conf"), "EFSDR_MOUNT_POINT=/nonexistent/efs\n");

        var result = await Run();

        // The settings file's mount point is the one checked (and mountpoint answers for any path here, so the
        // write probe fails on a folder that does not exist).
        ScriptRunner.AssertExit(53, result);
        Assert.Contains("/nonexistent/efs/.efsdr-genw.", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hang-mountpoint", "mountpoint")]
    [InlineData("hang-findmnt", "findmnt")]
    public async Task Genw_MountCommandHangs_Exits54WithinTheProbeTimeout(string hang, string command)
    {
        Mounted(Fs + ":/");
        File.WriteAllText(Path.Combine(State, hang), string.Empty);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = await Run(new Dictionary<string, string> { ["EFSDR_GENW_PROBE_TIMEOUT"] = "1" });

        ScriptRunner.AssertExit(54, result);
        Assert.Contains($"{command} {MountPoint} did not finish within 1s", result.Stderr, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"genw took {clock.Elapsed}, {command} should have been stopped after 1 s");
    }

    [Fact]
    public async Task Genw_Failure_ReportedToClplogcmdOnceThenRecoveryOnce()
    {
        File.Delete(Path.Combine(State, "mounted"));

        var first = await Run();
        var second = await Run();

        ScriptRunner.AssertExit(50, first);
        ScriptRunner.AssertExit(50, second);
        Assert.Contains("is not mounted", second.Stderr, StringComparison.Ordinal); // stderr hears of every failure
        var error = Assert.Single(ClplogcmdShim.Read(AlertLogFile));
        Assert.Equal("err", error.Level);
        Assert.Equal($"efsdr-cluster genw: {MountPoint} is not mounted (exit 50)", error.Message);

        File.WriteAllText(Path.Combine(State, "mounted"), string.Empty);
        Mounted(Fs + ":/");
        ScriptRunner.AssertExit(0, await Run());
        ScriptRunner.AssertExit(0, await Run());

        Assert.Collection(
            ClplogcmdShim.Read(AlertLogFile),
            l => Assert.Equal("err", l.Level),
            l => Assert.Equal(("info", true), (l.Level, l.Message.Contains("healthy again", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task Genw_AnotherFailureAfterAFirst_IsReportedToo()
    {
        File.Delete(Path.Combine(State, "mounted"));
        ScriptRunner.AssertExit(50, await Run());
        File.WriteAllText(Path.Combine(State, "mounted"), string.Empty);
        Mounted("fs-deadbeef:/");

        ScriptRunner.AssertExit(52, await Run());

        Assert.Equal(["err", "err"], ClplogcmdShim.Read(AlertLogFile).Select(l => l.Level));
    }

    [Fact]
    public async Task Genw_Healthy_ReportsNothing()
    {
        Mounted(Fs + ":/");

        var result = await Run();

        ScriptRunner.AssertExit(0, result);
        Assert.Empty(result.Stderr);
        Assert.Empty(ClplogcmdShim.Read(AlertLogFile));
    }
}
