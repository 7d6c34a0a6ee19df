using EfsDr.Core.Model;

namespace EfsDr.Core.Ports;

/// <summary>
/// Named text parameters (SSM Parameter Store): the cluster configuration, and the run locks. Names are
/// hierarchical (<c>/a/b/c</c>); a name is unique within a region.
/// </summary>
public interface IParameters
{
    /// <summary>The value of parameter <paramref name="name"/> in <paramref name="region"/>.</summary>
    Task<string> GetAsync(string region, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Creates <paramref name="name"/> with <paramref name="value"/> only if no parameter of that name exists: the
    /// store's atomic create-if-absent. True when this call created it; false when it was not created because the name
    /// exists already (or another writer was writing that very name at that moment): the existing value is left
    /// unchanged, and the caller re-reads to see who won.
    /// </summary>
    Task<bool> TryCreateAsync(string region, string name, string value, CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="value"/> to <paramref name="name"/>, creating it or overwriting its value.</summary>
    Task PutAsync(string region, string name, string value, CancellationToken cancellationToken);

    /// <summary>
    /// The parameters directly under <paramref name="path"/> (one level down, not recursive), in no particular order.
    /// The listing is bounded: when more than the implementation's maximum exist it throws
    /// <see cref="Exceptions.TooManyParametersException"/> rather than read on.
    /// </summary>
    Task<IReadOnlyList<StoredParameter>> ListByPathAsync(string region, string path, CancellationToken cancellationToken);

    /// <summary>Deletes <paramref name="name"/>; a parameter that does not exist counts as deleted.</summary>
    Task DeleteAsync(string region, string name, CancellationToken cancellationToken);
}
