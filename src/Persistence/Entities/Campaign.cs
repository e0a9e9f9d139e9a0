namespace VideoCoca.Persistence.Entities;

/// <summary>
/// A re-processing of (part of) the catalogue under a model version: which videos, how fast, in which hours, and what
/// happens at the end. Its grain drives it; this row is what the API and the CLI read.
/// </summary>
public sealed class Campaign
{
    public Guid Id { get; set; }

    /// <summary>The version the clips are analysed again under.</summary>
    public int TargetVersionId { get; set; }

    /// <summary>The version that was active when the campaign was created: the diff compares against it.</summary>
    public int? SourceVersionId { get; set; }

    public CampaignState State { get; set; }

    /// <summary>Only videos uploaded at or after this instant; null for no lower bound.</summary>
    public DateTimeOffset? UploadedAfter { get; set; }

    /// <summary>Only videos uploaded before this instant; null for no upper bound.</summary>
    public DateTimeOffset? UploadedBefore { get; set; }

    /// <summary>Only these videos; null for every video (within the dates).</summary>
    public List<Guid>? VideoIds { get; set; }

    /// <summary>Clips published per minute, at most.</summary>
    public int ClipsPerMinute { get; set; }

    /// <summary>Daily window start (local time in <see cref="TimeZone"/>); null with <see cref="WindowEnd"/> for any time.</summary>
    public TimeOnly? WindowStart { get; set; }

    /// <summary>Daily window end; a window ending before it starts runs over midnight.</summary>
    public TimeOnly? WindowEnd { get; set; }

    /// <summary>The IANA time zone the window is read in.</summary>
    public required string TimeZone { get; set; }

    /// <summary>Make the target version active once every clip in scope is done.</summary>
    public bool ActivateOnCompletion { get; set; }

    /// <summary>Clips in scope, counted when the campaign starts.</summary>
    public int ClipsTotal { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>Why the campaign stopped by itself (failed), or what it is waiting for; null otherwise.</summary>
    public string? Detail { get; set; }

    public ModelVersion? TargetVersion { get; set; }

    public ModelVersion? SourceVersion { get; set; }

    public List<CampaignClip> Clips { get; set; } = [];
}

/// <summary>Where a campaign is in its life.</summary>
public enum CampaignState
{
    /// <summary>Publishing clips (inside its window), or waiting for its window.</summary>
    Running,

    /// <summary>Stopped by an operator; resumes where it stopped.</summary>
    Paused,

    /// <summary>Stopped for good by an operator; clips already published still finish.</summary>
    Cancelled,

    /// <summary>Every clip in scope has a result (or failed) under the target version.</summary>
    Completed,

    /// <summary>Could not go on (its version or its videos are gone); see <see cref="Campaign.Detail"/>.</summary>
    Failed,
}

/// <summary>One clip a campaign published: the ledger that makes a campaign resumable without losing or repeating clips.</summary>
public sealed class CampaignClip
{
    public Guid CampaignId { get; set; }

    public Guid ClipId { get; set; }

    public Guid VideoId { get; set; }

    public CampaignClipState State { get; set; }

    /// <summary>When its message was handed to the broker; null for a clip taken but not yet published.</summary>
    public DateTimeOffset? PublishedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public string? Error { get; set; }

    public Campaign? Campaign { get; set; }
}

public enum CampaignClipState
{
    Queued,
    Done,
    Failed,
}
