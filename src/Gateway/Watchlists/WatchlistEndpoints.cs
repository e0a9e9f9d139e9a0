using System.Security.Claims;
using VideoCoca.Gateway.Access;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Pgvector;
using VideoCoca.Contracts.Api;
using VideoCoca.Contracts.Queries;
using VideoCoca.Gateway.Models;
using VideoCoca.Gateway.Uploads;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Entities;
using VideoCoca.Gateway.Http;

namespace VideoCoca.Gateway.Watchlists;

/// <summary>Watchlists: made with their rules (the catalogue pass then runs in the background), read, deleted with their flags.</summary>
public static class WatchlistEndpoints
{
    /// <summary>A body larger than this is no watchlist (50 rules of 500 characters are far less).</summary>
    private const int MaxBodyBytes = 256 * 1024;

    public static void MapWatchlistEndpoints(this IEndpointRouteBuilder routes)
    {
        var watchlists = routes.MapGroup("/api/watchlists");
        watchlists.MapPost("/", CreateAsync).WithName("CreateWatchlist").RequireAuthorization(AccessPolicies.Editor)
            .WithSummary("A watchlist of label, phrase and query rules; its pass over the existing catalogue starts in the background.")
            .Accepts<JsonElement>("application/json")
            .Produces<WatchlistInfo>(StatusCodes.Status201Created).ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        watchlists.MapGet("/", ListAsync).WithName("ListWatchlists").WithSummary("Every watchlist, oldest first.")
            .Produces<IReadOnlyList<WatchlistInfo>>();
        watchlists.MapGet("/{id}", GetAsync).WithName("GetWatchlist").WithSummary("A watchlist, its rules and its catalogue pass.")
            .Produces<WatchlistInfo>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        watchlists.MapDelete("/{id}", DeleteAsync).WithName("DeleteWatchlist").RequireAuthorization(AccessPolicies.Editor).WithSummary("Removes a watchlist and its flags.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> CreateAsync(
        HttpRequest request, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, IModelQueries models, WatchlistBackfillSignal backfill,
        IOptions<WatchlistOptions> options, CancellationToken cancellationToken)
    {
        JsonElement body;
        try
        {
            if (request.ContentLength > MaxBodyBytes)
            {
                return ApiProblems.Invalid("body", $"the body is larger than {MaxBodyBytes} bytes", "Invalid watchlist");
            }
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
            body = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            return ApiProblems.Invalid("body", $"the body is not JSON: {e.Message}", "Invalid watchlist");
        }
        var (parsed, errors) = WatchlistRequest.Parse(body, options.Value);
        if (parsed is null)
        {
            return Results.ValidationProblem(errors, detail: errors.Values.First()[0], title: "Invalid watchlist");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var watchlist = new Watchlist
        {
            Id = Guid.CreateVersion7(),
            TenantId = user.GetTenantId(),
            Name = parsed.Name,
            CreatedAt = DateTimeOffset.UtcNow,
            BackfillState = BackfillState.Pending,
            Rules = parsed.Rules.Select((r, i) => new WatchlistRule { Id = Guid.CreateVersion7(), Position = i, Kind = r.Kind, Text = r.Text, Threshold = r.Threshold }).ToList(),
        };
        // A query rule compares clip embeddings with its text's embedding, which only the workers' model makes: get it
        // now for the version that reads, or refuse the list (the workers of other versions embed it themselves).
        var queries = watchlist.Rules.Where(r => r.Kind == WatchRuleKind.Query).ToList();
        if (queries.Count > 0)
        {
            var version = await ModelVersionResolver.ResolveAsync(db, null, cancellationToken);
            if (version is null)
            {
                return ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, "Model unavailable",
                    "no model version is registered yet to embed the query rules: start a worker");
            }
            TextEmbeddings embeddings;
            try
            {
                embeddings = await models.EmbedTextsAsync(version.Name, queries.Select(r => r.Text).ToList(), cancellationToken);
            }
            catch (ModelUnavailableException e)
            {
                return ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, "Model unavailable",
                    $"{e.Message}: the query rules cannot be embedded, so nothing was stored");
            }
            for (var i = 0; i < queries.Count; i++)
            {
                queries[i].Embeddings.Add(new WatchlistRuleEmbedding { RuleId = queries[i].Id, ModelVersionId = version.Id, Embedding = new Vector(embeddings.Vectors[i]) });
            }
        }
        db.Watchlists.Add(watchlist);
        await db.SaveChangesAsync(cancellationToken);
        backfill.Wake();
        return Results.Created($"/api/watchlists/{watchlist.Id}", ToInfo(watchlist));
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var lists = await db.Watchlists.AsNoTracking().OwnedBy(user).Include(w => w.Rules).OrderBy(w => w.CreatedAt).ThenBy(w => w.Id).ToListAsync(cancellationToken);
        return Results.Ok(lists.Select(ToInfo).ToList());
    }

    private static async Task<IResult> GetAsync(string id, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var watchlistId))
        {
            return ApiProblems.MalformedId("watchlist", id);
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var watchlist = await db.Watchlists.AsNoTracking().OwnedBy(user).Include(w => w.Rules).FirstOrDefaultAsync(w => w.Id == watchlistId, cancellationToken);
        return watchlist is null ? ApiProblems.Unknown("watchlist", watchlistId) : Results.Ok(ToInfo(watchlist));
    }

    private static async Task<IResult> DeleteAsync(string id, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var watchlistId))
        {
            return ApiProblems.MalformedId("watchlist", id);
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // Its rules, their embeddings and its flags go with it (cascading foreign keys).
        var deleted = await db.Watchlists.OwnedBy(user).Where(w => w.Id == watchlistId).ExecuteDeleteAsync(cancellationToken);
        return deleted == 0 ? ApiProblems.Unknown("watchlist", watchlistId) : Results.NoContent();
    }

    internal static WatchlistInfo ToInfo(Watchlist watchlist) => new()
    {
        Id = watchlist.Id,
        Name = watchlist.Name,
        CreatedAt = watchlist.CreatedAt,
        Rules = watchlist.Rules.OrderBy(r => r.Position).Select(r => r.Kind switch
        {
            WatchRuleKind.Label => new WatchRuleInfo { Kind = "label", Label = r.Text, MinConfidence = r.Threshold },
            WatchRuleKind.Query => new WatchRuleInfo { Kind = "query", Query = r.Text, MinScore = r.Threshold },
            _ => new WatchRuleInfo { Kind = "phrase", Phrase = r.Text },
        }).ToList(),
        Backfill = new WatchlistBackfill
        {
            State = watchlist.BackfillState.ToString().ToLowerInvariant(),
            Flags = watchlist.BackfillFlags,
            FinishedAt = watchlist.BackfillFinishedAt,
            Error = watchlist.BackfillError,
        },
    };

}
