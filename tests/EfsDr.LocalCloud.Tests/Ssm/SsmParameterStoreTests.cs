using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Locking;
using EfsDr.LocalCloud.Hosting;
using EfsDr.LocalCloud.Tests.Support;

namespace EfsDr.LocalCloud.Tests.Ssm;

/// <summary>Parameter Store's create-if-absent, overwrite, listing by path and delete, through EfsDr's adapters and the
/// raw SDK client, as botocore's SSM model and the naming rules say.</summary>
public sealed class SsmParameterStoreTests : SsmCloudTest
{
    private const string Path = "/efsdr/run-lock/DRTest-EFS1-0123456789ab";

    private IAmazonSimpleSystemsManagement Client => Adapters.Sdk.Ssm(Region);

    private static string Child(int generation) => $"{Path}/{generation:D10}";

    [Fact]
    public async Task TryCreateAsync_SameNameTwice_TrueThenFalseAndTheFirstValueStays()
    {
        var first = await Adapters.Parameters.TryCreateAsync(Region, Child(1), "first", Token);
        var second = await Adapters.Parameters.TryCreateAsync(Region, Child(1), "second", Token);

        Assert.Equal((true, false), (first, second));
        Assert.Equal("first", await Adapters.Parameters.GetAsync(Region, Child(1), Token));
    }

