using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using VideoCoca.Contracts.Api;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Webhooks;
using VideoCoca.Persistence.Entities;
using VideoCoca.Persistence.Models;

namespace VideoCoca.Grains.Storage;

/// <summary><see cref="IVideoRecords"/> on EF Core: one short-lived context per write.</summary>
public sealed class VideoRecords(IDbContextFactory<ResultsDbContext> contexts, TimeProvider clock) : IVideoRecords
{
    private const string UniqueViolation = "23505";

    public async Task<ModelTarget?> ActiveModelVersionAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var version = await ModelActivation.Active(db).AsNoTracking().FirstOrDefaultAsync(cancellationToken);
        return version is null ? null : new ModelTarget(version.Name, FrameInputs.Of(version));
    }

    public async Task SaveVideoAsync(VideoRow video, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // Locked so that two writers of the same row agree on which of them turned it terminal (one event, not two).
            var row = await db.Videos.FromSql($"SELECT * FROM videos WHERE id = {video.Id} FOR UPDATE").FirstOrDefaultAsync(cancellationToken);
            var added = row is null;
            var wasTerminal = row is not null && IsTerminal(row.State);
            // The gateway inserts the row, with its tenant, before the grain starts; a row the grain has to add (a harness
            // driving the grain without the gateway) belongs to the default tenant.
            row ??= db.Videos.Add(new Video { Id = video.Id, TenantId = Tenant.DefaultId, FileName = video.FileName, BlobPath = video.BlobPath, CreatedAt = video.CreatedAt }).Entity;
            row.FileName = video.FileName;
            row.BlobPath = video.BlobPath;
            row.SizeBytes = video.SizeBytes;
            row.DurationSeconds = video.DurationSeconds;
            row.State = video.State;
            row.ClipLengthSeconds = video.ClipLengthSeconds;
            row.OverlapSeconds = video.OverlapSeconds;
            row.FramesPerClip = video.FramesPerClip;
            row.QuestionsJson = JsonSerializer.Serialize(video.Questions);
            row.Error = video.Error;
            row.ClipsTotal = video.ClipsTotal;
            row.ClipsDone = video.ClipsDone;
            row.ClipsFailed = video.ClipsFailed;
            if (video.Warnings is not null)
            {
                row.Warnings = [.. video.Warnings];
            }
            row.UpdatedAt = clock.GetUtcNow();
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                if (!wasTerminal && IsTerminal(video.State))
                {
                    // In the same transaction as the state: the event exists exactly when the row says terminal.
                    await WebhookOutbox.EnqueueAsync(db, row.TenantId, video.State == VideoState.Failed ? WebhookOutbox.VideoFailed : WebhookOutbox.VideoCompleted,
                        new VideoEventData(video.Id, video.FileName, video.State, video.ClipsTotal, video.ClipsDone, video.ClipsFailed, video.Error, video.DurationSeconds),
                        clock.GetUtcNow(), cancellationToken);
                }
                await transaction.CommitAsync(cancellationToken);
                return;
            }
            catch (DbUpdateException e) when (added && attempt == 0 && IsUniqueViolation(e))
            {
                // Someone (the gateway) inserted the row between our read and our insert: update it instead.
            }
        }
    }

    public async Task<IReadOnlyList<Guid>> AddClipsAsync(IReadOnlyList<Clip> clips, CancellationToken cancellationToken = default)
    {
        if (clips.Count == 0) return [];
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            // Insert first: rows already there (a resumed ingest) are the exception, and one round trip is the rule.
            db.Clips.AddRange(clips);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return clips.Select(c => c.Id).ToList();
            }
            catch (DbUpdateException e) when (IsUniqueViolation(e))
            {
            }
        }
        // The insert was all or nothing: each clip again, taking the rows that are there.
        var ids = new List<Guid>(clips.Count);
        foreach (var clip in clips)
        {
            ids.Add(await AddClipAsync(clip, cancellationToken));
        }
        return ids;
    }

    private async Task<Guid> AddClipAsync(Clip clip, CancellationToken cancellationToken)
    {
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            db.Clips.Add(clip);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return clip.Id;
            }
            catch (DbUpdateException e) when (IsUniqueViolation(e))
            {
            }
        }
        await using var again = await contexts.CreateDbContextAsync(cancellationToken);
        return await ExistingClipAsync(again, clip.VideoId, clip.Index, cancellationToken)
            ?? throw new InvalidOperationException($"Clip {clip.Index} of video {clip.VideoId} neither inserted nor found.");
    }

    public async Task SetClipStateAsync(Guid videoId, int index, ClipState state, string? error, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Clips.Where(c => c.VideoId == videoId && c.Index == index)
            .ExecuteUpdateAsync(set => set.SetProperty(c => c.State, state).SetProperty(c => c.Error, error), cancellationToken);
    }

    public async Task SetClipStatesAsync(Guid videoId, IReadOnlyCollection<int> analysed, CancellationToken cancellationToken = default)
    {
        if (analysed.Count == 0) return;
        var indexes = analysed.ToArray();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Clips.Where(c => c.VideoId == videoId && indexes.Contains(c.Index))
            .ExecuteUpdateAsync(set => set.SetProperty(c => c.State, ClipState.Analysed).SetProperty(c => c.Error, (string?)null), cancellationToken);
    }

    public async Task<IReadOnlyList<SettledClip>> SettledClipsAsync(Guid videoId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Clips.AsNoTracking()
            .Where(c => c.VideoId == videoId && (c.State == ClipState.Analysed || c.State == ClipState.Failed))
            .OrderBy(c => c.Index)
            .Select(c => new SettledClip(c.Index, c.State, c.Error))
            .ToListAsync(cancellationToken);
    }

    public async Task DeleteClipsAsync(Guid videoId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Clips.Where(c => c.VideoId == videoId).ExecuteDeleteAsync(cancellationToken);
    }

    public async Task DeleteVideoAsync(Guid videoId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Videos.Where(v => v.Id == videoId).ExecuteDeleteAsync(cancellationToken);
    }

    private static async Task<Guid?> ExistingClipAsync(ResultsDbContext db, Guid videoId, int index, CancellationToken cancellationToken) =>
        await db.Clips.Where(c => c.VideoId == videoId && c.Index == index).Select(c => (Guid?)c.Id).FirstOrDefaultAsync(cancellationToken);

    private static bool IsTerminal(VideoState state) =>
        state is VideoState.Completed or VideoState.CompletedWithErrors or VideoState.Failed;

    private static bool IsUniqueViolation(DbUpdateException e) => e.InnerException is PostgresException { SqlState: UniqueViolation };
}

/// <summary>
/// The data of a video.completed or video.failed event: the row as it turned terminal. <c>clips_done</c> counts the
/// clips analysed successfully (as the row does), <c>clips_failed</c> the ones that failed.
/// </summary>
public sealed record VideoEventData(
    Guid VideoId, string FileName, VideoState State, int ClipsTotal, int ClipsDone, int ClipsFailed, string? Error, double? DurationSeconds);
