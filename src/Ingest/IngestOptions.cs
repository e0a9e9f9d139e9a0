namespace VideoCoca.Ingest;

/// <summary>
/// The <c>Ingest</c> configuration section: where clips are written and how they are cut, sampled and sized.
/// The defaults match the tiny world model (64x48 input, 8 frames, 4 s clips, stretch resize).
/// </summary>
public sealed class IngestOptions
{
    public const string SectionName = "Ingest";

    /// <summary>Read when the section sets no blob root.</summary>
    public const string BlobRootEnvironmentVariable = "VCP_BLOB_ROOT";

    /// <summary>Where the platform keeps its files; empty for <see cref="BlobRootEnvironmentVariable"/>, then <c>$VCP_HOME/blobs</c>.</summary>
    public string BlobRoot { get; set; } = "";

    /// <summary>Model input width in pixels.</summary>
    public int FrameWidth { get; set; } = 64;

    /// <summary>Model input height in pixels.</summary>
    public int FrameHeight { get; set; } = 48;

    /// <summary>Clip length when the request names none.</summary>
    public double ClipLengthSeconds { get; set; } = 4;

    /// <summary>Overlap of consecutive clips when the request names none.</summary>
    public double OverlapSeconds { get; set; }

    /// <summary>Frames sampled per clip (T) when the request names none.</summary>
    public int FramesPerClip { get; set; } = 8;

    /// <summary>How frames reach the model's input size: <c>Stretch</c> (ffmpeg <c>scale=W:H:flags=area</c>) or <c>Crop</c> (fill, then centre crop).</summary>
    public FrameResize Resize { get; set; } = FrameResize.Stretch;

    /// <summary>Thumbnail width in pixels (height keeps the aspect ratio).</summary>
    public int ThumbnailWidth { get; set; } = 320;

    /// <summary>How often a video's reminder fires while it is being ingested or analysed (resumes work after a silo loss).</summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A test hook, 0 (off) in production: a fresh split (one that started with no clip recorded) holds once it has
    /// recorded, published and checkpointed this many clips of a video, until the ingest is stopped, so that a test
    /// can stop or kill the silo at exactly that point. An ingest that resumes a video (another silo taking it over)
    /// never holds, so it carries the split to the end. Each video holds on its own.
    /// </summary>
    public int HoldAfterClips { get; set; }

    /// <summary>
    /// The workers' queue (their <c>Worker:QueueName</c>). The silo declares it and binds it to the clip messages before
    /// its first publish: a message published to an exchange that no queue is bound to is dropped, which is what
    /// happened to clips queued while the first worker was still loading a large model.
    /// </summary>
    public string AnalysisQueue { get; set; } = "analyze-clip";

    /// <summary>
    /// The share of a video's frames that may fail to decode (0 to 1, below 1) before the video is refused: phone videos
    /// often carry a damaged slice or two, which ffmpeg reports and skips; a video that plays is analysed, its decoder
    /// warnings recorded on it. A truncated file counts its missing frames as failed.
    /// </summary>
    public double MaxUndecodableFrameShare { get; set; } = 0.1;

    /// <summary>The ffmpeg executable; empty for <c>ffmpeg</c> on the PATH.</summary>
    public string FfmpegPath { get; set; } = "";

    /// <summary>
    /// Threads of ffmpeg's decoder in the split (1 by default; 0 lets ffmpeg choose, one per core and then some). One
    /// thread decodes a video for the least CPU: frame threads cost CPU of their own to hand frames between them, and
    /// the cores are better spent on other videos, clips and the model. 0 finishes a single video sooner on an idle machine.
    /// </summary>
    public int DecoderThreads { get; set; } = 1;

    /// <summary>
    /// Threads of the split's filter graph (selecting, scaling, thumbnails; 1 by default, 0 lets ffmpeg choose, one per
    /// core). The graph only scales the few frames a clip keeps, too little work to share: more threads cost CPU in
    /// handing slices between them, for the same bytes out.
    /// </summary>
    public int FilterThreads { get; set; } = 1;

    /// <summary>
    /// Leave undecoded the H.264 pictures that no other picture refers to and that the split does not keep (true, the
    /// default): the split decodes a copy of an MP4 upload in which they are blanked (<c>UnusedFrames</c>), and the kept
    /// frames come out with the same bytes. About half the pictures of a typical encode with B-frames; none of a video
    /// without them. false decodes every picture, as before.
    /// </summary>
    public bool SkipUnusedFrames { get; set; } = true;

    /// <summary>
    /// Long-lived split helpers (<c>vcp-split-helper</c>, beside the host) that split videos through FFmpeg's libraries
    /// with the same calls, graph and output as the ffmpeg command, at most this many at once (by default one a core, up
    /// to 8: more splits at once than cores finish no sooner and cost more CPU each): a video's split no longer pays for
    /// starting an ffmpeg process. 0 runs the command for every video, as before. Where the helpers cannot (all busy for
    /// longer than <see cref="SplitHelperWait"/>, another FFmpeg than Debian 12's 5.1, a rotated video, a helper that
    /// died) the command runs.
    /// </summary>
    public int SplitHelpers { get; set; } = Math.Clamp(Environment.ProcessorCount, 1, 8);

