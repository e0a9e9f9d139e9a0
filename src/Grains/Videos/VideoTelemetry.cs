using System.Diagnostics;
using System.Diagnostics.Metrics;
using VideoCoca.Contracts.Api;
using VideoCoca.Contracts.Messages;

namespace VideoCoca.Grains.Videos;

/// <summary>The silo's spans and meter (both VideoCoca.Silo): the ingest of a video, clips queued, videos finished.</summary>
public static class VideoTelemetry
{
    public const string Name = "VideoCoca.Silo";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> ClipsQueued = Meter.CreateCounter<long>(
        "vcp.clips.queued", unit: "{clip}", description: "AnalyzeClip messages sent to the workers, by source (upload, campaign)");

    private static readonly Counter<long> VideosFinished = Meter.CreateCounter<long>(
        "vcp.videos.finished", unit: "{video}", description: "Videos finished, by state (completed, completed_with_errors, failed)");

    /// <summary>
    /// The ingest's span, under the upload's trace: the traceparent the grain kept from the call that started it, so a
    /// resumed ingest (another silo, a reminder) joins the same trace as the first; null when nothing listens.
    /// </summary>
    public static Activity? StartIngest(Guid videoId, string? traceParent)
    {
        var parent = ActivityContext.TryParse(traceParent, null, out var context) ? context : default;
        var activity = Source.StartActivity("ingest video", ActivityKind.Internal, parent);
        activity?.SetTag("vcp.video_id", videoId.ToString());
        return activity;
    }

    public static void ClipQueued(ClipLane lane) =>
        ClipsQueued.Add(1, new KeyValuePair<string, object?>("source", lane == ClipLane.Campaign ? "campaign" : "upload"));

    public static void VideoFinished(VideoState state) =>
        VideosFinished.Add(1, new KeyValuePair<string, object?>("state", state switch
        {
            VideoState.Completed => "completed",
            VideoState.CompletedWithErrors => "completed_with_errors",
            _ => "failed",
        }));
}

/// <summary>The silo's stages in its CPU account (<see cref="VideoCoca.Contracts.Diagnostics.StageCpu"/>); ffmpeg's own CPU is the silo's children's.</summary>
public static class VideoStages
{
    /// <summary>The silo's ffprobe run as far as this process goes (FFMpegCore starting it and parsing its JSON).</summary>
    public const string Probe = "silo.ingest probe (in-process)";

    /// <summary>The ingest's own work: reading ffmpeg's pipe, writing frame files and thumbnails, the grain's bookkeeping.</summary>
    public const string Split = "silo.ingest split (pipe, frame files)";

    /// <summary>Clip rows: inserted by the ingest, their state set by each result.</summary>
    public const string ClipRows = "silo.clip rows";

    /// <summary>The grain's state written to its storage (every clip and every result).</summary>
    public const string State = "silo.grain state writes";

    /// <summary>The grain's state mirrored into the video's row (transitions and every result).</summary>
    public const string VideoRow = "silo.video row mirror";

    /// <summary>AnalyzeClip messages published.</summary>
    public const string Publish = "silo.publish AnalyzeClip";

    /// <summary>A worker's verdict taken in: the results consumer and the grain's own bookkeeping of it.</summary>
    public const string Results = "silo.results (consumer, grain)";
}
