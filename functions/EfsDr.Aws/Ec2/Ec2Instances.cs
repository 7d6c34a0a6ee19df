using Amazon.EC2.Model;
using EfsDr.Aws.Http;
using EfsDr.Aws.Sdk;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.Core.Ports;

namespace EfsDr.Aws.Ec2;

/// <summary>EC2 instances through AWSSDK.EC2.</summary>
/// <param name="clients">The SDK clients, one per region.</param>
public sealed class Ec2Instances(SdkClientFactory clients) : IInstances
{
    private readonly SdkClientFactory _clients = clients ?? throw new ArgumentNullException(nameof(clients));

    /// <inheritdoc />
    /// <exception cref="NodeNotFoundException">EC2 says InvalidInstanceID.NotFound or .Malformed, or returns no such instance.</exception>
    public Task<InstanceInfo> DescribeAsync(string region, string instanceId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        var request = new DescribeInstancesRequest { InstanceIds = [instanceId] };
        return SdkErrors.InvokeAsync(
            AwsServiceInfo.Ec2,
            "DescribeInstances",
            _clients.Time,
            async token =>
            {
                var response = await _clients.Ec2(region).DescribeInstancesAsync(request, token).ConfigureAwait(false);
                var instance = (response.Reservations ?? [])
                    .SelectMany(r => r.Instances ?? [])
                    .FirstOrDefault(i => string.Equals(i.InstanceId, instanceId, StringComparison.Ordinal));
                if (instance is null)
                {
                    throw new NodeNotFoundException(new CloudError(
                        AwsServiceInfo.Ec2.ErrorService,
                        "InvalidInstanceID.NotFound",
                        $"DescribeInstances returned no instance '{instanceId}'",
                        (int)response.HttpStatusCode,
                        response.ResponseMetadata?.RequestId));
                }

                return new InstanceInfo(
                    instance.InstanceId,
                    string.IsNullOrEmpty(instance.PrivateIpAddress) ? null : instance.PrivateIpAddress,
                    instance.Placement?.AvailabilityZone ?? string.Empty,
                    instance.State?.Name?.Value ?? string.Empty,
                    string.IsNullOrEmpty(instance.SubnetId) ? null : instance.SubnetId);
            },
            cancellationToken);
    }
}
