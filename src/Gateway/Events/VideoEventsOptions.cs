namespace VideoCoca.Gateway.Events;

/// <summary>The <c>VideoEvents</c> configuration section: how the events stream of a video watches its row.</summary>
public sealed class VideoEventsOptions
{
    public const string SectionName = "VideoEvents";

    /// <summary>How often the stream reads the video's row for changes.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>After this long without an event, a comment line keeps proxies and clients from closing the stream.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);
}
