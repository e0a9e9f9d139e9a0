using System.Diagnostics;
using VideoCoca.Gateway.Access;
using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using VideoCoca.Contracts.Api;
using VideoCoca.Contracts.Diagnostics;
using VideoCoca.Gateway.Cluster;
using VideoCoca.Gateway.Hosting;
using VideoCoca.Gateway.Videos;
using VideoCoca.GrainInterfaces;
using VideoCoca.Ingest;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Entities;
using VideoCoca.Gateway.Http;

namespace VideoCoca.Gateway.Uploads;

/// <summary>POST /api/videos: the upload, streamed to blob storage, probed, recorded, and handed to its grain.</summary>
public static class UploadEndpoints
{
    public const string UploadEndpointName = "UploadVideo";

    /// <summary>
    /// The upload's body in the OpenAPI document. Not declared with Accepts: routing would then answer other
    /// content types with a bare 415 before the handler could say what it wants.
    /// </summary>
    public static void DescribeUploadBody(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().Any(n => n.EndpointName == UploadEndpointName))
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = "The video file itself, streamed (not multipart).",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["video/*"] = new(),
                    ["application/octet-stream"] = new(),
                },
            };
            // The options are read from the query by UploadSettings (absent and empty differ there), not bound, so
            // the document is told about them here.
            operation.Parameters ??= [];
            foreach (var (name, type, description) in UploadQueryParameters)
            {
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = name,
                    In = ParameterLocation.Query,
                    Description = description,
                    Schema = type == JsonSchemaType.Array
                        ? new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } }
                        : new OpenApiSchema { Type = type },
                });
            }
        }
    }

    private static readonly (string Name, JsonSchemaType Type, string Description)[] UploadQueryParameters =
    [
        ("name", JsonSchemaType.String, "the file's name, as lists and events show it"),
        ("clip_length", JsonSchemaType.Number, "seconds per clip, 0.5 to 60 (default 4)"),
        ("overlap", JsonSchemaType.Number, "seconds consecutive clips share, less than clip_length (default 0)"),
        ("frames", JsonSchemaType.Integer, "frames sampled per clip, 1 to 64 (default 8)"),
        ("question", JsonSchemaType.Array, "a question to answer about every clip; repeat for several (default: the model's questions)"),
    ];

    public static void MapUploadEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/videos", UploadAsync)
            .WithName(UploadEndpointName)
            .RequireAuthorization(AccessPolicies.Editor)
            .WithSummary("Uploads a video (the raw request body) and starts its analysis.")
            .WithDescription("Query options: name, clip_length (0.5-60 s), overlap (s, less than clip_length), frames (1-64), question (repeatable).")
            .Produces<UploadAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithMetadata(new Microsoft.AspNetCore.Mvc.DisableRequestSizeLimitAttribute());
    }

    private static async Task<IResult> UploadAsync(
        HttpContext http, IOptions<GatewayOptions> options, VideoProbe probe, IDbContextFactory<ResultsDbContext> contexts,
        IVideoGrains grains, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var result = await ReceiveAsync(http, options, probe, contexts, grains, loggers, cancellationToken);
        UploadMetrics.Count(result);
        return result;
    }

    private static async Task<IResult> ReceiveAsync(
        HttpContext http, IOptions<GatewayOptions> options, VideoProbe probe, IDbContextFactory<ResultsDbContext> contexts,
        IVideoGrains grains, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(UploadEndpoints));
        var settings = options.Value;
        var request = http.Request;
        var mediaType = MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) ? parsed.MediaType.Value : null;

        var upload = UploadSettings.Parse(request.Query, mediaType, settings, out var invalid);
        if (invalid is not null)
        {
            return Results.ValidationProblem(
                new Dictionary<string, string[]> { [invalid.Field] = [invalid.Message] }, detail: invalid.Message, title: "Invalid upload option");
        }
        if (mediaType is null || !(mediaType.StartsWith("video/", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase)))
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "the upload's Content-Type must be video/* or application/octet-stream");
        }
        if (request.ContentLength == 0)
        {
            return Problem(StatusCodes.Status400BadRequest, "Empty upload", "the upload is empty");
        }
        if (request.ContentLength > settings.MaxUploadBytes)
        {
            return TooLarge(settings.MaxUploadBytes);
        }
        // The size is enforced while copying; Kestrel's default limit (30 MB) would cut real videos short.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = null;
        }

        var videoId = Guid.NewGuid();
        // The request's span names the video, so that its trace (which runs on to the grain, the workers and the
        // database) can be found from the id a user has.
        Activity.Current?.SetTag(UploadMetrics.VideoIdTag, videoId.ToString());
        var blobRoot = GatewayOptions.ResolveBlobRoot(settings.BlobRoot);
        var folder = Path.Combine(blobRoot, "videos", videoId.ToString());
        var path = Path.Combine(folder, "source" + upload.Extension);
        var stored = false;
        try
        {
            Directory.CreateDirectory(folder);
            var size = await CopyAsync(request.Body, path, settings.MaxUploadBytes, cancellationToken);
            if (size < 0)
            {
                return TooLarge(settings.MaxUploadBytes);
            }
            if (size == 0)
            {
                return Problem(StatusCodes.Status400BadRequest, "Empty upload", "the upload is empty");
            }

            ProbeOutcome outcome;
            using (StageCpu.Enter(UploadStages.Probe))
            {
                outcome = await probe.ProbeAsync(
                    path, settings.MaxDurationSeconds, settings.ProbeTimeout, settings.MaxUndecodableFrameShare, cancellationToken);
            }
            if (!outcome.Accepted)
            {
                logger.LogInformation("Upload {File} ({Bytes} bytes) refused: {Reason}", upload.FileName, size, outcome.Reason);
                return Problem(outcome.StatusCode, outcome.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Video too long" : "Not a usable video", outcome.Reason!);
            }

            if (outcome.Packets is { } packets)
            {
                await KeepPacketTableAsync(packets, path, logger, cancellationToken);
            }

            using var record = StageCpu.Enter(UploadStages.Record);
            var now = DateTimeOffset.UtcNow;
            await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
            {
                db.Videos.Add(new Video
                {
                    Id = videoId,
                    TenantId = http.User.GetTenantId(),
                    FileName = upload.FileName,
                    BlobPath = path,
                    SizeBytes = size,
                    DurationSeconds = outcome.DurationSeconds,
                    State = VideoState.Received,
                    ClipLengthSeconds = upload.ClipLengthSeconds,
                    OverlapSeconds = upload.OverlapSeconds,
                    FramesPerClip = upload.FramesPerClip,
                    QuestionsJson = JsonSerializer.Serialize(upload.Questions),
                    CreatedAt = now,
                    UpdatedAt = now,
                });
                await db.SaveChangesAsync(cancellationToken);
            }
            try
            {
                await grains.StartAsync(videoId, new IngestRequest(
                    upload.FileName, path, size, upload.ClipLengthSeconds, upload.OverlapSeconds, upload.FramesPerClip, upload.Questions, outcome.Video));
            }
            catch (Exception e)
            {
                await DeleteRowAsync(contexts, videoId);
                if (e is ClusterUnavailableException)
                {
                    logger.LogWarning("Upload {VideoId} not started: {Reason}", videoId, e.Message);
                    return Problem(StatusCodes.Status503ServiceUnavailable, "Processing unavailable", e.Message);
                }
                throw;
            }
            stored = true;
            logger.LogInformation("Upload {VideoId} ({File}, {Bytes} bytes, {Duration} s) accepted", videoId, upload.FileName, size, outcome.DurationSeconds);
            var statusUrl = $"/api/videos/{videoId}";
            return Results.Accepted(statusUrl, new UploadAccepted(videoId, statusUrl));
        }
        finally
        {
            if (!stored)
            {
                DeleteFolder(folder, logger);
            }
        }
    }

    /// <summary>Keeps the probe's packet table beside the upload for the silo's split; without it the split reads the packets itself.</summary>
    private static async Task KeepPacketTableAsync(PacketTable packets, string path, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            using (StageCpu.Enter(UploadStages.Probe))
            {
                await packets.WriteSidecarAsync(path, cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "{Path}: the packet table was not kept; the split will read the packets again", path);
        }
    }

    /// <returns>Bytes written, or -1 once the body passes <paramref name="limit"/> (the copy stops there).</returns>
    private static async Task<long> CopyAsync(Stream body, string path, long limit, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            long total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += read;
                if (total > limit)
                {
                    return -1;
                }
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task DeleteRowAsync(IDbContextFactory<ResultsDbContext> contexts, Guid videoId)
    {
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        await db.Videos.Where(v => v.Id == videoId).ExecuteDeleteAsync(CancellationToken.None);
    }

    private static void DeleteFolder(string folder, ILogger logger)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "Could not delete the refused upload's folder {Folder}", folder);
        }
    }

    private static IResult TooLarge(long limit) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Upload too large", $"the upload is larger than the limit of {limit} bytes");

    internal static IResult Problem(int status, string title, string detail) => ApiProblems.Problem(status, title, detail);
}
