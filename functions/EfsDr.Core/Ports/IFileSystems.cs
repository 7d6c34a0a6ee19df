using EfsDr.Core.Model;

namespace EfsDr.Core.Ports;

/// <summary>EFS file systems, tags and mount targets in one region at a time.</summary>
public interface IFileSystems
{
    /// <summary>Every file system in <paramref name="region"/> whose Name tag is exactly <paramref name="name"/>
    /// (ordinal, case-sensitive, no prefix match), across all pages.</summary>
    Task<IReadOnlyList<FileSystem>> FindByNameAsync(string region, string name, CancellationToken cancellationToken);

    /// <summary>One file system by id. Throws <see cref="Exceptions.FileSystemNotFoundException"/> when it does not exist.</summary>
    Task<FileSystem> DescribeAsync(string region, string fileSystemId, CancellationToken cancellationToken);

    /// <summary>Sets replication overwrite protection; returns the value EFS reports afterwards.</summary>
    Task<OverwriteProtection> UpdateProtectionAsync(string region, string fileSystemId, OverwriteProtection protection, CancellationToken cancellationToken);

    /// <summary>Adds or overwrites tags on a file system.</summary>
    Task TagAsync(string region, string fileSystemId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken);

    /// <summary>All tags of a file system, across all pages.</summary>
    Task<IReadOnlyDictionary<string, string>> ListTagsAsync(string region, string fileSystemId, CancellationToken cancellationToken);

    /// <summary>All mount targets of a file system, across all pages.</summary>
    Task<IReadOnlyList<MountTarget>> DescribeMountTargetsAsync(string region, string fileSystemId, CancellationToken cancellationToken);

    /// <summary>Creates a general-purpose file system (it starts in <c>creating</c>), or returns the one an earlier call
    /// created with the same creation token: safe to call again.</summary>
    Task<FileSystem> CreateFileSystemAsync(string region, FileSystemToCreate request, CancellationToken cancellationToken);

    /// <summary>Creates a mount target (it starts in <c>creating</c>).</summary>
    Task<MountTarget> CreateMountTargetAsync(string region, MountTargetRequest request, CancellationToken cancellationToken);
}
