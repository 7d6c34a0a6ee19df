using System.Globalization;
using System.Text.RegularExpressions;
using EfsDr.Cluster.Tests.Support;
using EfsDr.Core.Configuration;

namespace EfsDr.Cluster.Tests;

/// <summary>The cluster scripts' waits against the workflow's default budgets: start.sh must outwait the longest run the
/// defaults allow (or efsdr exits 4 while the run goes on and later succeeds), and the exec resource's start-script
/// timeout in cluster/README.md must outwait start.sh (so that start.sh, not EXPRESSCLUSTER, ends the wait).</summary>
public sealed partial class TimeoutDefaultsTests
{
    /// <summary>Planning, locking, fencing and polling around the budgeted waits; the README says "a minute or two".</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromMinutes(2);

    [Fact]
    public void StartScriptTimeout_DefaultBudgets_OutlastsTheLongestRun()
    {
        var budgets = new BudgetSettings();
        // start.sh asks for a planned move by default (EFSDR_PLANNED=auto), which may first wait for the last sync.
        var longest = TimeSpan.FromSeconds(budgets.SyncSeconds + budgets.PromotionSeconds + budgets.NodeCommandSeconds + budgets.DnsSeconds) + Margin;

        var timeout = Default("EFSDR_TIMEOUT");

        Assert.True(timeout >= longest, $"start.sh's EFSDR_TIMEOUT default {timeout} is shorter than the longest run the default budgets allow ({longest}): raise it in cluster/start.sh, cluster/README.md and cluster/efsdr.conf.example.");
    }

    [Fact]
    public void ExecResourceStartTimeout_Documented_OutlastsConflictWaitPlusTimeout()
    {
        var readme = File.ReadAllText(Path.Combine(Repo.Root, "cluster", "README.md"));
        var documented = StartScriptTimeout().Matches(readme).Select(m => TimeSpan.FromSeconds(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))).ToList();

        Assert.NotEmpty(documented);
        Assert.All(documented, t => Assert.True(t > Default("EFSDR_CONFLICT_WAIT") + Default("EFSDR_TIMEOUT"), $"cluster/README.md's start-script timeout {t} is not longer than EFSDR_CONFLICT_WAIT + EFSDR_TIMEOUT."));
    }

    [Fact]
    public void ConfigExample_TimeoutDefault_MatchesStartScript()
    {
        var example = File.ReadAllText(Path.Combine(Repo.Root, "cluster", "efsdr.conf.example"));
        var match = Regex.Match(example, @"^#EFSDR_TIMEOUT=(\S+)$", RegexOptions.Multiline);

        Assert.True(match.Success, "cluster/efsdr.conf.example has no #EFSDR_TIMEOUT= line");
        Assert.Equal(Default("EFSDR_TIMEOUT"), Duration(match.Groups[1].Value));
    }

    /// <summary>A variable's default in start.sh (<c>NAME="${NAME:-55m}"</c>).</summary>
    private static TimeSpan Default(string name)
    {
        var script = File.ReadAllText(Repo.ClusterScript("start.sh"));
        var match = Regex.Match(script, $"^{name}=\"\\$\\{{{name}:-([^}}]+)\\}}\"$", RegexOptions.Multiline);
        Assert.True(match.Success, $"cluster/start.sh sets no default for {name}");
        return Duration(match.Groups[1].Value);
    }

    /// <summary>efsdr's duration form: a number with s, m or h.</summary>
    private static TimeSpan Duration(string text)
    {
        var value = double.Parse(text[..^1], CultureInfo.InvariantCulture);
        return text[^1] switch
        {
            's' => TimeSpan.FromSeconds(value),
            'm' => TimeSpan.FromMinutes(value),
            'h' => TimeSpan.FromHours(value),
            _ => throw new FormatException($"{text} is not a number with s, m or h"),
        };
    }

    [GeneratedRegex(@"Start Script Timeout:? \*\*(\d+) s\*\*")]
    private static partial Regex StartScriptTimeout();
}
