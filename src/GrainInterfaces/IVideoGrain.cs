using VideoCoca.Contracts.Api;

namespace VideoCoca.GrainInterfaces;

/// <summary>
/// One grain per video (keyed by the video's id): a state machine from received through probing, splitting and
/// analysing to completed, completed with errors, or failed. It drives the ingest and counts the workers' answers.
/// </summary>
[Alias("VideoCoca.IVideoGrain")]
public interface IVideoGrain : IGrainWithGuidKey
{
    /// <summary>Starts the ingest of an uploaded video. Calling it again for a video already started changes nothing.</summary>
    [Alias("Start")]
    Task<VideoSnapshot> StartAsync(IngestRequest request);

    [Alias("GetSnapshot")]
    Task<VideoSnapshot> GetSnapshotAsync();

    /// <summary>A worker stored a clip's results; repeated reports of the same clip count once.</summary>
    [Alias("ClipAnalyzed")]
    Task ClipAnalyzedAsync(int clipIndex);

    /// <summary>A worker gave up on a clip; the video still completes (with errors).</summary>
    [Alias("ClipFailed")]
    Task ClipFailedAsync(int clipIndex, string reason);

    /// <summary>
    /// Several clips' verdicts at once (what the silo's results consumer gathered for this video): each counts as
    /// <see cref="ClipAnalyzedAsync"/> or <see cref="ClipFailedAsync"/> would, with one write of the grain's state for all.
    /// </summary>
    [Alias("ClipsSettled")]
    Task ClipsSettledAsync(IReadOnlyList<ClipVerdict> verdicts);

    /// <summary>
    /// Queues the failed clips of a finished video again (their frames are still on disk); the video goes back to
    /// analysing and completes again. Refused (with the reason) unless the video is finished with failed clips whose
    /// frames files are all there.
    /// </summary>
    [Alias("RetryFailedClips")]
    Task<ClipRetry> RetryFailedClipsAsync();

    /// <summary>Stops any work, removes the video's files, rows and state.</summary>
    [Alias("Delete")]
    Task DeleteAsync();
}

/// <summary>What the gateway hands the grain once the upload is safely in blob storage.</summary>
[GenerateSerializer, Immutable, Alias("VideoCoca.IngestRequest")]
public sealed record IngestRequest(
    [property: Id(0)] string FileName,
    [property: Id(1)] string BlobPath,
    [property: Id(2)] long SizeBytes,
    [property: Id(3)] double ClipLengthSeconds,
    [property: Id(4)] double OverlapSeconds,
    [property: Id(5)] int FramesPerClip,
    [property: Id(6)] IReadOnlyList<string> Questions,
    [property: Id(7)] ProbedVideo? Probe = null);

/// <summary>
/// What the gateway's ffprobe found of an upload it accepted (its first video stream and the container), handed on so that
/// the silo does not run ffprobe on the same file again.
/// </summary>
[GenerateSerializer, Immutable, Alias("VideoCoca.ProbedVideo")]
public sealed record ProbedVideo(
    [property: Id(0)] double AverageFrameRate,
    [property: Id(1)] double StreamSeconds,
    [property: Id(2)] double ContainerSeconds,
    [property: Id(3)] int Width,
    [property: Id(4)] int Height);

/// <summary>A worker's verdict on one clip: analysed (no reason), or failed with the reason.</summary>
[GenerateSerializer, Immutable, Alias("VideoCoca.ClipVerdict")]
public sealed record ClipVerdict(
    [property: Id(0)] int ClipIndex,
    [property: Id(1)] string? FailureReason);

/// <summary>The grain's view of its video: state, progress and error.</summary>
[GenerateSerializer, Immutable, Alias("VideoCoca.VideoSnapshot")]
public sealed record VideoSnapshot(
    [property: Id(0)] Guid VideoId,
    [property: Id(1)] VideoState State,
    [property: Id(2)] int ClipsTotal,
    [property: Id(3)] int ClipsDone,
    [property: Id(4)] int ClipsFailed,
    [property: Id(5)] string? Error,
    [property: Id(6)] double? DurationSeconds);

/// <summary>What <see cref="IVideoGrain.RetryFailedClipsAsync"/> did: the clips queued again, or why none were.</summary>
[GenerateSerializer, Immutable, Alias("VideoCoca.ClipRetry")]
public sealed record ClipRetry(
    [property: Id(0)] ClipRetryOutcome Outcome,
    [property: Id(1)] VideoSnapshot Snapshot,
    [property: Id(2)] IReadOnlyList<int> ClipIndexes,
    [property: Id(3)] string? Detail);

/// <summary>Whether a retry queued clips, and if not, why.</summary>
public enum ClipRetryOutcome
{
    /// <summary>The failed clips are queued again; the video is analysing.</summary>
    Queued,

    /// <summary>The grain holds no video (never started, or deleted).</summary>
    UnknownVideo,

    /// <summary>The video is still being processed.</summary>
    NotFinished,

    /// <summary>The video has no failed clips (completed, or failed as a whole and so kept no clips).</summary>
    NoFailedClips,

    /// <summary>A failed clip's frames file is gone and could not be cut again from the original (itself gone, say).</summary>
    FramesMissing,
}
