using System.Security.Claims;
using Microsoft.AspNetCore.StaticFiles;
using VideoCoca.Gateway.Access;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VideoCoca.Contracts.Api;
using VideoCoca.GrainInterfaces;
using VideoCoca.Gateway.Cluster;
using VideoCoca.Gateway.Hosting;
using VideoCoca.Gateway.Uploads;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Entities;
using ClipResultDto = VideoCoca.Contracts.Api.ClipResult;
using VideoCoca.Gateway.Http;
using VideoCoca.Gateway.Models;
using Microsoft.AspNetCore.Mvc;

namespace VideoCoca.Gateway.Videos;

/// <summary>Reading and deleting videos: status, pages of videos, clip results, thumbnails.</summary>
public static class VideoEndpoints
{
    public static void MapVideoEndpoints(this IEndpointRouteBuilder routes)
    {
        var videos = routes.MapGroup("/api/videos");
        videos.MapGet("/", ListAsync).WithName("ListVideos").WithSummary("Videos, newest first, a page at a time.")
            .Produces<VideoPage>().ProducesValidationProblem();
        videos.MapGet("/{id}", GetAsync).WithName("GetVideo").WithSummary("A video's state and progress.")
            .Produces<VideoStatus>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        videos.MapGet("/{id}/clips", ClipsAsync).WithName("GetVideoClips").WithSummary("Every clip with its state (queued, analysed, failed; pending: not yet analysed by the version read): time range, thumbnail, and the caption, labels and answers of the active model version (or the one named by model_version) once analysed, or why it failed.")
            .Produces<IReadOnlyList<ClipResultDto>>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        videos.MapGet("/{id}/clips/{index:int}/thumbnail", ThumbnailAsync).WithName("GetClipThumbnail").WithSummary("A clip's thumbnail image.")
            .Produces(StatusCodes.Status200OK, contentType: "image/jpeg").ProducesProblem(StatusCodes.Status404NotFound);
        videos.MapPost("/{id}/retry", RetryAsync).WithName("RetryFailedClips").RequireAuthorization(AccessPolicies.Editor)
            .WithSummary("Queues a finished video's failed clips again; the video goes back to analysing and completes again.")
            .Produces<VideoStatus>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        videos.MapDelete("/{id}", DeleteAsync).WithName("DeleteVideo").RequireAuthorization(AccessPolicies.Editor).WithSummary("Stops a video's work and removes its files and results.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<IResult> ListAsync([AsParameters] PageQuery paging, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, CancellationToken cancellationToken)
    {
        if (!paging.TryRead(out var page, out var pageSize, out var pageProblem)) return pageProblem;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var total = await db.Videos.OwnedBy(user).CountAsync(cancellationToken);
        var rows = await db.Videos.AsNoTracking().OwnedBy(user).OrderByDescending(v => v.CreatedAt).ThenBy(v => v.Id)
            .Skip(PageQuery.Skip(page, pageSize)).Take(pageSize).ToListAsync(cancellationToken);
        return Results.Ok(new VideoPage(rows.Select(ToStatus).ToList(), page, pageSize, total));
    }

    private static async Task<IResult> GetAsync(string id, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var videoId))
        {
            return ApiProblems.MalformedVideoId(id);
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var video = await db.Videos.AsNoTracking().OwnedBy(user).FirstOrDefaultAsync(v => v.Id == videoId, cancellationToken);
        return video is null ? ApiProblems.UnknownVideo(videoId) : Results.Ok(ToStatus(video));
    }

    private static async Task<IResult> ClipsAsync(
        string id, [FromQuery(Name = "model_version")] string? modelVersion, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var videoId))
        {
            return ApiProblems.MalformedVideoId(id);
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (!await db.Videos.OwnedBy(user).AnyAsync(v => v.Id == videoId, cancellationToken))
        {
            return ApiProblems.UnknownVideo(videoId);
        }
        // One version for the whole list: an activation between two clips' reads cannot mix versions in one answer.
        var version = await ModelVersionResolver.ResolveAsync(db, modelVersion, cancellationToken);
        if (version is null && !string.IsNullOrWhiteSpace(modelVersion))
        {
            return ApiProblems.Invalid("model_version", $"there is no model version '{modelVersion}'");
        }
        var clips = await db.Clips.AsNoTracking().Where(c => c.VideoId == videoId).OrderBy(c => c.Index).ToListAsync(cancellationToken);
        var clipIds = clips.Select(c => c.Id).ToList();
        var versionId = version?.Id ?? -1;
        var results = await db.ClipResults.AsNoTracking()
            .Where(r => clipIds.Contains(r.ClipId) && r.ModelVersionId == versionId)
            .Include(r => r.ModelVersion).Include(r => r.Labels).Include(r => r.Answers)
            .AsSplitQuery()
            .ToListAsync(cancellationToken);
        var latest = results.ToDictionary(r => r.ClipId);
        var list = new List<ClipResultDto>();
        foreach (var clip in clips)
        {
            var thumbnail = ApiLinks.Thumbnail(videoId, clip.Index, clip.ThumbnailPath is not null);
            if (!latest.TryGetValue(clip.Id, out var result))
            {
                // Failed or still waiting: listed all the same, with its state and (when it failed) the reason.
                list.Add(new ClipResultDto
                {
                    ClipId = clip.Id,
                    Index = clip.Index,
                    StartSeconds = clip.StartSeconds,
                    EndSeconds = clip.EndSeconds,
                    Caption = "",
                    Labels = [],
                    Answers = [],
                    ModelVersion = "",
                    ThumbnailUrl = thumbnail,
                    // Analysed by another version only: waiting for the version read (a campaign brings it).
                    State = clip.State == ClipState.Analysed ? ClipStates.Pending : WireState(clip.State),
                    Error = clip.Error,
                });
                continue;
            }
            list.Add(new ClipResultDto
            {
                ClipId = clip.Id,
                Index = clip.Index,
                StartSeconds = clip.StartSeconds,
                EndSeconds = clip.EndSeconds,
                Caption = result.Caption,
                Labels = result.Labels.OrderBy(l => l.Rank).Select(l => new LabelResult { Label = l.Label, Confidence = l.Confidence }).ToList(),
                Answers = result.Answers.OrderBy(a => a.Question, StringComparer.Ordinal).Select(a => new AnswerResult { Question = a.Question, Answer = a.Answer }).ToList(),
                ModelVersion = result.ModelVersion?.Name ?? "",
                ThumbnailUrl = thumbnail,
                // Results stored: analysed, whatever an older verdict left in the row.
                State = ClipStates.Analysed,
            });
        }
        return Results.Ok(list);
    }

