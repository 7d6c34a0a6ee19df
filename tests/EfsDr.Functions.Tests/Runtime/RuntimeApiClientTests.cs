using EfsDr.Functions.Runtime;

namespace EfsDr.Functions.Tests.Runtime;

[Collection(nameof(RuntimeEnvironment))]
public sealed class RuntimeApiClientTests
{
    [Fact]
    public void FromEnvironment_VariableSet_TargetsVersionedApiOnThatHost()
    {
        // Arrange
        var saved = Environment.GetEnvironmentVariable(RuntimeApiClient.RuntimeApiVariable);
        Environment.SetEnvironmentVariable(RuntimeApiClient.RuntimeApiVariable, "127.0.0.1:9001");
        try
        {
            // Act
            using var client = RuntimeApiClient.FromEnvironment();

            // Assert
            Assert.Equal(new Uri("http://127.0.0.1:9001/2018-06-01/"), client.BaseAddress);
        }
        finally
        {
            Environment.SetEnvironmentVariable(RuntimeApiClient.RuntimeApiVariable, saved);
        }
    }

    [Fact]
    public void FromEnvironment_VariableMissing_ThrowsNamingTheVariable()
    {
        // Arrange
        var saved = Environment.GetEnvironmentVariable(RuntimeApiClient.RuntimeApiVariable);
        Environment.SetEnvironmentVariable(RuntimeApiClient.RuntimeApiVariable, null);
        try
        {
            // Act
            var error = Assert.Throws<InvalidOperationException>(() => RuntimeApiClient.FromEnvironment());

            // Assert
            Assert.Contains(RuntimeApiClient.RuntimeApiVariable, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(RuntimeApiClient.RuntimeApiVariable, saved);
        }
    }
}
