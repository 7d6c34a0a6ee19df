using EfsDr.Aws.Sdk;
using EfsDr.Aws.Ssm;
using EfsDr.Aws.Tests.Support;
using EfsDr.Core.Exceptions;

namespace EfsDr.Aws.Tests.Ssm;

/// <summary>SsmParameters against moto's Parameter Store: create-if-absent, overwrite, paged non-recursive listing and
/// delete, with each test under a path of its own.</summary>
[Trait("Category", "Contract")]
public sealed class SsmParametersContractTests(MotoServerFixture moto) : IDisposable
{
    private const string Region = "us-west-2";
    private readonly Lazy<SdkClientFactory> _clients = new(() => TestSdkClients.Moto(moto));
    private readonly string _path = "/efsdr/contract/" + Guid.NewGuid().ToString("N");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private SsmParameters Parameters => new(_clients.Value);

    public void Dispose()
    {
        if (_clients.IsValueCreated)
        {
            _clients.Value.Dispose();
        }
    }

    [Fact]
    public async Task TryCreateAsync_SameNameTwice_TrueThenFalseAndTheFirstValueStays()
    {
        var name = _path + "/0000000001";

        var first = await Parameters.TryCreateAsync(Region, name, "first", Token);
        var second = await Parameters.TryCreateAsync(Region, name, "second", Token);

        Assert.Equal((true, false), (first, second));
        Assert.Equal("first", await Parameters.GetAsync(Region, name, Token));
    }

    [Fact]
    public async Task PutAsync_ExistingAndNewName_OverwritesAndCreates()
    {
        var existing = _path + "/a";
        await Parameters.TryCreateAsync(Region, existing, "v1", Token);

        await Parameters.PutAsync(Region, existing, "v2", Token);
        await Parameters.PutAsync(Region, _path + "/b", "new", Token);

        var listed = await Parameters.ListByPathAsync(Region, _path, Token);
        Assert.Equal([("a", "v2", 2L), ("b", "new", 1L)], listed.OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => (p.Name[(_path.Length + 1)..], p.Value, p.Version)));
        Assert.All(listed, p => Assert.NotNull(p.LastModified));
    }

    [Fact]
    public async Task ListByPathAsync_TwelveChildrenAndADeeperOne_ListsOnlyTheChildrenAcrossPages()
    {
        for (var i = 1; i <= 12; i++)
        {
            Assert.True(await Parameters.TryCreateAsync(Region, $"{_path}/{i:D10}", $"value-{i}", Token));
        }

        await Parameters.PutAsync(Region, _path + "/deeper/0000000001", "not a child", Token);
        await Parameters.PutAsync(Region, _path + "x/0000000001", "a sibling path", Token);

        var listed = await Parameters.ListByPathAsync(Region, _path, Token);

        Assert.Equal(Enumerable.Range(1, 12).Select(i => $"{_path}/{i:D10}"), listed.Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ListByPathAsync_NothingUnderThePath_ReturnsEmpty() =>
        Assert.Empty(await Parameters.ListByPathAsync(Region, _path, Token));

    [Fact]
    public async Task DeleteAsync_ExistingThenAgain_DeletesAndTheSecondIsDone()
    {
        var name = _path + "/0000000001";
        await Parameters.TryCreateAsync(Region, name, "x", Token);

        await Parameters.DeleteAsync(Region, name, Token);
        await Parameters.DeleteAsync(Region, name, Token);

        Assert.Empty(await Parameters.ListByPathAsync(Region, _path, Token));
        var ex = await Assert.ThrowsAsync<StoredParameterNotFoundException>(() => Parameters.GetAsync(Region, name, Token));
        Assert.Equal("ParameterNotFound", ex.Code);
    }
}
