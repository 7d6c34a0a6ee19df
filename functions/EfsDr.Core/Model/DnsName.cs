using System.Text;

namespace EfsDr.Core.Model;

/// <summary>
/// DNS record names in the form the DNS service stores and returns them, so that the name sent in a change, the name
/// asked for in a lookup and the name in an answer compare equal whatever case or spelling the configuration used.
/// <para>
/// Route 53's rules (Amazon Route 53 Developer Guide, "DNS domain name format",
/// https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html): letters are stored lower-case
/// however they were given (upper-case, lower-case or as escape codes); every character other than a–z, 0–9, hyphen and
/// underscore is returned by ListResourceRecordSets as a <c>\</c> three-digit octal escape (so <c>*</c> comes back as
/// <c>\052</c>, and a period inside a label as <c>\056</c>); and a name without its trailing dot is taken as fully
/// qualified, so <c>www.example.com</c> and <c>www.example.com.</c> are the same name (API reference,
/// ResourceRecordSet.Name).
/// </para>
/// </summary>
public static class DnsName
{
    /// <summary>
    /// The stored form of <paramref name="name"/>: <c>\ddd</c> and <c>\c</c> escapes decoded, letters lower-cased, every
    /// byte other than a–z, 0–9, <c>-</c> and <c>_</c> written as a three-digit octal escape, labels joined by dots and
    /// one trailing dot. <c>Drtest.Example.com</c> gives <c>drtest.example.com.</c>; <c>*.Example.com</c> gives
    /// <c>\052.example.com.</c>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public static string Canonical(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var labels = Labels(name);
        if (labels.Count == 0)
        {
            return ".";
        }

        var text = new StringBuilder(name.Length + 1);
        foreach (var label in labels)
        {
            foreach (var b in label)
            {
                AppendByte(text, b);
            }

            text.Append('.');
        }

        return text.ToString();
    }

    /// <summary>True when both names are the same DNS name (equal <see cref="Canonical"/> forms).</summary>
    public static bool Same(string? left, string? right) =>
        left is not null && right is not null && string.Equals(Canonical(left), Canonical(right), StringComparison.Ordinal);

    /// <summary>The labels as bytes, escapes decoded; the empty label after a trailing dot is dropped.</summary>
    private static List<List<byte>> Labels(string name)
    {
        var labels = new List<List<byte>>();
        var label = new List<byte>();
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c == '\\' && i + 3 < name.Length && name[i + 1] is >= '0' and <= '3' && IsOctal(name[i + 2]) && IsOctal(name[i + 3]))
            {
                label.Add((byte)(((name[i + 1] - '0') * 64) + ((name[i + 2] - '0') * 8) + (name[i + 3] - '0')));
                i += 3;
            }
            else if (c == '\\' && i + 1 < name.Length)
            {
                i++;
                AddChar(label, name, ref i, utf8);
            }
            else if (c == '.')
            {
                labels.Add(label);
                label = [];
            }
            else
            {
                AddChar(label, name, ref i, utf8);
            }
        }

        if (label.Count > 0)
        {
            labels.Add(label);
        }

        return labels;
    }

    /// <summary>Adds the UTF-8 bytes of the character (or surrogate pair) at <paramref name="i"/>.</summary>
    private static void AddChar(List<byte> label, string name, ref int i, Span<byte> utf8)
    {
        var length = char.IsHighSurrogate(name[i]) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]) ? 2 : 1;
        var written = Encoding.UTF8.GetBytes(name.AsSpan(i, length), utf8);
        for (var k = 0; k < written; k++)
        {
            label.Add(utf8[k]);
        }

        i += length - 1;
    }

    private static void AppendByte(StringBuilder text, byte b)
    {
        var c = (char)(b is >= (byte)'A' and <= (byte)'Z' ? b + 32 : b);
        if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_')
        {
            text.Append(c);
            return;
        }

        text.Append('\\').Append((char)('0' + (b >> 6))).Append((char)('0' + ((b >> 3) & 7))).Append((char)('0' + (b & 7)));
    }

    private static bool IsOctal(char c) => c is >= '0' and <= '7';
}
