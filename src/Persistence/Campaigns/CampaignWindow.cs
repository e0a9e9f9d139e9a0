using System.Globalization;

namespace VideoCoca.Persistence.Campaigns;

/// <summary>A daily window in a time zone, "HH:mm-HH:mm"; one that ends before it starts runs over midnight.</summary>
public static class CampaignWindow
{
    /// <summary>Reads "01:00-05:00"; false with a reason for anything else (equal ends, a bad time).</summary>
    public static bool TryParse(string text, out TimeOnly start, out TimeOnly end, out string error)
    {
        (start, end, error) = (default, default, "");
        var parts = text.Split('-', 2, StringSplitOptions.TrimEntries);
        if (parts.Length != 2
            || !TimeOnly.TryParseExact(parts[0], ["H:mm", "HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out start)
            || !TimeOnly.TryParseExact(parts[1], ["H:mm", "HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out end))
        {
            error = $"'{text}' is not a window: write it as HH:mm-HH:mm, e.g. 01:00-05:00";
            return false;
        }
        if (start == end)
        {
            error = $"the window '{text}' starts and ends at the same time: leave it out to run at any time";
            return false;
        }
        return true;
    }

    /// <summary>"01:00-05:00".</summary>
    public static string Format(TimeOnly start, TimeOnly end) =>
        $"{start.ToString("HH:mm", CultureInfo.InvariantCulture)}-{end.ToString("HH:mm", CultureInfo.InvariantCulture)}";

    /// <summary>Whether <paramref name="now"/>, read in <paramref name="zone"/>, lies in the window (always true without one).</summary>
    public static bool Contains(TimeOnly? start, TimeOnly? end, string zone, DateTimeOffset now)
    {
        if (start is not { } from || end is not { } to) return true;
        var local = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById(zone)).DateTime);
        return from < to ? local >= from && local < to : local >= from || local < to;
    }
}
