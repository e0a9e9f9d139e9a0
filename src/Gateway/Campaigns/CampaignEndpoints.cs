using VideoCoca.Gateway.Access;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VideoCoca.Contracts.Api;
using VideoCoca.Gateway.Cluster;
using VideoCoca.Gateway.Http;
using VideoCoca.Gateway.Models;
using VideoCoca.GrainInterfaces;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Campaigns;
using VideoCoca.Persistence.Entities;

namespace VideoCoca.Gateway.Campaigns;

/// <summary>
/// /api/campaigns: operators re-process the catalogue under a model version, at a rate and inside a daily window, and
/// watch, pause, resume or cancel it. The row is written here; the campaign's grain does the work.
/// </summary>
public static class CampaignEndpoints
{
    public static void MapCampaignEndpoints(this IEndpointRouteBuilder routes)
    {
        // Campaigns re-analyse every tenant's catalogue: the platform's, so an admin's.
        var campaigns = routes.MapGroup("/api/campaigns").RequireAuthorization(AccessPolicies.Admin);
        campaigns.MapPost("/", CreateAsync).WithName("StartCampaign")
            .WithSummary("Starts re-analysing the finished videos in scope under a model version, at most clips_per_minute, inside the daily window; optionally activates the version when every clip is done.")
            .Produces<CampaignInfo>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        campaigns.MapGet("/", ListAsync).WithName("ListCampaigns").WithSummary("Campaigns, newest first, a page at a time.")
            .Produces<CampaignPage>().ProducesValidationProblem();
        campaigns.MapGet("/{id}", GetAsync).WithName("GetCampaign").WithSummary("A campaign's state, done/failed/total, progress and ETA.")
            .Produces<CampaignInfo>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        foreach (var (action, summary) in new[]
        {
            ("pause", "Stops publishing clips; those already queued still finish."),
            ("resume", "Publishes again from where the campaign stopped."),
            ("cancel", "Stops the campaign for good; clips already queued still finish."),
        })
        {
            campaigns.MapPost($"/{{id}}/{action}", (string id, IDbContextFactory<ResultsDbContext> contexts, ClusterClientHost cluster, IOptions<CampaignDefaults> options, TimeProvider clock, CancellationToken cancellationToken) =>
                    ControlAsync(id, action, contexts, cluster, options.Value, clock, cancellationToken))
                .WithName($"{char.ToUpperInvariant(action[0])}{action[1..]}Campaign").WithSummary(summary)
                .Produces<CampaignInfo>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
                .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static async Task<IResult> CreateAsync(
        CampaignRequest? request, IDbContextFactory<ResultsDbContext> contexts, ClusterClientHost cluster, IOptions<CampaignDefaults> options,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (request is null) return ApiProblems.Invalid("body", "send a JSON body with at least model_version");
        if (string.IsNullOrWhiteSpace(request.ModelVersion)) return ApiProblems.Invalid("model_version", "name the model version to re-analyse the clips under");
        var rate = request.ClipsPerMinute ?? settings.DefaultClipsPerMinute;
        if (rate is < 1 or > 1_000_000) return ApiProblems.Invalid("clips_per_minute", "must be between 1 and 1000000");
        TimeOnly? windowStart = null, windowEnd = null;
        if (!string.IsNullOrWhiteSpace(request.Window))
        {
            if (!CampaignWindow.TryParse(request.Window, out var start, out var end, out var error)) return ApiProblems.Invalid("window", error);
            (windowStart, windowEnd) = (start, end);
        }
        var zone = string.IsNullOrWhiteSpace(request.TimeZone) ? settings.TimeZone : request.TimeZone.Trim();
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _)) return ApiProblems.Invalid("time_zone", $"'{zone}' is not a time zone this platform knows (use an IANA name such as Europe/Berlin)");
        var scope = request.Scope ?? new CampaignScope();
        if (scope.UploadedAfter is { } after && scope.UploadedBefore is { } before && after >= before)
        {
            return ApiProblems.Invalid("scope.uploaded_before", "must be later than uploaded_after");
        }
        var videoIds = scope.VideoIds?.Distinct().ToList();
        if (videoIds is { Count: 0 }) return ApiProblems.Invalid("scope.video_ids", "name at least one video, or leave video_ids out for every video");

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var name = request.ModelVersion.Trim();
        var target = await db.ModelVersions.AsNoTracking().FirstOrDefaultAsync(m => m.Name == name, cancellationToken);
        if (target is null) return ApiProblems.Invalid("model_version", $"there is no model version '{name}': start a worker that serves it first");
        if (videoIds is not null)
        {
            var known = await db.Videos.Where(v => videoIds.Contains(v.Id)).Select(v => v.Id).ToListAsync(cancellationToken);
            var unknown = videoIds.Except(known).ToList();
            if (unknown.Count > 0) return ApiProblems.Invalid("scope.video_ids", $"there is no video {string.Join(", ", unknown.Take(5))}");
        }
        var source = await ModelVersionResolver.ResolveAsync(db, null, cancellationToken);
        var now = clock.GetUtcNow();
        var campaign = new Campaign
        {
            Id = Guid.CreateVersion7(),
            TargetVersionId = target.Id,
            SourceVersionId = source is not null && source.Id != target.Id ? source.Id : null,
            State = CampaignState.Running,
            UploadedAfter = scope.UploadedAfter,
            UploadedBefore = scope.UploadedBefore,
            VideoIds = videoIds,
            ClipsPerMinute = rate,
            WindowStart = windowStart,
            WindowEnd = windowEnd,
            TimeZone = zone,
            ActivateOnCompletion = request.ActivateOnCompletion,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync(cancellationToken);
        try
        {
            await ClusterCalls.InvokeAsync(async () =>
            {
                await cluster.RequireClient().GetGrain<ICampaignGrain>(campaign.Id).StartAsync();
                return true;
            });
        }
        catch (ClusterUnavailableException e)
        {
            // Not started: nothing would ever drive the row, so it goes.
            db.Campaigns.Remove(campaign);
            await db.SaveChangesAsync(CancellationToken.None);
            return ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, "Processing unavailable", e.Message);
        }
        var info = await InfoAsync(db, campaign.Id, settings, clock, cancellationToken);
        return Results.Created($"/api/campaigns/{campaign.Id}", info);
    }