    [Fact]
    public async Task TryCreateAsync_ManyConcurrentCreatesOfOneName_ExactlyOneWins()
    {
        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Adapters.Parameters.TryCreateAsync(Region, Child(1), $"writer-{i}", Token)));

        var winner = Assert.Single(attempts.Select((created, i) => (created, i)), a => a.created).i;
        Assert.Equal($"writer-{winner}", await Adapters.Parameters.GetAsync(Region, Child(1), Token));
    }

    [Fact]
    public async Task PutParameter_ExistingWithoutOverwrite_ParameterAlreadyExistsHttp400()
    {
        await Adapters.Parameters.TryCreateAsync(Region, Child(1), "v1", Token);

        var ex = await Assert.ThrowsAsync<ParameterAlreadyExistsException>(() => Client.PutParameterAsync(new PutParameterRequest { Name = Child(1), Value = "v2", Type = ParameterType.String, Overwrite = false }, Token));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.Equal("ParameterAlreadyExists", ex.ErrorCode);
    }

    [Fact]
    public async Task PutAsync_ExistingName_OverwritesAndRaisesTheVersion()
    {
        await Adapters.Parameters.TryCreateAsync(Region, Child(1), "held", Token);
        var before = Cloud.Context.Clock.Now.AddSeconds(-1);

        await Adapters.Parameters.PutAsync(Region, Child(1), "released", Token);

        var after = Cloud.Context.Clock.Now.AddSeconds(1);
        var listed = Assert.Single(await Adapters.Parameters.ListByPathAsync(Region, Path, Token));
        Assert.Equal((Child(1), "released", 2L), (listed.Name, listed.Value, listed.Version));
        Assert.InRange(listed.LastModified!.Value, before, after);
    }

    [Fact]
    public async Task ListByPathAsync_ChildrenAcrossPages_ListsOneLevelOfThisRegionOnly()
    {
        for (var i = 1; i <= 23; i++)
        {
            await Adapters.Parameters.TryCreateAsync(Region, Child(i), $"v{i}", Token);
        }

        await Adapters.Parameters.PutAsync(Region, Path + "/deeper/0000000001", "grandchild", Token);
        await Adapters.Parameters.PutAsync(Region, Path + "x/0000000001", "sibling path", Token);
        await Adapters.Parameters.PutAsync("eu-west-1", Child(24), "other region", Token);

        var listed = await Adapters.Parameters.ListByPathAsync(Region, Path, Token);

        Assert.Equal(Enumerable.Range(1, 23).Select(Child), listed.Select(p => p.Name));
        Assert.Equal(Enumerable.Range(1, 23).Select(i => $"v{i}"), listed.Select(p => p.Value));
    }

    [Fact]
    public async Task GetParametersByPath_MaxResultsTwo_PagesWithTokensAndRecursiveReachesDeeper()
    {
        for (var i = 1; i <= 3; i++)
        {
            await Adapters.Parameters.PutAsync(Region, Child(i), $"v{i}", Token);
        }

        await Adapters.Parameters.PutAsync(Region, Path + "/deeper/x", "grandchild", Token);

        var first = await Client.GetParametersByPathAsync(new GetParametersByPathRequest { Path = Path, MaxResults = 2 }, Token);
        var second = await Client.GetParametersByPathAsync(new GetParametersByPathRequest { Path = Path, MaxResults = 2, NextToken = first.NextToken }, Token);
        var recursive = await Client.GetParametersByPathAsync(new GetParametersByPathRequest { Path = Path + "/", Recursive = true }, Token);

        Assert.Equal([Child(1), Child(2)], first.Parameters.Select(p => p.Name));
        Assert.False(string.IsNullOrEmpty(first.NextToken));
        Assert.Equal([Child(3)], second.Parameters.Select(p => p.Name));
        Assert.Null(second.NextToken);
        Assert.Equal([Child(1), Child(2), Child(3), Path + "/deeper/x"], recursive.Parameters.Select(p => p.Name).Order(StringComparer.Ordinal));
        var one = first.Parameters[0];
        Assert.Equal((ParameterType.String, "v1", 1L, $"arn:aws:ssm:{Region}:000000000000:parameter{Child(1)}", "text"), (one.Type, one.Value, one.Version!.Value, one.ARN, one.DataType));
    }

    [Fact]
    public async Task GetParametersByPath_TypeFilter_ListsOnlyThatType()
    {
        await Client.PutParameterAsync(new PutParameterRequest { Name = Child(1), Value = "a", Type = ParameterType.String }, Token);
        await Client.PutParameterAsync(new PutParameterRequest { Name = Child(2), Value = "a,b", Type = ParameterType.StringList }, Token);

        var lists = await Client.GetParametersByPathAsync(
            new GetParametersByPathRequest { Path = Path, ParameterFilters = [new ParameterStringFilter { Key = "Type", Option = "Equals", Values = ["StringList"] }] },
            Token);

        Assert.Equal([Child(2)], lists.Parameters.Select(p => p.Name));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    public async Task GetParametersByPath_MaxResultsOutsideOneToTen_ValidationException(int maxResults)
    {
        var ex = await Assert.ThrowsAnyAsync<AmazonSimpleSystemsManagementException>(() => Client.GetParametersByPathAsync(new GetParametersByPathRequest { Path = Path, MaxResults = maxResults }, Token));

        Assert.Equal("ValidationException", ex.ErrorCode);
        Assert.Contains("maxResults", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetParametersByPath_TokenNotIssuedByTheService_InvalidNextToken() =>
        await Assert.ThrowsAsync<InvalidNextTokenException>(() => Client.GetParametersByPathAsync(new GetParametersByPathRequest { Path = Path, NextToken = "bm90LW91cnM=" }, Token));

    [Theory]
    [InlineData("efsdr/run-lock")]
    [InlineData("/efsdr/run lock")]
    public async Task GetParametersByPath_PathNotFullyQualifiedOrWithSpace_ValidationException(string path)
    {
        var ex = await Assert.ThrowsAnyAsync<AmazonSimpleSystemsManagementException>(() => Client.GetParametersByPathAsync(new GetParametersByPathRequest { Path = path }, Token));

        Assert.Equal("ValidationException", ex.ErrorCode);
    }

    [Fact]
    public async Task DeleteAsync_ExistingThenMissing_DeletesThenCountsAsDone()
    {
        await Adapters.Parameters.TryCreateAsync(Region, Child(1), "x", Token);

        await Adapters.Parameters.DeleteAsync(Region, Child(1), Token);
        await Adapters.Parameters.DeleteAsync(Region, Child(1), Token);

        Assert.Empty(await Adapters.Parameters.ListByPathAsync(Region, Path, Token));
        Assert.True(await Adapters.Parameters.TryCreateAsync(Region, Child(1), "again", Token));
    }

    [Fact]
    public async Task DeleteParameter_Missing_ParameterNotFoundHttp400()
    {
        var ex = await Assert.ThrowsAsync<ParameterNotFoundException>(() => Client.DeleteParameterAsync(new DeleteParameterRequest { Name = Child(9) }, Token));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, ex.StatusCode);
    }

    [Theory]
    [InlineData("/efsdr/run lock/x", "ValidationException")]
    [InlineData("/efsdr/run-lock/a:b", "ValidationException")]
    [InlineData("efsdr/run-lock/x", "ValidationException")]
    [InlineData("/aws/efsdr", "ValidationException")]
    [InlineData("SSM-efsdr", "ValidationException")]
    [InlineData("/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16", "HierarchyLevelLimitExceededException")]
    public async Task PutParameter_NameParameterStoreRefuses_RefusedWithTheModelsError(string name, string code)
    {
        var ex = await Assert.ThrowsAnyAsync<AmazonSimpleSystemsManagementException>(() => Client.PutParameterAsync(new PutParameterRequest { Name = name, Value = "x", Type = ParameterType.String }, Token));

        Assert.Equal(code, ex.ErrorCode);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, ex.StatusCode);
    }

    [Theory]
    [InlineData("DRTest-EFS1")]
    [InlineData("media share: prod+dr=1 @tokyo")]
    [InlineData("データ/../x")]
    public async Task TryCreateAsync_RunLockNameOfAnyFileSystemName_Accepted(string fileSystemName)
    {
        var name = RunLockService.NameOf(fileSystemName, 1);

        Assert.True(await Adapters.Parameters.TryCreateAsync(Region, name, "x", Token));

        Assert.Equal([name], (await Adapters.Parameters.ListByPathAsync(Region, RunLockService.PathOf(fileSystemName), Token)).Select(p => p.Name));
    }

    [Fact]
    public async Task ListByPathAsync_RegionUnreachable_ThrowsRegionUnreachable()
    {
        Cloud.Faults.Set("ssm", Region, new ServiceFaults { Unreachable = true });

        await Assert.ThrowsAsync<RegionUnreachableException>(() => Adapters.Parameters.ListByPathAsync(Region, Path, Token));
    }
}