    /// <summary>
    /// How long a video waits for a busy split helper before an ffmpeg run splits it (30 s by default): long enough for
    /// another video's split to end, short enough that a split whose reader is held up (its grain waiting on the
    /// database) does not hold up the next video's.
    /// </summary>
    public TimeSpan SplitHelperWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A fault hook for tests: a split helper dies once it has sent this many frames of a video (0, the default: never).</summary>
    public int SplitHelperFailAfterFrames { get; set; }

    /// <summary>
    /// Take the gateway's ffprobe figures of an upload (frame rate, durations, size) instead of probing the file again
    /// (true, the default); false probes every upload in the silo as well, as before (for comparing the two in a bench).
    /// </summary>
    public bool UseGatewayProbe { get; set; } = true;

    /// <summary>
    /// Build the split's copy without unused pictures from the packet table the gateway kept beside the upload (true,
    /// the default); false reads the packets with an ffprobe of the split's own, as before (for comparing the two).
    /// </summary>
    public bool UseGatewayPackets { get; set; } = true;

    /// <summary>
    /// Workers' verdicts the silo hands to a video's grain in one call, at most (64 by default): the grain writes its
    /// state and the video's row once per call. 1 gives every verdict a call and writes of its own, as before.
    /// </summary>
    public int ResultsBatchLimit { get; set; } = 64;

    /// <summary>
    /// Clips the split records together at most (16 by default): their rows in one round trip and one grain state write
    /// before they are published. 1 records every clip on its own, as before.
    /// </summary>
    public int ClipRecordBatchLimit { get; set; } = 16;

    /// <summary>
    /// How long the split waits, after a clip, for more to record with it (250 ms by default): ffmpeg hands clips over
    /// one by one, faster than a video's analysis but slower than the grain records them. Zero takes only the clips
    /// ready at once (rarely more than one).
    /// </summary>
    public TimeSpan ClipRecordWait { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The configured blob root, else <see cref="BlobRootEnvironmentVariable"/>, else <c>$VCP_HOME/blobs</c>, else <c>&lt;repository&gt;/.vcp/blobs</c>.</summary>
    public static string ResolveBlobRoot(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }
        var fromEnvironment = Environment.GetEnvironmentVariable(BlobRootEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }
        var home = Environment.GetEnvironmentVariable("VCP_HOME");
        return Path.GetFullPath(Path.Combine(string.IsNullOrWhiteSpace(home) ? DefaultHome() : home, "blobs"));
    }

    /// <summary>The repository's <c>.vcp</c> (as scripts/stack.sh uses) when the host runs from inside a checkout, else <c>.vcp</c> in the working folder.</summary>
    private static string DefaultHome()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "VideoCocaPlatform.sln")))
                {
                    return Path.Combine(folder.FullName, ".vcp");
                }
            }
        }
        return ".vcp";
    }

    /// <summary>A copy to change (every setting is a value or a string).</summary>
    public IngestOptions Copy() => (IngestOptions)MemberwiseClone();

    /// <summary>Rejects settings ffmpeg or the model cannot use.</summary>
    public void Validate()
    {
        if (FrameWidth < 2 || FrameHeight < 2) throw new InvalidOperationException("Ingest:FrameWidth and Ingest:FrameHeight must be at least 2.");
        if (ClipLengthSeconds <= 0) throw new InvalidOperationException("Ingest:ClipLengthSeconds must be positive.");
        if (OverlapSeconds < 0 || OverlapSeconds >= ClipLengthSeconds) throw new InvalidOperationException("Ingest:OverlapSeconds must be at least 0 and less than the clip length.");
        if (FramesPerClip < 1) throw new InvalidOperationException("Ingest:FramesPerClip must be at least 1.");
        if (ThumbnailWidth < 16) throw new InvalidOperationException("Ingest:ThumbnailWidth must be at least 16.");
        if (ReminderPeriod <= TimeSpan.Zero) throw new InvalidOperationException("Ingest:ReminderPeriod must be positive.");
        if (!(MaxUndecodableFrameShare >= 0 && MaxUndecodableFrameShare < 1)) throw new InvalidOperationException("Ingest:MaxUndecodableFrameShare must be at least 0 and less than 1.");
        if (SplitHelpers < 0 || SplitHelperFailAfterFrames < 0 || SplitHelperWait < TimeSpan.Zero)
        {
            throw new InvalidOperationException("Ingest:SplitHelpers, Ingest:SplitHelperFailAfterFrames and Ingest:SplitHelperWait must be 0 or more.");
        }
        if (HoldAfterClips < 0) throw new InvalidOperationException("Ingest:HoldAfterClips must be 0 (off) or more.");
        if (ClipRecordBatchLimit < 1) throw new InvalidOperationException("Ingest:ClipRecordBatchLimit must be 1 or more.");
        if (DecoderThreads < 0 || FilterThreads < 0) throw new InvalidOperationException("Ingest:DecoderThreads and Ingest:FilterThreads must be 0 (ffmpeg's choice) or more.");
        if (ClipRecordWait < TimeSpan.Zero) throw new InvalidOperationException("Ingest:ClipRecordWait must not be negative.");
        if (string.IsNullOrWhiteSpace(AnalysisQueue)) throw new InvalidOperationException("Ingest:AnalysisQueue must name the workers' queue.");
    }
}

/// <summary>How frames are brought to the model's input size.</summary>
public enum FrameResize
{
    /// <summary>Scale to the input size, ignoring the aspect ratio (the world model's choice).</summary>
    Stretch,

    /// <summary>Scale to cover the input size, then crop its centre.</summary>
    Crop,
}
