namespace VideoCoca.Gateway.Campaigns;

/// <summary>The <c>Campaigns</c> configuration section as the gateway reads it: what a new campaign gets when its request leaves it out.</summary>
public sealed class CampaignDefaults
{
    public const string SectionName = "Campaigns";

    /// <summary>The IANA time zone a window is read in when a campaign names none.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Clips per minute when a campaign names no rate.</summary>
    public int DefaultClipsPerMinute { get; set; } = 600;

    /// <summary>Checks the values; the gateway refuses to start on a bad one.</summary>
    public IEnumerable<string> Validate()
    {
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out _)) yield return $"Campaigns:TimeZone '{TimeZone}' is not a time zone this machine knows";
        if (DefaultClipsPerMinute < 1) yield return "Campaigns:DefaultClipsPerMinute must be at least 1";
    }
}
