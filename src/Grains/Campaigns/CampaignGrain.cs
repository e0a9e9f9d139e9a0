using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoCoca.Contracts.Messages;
using VideoCoca.GrainInterfaces;
using VideoCoca.Grains.Storage;
using VideoCoca.Grains.Videos;
using VideoCoca.Ingest;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Campaigns;
using VideoCoca.Persistence.Entities;
using VideoCoca.Persistence.Models;

namespace VideoCoca.Grains.Campaigns;

/// <summary>
/// A re-processing campaign. Its row and its ledger (campaign_clips) hold everything it knows, so the grain keeps no state
/// of its own: any activation, on any silo, reads where the campaign stands and carries on. Each tick takes the next clips
/// in scope into the ledger, then sends them, then marks them sent; a silo lost between the first and the last step leaves
/// ledger lines without a send time, which the next activation sends (a clip sent twice is stored once: results are keyed
/// by clip and version). The rate counts the ledger's sends in the last minute, so it holds across silos too.
/// </summary>
public sealed class CampaignGrain(
    IDbContextFactory<ResultsDbContext> contexts,
    IClipPublisher publisher,
    CampaignFrames frames,
    IOptions<CampaignOptions> options,
    TimeProvider clock,
    ILogger<CampaignGrain> logger) : Grain, ICampaignGrain, IRemindable
{
    /// <summary>The reminder that brings a running or paused campaign back after a silo loss.</summary>
    public const string ReminderName = "campaign";

    private readonly CampaignOptions _options = options.Value;
    private IGrainTimer? _timer;
    private int _settledSinceTick;

    private Guid CampaignId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Woken by the reminder, a worker's answer or an operator after a silo loss: a running campaign goes on ticking.
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var state = await db.Campaigns.Where(c => c.Id == CampaignId).Select(c => (CampaignState?)c.State).FirstOrDefaultAsync(cancellationToken);
        if (state == CampaignState.Running) StartTicking();
    }

    public async Task StartAsync()
    {
        await this.RegisterOrUpdateReminder(ReminderName, _options.ReminderPeriod, _options.ReminderPeriod);
        StartTicking();
        logger.LogInformation("Campaign {CampaignId} started", CampaignId);
    }

    public async Task<string> PauseAsync()
    {
        var state = await TransitionAsync([CampaignState.Running], CampaignState.Paused, finished: false);
        if (state == CampaignState.Paused) StopTicking();
        return Wire(state);
    }

    public async Task<string> ResumeAsync()
    {
        var state = await TransitionAsync([CampaignState.Paused], CampaignState.Running, finished: false);
        if (state == CampaignState.Running)
        {
            await this.RegisterOrUpdateReminder(ReminderName, _options.ReminderPeriod, _options.ReminderPeriod);
            StartTicking();
        }
        return Wire(state);
    }

    public async Task<string> CancelAsync()
    {
        var state = await TransitionAsync([CampaignState.Running, CampaignState.Paused], CampaignState.Cancelled, finished: true);
        if (state == CampaignState.Cancelled)
        {
            // Taken but never sent: nothing will answer them.
            await using var db = await contexts.CreateDbContextAsync();
            await db.CampaignClips.Where(l => l.CampaignId == CampaignId && l.PublishedAt == null).ExecuteDeleteAsync();
            await StopAsync();
        }
        return Wire(state);
    }

    public Task ClipSettledAsync()
    {
        // Half the window answered: send the next clips now rather than at the next tick, so the workers never run dry.
        if (_timer is not null && ++_settledSinceTick >= Math.Max(1, _options.MaxInFlight / 2))
        {
            _settledSinceTick = 0;
            _timer.Change(TimeSpan.Zero, _options.TickPeriod);
        }
        return Task.CompletedTask;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReminderName) return;
        await using var db = await contexts.CreateDbContextAsync();
        var state = await db.Campaigns.Where(c => c.Id == CampaignId).Select(c => (CampaignState?)c.State).FirstOrDefaultAsync();
        if (state is null or CampaignState.Completed or CampaignState.Cancelled or CampaignState.Failed)
        {
            await StopAsync();
        }
        else if (state == CampaignState.Running)
        {
            StartTicking();
        }
    }

    private void StartTicking()
    {
        _timer ??= this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = _options.TickPeriod,
            // Ticks and operator calls take turns: a pause never lands in the middle of a tick's sends.
            Interleave = false,
            KeepAlive = true,
        });
    }

    private void StopTicking()
    {
        _timer?.Dispose();
        _timer = null;
    }

    private async Task StopAsync()
    {
        StopTicking();
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private async Task<CampaignState?> TransitionAsync(CampaignState[] from, CampaignState to, bool finished)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var now = clock.GetUtcNow();
        await db.Campaigns.Where(c => c.Id == CampaignId && from.Contains(c.State))
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.State, to).SetProperty(c => c.UpdatedAt, now)
                .SetProperty(c => c.FinishedAt, c => finished ? now : c.FinishedAt));
        var state = await db.Campaigns.Where(c => c.Id == CampaignId).Select(c => (CampaignState?)c.State).FirstOrDefaultAsync();
        logger.LogInformation("Campaign {CampaignId}: {State}", CampaignId, state);
        return state;
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RunTickAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The database or the broker is away: the ledger says where the campaign is, the next tick tries again.
            logger.LogError(e, "Campaign {CampaignId}: tick failed; trying again next tick", CampaignId);
        }
    }

    private async Task RunTickAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var campaign = await db.Campaigns.Include(c => c.TargetVersion).FirstOrDefaultAsync(c => c.Id == CampaignId, cancellationToken);
        if (campaign is null || campaign.State != CampaignState.Running)
        {
            if (campaign?.State is not CampaignState.Paused) await StopAsync();
            else StopTicking();
            return;
        }
        var now = clock.GetUtcNow();
        if (FrameInputs.Of(campaign.TargetVersion!) is not { } input)
        {
            await SetDetailAsync(db, campaign, $"waiting for a worker of {campaign.TargetVersion!.Name} to register the input it takes", cancellationToken);
            return;
        }

        // Taken but not sent before a silo was lost: send them first.
        var unsentIds = db.CampaignClips.Where(l => l.CampaignId == campaign.Id && l.PublishedAt == null).Select(l => l.ClipId);
        var unsent = await db.Clips.AsNoTracking().Where(c => unsentIds.Contains(c.Id)).OrderBy(c => c.VideoId).ThenBy(c => c.Index).ToListAsync(cancellationToken);
        if (unsent.Count > 0)
        {
            logger.LogInformation("Campaign {CampaignId}: sending {Count} clips taken before a silo was lost", CampaignId, unsent.Count);
            await SendAsync(db, campaign, input, unsent, cancellationToken);
        }

        var progress = await CampaignScopes.ProgressAsync(db, campaign, now, cancellationToken);
        if (progress.Finished)
        {
            await CompleteAsync(db, campaign, progress, cancellationToken);
            return;
        }
        if (!CampaignWindow.Contains(campaign.WindowStart, campaign.WindowEnd, campaign.TimeZone, now))
        {
            await SetDetailAsync(db, campaign,
                $"waiting for its window {CampaignWindow.Format(campaign.WindowStart!.Value, campaign.WindowEnd!.Value)} ({campaign.TimeZone})", cancellationToken);
            return;
        }
        if (_options.YieldToUploads && await NewUploads.InProgressAsync(db, now - _options.UploadActivity, cancellationToken) is > 0 and var uploads)
        {
            await SetDetailAsync(db, campaign, $"yielding to {uploads} new upload{(uploads == 1 ? "" : "s")} in progress", cancellationToken);
            return;
        }
        _settledSinceTick = 0;
        var budget = Math.Min(campaign.ClipsPerMinute - progress.PublishedLastMinute, _options.MaxClipsPerTick);
        budget = Math.Min(budget, _options.MaxInFlight - progress.InFlight - progress.Unpublished);
        var taken = await db.CampaignClips.CountAsync(l => l.CampaignId == campaign.Id, cancellationToken);
        var hold = _options.HoldAfterPublished > 0 && taken < _options.HoldAfterPublished;
        if (hold) budget = Math.Min(budget, _options.HoldAfterPublished - taken);
        if (budget <= 0 || progress.Remaining == 0)
        {
            await SetDetailAsync(db, campaign, null, cancellationToken);
            return;
        }

        var next = await CampaignScopes.Remaining(db, campaign).AsNoTracking()
            .OrderBy(c => c.Video!.CreatedAt).ThenBy(c => c.VideoId).ThenBy(c => c.Index)
            .Take(budget)
            .ToListAsync(cancellationToken);
        db.CampaignClips.AddRange(next.Select(c => new CampaignClip
        {
            CampaignId = campaign.Id, ClipId = c.Id, VideoId = c.VideoId, State = CampaignClipState.Queued,
        }));
        campaign.Detail = null;
        campaign.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        await SendAsync(db, campaign, input, next, cancellationToken);
        logger.LogInformation("Campaign {CampaignId}: published {Count} clips ({Taken} so far)", CampaignId, next.Count, taken + next.Count);

        if (hold && taken + next.Count >= _options.HoldAfterPublished)
        {
            logger.LogWarning("Campaign {CampaignId}: holding after {Count} clips published (Campaigns:HoldAfterPublished)", CampaignId, taken + next.Count);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }

    /// <summary>Cuts frames where the version needs other ones, sends each clip, then records the sends.</summary>
    private async Task SendAsync(ResultsDbContext db, Campaign campaign, FrameInput input, IReadOnlyList<Clip> clips, CancellationToken cancellationToken)
    {
        var version = campaign.TargetVersion!.Name;
        // The clips as they are now, under FOR SHARE: their ledger lines are written, so no retention sweep that starts from here
        // on deletes their frames, and one marking them at this very moment is waited for; a clip it marked is then cut again
        // rather than sent with a file that goes before a worker reads it (see RetentionSweeper).
        var ids = clips.Select(c => c.Id).ToArray();
        var current = await db.Clips.FromSql($"SELECT * FROM clips WHERE id = ANY({ids}) FOR SHARE").AsNoTracking()
            .ToDictionaryAsync(c => c.Id, cancellationToken);
        clips = clips.Select(c => current.GetValueOrDefault(c.Id) ?? c).ToList();
        var videos = await db.Videos.AsNoTracking().Where(v => clips.Select(c => c.VideoId).Contains(v.Id)).ToDictionaryAsync(v => v.Id, cancellationToken);
        var sent = new List<Guid>();
        var unreadable = new List<(Guid ClipId, string Reason)>();
        foreach (var byVideo in clips.GroupBy(c => c.VideoId))
        {
            var video = videos[byVideo.Key];
            var located = await frames.LocateAsync(video, byVideo.ToList(), input, cancellationToken);
            var questions = JsonSerializer.Deserialize<List<string>>(video.QuestionsJson) ?? [];
            foreach (var clip in byVideo)
            {
                if (!located.TryGetValue(clip.Id, out var place))
                {
                    continue;
                }
                if (place.Error is { } error)
                {
                    unreadable.Add((clip.Id, error));
                    continue;
                }
                await publisher.PublishAsync(new AnalyzeClip(
                    clip.VideoId, clip.Id, clip.Index, clip.StartSeconds, clip.EndSeconds,
                    new ClipFrames(place.Path!, FrameElementType.UInt8, input.Frames, input.Height, input.Width),
                    questions, version, campaign.Id), ClipLane.Campaign, CancellationToken.None);
                sent.Add(clip.Id);
            }
        }
        var now = clock.GetUtcNow();
        await db.CampaignClips.Where(l => l.CampaignId == campaign.Id && sent.Contains(l.ClipId))
            .ExecuteUpdateAsync(u => u.SetProperty(l => l.PublishedAt, now), CancellationToken.None);
        foreach (var (clipId, reason) in unreadable)
        {
            await db.CampaignClips.Where(l => l.CampaignId == campaign.Id && l.ClipId == clipId)
                .ExecuteUpdateAsync(u => u.SetProperty(l => l.State, CampaignClipState.Failed).SetProperty(l => l.Error, reason)
                    .SetProperty(l => l.PublishedAt, now).SetProperty(l => l.FinishedAt, now), CancellationToken.None);
        }
    }

    private async Task CompleteAsync(ResultsDbContext db, Campaign campaign, CampaignProgress progress, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        string? detail = null;
        if (campaign.ActivateOnCompletion)
        {
            if (progress.Failed == 0 && progress.Done == progress.Total)
            {
                await ModelActivation.ActivateAsync(db, campaign.TargetVersionId, cancellationToken);
                detail = $"{campaign.TargetVersion!.Name} is now the active version";
            }
            else
            {
                detail = $"{campaign.TargetVersion!.Name} was not activated: {progress.Failed} clips failed under it";
            }
        }
        campaign.State = CampaignState.Completed;
        campaign.FinishedAt = now;
        campaign.UpdatedAt = now;
        campaign.ClipsTotal = progress.Total;
        campaign.Detail = detail;
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Campaign {CampaignId} completed: {Done} of {Total} clips done, {Failed} failed{Detail}",
            CampaignId, progress.Done, progress.Total, progress.Failed, detail is null ? "" : $"; {detail}");
        await frames.ReleaseAsync(db, campaign, cancellationToken);
        await StopAsync();
    }

    private async Task SetDetailAsync(ResultsDbContext db, Campaign campaign, string? detail, CancellationToken cancellationToken)
    {
        if (campaign.Detail == detail) return;
        campaign.Detail = detail;
        campaign.UpdatedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
    }

    private static string Wire(CampaignState? state) => state is { } known ? JsonNamingPolicy.SnakeCaseLower.ConvertName(known.ToString()) : "unknown";
}
