using System.Globalization;

namespace EfsDr.Runs;

/// <summary>Durations rounded for people: <c>1.1 s</c>, <c>42 s</c>, <c>12 min 31 s</c>, <c>2 h 05 min</c>.</summary>
public static class Durations
{
    /// <summary>Under 10 s to a tenth of a second, under a minute to the second, under an hour in minutes and seconds,
    /// beyond in hours and minutes.</summary>
    public static string ForPeople(TimeSpan duration)
    {
        var negative = duration < TimeSpan.Zero;
        var text = Positive(negative ? duration.Negate() : duration);
        return negative ? "-" + text : text;
    }

    /// <summary><see cref="ForPeople(TimeSpan)"/> of a number of seconds; "–" when absent.</summary>
    public static string ForPeople(double? seconds) =>
        seconds is { } s && double.IsFinite(s) ? ForPeople(TimeSpan.FromSeconds(s)) : "–";

    private static string Positive(TimeSpan d)
    {
        var seconds = d.TotalSeconds;
        if (Math.Round(seconds, 1) < 10)
        {
            return Math.Round(seconds, 1).ToString("0.0", CultureInfo.InvariantCulture) + " s";
        }

        var whole = (long)Math.Round(seconds, MidpointRounding.AwayFromZero);
        if (whole < 60)
        {
            return whole.ToString(CultureInfo.InvariantCulture) + " s";
        }

        if (whole < 3600)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{whole / 60} min {whole % 60} s");
        }

        var minutes = (long)Math.Round(seconds / 60, MidpointRounding.AwayFromZero);
        return string.Create(CultureInfo.InvariantCulture, $"{minutes / 60} h {minutes % 60:00} min");
    }
}
