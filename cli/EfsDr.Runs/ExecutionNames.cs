using System.Security.Cryptography;
using System.Text;

namespace EfsDr.Runs;

/// <summary>
/// Execution names Step Functions accepts: 1–80 characters of letters, digits, '-' and '_' (the StartExecution
/// <c>name</c> parameter). A name that does not fit is made to fit deterministically, so two callers building the same
/// name still start (or join) the same execution.
/// </summary>
public static class ExecutionNames
{
    /// <summary>The longest execution name Step Functions allows.</summary>
    public const int MaxLength = 80;

    private const int HashLength = 8;

    /// <summary><paramref name="name"/> when it is already valid; otherwise its invalid characters replaced by '-',
    /// cut to fit and suffixed with '-' and 8 hex digits of the SHA-256 of the original name (stable across runs).</summary>
    public static string Fit(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (IsValid(name))
        {
            return name;
        }

        var cleaned = new string([.. name.Select(c => IsAllowed(c) ? c : '-')]);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..HashLength];
        var room = MaxLength - HashLength - 1;
        return (cleaned.Length > room ? cleaned[..room] : cleaned) + "-" + hash;
    }

    /// <summary>True for a name Step Functions accepts.</summary>
    public static bool IsValid(string name) =>
        name is { Length: > 0 and <= MaxLength } && name.All(IsAllowed);

    private static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';
}
