using System.Reflection;
using EfsDr.Core.Exceptions;

namespace EfsDr.Core.Tests.Exceptions;

/// <summary>The exception types are the workflow's error names: they must be unique, suffixed and final.</summary>
public sealed class ExceptionContractTests
{
    private static readonly Type[] DomainExceptions =
        [.. typeof(EfsDrException).Assembly.GetTypes().Where(t => typeof(EfsDrException).IsAssignableFrom(t))];

    [Fact]
    public void DomainExceptions_Names_EndWithExceptionAndAreUnique()
    {
        Assert.NotEmpty(DomainExceptions);
        Assert.All(DomainExceptions, t => Assert.EndsWith("Exception", t.Name, StringComparison.Ordinal));
        Assert.Equal(DomainExceptions.Length, DomainExceptions.Select(t => t.Name).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void DomainExceptions_ConcreteTypes_AreSealedUnlessTheyHaveSubtypes()
    {
        foreach (var type in DomainExceptions.Where(t => !t.IsAbstract))
        {
            var hasSubtypes = DomainExceptions.Any(t => t.BaseType == type);
            Assert.True(type.IsSealed || hasSubtypes, $"{type.Name} is neither sealed nor a base of another exception");
        }
    }

    [Fact]
    public void DomainExceptions_AllPublic_SoHandlersAndTestsCanNameThem() =>
        Assert.All(DomainExceptions, t => Assert.True(t.IsPublic, t.Name));

    [Theory]
    [InlineData(typeof(FileSystemNotFoundException))]
    [InlineData(typeof(NoReplicationException))]
    [InlineData(typeof(NodeCommandNotFoundException))]
    [InlineData(typeof(DnsZoneNotFoundException))]
    [InlineData(typeof(RunNotFoundException))]
    public void NotFoundTypes_AreDistinctSubtypesOfCloudResourceNotFound(Type type)
    {
        Assert.True(type.IsSubclassOf(typeof(CloudResourceNotFoundException)));
        Assert.Single(DomainExceptions, t => t == type);
    }

    [Fact]
    public void CloudCallFailedException_Message_CarriesServiceCodeStatusAndRequestId()
    {
        var ex = new NoReplicationException(new CloudError("efs", "ReplicationNotFound", "none here", 404, "req-7"));

        Assert.Equal("efs ReplicationNotFound (HTTP 404, request req-7): none here", ex.Message);
        Assert.Equal("ReplicationNotFound", ex.Code);
        Assert.Equal(404, ex.HttpStatus);
        Assert.Equal("req-7", ex.RequestId);
    }

    [Fact]
    public void DnsChangeRejectedException_Messages_AreAllKeptAndJoined()
    {
        var ex = new DnsChangeRejectedException(new CloudError("route53", "InvalidChangeBatch", "first", 400, null), ["first", "second"]);

        Assert.Equal(["first", "second"], ex.Messages);
        Assert.EndsWith("first; second", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CoreAssembly_ReferencesNoAwsAssembly()
    {
        var references = typeof(EfsDrException).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? string.Empty);

        Assert.DoesNotContain(references, name => name.StartsWith("AWSSDK", StringComparison.Ordinal) || name.StartsWith("Amazon", StringComparison.Ordinal) || name.StartsWith("EfsDr.Aws", StringComparison.Ordinal));
    }
}
