namespace EfsDr.Core.Exceptions;

/// <summary>A parameter listing stopped at its bound: more parameters exist under the path than a listing reads.</summary>
public sealed class TooManyParametersException(string region, string path, int limit)
    : EfsDrException($"More than {limit} parameters under {path} in {region}; the listing stopped there. Delete the stale ones under that path.")
{
    /// <summary>The region.</summary>
    public string Region { get; } = region;

    /// <summary>The path that was listed.</summary>
    public string Path { get; } = path;
}
