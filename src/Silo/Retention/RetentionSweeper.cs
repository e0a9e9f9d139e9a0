using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoCoca.Contracts.Api;
using VideoCoca.Grains.Retention;
using VideoCoca.Grains.Storage;
using VideoCoca.Ingest;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Entities;

namespace VideoCoca.Silo.Retention;

/// <summary>What one sweep deleted.</summary>
public sealed record RetentionSweep(int Frames, int Originals);

/// <summary>
/// Enforces <see cref="RetentionOptions"/>: once shortly after the silo starts and then every <c>Retention:SweepPeriod</c>,
/// deletes the frame files of analysed clips and the original uploads of videos that finished longer ago than the settings
/// keep them. Thumbnails stay (small, and the UI shows them); failed clips keep their frames (a retry sends them again).
/// <para>
/// Each batch is claimed in the database before any file goes: the row is marked deleted (<c>clips.frames_deleted_at</c>,
/// <c>videos.original_deleted_at</c>) by an update that checks the conditions again, then the files are removed. A crash in
/// between leaves a file behind (disk, not a wrong answer); the other order could leave a row pointing at a file that is gone.
/// Every silo runs a sweeper; two claiming the same rows delete the same files twice, which is harmless.
/// </para>
/// <para>
/// Campaigns: a clip with a <c>queued</c> line in any campaign's ledger keeps its frames, and a video with such a line
/// keeps its original, until the line settles. That alone leaves a window (the sweep's update read the ledger just before
/// a campaign wrote its line), which the campaign closes from its side: after writing its ledger lines it reads the clips'
/// <c>frames_deleted_at</c> under <c>FOR SHARE</c>, which waits for a sweep's update in flight, and sends a clip whose frames
/// are marked deleted with frames cut again from the original instead (CampaignGrain.SendAsync, CampaignFrames). A sweep
/// that starts after the ledger line was written sees it and skips the clip.
/// </para>
/// </summary>
public sealed class RetentionSweeper(
    IDbContextFactory<ResultsDbContext> contexts,
    BlobLayout blobs,
    IOptions<RetentionOptions> options,
    TimeProvider clock,
    ILogger<RetentionSweeper> logger) : BackgroundService
{
    /// <summary>Rows claimed per query: a large catalogue is swept a batch at a time, never loaded at once.</summary>
    public const int BatchSize = 500;

    /// <summary>How soon after start the first sweep runs (or one period, if that is shorter): a silo restarted after a long stop catches up at once.</summary>
    public static readonly TimeSpan FirstSweepDelay = TimeSpan.FromSeconds(30);

    private readonly RetentionOptions _settings = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_settings.Frames is null && _settings.Originals is null)
        {
            logger.LogInformation("Retention: frames and originals are kept for ever; nothing to sweep");
            return;
        }
        try
        {
            await Task.Delay(_settings.SweepPeriod < FirstSweepDelay ? _settings.SweepPeriod : FirstSweepDelay, clock, stoppingToken);
            using var timer = new PeriodicTimer(_settings.SweepPeriod, clock);
            do
            {
                try
                {
                    await SweepAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The database is away: nothing was half done that the next sweep does not finish.
                    logger.LogError(e, "Retention sweep failed; trying again in {Period}", _settings.SweepPeriod);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One sweep: every file past its time, a batch at a time.</summary>
    public async Task<RetentionSweep> SweepAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var frames = _settings.Frames is { } keepFrames ? await SweepFramesAsync(now - keepFrames, cancellationToken) : 0;
        var originals = _settings.Originals is { } keepOriginals ? await SweepOriginalsAsync(now - keepOriginals, cancellationToken) : 0;
        if (frames > 0 || originals > 0)
        {
            logger.LogInformation("Retention: deleted the frames of {Frames} clips and {Originals} original uploads", frames, originals);
        }
        return new RetentionSweep(frames, originals);
    }

    /// <summary>Analysed clips of videos finished before <paramref name="cutoff"/> that still keep frames and no campaign is sending.</summary>
    private static IQueryable<Clip> FramesPastTime(ResultsDbContext db, DateTimeOffset cutoff) =>
        db.Clips.Where(c => c.State == ClipState.Analysed && c.FramesDeletedAt == null && c.FramesPath != null
            && (c.Video!.State == VideoState.Completed || c.Video.State == VideoState.CompletedWithErrors)
            && c.Video.UpdatedAt <= cutoff
            && !db.CampaignClips.Any(l => l.ClipId == c.Id && l.State == CampaignClipState.Queued));

    /// <summary>Finished videos, finished before <paramref name="cutoff"/>, whose original is kept and no campaign is sending.</summary>
    private static IQueryable<Video> OriginalsPastTime(ResultsDbContext db, DateTimeOffset cutoff) =>
        db.Videos.Where(v => v.OriginalDeletedAt == null
            && (v.State == VideoState.Completed || v.State == VideoState.CompletedWithErrors)
            && v.UpdatedAt <= cutoff
            && !db.CampaignClips.Any(l => l.VideoId == v.Id && l.State == CampaignClipState.Queued));

    private async Task<int> SweepFramesAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var deleted = 0;
        while (true)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var batch = await FramesPastTime(db, cutoff).OrderBy(c => c.Id).Select(c => c.Id).Take(BatchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0) break;
            var now = clock.GetUtcNow();
            // The claim checks the conditions again: a clip a campaign took since the select keeps its frames.
            await FramesPastTime(db, cutoff).Where(c => batch.Contains(c.Id))
                .ExecuteUpdateAsync(u => u.SetProperty(c => c.FramesDeletedAt, now), cancellationToken);
            var claimed = await db.Clips.AsNoTracking().Where(c => batch.Contains(c.Id) && c.FramesDeletedAt != null)
                .Select(c => c.FramesPath!).ToListAsync(cancellationToken);
            foreach (var path in claimed) TryDelete(path);
            deleted += claimed.Count;
            // Clips the claim skipped no longer match, so the loop cannot spin on them.
            if (batch.Count < BatchSize) break;
        }
        return deleted;
    }

    private async Task<int> SweepOriginalsAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var deleted = 0;
        while (true)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var batch = await OriginalsPastTime(db, cutoff).OrderBy(v => v.Id).Select(v => v.Id).Take(BatchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0) break;
            var now = clock.GetUtcNow();
            await OriginalsPastTime(db, cutoff).Where(v => batch.Contains(v.Id))
                .ExecuteUpdateAsync(u => u.SetProperty(v => v.OriginalDeletedAt, now), cancellationToken);
            var claimed = await db.Videos.AsNoTracking().Where(v => batch.Contains(v.Id) && v.OriginalDeletedAt != null)
                .Select(v => new { v.Id, v.BlobPath }).ToListAsync(cancellationToken);
            foreach (var video in claimed)
            {
                TryDelete(video.BlobPath);
                // The gateway's packet table of the upload is of no use without it.
                TryDelete(PacketTable.SidecarPath(video.BlobPath));
                logger.LogInformation("Retention: original upload of video {VideoId} deleted", video.Id);
            }
            deleted += claimed.Count;
            if (batch.Count < BatchSize) break;
        }
        return deleted;
    }

    private void TryDelete(string blobPath)
    {
        var path = blobs.Resolve(blobPath);
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            // The video's folder is gone already (deleted with the video): nothing left to delete.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "Retention: could not delete {Path}", path);
        }
    }
}
