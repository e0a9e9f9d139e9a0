using System.Security.Claims;
using VideoCoca.Gateway.Access;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VideoCoca.Contracts.Api;
using VideoCoca.Gateway.Uploads;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Entities;
using VideoCoca.Gateway.Http;

namespace VideoCoca.Gateway.Flags;

/// <summary>The review queue: flags by status, list and video, oldest first; a flag confirmed, dismissed or reopened with a note and who did it.</summary>
public static class FlagEndpoints
{
    public const int MaxPageSize = 100;
    public const int MaxNoteLength = 2000;
    public const int MaxReviewerLength = 200;

    /// <summary>Who reviewed, when the review body names nobody (else the key's name).</summary>
    public const string UserHeader = "X-Vcp-User";

    public static void MapFlagEndpoints(this IEndpointRouteBuilder routes)
    {
        var flags = routes.MapGroup("/api/flags");
        flags.MapGet("/", ListAsync).WithName("ListFlags").WithSummary("Flags, oldest first, a page at a time, by status, watchlist and video.")
            .Produces<FlagPage>().ProducesValidationProblem();
        flags.MapGet("/{id}", GetAsync).WithName("GetFlag").WithSummary("A flag: the clip, the rule it met, its review.")
            .Produces<FlagInfo>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        flags.MapPost("/{id}", ReviewAsync).WithName("ReviewFlag").RequireAuthorization(AccessPolicies.Reviewer)
            .WithSummary("Reviews a flag: {\"status\": \"confirmed\"|\"dismissed\"|\"open\", \"note\", \"reviewer\"}; who and when are kept.")
            .Accepts<JsonElement>("application/json")
            .Produces<FlagInfo>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <param name="status">open, confirmed or dismissed.</param>
    /// <param name="watchlist">A watchlist's id.</param>
    /// <param name="video_id">A video's id.</param>
#pragma warning disable IDE1006 // Query parameters are named as the API spells them, so that OpenAPI declares them so.
    private static async Task<IResult> ListAsync(
        string? status, string? watchlist, string? video_id, [AsParameters] PageQuery paging,
        ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, CancellationToken cancellationToken)
#pragma warning restore IDE1006
    {
        FlagStatus? wanted = null;
        if (status is not null)
        {
            if (ParseStatus(status) is not { } parsed) return ApiProblems.Invalid("status", "status must be open, confirmed or dismissed");
            wanted = parsed;
        }
        Guid? watchlistId = null;
        if (watchlist is not null)
        {
            if (!Guid.TryParse(watchlist, out var id)) return ApiProblems.Invalid("watchlist", "watchlist must be a watchlist id (a GUID)");
            watchlistId = id;
        }
        Guid? videoId = null;
        if (video_id is not null)
        {
            if (!Guid.TryParse(video_id, out var id)) return ApiProblems.Invalid("video_id", "video_id must be a video id (a GUID)");
            videoId = id;
        }
        if (!paging.TryRead(out var pageNumber, out var pageSize, out var pageProblem)) return pageProblem;

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var flags = Owned(db, user).AsNoTracking();
        if (wanted is { } s) flags = flags.Where(f => f.Status == s);
        if (watchlistId is { } w) flags = flags.Where(f => f.WatchlistId == w);
        if (videoId is { } v) flags = flags.Where(f => f.VideoId == v);
        var total = await flags.CountAsync(cancellationToken);
        var items = await Project(db, flags.OrderBy(f => f.CreatedAt).ThenBy(f => f.Id)
                .Skip(PageQuery.Skip(pageNumber, pageSize)).Take(pageSize))
            .ToListAsync(cancellationToken);
        return Results.Ok(new FlagPage { Items = items.Select(ToInfo).ToList(), Page = pageNumber, PageSize = pageSize, Total = total });
    }

    private static async Task<IResult> GetAsync(string id, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var flagId))
        {
            return ApiProblems.MalformedId("flag", id);
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await Project(db, Owned(db, user).AsNoTracking().Where(f => f.Id == flagId)).FirstOrDefaultAsync(cancellationToken);
        return row is null ? ApiProblems.Unknown("flag", flagId) : Results.Ok(ToInfo(row));
    }

