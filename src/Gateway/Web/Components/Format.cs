using System.Globalization;
using VideoCoca.Contracts.Api;

namespace VideoCoca.Gateway.Web.Components;

/// <summary>How the interface writes times, states and shares.</summary>
public static class Format
{
    /// <summary>Seconds as m:ss.s (a clip's bounds in a video).</summary>
    public static string Clock(double seconds)
    {
        var whole = TimeSpan.FromSeconds(Math.Max(0, seconds));
        return string.Create(CultureInfo.InvariantCulture, $"{(int)whole.TotalMinutes}:{whole.Seconds:00}.{whole.Milliseconds / 100}");
    }

    public static string Seconds(double seconds) => seconds.ToString("0.###", CultureInfo.InvariantCulture);

    public static string Percent(double share) => share.ToString("0%", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset? time) => time?.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) ?? "";

    public static string State(VideoState state) => state switch
    {
        VideoState.CompletedWithErrors => "completed_with_errors",
        _ => state.ToString().ToLowerInvariant(),
    };

    public static bool IsFinished(VideoState state) => state is VideoState.Completed or VideoState.CompletedWithErrors or VideoState.Failed;

    public static string Eta(double? seconds) => seconds switch
    {
        null => "",
        < 60 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0} s"),
        < 3600 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:0} min"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:0.0} h"),
    };
}
