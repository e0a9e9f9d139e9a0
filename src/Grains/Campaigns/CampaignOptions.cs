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
    /// At most this many of a campaign's clips are sent and unanswered at once. A small window keeps the campaign's backlog
    /// in the broker short, so that when a new upload arrives the workers finish what the campaign has out within moments
    /// instead of working through thousands of its clips beside the upload. Answers refill the window (half of it at a time)
    /// without waiting for the next tick.
    /// </summary>
    public int MaxInFlight { get; set; } = 32;

    /// <summary>
    /// Whether campaigns stop sending while new uploads are in progress (received, being split or analysed). New uploads come
    /// first: the workers, the silo and the database then spend the machine on the upload, and the campaign carries on
    /// once the uploads are done.
    /// </summary>
    public bool YieldToUploads { get; set; } = true;

    /// <summary>
    /// An upload in progress counts for <see cref="YieldToUploads"/> only while its row changed within this time, so that
    /// a video stuck waiting (no worker for its version, say) does not hold every campaign back for ever.
    /// </summary>
    public TimeSpan UploadActivity { get; set; } = TimeSpan.FromMinutes(2);

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
        if (MaxInFlight < 1) throw new InvalidOperationException("Campaigns:MaxInFlight must be at least 1.");
        if (UploadActivity <= TimeSpan.Zero) throw new InvalidOperationException("Campaigns:UploadActivity must be positive.");
        if (HoldAfterPublished < 0) throw new InvalidOperationException("Campaigns:HoldAfterPublished must be 0 (off) or more.");
    }
}
