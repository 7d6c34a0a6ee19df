using System.Globalization;
using System.Text;

namespace EfsDr.LocalCloud.Route53;

/// <summary>DNS names as Route 53 keeps, orders and returns them.</summary>
internal static class Route53Names
{
    /// <summary>The stored form: lower case, <c>\ddd</c> escapes decoded, with the trailing dot.</summary>
    public static string Canonical(string name)
    {
        var text = new StringBuilder(name.Length + 1);
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] == '\\' && i + 3 < name.Length && IsOctal(name[i + 1]) && IsOctal(name[i + 2]) && IsOctal(name[i + 3]))
            {
                text.Append((char)(((name[i + 1] - '0') * 64) + ((name[i + 2] - '0') * 8) + (name[i + 3] - '0')));
                i += 3;
            }
            else
            {
                text.Append(name[i]);
            }
        }

        var canonical = text.ToString().ToLowerInvariant();
        return canonical.EndsWith('.') ? canonical : canonical + ".";
    }

    /// <summary>The form Route 53 returns: characters other than a-z, 0-9, '-', '_' and '.' as <c>\ddd</c> octal escapes (<c>*</c> is <c>\052</c>).</summary>
    public static string Presentation(string canonical)
    {
        var text = new StringBuilder(canonical.Length);
        foreach (var c in canonical)
        {
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.')
            {
                text.Append(c);
            }
            else
            {
                text.Append('\\').Append(Convert.ToString(c & 0xFF, 8).PadLeft(3, '0'));
            }
        }

        return text.ToString();
    }

    /// <summary>True when <paramref name="canonical"/> is the zone's apex or below it.</summary>
    public static bool InZone(string canonical, string zone) =>
        canonical == zone || canonical.EndsWith("." + zone, StringComparison.Ordinal);

    /// <summary>Route 53's order of record sets: names compared label by label from the right, then types.</summary>
    public static int Compare(string nameA, string typeA, string nameB, string typeB)
    {
        var a = Labels(nameA);
        var b = Labels(nameB);
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            var order = string.CompareOrdinal(a[i], b[i]);
            if (order != 0)
            {
                return order;
            }
        }

        return a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(typeA, typeB);
    }

    /// <summary>A valid dotted-decimal IPv4 address.</summary>
    public static bool IsIPv4(string value)
    {
        var parts = value.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit) && int.Parse(p, CultureInfo.InvariantCulture) <= 255);
    }

    private static string[] Labels(string canonical) => [.. canonical.TrimEnd('.').Split('.').Reverse()];

    private static bool IsOctal(char c) => c is >= '0' and <= '7';
}
