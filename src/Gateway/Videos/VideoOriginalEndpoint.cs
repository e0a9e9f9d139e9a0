using System.Security.Claims;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VideoCoca.Gateway.Access;
using VideoCoca.Gateway.Hosting;
using VideoCoca.Gateway.Http;
using VideoCoca.Persistence;

namespace VideoCoca.Gateway.Videos;

/// <summary>
/// <c>GET /api/videos/{id}/original</c>: the uploaded file itself, with range requests, so that a browser's video
/// element can seek in it (the web interface's player) without downloading all of it first.
/// </summary>
public static class VideoOriginalEndpoint
{
    public static void MapVideoOriginalEndpoint(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/videos/{id}/original", GetOriginalAsync).WithName("GetVideoOriginal")
            .WithSummary("The uploaded file as it was received; answers range requests (206) so that players can seek.")
            .Produces(StatusCodes.Status200OK, contentType: "video/mp4").Produces(StatusCodes.Status206PartialContent)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status410Gone);

    private static async Task<IResult> GetOriginalAsync(
        string id, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, IOptions<GatewayOptions> options, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var videoId))
        {
            return ApiProblems.MalformedVideoId(id);
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // Another tenant's video is unknown here, as everywhere in the API.
        var video = await db.Videos.AsNoTracking().OwnedBy(user).Where(v => v.Id == videoId)
            .Select(v => new { v.BlobPath, v.FileName, v.OriginalDeletedAt }).FirstOrDefaultAsync(cancellationToken);
        if (video is null)
        {
            return ApiProblems.UnknownVideo(videoId);
        }
        if (video.OriginalDeletedAt is { } deletedAt)
        {
            return ApiProblems.Problem(StatusCodes.Status410Gone, "Original deleted", $"the original of video {videoId} was deleted at {deletedAt:O} under the retention settings");
        }
        var blobRoot = GatewayOptions.ResolveBlobRoot(options.Value.BlobRoot);
        var full = Path.GetFullPath(Path.IsPathRooted(video.BlobPath) ? video.BlobPath : Path.Combine(blobRoot, video.BlobPath));
        // Only files inside blob storage are served, as for thumbnails.
        if (!full.StartsWith(blobRoot.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(full))
        {
            return ApiProblems.Problem(StatusCodes.Status404NotFound, "No original", $"video {videoId} has no original file in blob storage");
        }
        // The stored file's name carries no extension of the user's; the uploaded name says what it is.
        var contentType = new FileExtensionContentTypeProvider().TryGetContentType(video.FileName, out var type) ? type : "video/mp4";
        return Results.File(full, contentType, enableRangeProcessing: true);
    }
}
