namespace VideoCoca.Grains.Campaigns;

/// <summary>The <c>Campaigns</c> configuration section as the silo reads it: how often a campaign's grain publishes (the gateway reads the defaults of new campaigns from the same section).</summary>
public sealed class CampaignOptions
{
    public const string SectionName = "Campaigns";

    /// <summary>How often a running campaign publishes its next clips (its rate is spread over these ticks).</summary>
    public TimeSpan TickPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the reminder that brings a campaign back after a silo loss fires.</summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>At most this many clips are published in one tick, whatever the rate allows (bounds one grain turn).</summary>
    public int MaxClipsPerTick { get; set; } = 256;

    /// <summary>
    /// Test hook, 0 (off) in production: a campaign that reaches this many published clips holds its grain there (and logs
    /// it), so that a test can kill its silo at exactly that point. The silo that takes the campaign over does not hold again.
    /// </summary>
    public int HoldAfterPublished { get; set; }

    /// <summary>Rejects settings a campaign cannot run with.</summary>
    public void Validate()
    {
        if (TickPeriod <= TimeSpan.Zero) throw new InvalidOperationException("Campaigns:TickPeriod must be positive.");
        if (ReminderPeriod <= TimeSpan.Zero) throw new InvalidOperationException("Campaigns:ReminderPeriod must be positive.");
        if (MaxClipsPerTick < 1) throw new InvalidOperationException("Campaigns:MaxClipsPerTick must be at least 1.");
        if (HoldAfterPublished < 0) throw new InvalidOperationException("Campaigns:HoldAfterPublished must be 0 (off) or more.");
    }
}
