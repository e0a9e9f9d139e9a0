using VideoCoca.Gateway.Access;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VideoCoca.Contracts.Api;
using VideoCoca.Gateway.Uploads;
using VideoCoca.Gateway.Videos;
using VideoCoca.Persistence;
using VideoCoca.Gateway.Http;

namespace VideoCoca.Gateway.Events;

/// <summary>
/// <c>GET /api/videos/{id}/events</c>: Server-Sent Events of a video until it is finished. <c>event: state</c> carries
/// the status (as <c>GET /api/videos/{id}</c>) first and on every change of state; <c>event: progress</c> carries the
/// clip counts on every change of them; the stream ends after the state event of a finished video, or with
/// <c>event: revoked</c> once its key is revoked. The video's row is
/// polled: it is what every silo mirrors the grain into, so any gateway can serve any video's stream.
/// </summary>
public static class VideoEventsEndpoint
{
    public const string ContentType = "text/event-stream";

    public static void MapVideoEventsEndpoint(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/videos/{id}/events", StreamAsync).WithName("GetVideoEvents")
            .WithSummary("Server-Sent Events of the video's state changes (event: state) and clip progress (event: progress) until it is finished.")
            .Produces(StatusCodes.Status200OK, contentType: ContentType)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> StreamAsync(
        string id, HttpContext context, IDbContextFactory<ResultsDbContext> contexts, IOptions<VideoEventsOptions> options,
        IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, TimeProvider clock)
    {
        if (!Guid.TryParse(id, out var videoId))
        {
            return ApiProblems.MalformedVideoId(id);
        }
        var cancellationToken = context.RequestAborted;
        var tenantId = context.User.GetTenantId();
        var keyId = context.User.GetKeyId();
        var (status, _) = await ReadAsync(contexts, videoId, tenantId, keyId, cancellationToken);
        if (status is null)
        {
            return ApiProblems.UnknownVideo(videoId);
        }

        var response = context.Response;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-cache";
        // Tells a buffering reverse proxy (nginx) to pass each event on as it comes.
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var serializer = json.Value.SerializerOptions;
        var settings = options.Value;
        try
        {
            await WriteAsync(response, "state", JsonSerializer.Serialize(status, serializer), cancellationToken);
            var lastWrite = clock.GetUtcNow();
            var state = status.State;
            var progress = status.Progress;
            while (!IsFinished(state))
            {
                await Task.Delay(settings.PollInterval, clock, cancellationToken);
                (status, var keyLive) = await ReadAsync(contexts, videoId, tenantId, keyId, cancellationToken);
                if (status is null)
                {
                    // Deleted while watched: nothing more will come.
                    break;
                }
                if (!keyLive)
                {
                    // The key was checked when the stream opened; a stream can outlive that check by hours.
                    await WriteAsync(response, "revoked", JsonSerializer.Serialize(new RevokedEvent("the API key was revoked"), serializer), cancellationToken);
                    break;
                }
                // Progress before state: the last event of a finished video is its state.
                if (status.Progress != progress)
                {
                    progress = status.Progress;
                    await WriteAsync(response, "progress", JsonSerializer.Serialize(new ProgressEvent(videoId, progress.Done, progress.Total, progress.Failed), serializer), cancellationToken);
                    lastWrite = clock.GetUtcNow();
                }
                if (status.State != state)
                {
                    state = status.State;
                    await WriteAsync(response, "state", JsonSerializer.Serialize(status, serializer), cancellationToken);
                    lastWrite = clock.GetUtcNow();
                }
                else if (clock.GetUtcNow() - lastWrite >= settings.KeepAliveInterval)
                {
                    await response.WriteAsync(": keep-alive\n\n", cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                    lastWrite = clock.GetUtcNow();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }
        return Results.Empty;
    }

    /// <summary>The video's status (null when it is gone) and whether the stream's key is still unrevoked, in one query.</summary>
    private static async Task<(VideoStatus? Status, bool KeyLive)> ReadAsync(
        IDbContextFactory<ResultsDbContext> contexts, Guid videoId, Guid tenantId, Guid keyId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.Videos.AsNoTracking().Where(v => v.Id == videoId && v.TenantId == tenantId)
            .Select(v => new { Video = v, KeyLive = db.ApiKeys.Any(k => k.Id == keyId && k.RevokedAt == null) })
            .FirstOrDefaultAsync(cancellationToken);
        return row is null ? (null, false) : (VideoEndpoints.ToStatus(row.Video), row.KeyLive);
    }

    private static async Task WriteAsync(HttpResponse response, string name, string data, CancellationToken cancellationToken)
    {
        // JSON on one line: no newline can split the data field.
        await response.WriteAsync(new StringBuilder("event: ").Append(name).Append("\ndata: ").Append(data).Append("\n\n").ToString(), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private static bool IsFinished(VideoState state) => state is VideoState.Completed or VideoState.CompletedWithErrors or VideoState.Failed;

    /// <summary>The data of <c>event: revoked</c>, the last event of a stream whose key was revoked while it was open.</summary>
    public sealed record RevokedEvent([property: JsonPropertyName("detail")] string Detail);

    /// <summary>The data of <c>event: progress</c>.</summary>
    public sealed record ProgressEvent(
        [property: JsonPropertyName("video_id")] Guid VideoId,
        [property: JsonPropertyName("done")] int Done,
        [property: JsonPropertyName("total")] int Total,
        [property: JsonPropertyName("failed")] int Failed);
}
