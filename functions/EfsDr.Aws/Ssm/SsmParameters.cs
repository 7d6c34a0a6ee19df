using Amazon.SimpleSystemsManagement.Model;
using EfsDr.Aws.Sdk;
using EfsDr.Core.Ports;

namespace EfsDr.Aws.Ssm;

/// <summary>SSM Parameter Store through AWSSDK.SimpleSystemsManagement.</summary>
public sealed class SsmParameters(SdkClientFactory clients) : IParameters
{
    private readonly SdkClientFactory _clients = clients ?? throw new ArgumentNullException(nameof(clients));

    /// <inheritdoc />
    public async Task<string> GetAsync(string region, string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var client = _clients.Ssm(region);
        var response = await SdkErrors.InvokeAsync(
            Http.AwsServiceInfo.Ssm,
            "GetParameter",
            _clients.Time,
            token => client.GetParameterAsync(new GetParameterRequest { Name = name, WithDecryption = true }, token),
            cancellationToken).ConfigureAwait(false);
        return response.Parameter.Value;
    }
}
