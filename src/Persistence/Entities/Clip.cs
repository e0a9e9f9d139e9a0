namespace VideoCoca.Persistence.Entities;

/// <summary>One clip of a video: its time range, its extracted frames and thumbnail, and its state.</summary>
public sealed class Clip
{
    public Guid Id { get; set; }

    public Guid VideoId { get; set; }

    /// <summary>Position in the video, from 0; unique within the video.</summary>
    public int Index { get; set; }

    public double StartSeconds { get; set; }

    public double EndSeconds { get; set; }

    /// <summary>Where the thumbnail is kept in blob storage, once extracted.</summary>
    public string? ThumbnailPath { get; set; }

    /// <summary>Where the raw frame file is kept in blob storage, once extracted.</summary>
    public string? FramesPath { get; set; }

    /// <summary>
    /// The input the frames at <see cref="FramesPath"/> were cut for (<see cref="FrameInputs.Key"/>, e.g. 8x48x64-stretch): a
    /// model version whose input has another key needs its frames extracted again from the original. Null for clips
    /// recorded before keys were kept (the ingest's defaults).
    /// </summary>
    public string? FramesInput { get; set; }

    /// <summary>When the frames file was deleted under the retention settings; null while it is kept.</summary>
    public DateTimeOffset? FramesDeletedAt { get; set; }

    public ClipState State { get; set; }

    /// <summary>Why the clip failed; null unless it did.</summary>
    public string? Error { get; set; }

    public Video? Video { get; set; }

    public List<ClipResult> Results { get; set; } = [];
}

/// <summary>Where a clip is in its life.</summary>
public enum ClipState
{
    /// <summary>Recorded; frames not yet extracted.</summary>
    Pending,

    /// <summary>Frames extracted and an AnalyzeClip message published.</summary>
    Queued,

    /// <summary>Results stored.</summary>
    Analysed,

    /// <summary>A worker gave up on it.</summary>
    Failed,
}
