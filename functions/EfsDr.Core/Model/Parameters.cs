namespace EfsDr.Core.Model;

/// <summary>A named text parameter as a listing reports it.</summary>
/// <param name="Name">The full name, e.g. <c>/efsdr/run-lock/key/0000000001</c>.</param>
/// <param name="Value">The value.</param>
/// <param name="Version">The version the store gave the value (1 when created, +1 per overwrite); 0 when unknown.</param>
/// <param name="LastModified">When the value was written, when the store says.</param>
public sealed record StoredParameter(string Name, string Value, long Version, DateTimeOffset? LastModified);
