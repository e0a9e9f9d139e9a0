using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoCoca.Grains.Retention;
using VideoCoca.Grains.Storage;
using VideoCoca.Ingest;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Entities;

namespace VideoCoca.Grains.Campaigns;

/// <summary>Where a campaign's clip frames are, or why there are none.</summary>
public sealed record FramePlace(string? Path, string? Error);

/// <summary>
/// The frames a campaign sends: a clip's stored frames when they were cut for the same input as the target version takes
/// (and are still kept), else frames cut again from the stored original, once per video, into a folder named after the
/// input (<c>frames-8x64x64-stretch</c>), which the campaign removes when it completes unless frames are kept.
/// </summary>
public sealed class CampaignFrames(IVideoIngestor ingestor, BlobLayout blobs, IOptions<IngestOptions> ingest, IOptions<RetentionOptions> retention, ILogger<CampaignFrames> logger)
{
    /// <summary>The folder frames cut again for <paramref name="input"/> go to.</summary>
    public string Folder(Guid videoId, FrameInput input) => Path.Combine(blobs.VideoFolder(videoId), $"frames-{input.Key}");

    public async Task<Dictionary<Guid, FramePlace>> LocateAsync(Video video, IReadOnlyList<Clip> clips, FrameInput input, CancellationToken cancellationToken)
    {
        var places = new Dictionary<Guid, FramePlace>();
        var defaults = FrameInputs.Key(ingest.Value.FramesPerClip, ingest.Value.FrameHeight, ingest.Value.FrameWidth,
            ingest.Value.Resize == FrameResize.Crop ? "crop" : "stretch");
        var folder = Folder(video.Id, input);
        var missing = new List<Clip>();
        foreach (var clip in clips)
        {
            // Frames the retention sweeper has marked deleted are never sent, even while the file is still there: the sweeper
            // removes it right after marking, perhaps before a worker reads it (see RetentionSweeper).
            var stored = clip.FramesPath is { } path && clip.FramesDeletedAt is null && (clip.FramesInput ?? defaults) == input.Key && File.Exists(blobs.Resolve(path))
                ? blobs.Resolve(path) : null;
            var recut = Path.Combine(folder, $"{clip.Index}.rgb");
            if (stored is not null) places[clip.Id] = new FramePlace(stored, null);
            else if (File.Exists(recut)) places[clip.Id] = new FramePlace(recut, null);
            else missing.Add(clip);
        }
        if (missing.Count == 0) return places;

        var source = blobs.Resolve(video.BlobPath);
        if (video.OriginalDeletedAt is not null || !File.Exists(source))
        {
            var why = video.OriginalDeletedAt is { } deletedAt
                ? $"the original upload was deleted on {deletedAt:yyyy-MM-dd HH:mm} UTC under the retention settings (Retention:Originals)"
                : "the original upload is missing from blob storage";
            logger.LogWarning("Video {VideoId}: frames for input {Input} cannot be cut again: {Reason}", video.Id, input.Key, why);
            foreach (var clip in missing)
            {
                places[clip.Id] = new FramePlace(null, $"the frames of clip {clip.Index} for input {input.Key} cannot be cut again: {why}");
            }
            return places;
        }
        var failure = "";
        try
        {
            var probe = await Task.Run(() => ingestor.ProbeAsync(source, cancellationToken), cancellationToken);
            var wanted = missing.ToDictionary(c => c.Index);
            var plan = ClipPlan.Plan(probe.FrameCount, probe.FrameRate, video.ClipLengthSeconds, video.OverlapSeconds, input.Frames)
                .Where(p => wanted.ContainsKey(p.Index)).ToList();
            var size = new FrameSize(input.Width, input.Height, input.Resize == "crop" ? FrameResize.Crop : FrameResize.Stretch);
            var job = new ExtractionJob(source, folder, plan, input.Frames, probe.FrameCount, size);
            await foreach (var extracted in ingestor.ExtractAsync(job, cancellationToken))
            {
                places[wanted[extracted.Clip.Index].Id] = new FramePlace(extracted.FramesPath, null);
            }
            logger.LogInformation("Video {VideoId}: frames of {Count} clips cut again for input {Input}", video.Id, plan.Count, input.Key);
        }
        catch (IngestException e)
        {
            logger.LogWarning("Video {VideoId}: frames for input {Input} could not be cut again: {Error}", video.Id, input.Key, e.Message);
            failure = $": {e.Message}";
        }
        foreach (var clip in missing.Where(c => !places.ContainsKey(c.Id)))
        {
            places[clip.Id] = new FramePlace(null, $"the frames of clip {clip.Index} for input {input.Key} could not be cut from the original video{failure}");
        }
        return places;
    }

    /// <summary>Removes the frames the campaign cut again, unless the retention settings keep frames for ever.</summary>
    public async Task ReleaseAsync(ResultsDbContext db, Campaign campaign, CancellationToken cancellationToken)
    {
        if (retention.Value.Frames is null || FrameInputs.Of(campaign.TargetVersion!) is not { } input) return;
        var videos = await db.CampaignClips.Where(l => l.CampaignId == campaign.Id).Select(l => l.VideoId).Distinct().ToListAsync(cancellationToken);
        foreach (var video in videos)
        {
            var folder = Folder(video, input);
            try
            {
                if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(e, "Could not remove {Folder}", folder);
            }
        }
    }
}
