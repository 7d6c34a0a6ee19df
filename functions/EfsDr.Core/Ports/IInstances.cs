using EfsDr.Core.Model;

namespace EfsDr.Core.Ports;

/// <summary>EC2 instances.</summary>
public interface IInstances
{
    /// <summary>One instance. Throws <see cref="Exceptions.NodeNotFoundException"/> when it does not exist.</summary>
    Task<InstanceInfo> DescribeAsync(string region, string instanceId, CancellationToken cancellationToken);
}
