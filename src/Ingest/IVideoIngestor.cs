namespace VideoCoca.Ingest;

/// <summary>The ffmpeg side of ingest: runs off the grain's turn; the grain applies what it yields.</summary>
public interface IVideoIngestor
{
    /// <summary>Reads a file's video stream: duration, frame rate, frame count. Throws <see cref="IngestException"/> for anything that is not a usable video.</summary>
    Task<VideoProbe> ProbeAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// Decodes the video once at the model's input size and yields each planned clip, in index order, as soon as its
    /// frames file and thumbnail are written. Throws <see cref="IngestException"/> when the file turns out damaged
    /// (clips already yielded are the caller's to remove).
    /// </summary>
    IAsyncEnumerable<ExtractedClip> ExtractAsync(ExtractionJob job, CancellationToken cancellationToken);
}

/// <summary>What probing found out about a video.</summary>
/// <param name="Duration">Seconds: frame count over frame rate, as the model's loader measures it.</param>
/// <param name="FrameRate">Average frames per second.</param>
/// <param name="FrameCount">Frames in the video stream.</param>
/// <param name="Width">Source width.</param>
/// <param name="Height">Source height.</param>
public sealed record VideoProbe(double Duration, double FrameRate, int FrameCount, int Width, int Height);

/// <summary>What to extract from one video.</summary>
/// <param name="SourcePath">The uploaded file.</param>
/// <param name="ClipsFolder">Where <c>&lt;index&gt;.rgb</c> and <c>&lt;index&gt;.jpg</c> go.</param>
/// <param name="Clips">The clips still to extract (a resumed ingest leaves out those already queued), in index order.</param>
/// <param name="FramesPerClip">T.</param>
/// <param name="FrameCount">
/// The frames the probe promised; frames the decoder does not produce count as failed against
/// <see cref="IngestOptions.MaxUndecodableFrameShare"/> (0: unknown, none counted).
/// </param>
/// <param name="Size">The model input the frames are cut for; null for the ingest options' size and resize.</param>
public sealed record ExtractionJob(
    string SourcePath, string ClipsFolder, IReadOnlyList<PlannedClip> Clips, int FramesPerClip, int FrameCount = 0, FrameSize? Size = null)
{
    /// <summary>
    /// What the decoder complained of in a video that still decoded (<see cref="DecoderMessages.Summarize"/>), set once
    /// the extraction has ended: the clips come out while the decode runs, the full story only at its end.
    /// </summary>
    public List<string> Warnings { get; } = [];
}

/// <summary>A model's frame size and how frames are brought to it.</summary>
public sealed record FrameSize(int Width, int Height, FrameResize Resize);

/// <summary>One clip whose files are on disk.</summary>
/// <param name="Clip">The plan it was cut by.</param>
/// <param name="FramesPath">Raw [T, H, W, 3] RGB24 frames.</param>
/// <param name="ThumbnailPath">A JPEG of the window's middle frame; null when the video ended before it.</param>
public sealed record ExtractedClip(PlannedClip Clip, string FramesPath, string? ThumbnailPath);

/// <summary>A video the platform cannot ingest; the message is for the user.</summary>
public sealed class IngestException(string message, Exception? inner = null) : Exception(message, inner);
