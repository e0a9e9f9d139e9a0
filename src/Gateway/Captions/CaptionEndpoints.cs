using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using VideoCoca.Contracts.Api;
using VideoCoca.Gateway.Access;
using VideoCoca.Gateway.Http;
using VideoCoca.Gateway.Models;
using VideoCoca.Persistence;

namespace VideoCoca.Gateway.Captions;

/// <summary>GET /api/videos/{id}/captions.vtt and .srt: the clips' captions as subtitles, of the version reads resolve to.</summary>
public static class CaptionEndpoints
{
    /// <summary>The captions group, for an access policy to cover (reading them is a viewer's right).</summary>
    public static RouteGroupBuilder MapCaptionEndpoints(this IEndpointRouteBuilder routes)
    {
        var captions = routes.MapGroup("/api/videos/{id}");
        captions.MapGet("/captions.vtt", (string id, [FromQuery(Name = "model_version")] string? modelVersion, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, CancellationToken cancellationToken) =>
                ExportAsync(id, modelVersion, SubtitleFormat.WebVtt, user, contexts, cancellationToken))
            .WithName("GetVideoCaptionsVtt")
            .WithSummary("The clips' captions as WebVTT (hh:mm:ss.mmm), of the active model version or the one named by model_version; 409 until the video is analysed.")
            .Produces<string>(StatusCodes.Status200OK, "text/vtt").ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        captions.MapGet("/captions.srt", (string id, [FromQuery(Name = "model_version")] string? modelVersion, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, CancellationToken cancellationToken) =>
                ExportAsync(id, modelVersion, SubtitleFormat.SubRip, user, contexts, cancellationToken))
            .WithName("GetVideoCaptionsSrt")
            .WithSummary("The clips' captions as SubRip (hh:mm:ss,mmm), of the active model version or the one named by model_version; 409 until the video is analysed.")
            .Produces<string>(StatusCodes.Status200OK, "application/x-subrip").ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return captions;
    }

    private static async Task<IResult> ExportAsync(
        string id, string? modelVersion, SubtitleFormat format, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var videoId)) return ApiProblems.MalformedVideoId(id);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // Another tenant's video is unknown here, as everywhere.
        var video = await db.Videos.AsNoTracking().OwnedBy(user).Where(v => v.Id == videoId).Select(v => new { v.State, v.FileName }).FirstOrDefaultAsync(cancellationToken);
        if (video is null) return ApiProblems.UnknownVideo(videoId);
        if (video.State is not (VideoState.Completed or VideoState.CompletedWithErrors))
        {
            return ApiProblems.NotAnalysed(video.State == VideoState.Failed
                ? $"video {videoId} failed and has no captions"
                : $"video {videoId} is still being analysed; its captions are ready once it is completed");
        }
        var version = await ModelVersionResolver.ResolveAsync(db, modelVersion, cancellationToken);
        if (version is null)
        {
            return string.IsNullOrWhiteSpace(modelVersion)
                ? ApiProblems.NotAnalysed($"no model version has analysed video {videoId}")
                : ApiProblems.Invalid("model_version", $"there is no model version '{modelVersion}'");
        }
        // Clips in time order; a failed clip (or one the version has not analysed) leaves a gap rather than an empty cue.
        var cues = await db.Clips.AsNoTracking().Where(c => c.VideoId == videoId)
            .Join(db.ClipResults.AsNoTracking().Where(r => r.ModelVersionId == version.Id), c => c.Id, r => r.ClipId,
                (c, r) => new { c.Index, c.StartSeconds, c.EndSeconds, r.Caption })
            .OrderBy(c => c.StartSeconds).ThenBy(c => c.Index)
            .ToListAsync(cancellationToken);
        if (cues.Count == 0)
        {
            return ApiProblems.NotAnalysed($"model version {version.Name} has no captions for video {videoId} yet");
        }
        var text = format.Write(cues.Select(c => new SubtitleCue(c.StartSeconds, c.EndSeconds, c.Caption)));
        var fileName = $"{Path.GetFileNameWithoutExtension(video.FileName)}.{format.Extension}";
        return Results.File(Encoding.UTF8.GetBytes(text), format.ContentType, fileName);
    }
}
