using System.Net;
using System.Text.Json;
using EfsDr.Aws.Efs;
using EfsDr.Aws.Tests.Support;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;

namespace EfsDr.Aws.Tests.Efs;

/// <summary>EFS on the wire: each operation's request checked against botocore's EFS model, and documented responses parsed.</summary>
public sealed class EfsClientWireTests
{
    private const string Region = "us-west-2";
    private static readonly Lazy<BotocoreModel> LazyModel = new(() => BotocoreModel.Load("efs"));
    private readonly RecordingHandler _handler = new();
    private readonly EfsClient _client;

    public EfsClientWireTests()
    {
        _client = new EfsClient(TestPipeline.Create(_handler)) { PageSize = 2 };
    }

    private static BotocoreModel Model => LazyModel.Value;

    private static string FileSystemJson(string id, string? name, string protection = "ENABLED", string created = "1641491892.0")
    {
        var nameField = name is null ? string.Empty : "\"Name\":\"" + name + "\",";
        var nameTag = name is null ? string.Empty : "{\"Key\":\"Name\",\"Value\":\"" + name + "\"}";
        return $$"""
            {"OwnerId":"111122223333","CreationToken":"tok-{{id}}","FileSystemId":"{{id}}",
             "FileSystemArn":"arn:aws:elasticfilesystem:us-west-2:111122223333:file-system/{{id}}",
             "CreationTime":{{created}},"LifeCycleState":"available",{{nameField}}
             "NumberOfMountTargets":1,"SizeInBytes":{"Value":6144,"Timestamp":1641491892.5},
             "PerformanceMode":"generalPurpose","Encrypted":true,"ThroughputMode":"bursting",
             "Tags":[{{nameTag}}],
             "FileSystemProtection":{"ReplicationOverwriteProtection":"{{protection}}"} }
            """;
    }

    private static string Page(string marker, params string[] fileSystems) =>
        $$"""{"FileSystems":[{{string.Join(",", fileSystems)}}]{{(marker.Length == 0 ? string.Empty : $",\"NextMarker\":\"{marker}\"")}}}""";