    private static async Task<IResult> ListAsync(
        [AsParameters] PageQuery paging, IDbContextFactory<ResultsDbContext> contexts, IOptions<CampaignDefaults> options, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (!paging.TryRead(out var page, out var pageSize, out var pageProblem)) return pageProblem;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var total = await db.Campaigns.CountAsync(cancellationToken);
        var ids = await db.Campaigns.OrderByDescending(c => c.CreatedAt).ThenBy(c => c.Id)
            .Skip((page - 1) * pageSize).Take(pageSize).Select(c => c.Id).ToListAsync(cancellationToken);
        var items = new List<CampaignInfo>();
        foreach (var id in ids)
        {
            items.Add((await InfoAsync(db, id, options.Value, clock, cancellationToken))!);
        }
        return Results.Ok(new CampaignPage(items, page, pageSize, total));
    }

    private static async Task<IResult> GetAsync(
        string id, IDbContextFactory<ResultsDbContext> contexts, IOptions<CampaignDefaults> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var campaignId)) return ApiProblems.MalformedId("campaign", id);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await InfoAsync(db, campaignId, options.Value, clock, cancellationToken) is { } info
            ? Results.Ok(info)
            : ApiProblems.Unknown("campaign", campaignId);
    }

    private static async Task<IResult> ControlAsync(
        string id, string action, IDbContextFactory<ResultsDbContext> contexts, ClusterClientHost cluster, CampaignDefaults options, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var campaignId)) return ApiProblems.MalformedId("campaign", id);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var before = await db.Campaigns.Where(c => c.Id == campaignId).Select(c => (CampaignState?)c.State).FirstOrDefaultAsync(cancellationToken);
        if (before is null) return ApiProblems.Unknown("campaign", campaignId);
        CampaignState[] from = action switch { "pause" => [CampaignState.Running], "resume" => [CampaignState.Paused], _ => [CampaignState.Running, CampaignState.Paused] };
        if (!from.Contains(before.Value))
        {
            return NotAllowed(campaignId, action, StateName(before.Value));
        }
        string after;
        try
        {
            after = await ClusterCalls.InvokeAsync(() =>
            {
                var grain = cluster.RequireClient().GetGrain<ICampaignGrain>(campaignId);
                return action switch
                {
                    "pause" => grain.PauseAsync(),
                    "resume" => grain.ResumeAsync(),
                    _ => grain.CancelAsync(),
                };
            });
        }
        catch (ClusterUnavailableException e)
        {
            return ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, "Processing unavailable", e.Message);
        }
        var expected = action switch { "pause" => CampaignStates.Paused, "resume" => CampaignStates.Running, _ => CampaignStates.Cancelled };
        if (after != expected)
        {
            // It moved on (completed, say) between the check and the grain's turn.
            return NotAllowed(campaignId, action, after);
        }
        return Results.Ok(await InfoAsync(db, campaignId, options, clock, cancellationToken));
    }

    private static IResult NotAllowed(Guid campaignId, string action, string state) =>
        ApiProblems.Problem(StatusCodes.Status409Conflict, $"Cannot {action}",
            $"campaign {campaignId} is {state}; only a {(action == "resume" ? "paused" : action == "pause" ? "running" : "running or paused")} campaign can be {(action == "cancel" ? "cancelled" : action + "d")}");

    /// <summary>The campaign as the API shows it, its counts read from the ledger and the results; null for an unknown one.</summary>
    internal static async Task<CampaignInfo?> InfoAsync(ResultsDbContext db, Guid id, CampaignDefaults options, TimeProvider clock, CancellationToken cancellationToken)
    {
        var campaign = await db.Campaigns.AsNoTracking().Include(c => c.TargetVersion).Include(c => c.SourceVersion)
            .FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (campaign is null) return null;
        var now = clock.GetUtcNow();
        var progress = await CampaignScopes.ProgressAsync(db, campaign, now, cancellationToken);
        var settled = progress.Done + progress.Failed;
        var left = Math.Max(0, progress.Total - settled);
        // The pace it actually keeps, never above its rate; unknown until something has finished.
        var pace = Math.Min(campaign.ClipsPerMinute, progress.FinishedPerMinute);
        double? eta = campaign.State != CampaignState.Running ? null : left == 0 ? 0 : pace > 0 ? left / pace * 60 : null;
        return new CampaignInfo
        {
            Id = campaign.Id,
            State = StateName(campaign.State),
            ModelVersion = campaign.TargetVersion!.Name,
            SourceModelVersion = campaign.SourceVersion?.Name,
            Scope = new CampaignScope { UploadedAfter = campaign.UploadedAfter, UploadedBefore = campaign.UploadedBefore, VideoIds = campaign.VideoIds },
            ClipsPerMinute = campaign.ClipsPerMinute,
            Window = campaign.WindowStart is { } start && campaign.WindowEnd is { } end ? CampaignWindow.Format(start, end) : null,
            TimeZone = campaign.TimeZone,
            InWindow = CampaignWindow.Contains(campaign.WindowStart, campaign.WindowEnd, campaign.TimeZone, now),
            ActivateOnCompletion = campaign.ActivateOnCompletion,
            Total = progress.Total,
            Done = progress.Done,
            Failed = progress.Failed,
            InFlight = progress.InFlight,
            Progress = progress.Total == 0 ? (campaign.State == CampaignState.Completed ? 1 : 0) : Math.Min(1.0, (double)settled / progress.Total),
            EtaSeconds = eta,
            Detail = campaign.Detail,
            CreatedAt = campaign.CreatedAt,
            FinishedAt = campaign.FinishedAt,
        };
    }

    private static string StateName(CampaignState state) => state switch
    {
        CampaignState.Running => CampaignStates.Running,
        CampaignState.Paused => CampaignStates.Paused,
        CampaignState.Cancelled => CampaignStates.Cancelled,
        CampaignState.Completed => CampaignStates.Completed,
        _ => CampaignStates.Failed,
    };
}
