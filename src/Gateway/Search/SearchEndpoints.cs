using System.Security.Claims;
using VideoCoca.Gateway.Access;
using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VideoCoca.Contracts.Api;
using VideoCoca.Contracts.Messages;
using VideoCoca.Contracts.Queries;
using VideoCoca.Gateway.Models;
using VideoCoca.Persistence;
using VideoCoca.Gateway.Http;

namespace VideoCoca.Gateway.Search;

/// <summary>Search over the analysed catalogue (natural language, full text, both fused) and clips like a clip.</summary>
public static class SearchEndpoints
{
    public static void MapSearchEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/search", SearchAsync).WithName("Search")
            .WithSummary("Clips that match a natural-language query: embeddings (semantic), full text (text), or both by reciprocal rank fusion (hybrid).")
            .Produces<SearchResponse>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        routes.MapGet("/api/videos/{id}/clips/{index:int}/similar", SimilarAsync).WithName("GetSimilarClips")
            .WithSummary("The clips of the catalogue whose embeddings are nearest a clip's (the same model version, the clip itself left out).")
            .Produces<SimilarClipsResponse>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<IResult> SearchAsync(
        [AsParameters] SearchParameters parameters, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, IModelQueries models,
        IOptions<SearchOptions> options, CancellationToken cancellationToken)
    {
        var (search, field, error) = parameters.Parse();
        if (search is null) return ApiProblems.Invalid(field!, error!);
        search = search with { Filters = search.Filters with { TenantId = user.GetTenantId() } };
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var version = await ModelVersionResolver.ResolveAsync(db, search.ModelVersion, cancellationToken);
        if (version is null)
        {
            return search.ModelVersion is null
                ? Results.Ok(new SearchResponse(search.Query, null, Name(search.Mode), false, []))
                : ApiProblems.Invalid("model_version", $"there is no model version '{search.ModelVersion}'");
        }
        var settings = options.Value;
        var rerankCount = search.Rerank ? Math.Min(2 * search.Limit, settings.MaxRerank) : 0;
        var depth = search.Mode == SearchMode.Hybrid
            ? Math.Max(search.Limit * 3, settings.MinCandidates)
            : Math.Max(search.Limit, rerankCount);
        try
        {
            var lists = new List<IReadOnlyList<Candidate>>();
            if (search.Mode is SearchMode.Hybrid or SearchMode.Semantic)
            {
                var embedded = await models.EmbedTextsAsync(version.Name, [search.Query], cancellationToken);
                lists.Add(await ClipSearch.NearestAsync(db, version, embedded.Vectors[0], search.Filters, depth, settings.EfSearch, cancellationToken));
            }
            if (search.Mode is SearchMode.Hybrid or SearchMode.Text)
            {
                lists.Add(await ClipSearch.FullTextAsync(db, version.Id, search.Query, search.Filters, depth, cancellationToken));
            }
            var ranked = lists.Count == 1 ? lists[0].ToList() : ClipSearch.Fuse(lists);
            var details = await ClipSearch.DetailsAsync(db, version.Id, ranked.Take(Math.Max(search.Limit, rerankCount)).Select(c => c.ClipId).ToList(), cancellationToken);
            if (search.Rerank && ranked.Count > 0)
            {
                if (search.Mode == SearchMode.Text)
                {
                    // No embedding was asked for: make sure a worker is up before a request that may wait a minute for one.
                    await models.EmbedTextsAsync(version.Name, [], cancellationToken);
                }
                ranked = await RerankAsync(models, version.Name, search.Query, ranked, rerankCount, details, cancellationToken);
            }
            var items = ranked.Take(search.Limit).Where(c => details.ContainsKey(c.ClipId)).Select(c => Item(details[c.ClipId], c.Score)).ToList();
            return Results.Ok(new SearchResponse(search.Query, version.Name, Name(search.Mode), search.Rerank, items));
        }
        catch (ModelUnavailableException e)
        {
            return ApiProblems.ModelUnavailable(e);
        }
    }

