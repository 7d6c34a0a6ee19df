using System.Net;
using System.Text.Json;
using EfsDr.Aws.Sdk;
using EfsDr.Aws.Ssm;
using EfsDr.Aws.Tests.Support;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;

namespace EfsDr.Aws.Tests.Ssm;

/// <summary>Parameter Store on the wire, through AWSSDK.SimpleSystemsManagement over a recording transport: requests
/// checked against botocore's SSM model, documented responses parsed, SSM's error codes turned into the port's answers.</summary>
public sealed class SsmParametersWireTests : IDisposable
{
    private const string Region = "us-west-2";
    private const string Path = "/efsdr/run-lock/DRTest-EFS1-0123456789ab";
    private const string Name = Path + "/0000000001";
    private const string Value = """{"executionArn":"arn:aws:states:us-west-2:111122223333:execution:efsdr-failover:run-1","released":false}""";
    private const string JsonType = "application/x-amz-json-1.1";
    private static readonly Lazy<BotocoreModel> LazyModel = new(() => BotocoreModel.Load("ssm"));
    private readonly RecordingHandler _handler = new();
    private readonly SdkClientFactory _clients;
    private readonly SsmParameters _parameters;

    public SsmParametersWireTests()
    {
        _clients = TestSdkClients.Create(_handler);
        _parameters = new SsmParameters(_clients);
    }

    private static BotocoreModel Model => LazyModel.Value;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _clients.Dispose();

    private RecordingHandler RespondJson(string operation, string body)
    {
        Model.AssertJsonResponseFixture(operation, body);
        return _handler.Respond(HttpStatusCode.OK, body, JsonType);
    }

    private RecordingHandler RespondError(string operation, string code, string message, string requestId = "req-ps-1")
    {
        Assert.Contains(code, Model.Errors(operation));
        return _handler.Respond(
            HttpStatusCode.BadRequest,
            JsonSerializer.Serialize(new Dictionary<string, string> { ["__type"] = code, ["message"] = message }),
            JsonType,
            new Dictionary<string, string> { ["x-amzn-RequestId"] = requestId });
    }

    private static JsonElement Body(RecordedRequest request) => JsonDocument.Parse(request.Body).RootElement;

