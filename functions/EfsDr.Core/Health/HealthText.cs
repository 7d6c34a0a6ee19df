using System.Globalization;

namespace EfsDr.Core.Health;

/// <summary>How findings spell values.</summary>
internal static class HealthText
{
    /// <summary>An enum value in upper case, as AWS spells it.</summary>
    public static string Upper<T>(T value)
        where T : struct, Enum => value.ToString().ToUpperInvariant();

    /// <summary>Seconds, rounded.</summary>
    public static string Seconds(double seconds) => Math.Round(seconds).ToString(CultureInfo.InvariantCulture);
}
