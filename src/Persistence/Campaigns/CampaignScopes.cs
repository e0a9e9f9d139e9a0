using Microsoft.EntityFrameworkCore;
using VideoCoca.Persistence.Entities;
using VideoCoca.Persistence.Models;

namespace VideoCoca.Persistence.Campaigns;

/// <summary>
/// Which clips a campaign covers, and how far it has come. Shared by the campaign's grain (what to publish next, when it is
/// done) and the gateway (what GET /api/campaigns shows), so that both count the same clips.
/// </summary>
public static class CampaignScopes
{
    /// <summary>
    /// The clips in scope: analysed clips of finished videos (completed, with or without errors) that satisfy the campaign's
    /// dates and ids. The scope is read afresh each time, so uploads that finish while a campaign runs join it (a campaign
    /// that ends with activation leaves no clip unanalysed by its version); clips that failed for their upload are left out.
    /// </summary>
    public static IQueryable<Clip> Clips(ResultsDbContext db, Campaign campaign)
    {
        var clips = ModelCoverage.Catalogue(db);
        if (campaign.UploadedAfter is { } after) clips = clips.Where(c => c.Video!.CreatedAt >= after);
        if (campaign.UploadedBefore is { } before) clips = clips.Where(c => c.Video!.CreatedAt < before);
        if (campaign.VideoIds is { } ids) clips = clips.Where(c => ids.Contains(c.VideoId));
        return clips;
    }

    /// <summary>Clips in scope that still need the campaign: no result under its version, and not yet in its ledger.</summary>
    public static IQueryable<Clip> Remaining(ResultsDbContext db, Campaign campaign) =>
        Clips(db, campaign).Where(c =>
            !db.ClipResults.Any(r => r.ClipId == c.Id && r.ModelVersionId == campaign.TargetVersionId)
            && !db.CampaignClips.Any(l => l.CampaignId == campaign.Id && l.ClipId == c.Id));

    /// <summary>Counts of the campaign's clips, in one round trip per figure.</summary>
    public static async Task<CampaignProgress> ProgressAsync(ResultsDbContext db, Campaign campaign, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var scope = Clips(db, campaign);
        var total = await scope.CountAsync(cancellationToken);
        var done = await scope.CountAsync(c => db.ClipResults.Any(r => r.ClipId == c.Id && r.ModelVersionId == campaign.TargetVersionId), cancellationToken);
        var remaining = await Remaining(db, campaign).CountAsync(cancellationToken);
        var ledger = await db.CampaignClips.Where(l => l.CampaignId == campaign.Id)
            .GroupBy(l => new { l.State, Published = l.PublishedAt != null })
            .Select(g => new { g.Key.State, g.Key.Published, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var minuteAgo = now.AddMinutes(-1);
        var recent = await db.CampaignClips.CountAsync(l => l.CampaignId == campaign.Id && l.PublishedAt >= minuteAgo, cancellationToken);
        var fiveMinutesAgo = now.AddMinutes(-5);
        var finishedRecently = await db.CampaignClips.CountAsync(l => l.CampaignId == campaign.Id && l.FinishedAt >= fiveMinutesAgo, cancellationToken);
        return new CampaignProgress(
            total, done,
            ledger.Where(l => l.State == CampaignClipState.Failed).Sum(l => l.Count),
            ledger.Where(l => l.State == CampaignClipState.Queued && l.Published).Sum(l => l.Count),
            ledger.Where(l => l.State == CampaignClipState.Queued && !l.Published).Sum(l => l.Count),
            remaining, recent, finishedRecently / 5.0);
    }
}

/// <summary>Where a campaign stands.</summary>
/// <param name="Total">Clips in scope.</param>
/// <param name="Done">Clips in scope with a result under the campaign's version.</param>
/// <param name="Failed">Clips the workers gave up on for the campaign.</param>
/// <param name="InFlight">Clips published and not yet answered.</param>
/// <param name="Unpublished">Clips taken into the ledger whose message has not been sent (a silo lost in between).</param>
/// <param name="Remaining">Clips in scope the campaign has not taken yet.</param>
/// <param name="PublishedLastMinute">Clips published in the last minute (what the rate limits).</param>
/// <param name="FinishedPerMinute">Clips answered per minute over the last five minutes.</param>
public sealed record CampaignProgress(
    int Total, int Done, int Failed, int InFlight, int Unpublished, int Remaining, int PublishedLastMinute, double FinishedPerMinute)
{
    /// <summary>Nothing left to take, send or wait for.</summary>
    public bool Finished => Remaining == 0 && InFlight == 0 && Unpublished == 0;
}
