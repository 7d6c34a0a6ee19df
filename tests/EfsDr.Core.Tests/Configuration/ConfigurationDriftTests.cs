using EfsDr.Core.Configuration;
using EfsDr.Core.Failover;

namespace EfsDr.Core.Tests.Configuration;

public sealed class ConfigurationDriftTests
{
    private static ClusterConfiguration Example() => EfsDrJson.ParseConfiguration(File.ReadAllText(Path.Combine(Root(), "config", "cluster.example.json")));

    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
        {
            dir = dir.Parent;
        }

        return dir!.FullName;
    }

    [Fact]
    public void Compare_SameSettingsDifferentFormatting_HasNoDifference()
    {
        var stored = EfsDrJson.ParseConfiguration(File.ReadAllText(Path.Combine(Root(), "config", "cluster.example.json")).Replace("\n", " ", StringComparison.Ordinal));

        Assert.Empty(ConfigurationDrift.Compare(Example(), stored));
    }

    [Fact]
    public void Compare_ChangedTtlAndServerIp_ListsBothFields()
    {
        var stored = Example();
        stored.Dns.Ttl = 60;
        stored.Servers[2].PrivateIp = "10.70.110.11";

        var differences = ConfigurationDrift.Compare(Example(), stored);

        Assert.Equal(["dns.ttl", "servers[2].privateIp"], differences.Select(d => d.Field));
        Assert.Equal(("300", "60"), (differences[0].FileValue, differences[0].DeployedValue));
    }

    [Fact]
    public void Compare_StackParametersMatching_HasNoDifference()
    {
        var stack = ConfigurationDrift.ParseStackParameters("""{"protectedFileSystemName":"DRTest-EFS1","hostedZoneId":"Z0123456789ABCDEFGHIJ","recordName":"drtest.example.com","rpoSeconds":900}""")!;

        Assert.Empty(ConfigurationDrift.Compare(Example(), stack));
    }

    [Fact]
    public void Compare_StackWithOtherRpoAndName_NamesTheTemplateParameters()
    {
        var stack = new StackParameters { ProtectedFileSystemName = "DRTest-EFS2", HostedZoneId = "Z0123456789ABCDEFGHIJ", RecordName = "drtest.example.com", RpoSeconds = 600 };

        var differences = ConfigurationDrift.Compare(Example(), stack);

        Assert.Equal(["ProtectedFileSystemName (fileSystem.name)", "RpoSeconds (rpoSeconds)"], differences.Select(d => d.Field));
    }

    [Fact]
    public void Compare_StackSubnetsOtherOrderSameSet_HasNoDifference()
    {
        var stack = ConfigurationDrift.ParseStackParameters("""{"protectedFileSystemName":"DRTest-EFS1","hostedZoneId":"Z0123456789ABCDEFGHIJ","recordName":"drtest.example.com","rpoSeconds":900,"mountTargetSubnetIds":"subnet-0123456789abcdef2,subnet-0123456789abcdef1"}""")!;

        Assert.Empty(ConfigurationDrift.Compare(Example(), stack, "us-east-1"));
    }

    [Fact]
    public void Compare_StackSubnetsMissingOneOfTheRegion_NamesMountTargetSubnetIdsWithBothSets()
    {
        var stack = new StackParameters { ProtectedFileSystemName = "DRTest-EFS1", HostedZoneId = "Z0123456789ABCDEFGHIJ", RecordName = "drtest.example.com", RpoSeconds = 900, MountTargetSubnetIds = "subnet-0123456789abcdef1" };

        var difference = Assert.Single(ConfigurationDrift.Compare(Example(), stack, "us-east-1"));

        Assert.Equal("MountTargetSubnetIds (mountTargets in us-east-1)", difference.Field);
        Assert.Equal("subnet-0123456789abcdef1,subnet-0123456789abcdef2", difference.FileValue);
        Assert.Equal("subnet-0123456789abcdef1", difference.DeployedValue);
    }

    [Fact]
    public void Compare_StackWithoutSubnetRecordOrNoRegion_DoesNotCompareSubnets()
    {
        var old = new StackParameters { ProtectedFileSystemName = "DRTest-EFS1", HostedZoneId = "Z0123456789ABCDEFGHIJ", RecordName = "drtest.example.com", RpoSeconds = 900 };
        var wrong = old with { MountTargetSubnetIds = "subnet-0123456789abcdef9" };

        Assert.Empty(ConfigurationDrift.Compare(Example(), old, "us-east-1"));
        Assert.Empty(ConfigurationDrift.Compare(Example(), wrong));
        Assert.Single(ConfigurationDrift.Compare(Example(), wrong, "us-west-2"));
    }

    [Fact]
    public void ParseStackParameters_NotJson_IsNull()
    {
        Assert.Null(ConfigurationDrift.ParseStackParameters("{oops"));
        Assert.Null(ConfigurationDrift.ParseStackParameters(null));
    }
}
