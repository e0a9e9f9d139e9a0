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
