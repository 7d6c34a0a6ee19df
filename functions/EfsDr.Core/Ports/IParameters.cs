namespace EfsDr.Core.Ports;

/// <summary>Named text parameters (SSM Parameter Store), where the cluster configuration is kept.</summary>
public interface IParameters
{
    /// <summary>The value of parameter <paramref name="name"/> in <paramref name="region"/>.</summary>
    Task<string> GetAsync(string region, string name, CancellationToken cancellationToken);
}
