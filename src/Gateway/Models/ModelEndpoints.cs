using VideoCoca.Gateway.Access;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VideoCoca.Contracts.Api;
using VideoCoca.Gateway.Http;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Entities;
using VideoCoca.Persistence.Models;

namespace VideoCoca.Gateway.Models;

/// <summary>
/// The model versions for operators: each version with its workers and its coverage of the catalogue, and activation,
/// which switches every read and every new upload to a version at once.
/// </summary>
public static class ModelEndpoints
{
    public static IEndpointRouteBuilder MapModelEndpoints(this IEndpointRouteBuilder app)
    {
        // Model versions are the platform's, not a tenant's: an admin's.
        var models = app.MapGroup("/api/models").WithTags("Models").RequireAuthorization(AccessPolicies.Admin);
        models.MapGet("", ListAsync).WithName("ListModelVersions")
            .WithSummary("Every registered model version: its input and shape, whether it is active, workers running it now, clips analysed under it and its coverage of the finished videos' clips; and the active version's name.")
            .Produces<ModelVersionList>();
        models.MapGet("/{version}", GetAsync).WithName("GetModelVersion").WithSummary("One model version, as the list shows it.")
            .Produces<ModelVersionInfo>().ProducesProblem(StatusCodes.Status404NotFound);
        models.MapPost("/{version}/activate", ActivateAsync).WithName("ActivateModelVersion")
            .WithSummary("Makes the version the active one at once: every read after it (clips, search, questions, watchlists) uses it and new uploads are analysed by it. " +
                "Refused (409) while some analysed clip of a finished video has no result under it, unless force=true; the active version answers 200 unchanged.")
            .Produces<ModelVersionInfo>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesValidationProblem();
        return app;
    }

    private static async Task<IResult> ListAsync(
        IDbContextFactory<ResultsDbContext> contexts, IOptions<ModelVersionOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var versions = await ReadAsync(db, null, FreshSince(options, clock), cancellationToken);
        return Results.Ok(new ModelVersionList { Active = versions.FirstOrDefault(v => v.Active)?.Name, Versions = versions });
    }

    private static async Task<IResult> GetAsync(
        string version, IDbContextFactory<ResultsDbContext> contexts, IOptions<ModelVersionOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var found = await ReadAsync(db, version, FreshSince(options, clock), cancellationToken);
        return found.Count == 0 ? UnknownVersion(version) : Results.Ok(found[0]);
    }

    private static async Task<IResult> ActivateAsync(
        string version, [FromQuery(Name = "force")] string? force, IDbContextFactory<ResultsDbContext> contexts,
        IOptions<ModelVersionOptions> options, TimeProvider clock, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var forced = false;
        if (force is not null && !bool.TryParse(force, out forced))
        {
            return ApiProblems.Invalid("force", "force must be true or false", "Invalid query parameter");
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var name = version.Trim();
        var target = await db.ModelVersions.AsNoTracking().Where(m => m.Name == name).Select(m => new { m.Id, m.Name }).FirstOrDefaultAsync(cancellationToken);
        if (target is null)
        {
            return UnknownVersion(version);
        }
        var active = await ModelActivation.Active(db).Select(m => (int?)m.Id).FirstOrDefaultAsync(cancellationToken);
        if (active != target.Id)
        {
            if (!forced)
            {
                var coverage = await ModelCoverage.OfAsync(db, target.Id, cancellationToken);
                if (!coverage.IsComplete)
                {
                    return Results.Problem(
                        statusCode: StatusCodes.Status409Conflict,
                        title: "Coverage incomplete",
                        detail: $"{coverage.Missing} of the {coverage.Total} analysed clips of finished videos have no result under model version '{target.Name}': " +
                            "reads would show them as pending. Start a campaign for it, or pass force=true to activate it anyway.",
                        extensions: new Dictionary<string, object?> { ["clips_missing"] = coverage.Missing, ["catalogue_clips"] = coverage.Total });
                }
            }
            if (await ModelActivation.ActivateAsync(db, target.Id, cancellationToken))
            {
                loggers.CreateLogger(typeof(ModelEndpoints)).LogInformation(
                    "Model version {Version} activated{Forced}: reads and new uploads now use it", target.Name, forced ? " (forced)" : "");
            }
        }
        var shown = await ReadAsync(db, target.Name, FreshSince(options, clock), cancellationToken);
        return Results.Ok(shown[0]);
    }

    /// <summary>The versions (or the one named), the active one first, then the newest first.</summary>
    private static async Task<List<ModelVersionInfo>> ReadAsync(ResultsDbContext db, string? name, DateTimeOffset freshSince, CancellationToken cancellationToken)
    {
        var versions = db.ModelVersions.AsNoTracking();
        if (name is not null)
        {
            var trimmed = name.Trim();
            versions = versions.Where(m => m.Name == trimmed);
        }
        var activeId = await ModelActivation.Active(db).Select(m => (int?)m.Id).FirstOrDefaultAsync(cancellationToken);
        var rows = await versions
            .Select(m => new
            {
                Version = m,
                Workers = db.ModelWorkers.Count(w => w.ModelVersionId == m.Id && w.SeenAt >= freshSince),
                Analysed = db.ClipResults.Count(r => r.ModelVersionId == m.Id),
            })
            .ToListAsync(cancellationToken);
        var coverage = await ModelCoverage.OfVersionsAsync(db, rows.Select(r => r.Version.Id).ToList(), cancellationToken);
        return rows
            .OrderByDescending(r => r.Version.Id == activeId).ThenByDescending(r => r.Version.CreatedAt).ThenByDescending(r => r.Version.Id)
            .Select(r =>
            {
                var m = r.Version;
                var covered = coverage.GetValueOrDefault(m.Id) ?? new CatalogueCoverage(0, 0);
                return new ModelVersionInfo
                {
                    Name = m.Name,
                    Checksum = m.Checksum,
                    ConfigSummary = m.ConfigSummary,
                    Input = FrameInputs.Of(m) is { } input
                        ? new ModelInputInfo { Frames = input.Frames, Height = input.Height, Width = input.Width, Resize = input.Resize }
                        : null,
                    EmbeddingDimension = m.EmbeddingDimension,
                    CreatedAt = m.CreatedAt,
                    ActivatedAt = m.ActivatedAt,
                    Active = m.Id == activeId,
                    Workers = r.Workers,
                    ClipsAnalysed = r.Analysed,
                    CatalogueClips = covered.Total,
                    ClipsMissing = covered.Missing,
                    Coverage = covered.Fraction,
                };
            })
            .ToList();
    }

    private static DateTimeOffset FreshSince(IOptions<ModelVersionOptions> options, TimeProvider clock) =>
        clock.GetUtcNow() - options.Value.WorkerFreshness;

    private static IResult UnknownVersion(string version) =>
        ApiProblems.Problem(StatusCodes.Status404NotFound, "Unknown model version", $"there is no model version '{version.Trim()}'");
}
