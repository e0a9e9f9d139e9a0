using VideoCoca.Contracts.Api;

namespace VideoCoca.Persistence.Entities;

/// <summary>An uploaded video: what was asked of it, where it is in its life, and its clip counts.</summary>
public sealed class Video
{
    public Guid Id { get; set; }

    /// <summary>The tenant that owns it; only that tenant's keys see it.</summary>
    public Guid TenantId { get; set; }

    /// <summary>The name the file was uploaded under.</summary>
    public required string FileName { get; set; }

    /// <summary>Where the upload is kept in blob storage.</summary>
    public required string BlobPath { get; set; }

    public long SizeBytes { get; set; }

    /// <summary>Length of the video, once probed.</summary>
    public double? DurationSeconds { get; set; }

    public VideoState State { get; set; }

    /// <summary>Length of each clip.</summary>
    public double ClipLengthSeconds { get; set; }

    /// <summary>How much consecutive clips overlap (0 for none).</summary>
    public double OverlapSeconds { get; set; }

    /// <summary>Frames sampled from each clip (T).</summary>
    public int FramesPerClip { get; set; }

    /// <summary>The questions to ask about every clip, as a JSON array of strings.</summary>
    public string QuestionsJson { get; set; } = "[]";

    /// <summary>Why the video failed; null unless it did.</summary>
    public string? Error { get; set; }

    /// <summary>
    /// What the decoder complained of in a video that still decoded (a damaged slice skipped, frames that did not
    /// decode), as short messages for the user; empty when it decoded cleanly.
    /// </summary>
    public List<string> Warnings { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>
    /// When the original upload at <see cref="BlobPath"/> was deleted under the retention settings (Retention:Originals);
    /// null while it is kept. Without it the video's clips cannot be cut again for a model of another input.
    /// </summary>
    public DateTimeOffset? OriginalDeletedAt { get; set; }

    /// <summary>Clips in the video; 0 until it is split.</summary>
    public int ClipsTotal { get; set; }

    /// <summary>Clips analysed successfully.</summary>
    public int ClipsDone { get; set; }

    /// <summary>Clips the workers gave up on.</summary>
    public int ClipsFailed { get; set; }

    public List<Clip> Clips { get; set; } = [];
}
