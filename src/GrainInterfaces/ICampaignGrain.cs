namespace VideoCoca.GrainInterfaces;

/// <summary>
/// One grain per re-processing campaign (keyed by the campaign's id; its row in the campaigns table is made first, by the
/// gateway). Driven by a reminder (which brings it back on another silo after a loss) and, while it runs, a timer: each
/// tick it pages through its scope and publishes clips up to its rate, inside its window. Its ledger (campaign_clips) is
/// the truth about which clips it took, so a lost silo neither loses nor repeats a clip.
/// </summary>
[Alias("VideoCoca.ICampaignGrain")]
public interface ICampaignGrain : IGrainWithGuidKey
{
    /// <summary>Starts (or, once started, keeps alive) the campaign whose row exists.</summary>
    [Alias("Start")]
    Task StartAsync();

    /// <summary>Stops publishing; clips already published still finish. Returns the state after the call.</summary>
    [Alias("Pause")]
    Task<string> PauseAsync();

    /// <summary>Publishes again from where it stopped. Returns the state after the call.</summary>
    [Alias("Resume")]
    Task<string> ResumeAsync();

    /// <summary>Stops for good; clips already published still finish. Returns the state after the call.</summary>
    [Alias("Cancel")]
    Task<string> CancelAsync();

    /// <summary>A worker finished one of the campaign's clips: a chance to finish the campaign without waiting for the next tick.</summary>
    [Alias("ClipSettled")]
    Task ClipSettledAsync();
}