    [Fact]
    public async Task FindByNameAsync_ThreePages_MatchesExactNameOnlyAndFollowsNextMarker()
    {
        // Arrange: the seed's prefix match would also take DRTest-EFS1-old and DRTest-EFS10.
        var pages = new[]
        {
            Page("m1", FileSystemJson("fs-0000000000000001a", "DRTest-EFS1-old"), FileSystemJson("fs-0000000000000002b", "DRTest-EFS10")),
            Page("m2", FileSystemJson("fs-0000000000000003c", null), FileSystemJson("fs-0000000000000004d", "DRTest-EFS1", "REPLICATING")),
            Page(string.Empty, FileSystemJson("fs-0000000000000005e", "drtest-efs1")),
        };
        foreach (var page in pages)
        {
            Model.AssertJsonResponseFixture("DescribeFileSystems", page);
            _handler.Respond(HttpStatusCode.OK, page);
        }

        // Act
        var found = await _client.FindByNameAsync(Region, "DRTest-EFS1", TestContext.Current.CancellationToken);

        // Assert
        var fs = Assert.Single(found);
        Assert.Equal("fs-0000000000000004d", fs.FileSystemId);
        Assert.Equal(OverwriteProtection.Replicating, fs.Protection);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1641491892), fs.CreationTime);
        Assert.Equal("DRTest-EFS1", fs.Tags["Name"]);
        Assert.Equal(3, _handler.Requests.Count);
        Assert.All(_handler.Requests, r => Model.AssertRequest("DescribeFileSystems", r));
        Assert.Null(_handler.Requests[0].QueryValue("Marker"));
        Assert.Equal("m1", _handler.Requests[1].QueryValue("Marker"));
        Assert.Equal("m2", _handler.Requests[2].QueryValue("Marker"));
        Assert.Equal("2", _handler.Requests[0].QueryValue("MaxItems"));
        Assert.Equal("https://elasticfilesystem.us-west-2.amazonaws.com/2015-02-01/file-systems?MaxItems=2", _handler.Requests[0].Uri.ToString());
    }

    [Fact]
    public async Task DescribeAsync_FractionalTimestampAndAbsentOptionalFields_Parses()
    {
        var body = """
            {"FileSystems":[{"OwnerId":"1","CreationToken":"t","FileSystemId":"fs-1","CreationTime":1641491892.375,
              "LifeCycleState":"creating","NumberOfMountTargets":0,"SizeInBytes":{"Value":0},
              "PerformanceMode":"generalPurpose","Tags":[]}]}
            """;
        Model.AssertJsonResponseFixture("DescribeFileSystems", body);
        _handler.Respond(HttpStatusCode.OK, body);

        var fs = await _client.DescribeAsync(Region, "fs-1", TestContext.Current.CancellationToken);

        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1641491892375), fs.CreationTime);
        Assert.Null(fs.Name);
        Assert.Equal(OverwriteProtection.Unknown, fs.Protection);
        Assert.False(fs.IsAvailable);
        Assert.Equal(string.Empty, fs.Arn);
        Model.AssertRequest("DescribeFileSystems", _handler.Requests[0]);
        Assert.Equal("fs-1", _handler.Requests[0].QueryValue("FileSystemId"));
    }

    [Fact]
    public async Task DescribeAsync_FileSystemNotFoundBody_ThrowsTypedNotFound()
    {
        Assert.Contains("FileSystemNotFound", Model.Errors("DescribeFileSystems"));
        _handler.Respond((HttpStatusCode)Model.ErrorStatus("FileSystemNotFound"), """{"ErrorCode":"FileSystemNotFound","Message":"File system 'fs-9' does not exist."}""", headers: new Dictionary<string, string> { ["x-amzn-RequestId"] = "req-1" });

        var ex = await Assert.ThrowsAsync<FileSystemNotFoundException>(() => _client.DescribeAsync(Region, "fs-9", TestContext.Current.CancellationToken));

        Assert.Equal("FileSystemNotFound", ex.Code);
        Assert.Equal(404, ex.HttpStatus);
        Assert.Equal("req-1", ex.RequestId);
        Assert.Contains("does not exist", ex.Error.Message, StringComparison.Ordinal);
        Assert.Single(_handler.Requests);
    }

    [Fact]
    public async Task DescribeReplicationsAsync_ThreePagesWithNextToken_ParsesDestinations()
    {
        string Replication(string source, string destination, string status, string? last) =>
            $$"""
            {"SourceFileSystemId":"{{source}}","SourceFileSystemRegion":"us-east-1",
             "SourceFileSystemArn":"arn:aws:elasticfilesystem:us-east-1:111122223333:file-system/{{source}}",
             "OriginalSourceFileSystemArn":"arn:aws:elasticfilesystem:us-east-1:111122223333:file-system/{{source}}",
             "CreationTime":1641491892.0,"SourceFileSystemOwnerId":"111122223333",
             "Destinations":[{"Status":"{{status}}","FileSystemId":"{{destination}}","Region":"us-west-2"{{(last is null ? string.Empty : ",\"LastReplicatedTimestamp\":" + last)}}{{(status == "PAUSED" ? ",\"StatusMessage\":\"Region opted out\"" : string.Empty)}}}]}
            """;
        var pages = new[]
        {
            $$"""{"Replications":[{{Replication("fs-src1", "fs-dst1", "ENABLED", "1641491802.375")}}],"NextToken":"t1"}""",
            $$"""{"Replications":[{{Replication("fs-src2", "fs-dst2", "ENABLING", null)}}],"NextToken":"t2"}""",
            $$"""{"Replications":[{{Replication("fs-src3", "fs-dst3", "PAUSED", "1641491000")}}]}""",
        };
        foreach (var page in pages)
        {
            Model.AssertJsonResponseFixture("DescribeReplicationConfigurations", page);
            _handler.Respond(HttpStatusCode.OK, page);
        }

        var all = await _client.DescribeReplicationsAsync(Region, "fs-dst1", TestContext.Current.CancellationToken);

        Assert.Equal(3, all.Count);
        Assert.Equal(ReplicationStatus.Enabled, all[0].Destination.Status);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1641491802375), all[0].Destination.LastReplicatedTimestamp);
        Assert.Null(all[1].Destination.LastReplicatedTimestamp);
        Assert.Equal(ReplicationStatus.Enabling, all[1].Destination.Status);
        Assert.Equal(ReplicationStatus.Paused, all[2].Destination.Status);
        Assert.Equal("Region opted out", all[2].Destination.StatusMessage);
        Assert.Equal("fs-src1", all[0].SourceFileSystemId);
        Assert.All(_handler.Requests, r => Model.AssertRequest("DescribeReplicationConfigurations", r));
        Assert.Equal("/2015-02-01/file-systems/replication-configurations", _handler.Requests[0].Uri.AbsolutePath);
        Assert.Null(_handler.Requests[0].QueryValue("NextToken"));
        Assert.Equal("t1", _handler.Requests[1].QueryValue("NextToken"));
        Assert.Equal("t2", _handler.Requests[2].QueryValue("NextToken"));
        Assert.All(_handler.Requests, r => Assert.Null(r.QueryValue("Marker")));
    }

    [Fact]
    public async Task DescribeReplicationsAsync_ReplicationNotFound_IsAnEmptyAnswerNotAnError()
    {
        Assert.Contains("ReplicationNotFound", Model.Errors("DescribeReplicationConfigurations"));
        _handler.Respond((HttpStatusCode)Model.ErrorStatus("ReplicationNotFound"), """{"ErrorCode":"ReplicationNotFound","Message":"No replication configuration found"}""");

        var configurations = await _client.DescribeReplicationsAsync(Region, "fs-1", TestContext.Current.CancellationToken);

        Assert.Empty(configurations);
        Assert.Single(_handler.Requests);
    }

    [Fact]
    public async Task DeleteReplicationAsync_ReplicationNotFound_ThrowsNoReplication()
    {
        Assert.Contains("ReplicationNotFound", Model.Errors("DeleteReplicationConfiguration"));
        _handler.Respond((HttpStatusCode)Model.ErrorStatus("ReplicationNotFound"), """{"ErrorCode":"ReplicationNotFound","Message":"No replication configuration found"}""");

        var ex = await Assert.ThrowsAsync<NoReplicationException>(() => _client.DeleteReplicationAsync(Region, "fs-1", DeletionMode.AllConfigurations, TestContext.Current.CancellationToken));

        Assert.Equal(404, ex.HttpStatus);
    }

    [Theory]
    [InlineData(DeletionMode.AllConfigurations, "ALL_CONFIGURATIONS")]
    [InlineData(DeletionMode.LocalConfigurationOnly, "LOCAL_CONFIGURATION_ONLY")]
    public async Task DeleteReplicationAsync_Mode_SendsSourceIdInPathAndLowercaseDeletionMode(DeletionMode mode, string wire)
    {
        _handler.Respond(HttpStatusCode.NoContent);

        await _client.DeleteReplicationAsync(Region, "fs-source01", mode, TestContext.Current.CancellationToken);

        var request = Assert.Single(_handler.Requests);
        Model.AssertRequest("DeleteReplicationConfiguration", request);
        Assert.Equal("/2015-02-01/file-systems/fs-source01/replication-configuration", request.Uri.AbsolutePath);
        Assert.Equal(wire, request.QueryValue("deletionMode"));
        Assert.Null(request.QueryValue("DeletionMode"));
        Assert.Equal(string.Empty, request.Body);
        Assert.Contains(wire, LazyModel.Value.EnumValues("DeletionMode"));
    }

    [Fact]
    public async Task CreateReplicationAsync_ExistingDestination_SendsOneDestinationAndParsesEnabling()
    {
        var response = """
            {"SourceFileSystemId":"fs-b","SourceFileSystemRegion":"us-west-2","SourceFileSystemArn":"arn:aws:elasticfilesystem:us-west-2:1:file-system/fs-b",
             "OriginalSourceFileSystemArn":"arn:aws:elasticfilesystem:us-west-2:1:file-system/fs-b","CreationTime":1700000000.5,
             "Destinations":[{"Status":"ENABLING","FileSystemId":"fs-a","Region":"us-east-1"}]}
            """;
        Model.AssertJsonResponseFixture("CreateReplicationConfiguration", response);
        _handler.Respond(HttpStatusCode.OK, response);

        var created = await _client.CreateReplicationAsync(Region, "fs-b", new ReplicationTarget("us-east-1", FileSystemId: "fs-a"), TestContext.Current.CancellationToken);

        var request = Assert.Single(_handler.Requests);
        Model.AssertRequest("CreateReplicationConfiguration", request);
        Assert.Equal("/2015-02-01/file-systems/fs-b/replication-configuration", request.Uri.AbsolutePath);
        using var body = JsonDocument.Parse(request.Body);
        var destination = Assert.Single(body.RootElement.GetProperty("Destinations").EnumerateArray());
        Assert.Equal("us-east-1", destination.GetProperty("Region").GetString());
        Assert.Equal("fs-a", destination.GetProperty("FileSystemId").GetString());
        Assert.False(destination.TryGetProperty("KmsKeyId", out _));
        Assert.Equal("application/json", request.ContentType);
        Assert.Equal(ReplicationStatus.Enabling, created.Destination.Status);
    }

    [Fact]
    public async Task CreateReplicationAsync_NewFileSystem_OmitsFileSystemId()
    {
        _handler.Respond(HttpStatusCode.OK, """{"SourceFileSystemId":"fs-a","SourceFileSystemRegion":"us-east-1","SourceFileSystemArn":"a","OriginalSourceFileSystemArn":"a","CreationTime":1,"Destinations":[{"Status":"ENABLING","FileSystemId":"fs-new","Region":"us-west-2"}]}""");

        await _client.CreateReplicationAsync("us-east-1", "fs-a", new ReplicationTarget("us-west-2", AvailabilityZoneName: "us-west-2a"), TestContext.Current.CancellationToken);

        using var body = JsonDocument.Parse(_handler.Requests[0].Body);
        var destination = body.RootElement.GetProperty("Destinations")[0];
        Assert.False(destination.TryGetProperty("FileSystemId", out _));
        Assert.Equal("us-west-2a", destination.GetProperty("AvailabilityZoneName").GetString());
        Assert.Equal("https://elasticfilesystem.us-east-1.amazonaws.com/2015-02-01/file-systems/fs-a/replication-configuration", _handler.Requests[0].Uri.ToString());
    }

    [Fact]
    public async Task UpdateProtectionAsync_Disabled_PutsBodyAndParsesAnswer()
    {
        var response = """{"ReplicationOverwriteProtection":"DISABLED"}""";
        Model.AssertJsonResponseFixture("UpdateFileSystemProtection", response);
        _handler.Respond(HttpStatusCode.OK, response);

        var result = await _client.UpdateProtectionAsync(Region, "fs-a", OverwriteProtection.Disabled, TestContext.Current.CancellationToken);

        Assert.Equal(OverwriteProtection.Disabled, result);
        var request = Assert.Single(_handler.Requests);
        Model.AssertRequest("UpdateFileSystemProtection", request);
        Assert.Equal("/2015-02-01/file-systems/fs-a/protection", request.Uri.AbsolutePath);
        Assert.Equal("""{"ReplicationOverwriteProtection":"DISABLED"}""", request.Body);
    }

    [Fact]
    public async Task UpdateProtectionAsync_ReplicationAlreadyExists_ThrowsTypedConflictWithoutRetry()
    {
        Assert.Contains("ReplicationAlreadyExists", Model.Errors("UpdateFileSystemProtection"));
        _handler.Respond((HttpStatusCode)Model.ErrorStatus("ReplicationAlreadyExists"), """{"ErrorCode":"ReplicationAlreadyExists","Message":"ReplicationOverwriteProtection cannot be changed while the file system is a replication destination."}""");

        var ex = await Assert.ThrowsAsync<AlreadyAReplicaException>(() => _client.UpdateProtectionAsync(Region, "fs-a", OverwriteProtection.Disabled, TestContext.Current.CancellationToken));

        Assert.Equal(409, ex.HttpStatus);
        Assert.Single(_handler.Requests);
    }

    [Fact]
    public async Task TagAsync_Tags_PostsTagList()
    {
        _handler.Respond(HttpStatusCode.OK);

        await _client.TagAsync(Region, "fs-a", new Dictionary<string, string> { ["efsdr:role"] = "primary", ["efsdr:epoch"] = "3" }, TestContext.Current.CancellationToken);

        var request = Assert.Single(_handler.Requests);
        Model.AssertRequest("TagResource", request);
        Assert.Equal("/2015-02-01/resource-tags/fs-a", request.Uri.AbsolutePath);
        Assert.Equal("""{"Tags":[{"Key":"efsdr:role","Value":"primary"},{"Key":"efsdr:epoch","Value":"3"}]}""", request.Body);
    }

    [Fact]
    public async Task ListTagsAsync_ThreePages_MergesTags()
    {
        var pages = new[]
        {
            """{"Tags":[{"Key":"Name","Value":"DRTest-EFS1"}],"NextToken":"a"}""",
            """{"Tags":[{"Key":"efsdr:role","Value":"promoted"}],"NextToken":"b"}""",
            """{"Tags":[{"Key":"efsdr:epoch","Value":"2"}]}""",
        };
        foreach (var page in pages)
        {
            Model.AssertJsonResponseFixture("ListTagsForResource", page);
            _handler.Respond(HttpStatusCode.OK, page);
        }

        var tags = await _client.ListTagsAsync(Region, "fs-a", TestContext.Current.CancellationToken);

        Assert.Equal(3, tags.Count);
        Assert.Equal("promoted", tags["efsdr:role"]);
        Assert.All(_handler.Requests, r => Model.AssertRequest("ListTagsForResource", r));
        Assert.Equal("b", _handler.Requests[2].QueryValue("NextToken"));
    }

    [Fact]
    public async Task DescribeMountTargetsAsync_ThreePagesWithNextMarker_ReturnsAll()
    {
        string Target(string id, string az) =>
            $$"""{"OwnerId":"1","MountTargetId":"{{id}}","FileSystemId":"fs-a","SubnetId":"subnet-1","LifeCycleState":"available","IpAddress":"10.70.110.5","NetworkInterfaceId":"eni-1","AvailabilityZoneId":"usw2-az1","AvailabilityZoneName":"{{az}}","VpcId":"vpc-1"}""";
        var pages = new[]
        {
            $$"""{"MountTargets":[{{Target("fsmt-1", "us-west-2a")}}],"NextMarker":"x"}""",
            $$"""{"MountTargets":[{{Target("fsmt-2", "us-west-2b")}}],"NextMarker":"y"}""",
            $$"""{"MountTargets":[{{Target("fsmt-3", "us-west-2c")}}]}""",
        };
        foreach (var page in pages)
        {
            Model.AssertJsonResponseFixture("DescribeMountTargets", page);
            _handler.Respond(HttpStatusCode.OK, page);
        }

        var targets = await _client.DescribeMountTargetsAsync(Region, "fs-a", TestContext.Current.CancellationToken);

        Assert.Equal(["us-west-2a", "us-west-2b", "us-west-2c"], targets.Select(t => t.AvailabilityZoneName));
        Assert.True(targets[0].IsAvailable);
        Assert.All(_handler.Requests, r => Model.AssertRequest("DescribeMountTargets", r));
        Assert.Equal("y", _handler.Requests[2].QueryValue("Marker"));
        Assert.All(_handler.Requests, r => Assert.Null(r.QueryValue("NextToken")));
    }

    [Fact]
    public async Task CreateMountTargetAsync_Request_PostsBodyAndParsesCreating()
    {
        var response = """{"OwnerId":"1","MountTargetId":"fsmt-9","FileSystemId":"fs-a","SubnetId":"subnet-c2","LifeCycleState":"creating","IpAddress":"10.70.110.9","AvailabilityZoneName":"us-west-2a"}""";
        Model.AssertJsonResponseFixture("CreateMountTarget", response);
        _handler.Respond(HttpStatusCode.OK, response);

        var target = await _client.CreateMountTargetAsync(Region, new MountTargetRequest("fs-a", "subnet-c2", ["sg-1"]), TestContext.Current.CancellationToken);

        var request = Assert.Single(_handler.Requests);
        Model.AssertRequest("CreateMountTarget", request);
        Assert.Equal("""{"FileSystemId":"fs-a","SubnetId":"subnet-c2","SecurityGroups":["sg-1"]}""", request.Body);
        Assert.Equal("creating", target.LifeCycleState);
        Assert.False(target.IsAvailable);
    }

    [Fact]
    public async Task CreateFileSystemAsync_Request_PostsTokenEncryptionAndTagsAndParsesCreating()
    {
        var response = """
            {"OwnerId":"111122223333","CreationToken":"efsdr-fs-a-e3","FileSystemId":"fs-0000000000000009f","CreationTime":1641491892.0,
             "LifeCycleState":"creating","NumberOfMountTargets":0,"SizeInBytes":{"Value":0},"PerformanceMode":"generalPurpose",
             "Encrypted":true,"Tags":[{"Key":"efsdr:role","Value":"replica"}]}
            """;
        Model.AssertJsonResponseFixture("CreateFileSystem", response);
        _handler.Respond((HttpStatusCode)201, response);

        var fs = await _client.CreateFileSystemAsync(Region, new FileSystemToCreate("efsdr-fs-a-e3", true, new Dictionary<string, string> { ["efsdr:role"] = "replica" }), TestContext.Current.CancellationToken);

        var request = Assert.Single(_handler.Requests);
        Model.AssertRequest("CreateFileSystem", request);
        Assert.Equal("""{"CreationToken":"efsdr-fs-a-e3","PerformanceMode":"generalPurpose","Encrypted":true,"Tags":[{"Key":"efsdr:role","Value":"replica"}]}""", request.Body);
        Assert.Equal("fs-0000000000000009f", fs.FileSystemId);
        Assert.False(fs.IsAvailable);
        Assert.True(fs.Encrypted);
        Assert.Equal("efsdr-fs-a-e3", fs.CreationToken);
        Assert.Null(fs.Name);
    }

    [Fact]
    public async Task CreateFileSystemAsync_TokenAlreadyUsed_ReturnsTheFileSystemCreatedFirst()
    {
        Assert.Contains("FileSystemAlreadyExists", Model.Errors("CreateFileSystem"));
        _handler.Respond((HttpStatusCode)Model.ErrorStatus("FileSystemAlreadyExists"), """{"ErrorCode":"FileSystemAlreadyExists","Message":"exists","FileSystemId":"fs-0000000000000009f"}""");
        var page = Page(string.Empty, FileSystemJson("fs-0000000000000009f", null).Replace("tok-fs-0000000000000009f", "efsdr-fs-a-e3", StringComparison.Ordinal));
        Model.AssertJsonResponseFixture("DescribeFileSystems", page);
        _handler.Respond(HttpStatusCode.OK, page);

        var fs = await _client.CreateFileSystemAsync(Region, new FileSystemToCreate("efsdr-fs-a-e3", true, new Dictionary<string, string>()), TestContext.Current.CancellationToken);

        Assert.Equal("fs-0000000000000009f", fs.FileSystemId);
        Assert.Equal(2, _handler.Requests.Count);
        Model.AssertRequest("DescribeFileSystems", _handler.Requests[1]);
        Assert.Equal("efsdr-fs-a-e3", _handler.Requests[1].QueryValue("CreationToken"));
    }

    [Fact]
    public void ParseStatus_EveryModelReplicationStatus_IsKnown() =>
        Assert.All(Model.EnumValues("ReplicationStatus"), v => Assert.NotEqual(ReplicationStatus.Unknown, EfsClient.ParseStatus(v)));

    [Fact]
    public void ParseProtection_EveryModelValue_RoundTrips() =>
        Assert.All(Model.EnumValues("ReplicationOverwriteProtection"), v => Assert.Equal(v, EfsClient.ProtectionWire(EfsClient.ParseProtection(v))));
}