    /// <summary>
    /// The first <paramref name="count"/> candidates ordered by the decoder's score of the query as their caption (one
    /// ScoreText request), the rest after them in their order; a clip the worker could not read goes last of the window.
    /// </summary>
    private static async Task<List<Candidate>> RerankAsync(
        IModelQueries models, string version, string query, List<Candidate> ranked, int count, IReadOnlyDictionary<Guid, FoundClip> details,
        CancellationToken cancellationToken)
    {
        var window = ranked.Take(count).Where(c => details.TryGetValue(c.ClipId, out var d) && d.FramesPath is not null).ToList();
        if (window.Count == 0) return ranked;
        var clips = window.Select(c => QueryClipOf(details[c.ClipId])).ToList();
        var scores = await models.ScoreAsync(version, query, clips, cancellationToken);
        var rescored = window.Select((c, i) => (Candidate: c, Score: scores.Scores[i]))
            .OrderByDescending(s => s.Score.HasValue).ThenByDescending(s => s.Score ?? double.NegativeInfinity)
            .Select(s => new Candidate(s.Candidate.ClipId, s.Score ?? double.NegativeInfinity)).ToList();
        var inWindow = rescored.Select(c => c.ClipId).ToHashSet();
        return [.. rescored, .. ranked.Where(c => !inWindow.Contains(c.ClipId))];
    }

    private static async Task<IResult> SimilarAsync(
        string id, int index, [FromQuery(Name = "limit")] string? limit, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts,
        IOptions<SearchOptions> options, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var videoId)) return ApiProblems.MalformedVideoId(id);
        var count = SearchParameters.DefaultLimit;
        if (limit is not null && !(int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out count) && count is >= 1 and <= SearchParameters.MaxLimit))
        {
            return ApiProblems.Invalid("limit", $"limit must be a whole number from 1 to {SearchParameters.MaxLimit}");
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (!await db.Videos.OwnedBy(user).AnyAsync(v => v.Id == videoId, cancellationToken)) return ApiProblems.UnknownVideo(videoId);
        var clipId = await db.Clips.Where(c => c.VideoId == videoId && c.Index == index).Select(c => (Guid?)c.Id).FirstOrDefaultAsync(cancellationToken);
        if (clipId is null) return ApiProblems.UnknownClip(videoId, index);
        var version = await ModelVersionResolver.ResolveAsync(db, null, cancellationToken);
        var embedding = version is null ? null : await ClipSearch.EmbeddingAsync(db, clipId.Value, version.Id, cancellationToken);
        if (version is null || embedding is null)
        {
            return ApiProblems.NotAnalysed($"clip {index} of video {videoId} is not analysed yet");
        }
        var filters = SearchFilters.None with { ExcludeClip = clipId, TenantId = user.GetTenantId() };
        var nearest = await ClipSearch.NearestAsync(db, version, embedding, filters, count, options.Value.EfSearch, cancellationToken);
        var details = await ClipSearch.DetailsAsync(db, version.Id, nearest.Select(c => c.ClipId).ToList(), cancellationToken);
        var items = nearest.Where(c => details.ContainsKey(c.ClipId)).Select(c => Item(details[c.ClipId], c.Score)).ToList();
        return Results.Ok(new SimilarClipsResponse(videoId, index, version.Name, items));
    }

    /// <summary>
    /// A stored clip as a model query names it: frames at the model's input size (0 x 0, see the worker's
    /// QueryClipsReader), since the gateway knows the frame count and the file but not the ingest's size.
    /// </summary>
    internal static QueryClip QueryClipOf(FoundClip clip) =>
        new(clip.ClipId, new ClipFrames(clip.FramesPath!, FrameElementType.UInt8, clip.FramesPerClip, 0, 0));

    private static SearchItem Item(FoundClip clip, double score) =>
        new(clip.VideoId, clip.Index, clip.StartSeconds, clip.EndSeconds, clip.Caption, score, ApiLinks.Thumbnail(clip.VideoId, clip.Index, clip.ThumbnailPath is not null));

    private static string Name(SearchMode mode) => mode.ToString().ToLowerInvariant();
}
