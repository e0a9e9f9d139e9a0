using VideoCoca.Contracts.Api;
using VideoCoca.GrainInterfaces;

namespace VideoCoca.Grains.Videos;

/// <summary>What a video's grain keeps in grain storage: enough to resume an ingest on another silo and to count results once.</summary>
[GenerateSerializer, Alias("VideoCoca.Grains.VideoGrainState")]
public sealed class VideoGrainState
{
    [Id(0)] public VideoState State { get; set; }

    /// <summary>The upload and what was asked of it; null until started (and after a delete).</summary>
    [Id(1)] public IngestRequest? Request { get; set; }

    [Id(2)] public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The settings in force: the request's, or the silo's defaults where it named none.</summary>
    [Id(3)] public double ClipLengthSeconds { get; set; }

    [Id(4)] public double OverlapSeconds { get; set; }

    [Id(5)] public int FramesPerClip { get; set; }

    /// <summary>Once probed: frame count over frame rate, as the model's loader measures it.</summary>
    [Id(6)] public double? DurationSeconds { get; set; }

    [Id(7)] public double FrameRate { get; set; }

    [Id(8)] public int FrameCount { get; set; }

    /// <summary>Clips the video is cut into, once probed.</summary>
    [Id(9)] public int ClipsTotal { get; set; }

    /// <summary>Clips extracted and recorded, in index order (a prefix of the plan).</summary>
    [Id(10)] public List<VideoClipState> Clips { get; set; } = [];

    /// <summary>What the workers said, once per clip index.</summary>
    [Id(11)] public Dictionary<int, ClipOutcome> Outcomes { get; set; } = [];

    /// <summary>Why the video failed, or a summary of its failed clips.</summary>
    [Id(12)] public string? Error { get; set; }

    /// <summary>What the decoder complained of in a video that still decoded (set when its split ends).</summary>
    [Id(13)] public List<string> Warnings { get; set; } = [];

    /// <summary>The model version the clips are queued for (the active one when the video arrived); null when none was registered.</summary>
    [Id(20)] public string? ModelVersion { get; set; }

    /// <summary>The frame size the clips are cut at (the version's input); 0 for the ingest options' size.</summary>
    [Id(21)] public int FrameWidth { get; set; }

    [Id(22)] public int FrameHeight { get; set; }

    /// <summary>stretch or crop; null for the ingest options' resize.</summary>
    [Id(23)] public string? FrameResize { get; set; }

    /// <summary>The W3C traceparent of the call that started the video (the upload's trace); null when none was traced.</summary>
    [Id(24)] public string? TraceParent { get; set; }
}

/// <summary>One extracted clip.</summary>
[GenerateSerializer, Alias("VideoCoca.Grains.VideoClipState")]
public sealed class VideoClipState
{
    [Id(0)] public int Index { get; set; }

    [Id(1)] public double StartSeconds { get; set; }

    [Id(2)] public double EndSeconds { get; set; }

    [Id(3)] public Guid ClipId { get; set; }

    [Id(4)] public string FramesPath { get; set; } = "";

    [Id(5)] public string? ThumbnailPath { get; set; }

    /// <summary>Its AnalyzeClip message went out (false: recorded, not yet published).</summary>
    [Id(6)] public bool Published { get; set; }
}

/// <summary>A worker's verdict on a clip.</summary>
[GenerateSerializer, Immutable, Alias("VideoCoca.Grains.ClipOutcome")]
public sealed record ClipOutcome([property: Id(0)] bool Failed, [property: Id(1)] string? Reason);