    private static string Page(int count, int from, string? nextToken) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["Parameters"] = Enumerable.Range(from, count).Select(i => new Dictionary<string, object>
            {
                ["Name"] = $"{Path}/{i:D10}",
                ["Type"] = "String",
                ["Value"] = $"value-{i}",
                ["Version"] = i,
                ["LastModifiedDate"] = 1_795_000_000.25 + i,
                ["ARN"] = $"arn:aws:ssm:{Region}:111122223333:parameter{Path}/{i:D10}",
                ["DataType"] = "text",
            }).ToList(),
            ["NextToken"] = nextToken,
        }.Where(p => p.Value is not null).ToDictionary());

    [Fact]
    public async Task TryCreateAsync_NewName_SendsPutParameterWithOverwriteFalseAndTypeStringAndReturnsTrue()
    {
        RespondJson("PutParameter", """{"Version":1,"Tier":"Standard"}""");

        var created = await _parameters.TryCreateAsync(Region, Name, Value, Token);

        Assert.True(created);
        var request = Assert.Single(_handler.Requests);
        Model.AssertRequest("PutParameter", request);
        Assert.Equal("AmazonSSM.PutParameter", request.Header("X-Amz-Target"));
        Assert.Equal("https://ssm.us-west-2.amazonaws.com/", request.Uri.AbsoluteUri);
        var body = Body(request);
        Assert.Equal(Name, body.GetProperty("Name").GetString());
        Assert.Equal(Value, body.GetProperty("Value").GetString());
        Assert.Equal("String", body.GetProperty("Type").GetString());
        Assert.Contains("String", Model.EnumValues("ParameterType"));
        Assert.Equal(JsonValueKind.False, body.GetProperty("Overwrite").ValueKind);
        Assert.False(body.TryGetProperty("Tier", out _));
        Assert.False(body.TryGetProperty("Tags", out _));
    }

    [Fact]
    public async Task TryCreateAsync_ParameterAlreadyExists_ReturnsFalseWithoutRetrying()
    {
        RespondError("PutParameter", "ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.");

        var created = await _parameters.TryCreateAsync(Region, Name, Value, Token);

        Assert.False(created);
        Assert.Single(_handler.Requests);
    }

    [Fact]
    public async Task TryCreateAsync_TooManyUpdates_ReturnsFalseWithoutRetrying()
    {
        RespondError("PutParameter", "TooManyUpdates", "There are concurrent updates for a resource that supports one update at a time.");

        var created = await _parameters.TryCreateAsync(Region, Name, Value, Token);

        Assert.False(created);
        Assert.Single(_handler.Requests);
    }

    [Fact]
    public async Task TryCreateAsync_ParameterLimitExceeded_ThrowsServiceErrorWithTheCode()
    {
        RespondError("PutParameter", "ParameterLimitExceeded", "You have exceeded the number of parameters for this account.", "req-limit-1");

        var ex = await Assert.ThrowsAsync<CloudCallFailedException>(() => _parameters.TryCreateAsync(Region, Name, Value, Token));

        Assert.Equal(new CloudError("ssm", "ParameterLimitExceeded", "You have exceeded the number of parameters for this account.", 400, "req-limit-1"), ex.Error);
    }

    [Fact]
    public async Task PutAsync_ExistingName_SendsOverwriteTrue()
    {
        RespondJson("PutParameter", """{"Version":2,"Tier":"Standard"}""");

        await _parameters.PutAsync(Region, Name, Value, Token);

        var request = Assert.Single(_handler.Requests);
        Model.AssertRequest("PutParameter", request);
        var body = Body(request);
        Assert.Equal(JsonValueKind.True, body.GetProperty("Overwrite").ValueKind);
        Assert.Equal("String", body.GetProperty("Type").GetString());
        Assert.Equal((Name, Value), (body.GetProperty("Name").GetString(), body.GetProperty("Value").GetString()));
    }

    [Fact]
    public async Task PutAsync_TooManyUpdates_ThrowsTransient()
    {
        RespondError("PutParameter", "TooManyUpdates", "There are concurrent updates for a resource that supports one update at a time.");

        var ex = await Assert.ThrowsAsync<CloudBusyException>(() => _parameters.PutAsync(Region, Name, Value, Token));

        Assert.Equal("TooManyUpdates", ex.Code);
    }

    [Fact]
    public async Task ListByPathAsync_OnePage_SendsNonRecursiveRequestAndMapsEveryField()
    {
        RespondJson("GetParametersByPath", Page(2, 1, null));

        var listed = await _parameters.ListByPathAsync(Region, Path, Token);

        var request = Assert.Single(_handler.Requests);
        Model.AssertRequest("GetParametersByPath", request);
        Assert.Equal("AmazonSSM.GetParametersByPath", request.Header("X-Amz-Target"));
        var body = Body(request);
        Assert.Equal(Path, body.GetProperty("Path").GetString());
        Assert.Equal(JsonValueKind.False, body.GetProperty("Recursive").ValueKind);
        Assert.Equal(JsonValueKind.False, body.GetProperty("WithDecryption").ValueKind);
        Assert.Equal(SsmParameters.PageSize, body.GetProperty("MaxResults").GetInt32());
        Assert.False(body.TryGetProperty("NextToken", out _));
        Assert.False(body.TryGetProperty("ParameterFilters", out _));
        Assert.Equal(
            [
                new StoredParameter($"{Path}/0000000001", "value-1", 1, DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_001_250)),
                new StoredParameter($"{Path}/0000000002", "value-2", 2, DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_002_250)),
            ],
            listed);
    }

    [Fact]
    public void PageSize_IsTheModelsLargestMaxResults()
    {
        Assert.Equal(SsmParameters.PageSize, Model.ShapeBound("GetParametersByPathMaxResults", "max"));
    }

    [Fact]
    public async Task ListByPathAsync_NextTokensIncludingAnEmptyPage_FollowsThemAll()
    {
        RespondJson("GetParametersByPath", Page(10, 1, "token-2"));
        RespondJson("GetParametersByPath", """{"Parameters":[],"NextToken":"token-3"}""");
        RespondJson("GetParametersByPath", Page(1, 11, null));

        var listed = await _parameters.ListByPathAsync(Region, Path, Token);

        Assert.Equal(Enumerable.Range(1, 11).Select(i => $"{Path}/{i:D10}"), listed.Select(p => p.Name));
        Assert.Equal(3, _handler.Requests.Count);
        Assert.Equal([null, "token-2", "token-3"], _handler.Requests.Select(r => Body(r).TryGetProperty("NextToken", out var t) ? t.GetString() : null));
        Assert.All(_handler.Requests, r => Assert.Equal(Path, Body(r).GetProperty("Path").GetString()));
    }

    [Fact]
    public async Task ListByPathAsync_MorePagesThanTheBound_ThrowsTooManyParameters()
    {
        using var clients = TestSdkClients.Create(_handler);
        var parameters = new SsmParameters(clients) { MaxPages = 3 };
        for (var i = 0; i < 3; i++)
        {
            RespondJson("GetParametersByPath", Page(10, (i * 10) + 1, $"token-{i + 2}"));
        }

        var ex = await Assert.ThrowsAsync<TooManyParametersException>(() => parameters.ListByPathAsync(Region, Path, Token));

        Assert.Equal(3, _handler.Requests.Count);
        Assert.Equal((Region, Path), (ex.Region, ex.Path));
        Assert.Contains("More than 30 parameters", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListByPathAsync_ServiceRepeatsNextToken_ThrowsRunawayListingAfterTwoRequests()
    {
        RespondJson("GetParametersByPath", Page(1, 1, "token-2"));
        RespondJson("GetParametersByPath", Page(1, 2, "token-2"));

        var ex = await Assert.ThrowsAsync<RunawayListingException>(() => _parameters.ListByPathAsync(Region, Path, Token));

        Assert.Equal(2, _handler.Requests.Count);
        Assert.Equal(EfsDr.Core.Paging.PageMarkers.RepeatedMarkerCode, ex.Code);
    }

    [Fact]
    public async Task ListByPathAsync_NoParametersMember_ReturnsEmpty()
    {
        RespondJson("GetParametersByPath", "{}");

        Assert.Empty(await _parameters.ListByPathAsync(Region, Path, Token));
    }

    [Fact]
    public async Task DeleteAsync_ExistingName_SendsDeleteParameter()
    {
        RespondJson("DeleteParameter", "{}");

        await _parameters.DeleteAsync(Region, Name, Token);

        var request = Assert.Single(_handler.Requests);
        Model.AssertRequest("DeleteParameter", request);
        Assert.Equal("AmazonSSM.DeleteParameter", request.Header("X-Amz-Target"));
        Assert.Equal(Name, Body(request).GetProperty("Name").GetString());
    }

    [Fact]
    public async Task DeleteAsync_ParameterNotFound_CountsAsDeleted()
    {
        RespondError("DeleteParameter", "ParameterNotFound", $"Parameter {Name} not found.");

        await _parameters.DeleteAsync(Region, Name, Token);

        Assert.Single(_handler.Requests);
    }

    [Fact]
    public async Task GetAsync_ExistingName_SendsWithDecryptionAndReturnsTheValue()
    {
        RespondJson("GetParameter", """{"Parameter":{"Name":"/efsdr/config","Type":"String","Value":"{\"a\":1}","Version":3,"DataType":"text"}}""");

        var value = await _parameters.GetAsync(Region, "/efsdr/config", Token);

        Assert.Equal("""{"a":1}""", value);
        var request = Assert.Single(_handler.Requests);
        Model.AssertRequest("GetParameter", request);
        Assert.Equal(JsonValueKind.True, Body(request).GetProperty("WithDecryption").ValueKind);
    }

    [Fact]
    public async Task ListByPathAsync_ConnectionRefusedOnEveryAttempt_ThrowsUnreachable()
    {
        for (var i = 0; i < 3; i++)
        {
            _handler.Fail(new HttpRequestException("Connection refused (ssm.us-west-2.amazonaws.com:443)", new System.Net.Sockets.SocketException(111)));
        }

        var ex = await Assert.ThrowsAsync<RegionUnreachableException>(() => _parameters.ListByPathAsync(Region, Path, Token));

        Assert.StartsWith("GetParametersByPath: ", ex.Error.Message, StringComparison.Ordinal);
    }
}