    private static async Task<IResult> ThumbnailAsync(
        string id, int index, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, IOptions<GatewayOptions> options, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var videoId))
        {
            return ApiProblems.MalformedVideoId(id);
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var path = await db.Clips.AsNoTracking().OwnedBy(user).Where(c => c.VideoId == videoId && c.Index == index)
            .Select(c => c.ThumbnailPath).FirstOrDefaultAsync(cancellationToken);
        var blobRoot = GatewayOptions.ResolveBlobRoot(options.Value.BlobRoot);
        var full = path is null ? null : Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(blobRoot, path));
        // Only files inside blob storage are served.
        if (full is null || !full.StartsWith(blobRoot.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(full))
        {
            return ApiProblems.Problem(StatusCodes.Status404NotFound, "No thumbnail", $"clip {index} of video {videoId} has no thumbnail");
        }
        var contentType = new FileExtensionContentTypeProvider().TryGetContentType(full, out var type) ? type : "application/octet-stream";
        return Results.File(full, contentType);
    }

    private static async Task<IResult> DeleteAsync(string id, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, IVideoGrains grains, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var videoId))
        {
            return ApiProblems.MalformedVideoId(id);
        }
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            if (!await db.Videos.OwnedBy(user).AnyAsync(v => v.Id == videoId, cancellationToken))
            {
                return ApiProblems.UnknownVideo(videoId);
            }
        }
        try
        {
            await grains.DeleteAsync(videoId);
        }
        catch (ClusterUnavailableException e)
        {
            return ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, "Processing unavailable", e.Message);
        }
        return Results.NoContent();
    }

    private static async Task<IResult> RetryAsync(string id, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, IVideoGrains grains, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var videoId))
        {
            return ApiProblems.MalformedVideoId(id);
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (!await db.Videos.OwnedBy(user).AnyAsync(v => v.Id == videoId, cancellationToken))
        {
            return ApiProblems.UnknownVideo(videoId);
        }
        ClipRetry retry;
        try
        {
            retry = await grains.RetryFailedClipsAsync(videoId);
        }
        catch (ClusterUnavailableException e)
        {
            return ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, "Processing unavailable", e.Message);
        }
        return retry.Outcome switch
        {
            // The grain mirrored the video back to analysing before it answered: the row is the status to show.
            ClipRetryOutcome.Queued => Results.Accepted($"/api/videos/{videoId}",
                ToStatus(await db.Videos.AsNoTracking().FirstAsync(v => v.Id == videoId, cancellationToken))),
            ClipRetryOutcome.UnknownVideo => ApiProblems.UnknownVideo(videoId),
            ClipRetryOutcome.NotFinished => ApiProblems.Problem(StatusCodes.Status409Conflict, "Video not finished", retry.Detail ?? ""),
            ClipRetryOutcome.NoFailedClips => ApiProblems.Problem(StatusCodes.Status409Conflict, "No failed clips", retry.Detail ?? ""),
            _ => ApiProblems.Problem(StatusCodes.Status409Conflict, "Frames missing", retry.Detail ?? ""),
        };
    }

    private static string WireState(ClipState state) => state switch
    {
        ClipState.Pending => ClipStates.Pending,
        ClipState.Queued => ClipStates.Queued,
        ClipState.Analysed => ClipStates.Analysed,
        _ => ClipStates.Failed,
    };

    internal static VideoStatus ToStatus(Video video) => new()
    {
        VideoId = video.Id,
        FileName = video.FileName,
        State = video.State,
        Progress = new VideoProgress { Done = video.ClipsDone + video.ClipsFailed, Total = video.ClipsTotal, Failed = video.ClipsFailed },
        Error = video.Error,
        Warnings = video.Warnings,
        DurationSeconds = video.DurationSeconds,
        CreatedAt = video.CreatedAt,
        UpdatedAt = video.UpdatedAt,
    };
}