    private static async Task<IResult> ReviewAsync(string id, HttpRequest request, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var flagId))
        {
            return ApiProblems.MalformedId("flag", id);
        }
        JsonElement body;
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
            body = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            return ApiProblems.Invalid("body", $"the body is not JSON: {e.Message}");
        }
        if (body.ValueKind != JsonValueKind.Object)
        {
            return ApiProblems.Invalid("body", "the body must be a JSON object {\"status\", \"note\", \"reviewer\"}");
        }
        foreach (var property in body.EnumerateObject())
        {
            if (property.Name is not ("status" or "note" or "reviewer"))
            {
                return ApiProblems.Invalid(property.Name, $"'{property.Name}' is not a field of a review (status, note, reviewer)");
            }
        }
        if (!body.TryGetProperty("status", out var statusValue) || statusValue.ValueKind != JsonValueKind.String
            || ParseStatus(statusValue.GetString()!) is not { } status)
        {
            return ApiProblems.Invalid("status", "status must be confirmed, dismissed or open");
        }
        if (!OptionalText(body, "note", MaxNoteLength, out var note, out var noteError)) return ApiProblems.Invalid("note", noteError!);
        if (!OptionalText(body, "reviewer", MaxReviewerLength, out var reviewer, out var reviewerError)) return ApiProblems.Invalid("reviewer", reviewerError!);
        var header = request.Headers[UserHeader].ToString().Trim();
        reviewer ??= header.Length > 0 ? header[..Math.Min(header.Length, MaxReviewerLength)] : KeyName(user);

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = DateTimeOffset.UtcNow;
        var updated = await Owned(db, user).Where(f => f.Id == flagId).ExecuteUpdateAsync(set => set
            .SetProperty(f => f.Status, status)
            .SetProperty(f => f.Note, note)
            .SetProperty(f => f.ReviewedBy, reviewer)
            .SetProperty(f => f.ReviewedAt, now), cancellationToken);
        if (updated == 0)
        {
            return ApiProblems.Unknown("flag", flagId);
        }
        var row = await Project(db, db.Flags.AsNoTracking().Where(f => f.Id == flagId)).FirstAsync(cancellationToken);
        return Results.Ok(ToInfo(row));
    }

    /// <summary>Flags of the caller's tenant: those its watchlists raised (a list flags only its own tenant's videos).</summary>
    private static IQueryable<Flag> Owned(ResultsDbContext db, ClaimsPrincipal user)
    {
        var tenantId = user.GetTenantId();
        return db.Flags.Where(f => db.Watchlists.Any(w => w.Id == f.WatchlistId && w.TenantId == tenantId));
    }

    /// <summary>The reviewing key's name, when the review names nobody.</summary>
    private static string KeyName(ClaimsPrincipal user)
    {
        var name = user.Identity?.Name;
        return string.IsNullOrWhiteSpace(name) ? "anonymous" : name[..Math.Min(name.Length, MaxReviewerLength)];
    }

    /// <summary>The flag with its list's name, its clip, its result's caption and its version's name.</summary>
    private static IQueryable<FlagRow> Project(ResultsDbContext db, IQueryable<Flag> flags) =>
        from f in flags
        join w in db.Watchlists on f.WatchlistId equals w.Id
        join c in db.Clips on f.ClipId equals c.Id
        join m in db.ModelVersions on f.ModelVersionId equals m.Id
        select new FlagRow
        {
            Flag = f,
            WatchlistName = w.Name,
            ClipIndex = c.Index,
            StartSeconds = c.StartSeconds,
            EndSeconds = c.EndSeconds,
            HasThumbnail = c.ThumbnailPath != null,
            ModelVersion = m.Name,
            Caption = db.ClipResults.Where(r => r.ClipId == f.ClipId && r.ModelVersionId == f.ModelVersionId).Select(r => r.Caption).FirstOrDefault(),
        };

    private static FlagInfo ToInfo(FlagRow row) => new()
    {
        Id = row.Flag.Id,
        WatchlistId = row.Flag.WatchlistId,
        WatchlistName = row.WatchlistName,
        VideoId = row.Flag.VideoId,
        ClipIndex = row.ClipIndex,
        StartSeconds = row.StartSeconds,
        EndSeconds = row.EndSeconds,
        Caption = row.Caption,
        ThumbnailUrl = ApiLinks.Thumbnail(row.Flag.VideoId, row.ClipIndex, row.HasThumbnail),
        ModelVersion = row.ModelVersion,
        Reason = row.Flag.Reason,
        Score = row.Flag.Score,
        Status = row.Flag.Status.ToString().ToLowerInvariant(),
        Note = row.Flag.Note,
        ReviewedBy = row.Flag.ReviewedBy,
        ReviewedAt = row.Flag.ReviewedAt,
        CreatedAt = row.Flag.CreatedAt,
    };

    private static FlagStatus? ParseStatus(string text) => text.Trim().ToLowerInvariant() switch
    {
        "open" => FlagStatus.Open,
        "confirmed" => FlagStatus.Confirmed,
        "dismissed" => FlagStatus.Dismissed,
        _ => null,
    };

    /// <summary>An optional string field, trimmed (null when absent, null or blank), at most <paramref name="max"/> characters.</summary>
    private static bool OptionalText(JsonElement body, string field, int max, out string? text, out string? error)
    {
        (text, error) = (null, null);
        if (!body.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return true;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            error = $"{field} must be a string";
            return false;
        }
        var trimmed = value.GetString()!.Trim();
        if (trimmed.Length > max)
        {
            error = $"{field} has {trimmed.Length} characters, more than the {max} allowed";
            return false;
        }
        text = trimmed.Length == 0 ? null : trimmed;
        return true;
    }

    private sealed class FlagRow
    {
        public required Flag Flag { get; init; }
        public required string WatchlistName { get; init; }
        public int ClipIndex { get; init; }
        public double StartSeconds { get; init; }
        public double EndSeconds { get; init; }
        public bool HasThumbnail { get; init; }
        public required string ModelVersion { get; init; }
        public string? Caption { get; init; }
    }
}
