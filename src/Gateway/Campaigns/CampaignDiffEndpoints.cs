using System.Data;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using VideoCoca.Contracts.Api;
using VideoCoca.Gateway.Access;
using VideoCoca.Gateway.Http;
using VideoCoca.Persistence;

namespace VideoCoca.Gateway.Campaigns;

/// <summary>
/// <c>GET /api/campaigns/{id}/diff</c>: what the campaign's target version says differently from its source version,
/// over the campaign's clips (its ledger) that have a result under both. The counts and the per-label figures are
/// aggregated in PostgreSQL, so a campaign over a million clips costs one pass over its ledger, never a million rows here;
/// only the page of examples is loaded.
/// </summary>
public static class CampaignDiffEndpoints
{
    public static void MapCampaignDiff(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/campaigns/{id}/diff", GetDiffAsync).WithName("GetCampaignDiff").RequireAuthorization(AccessPolicies.Admin)
            .WithSummary("Clips whose caption, top label or answers changed between the campaign's source and target versions, per label, and a page of examples side by side.")
            .Produces<CampaignDiff>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }

    /// <param name="id">The campaign.</param>
    /// <param name="changed">Which clips the examples show: caption, top_label, answers or any (default any).</param>
    /// <param name="paging">The page of examples.</param>
    private static async Task<IResult> GetDiffAsync(
        string id, string? changed, [AsParameters] PageQuery paging, ClaimsPrincipal user,
        IDbContextFactory<ResultsDbContext> contexts, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var campaignId))
        {
            return ApiProblems.MalformedId("campaign", id);
        }
        var filter = string.IsNullOrWhiteSpace(changed) ? CampaignDiffChanges.Any : changed.Trim().ToLowerInvariant();
        if (!CampaignDiffChanges.Filters.Contains(filter))
        {
            return ApiProblems.Invalid("changed", $"changed must be one of {string.Join(", ", CampaignDiffChanges.Filters)}", "Invalid query parameter");
        }
        if (!paging.TryRead(out var page, out var pageSize, out var pageProblem)) return pageProblem;

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // One snapshot for every query below: a running campaign keeps adding results, and the counts, the per-label
        // figures and the page must describe the same set of clips.
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var campaign = await db.Campaigns.AsNoTracking().Where(c => c.Id == campaignId)
            .Select(c => new
            {
                c.SourceVersionId,
                c.TargetVersionId,
                Source = c.SourceVersion == null ? null : c.SourceVersion.Name,
                Target = c.TargetVersion!.Name,
            })
            .FirstOrDefaultAsync(cancellationToken);
        if (campaign is null)
        {
            return ApiProblems.Unknown("campaign", campaignId);
        }
        if (campaign.SourceVersionId is not { } sourceId || campaign.Source is null)
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, "Nothing to compare against",
                $"campaign {campaignId} has no source version: no version was active when it was made (or it was deleted), so there is nothing to compare against");
        }
        // A campaign is the platform's, but what its clips said is their tenant's: an admin compares its own tenant's clips.
        var versions = new DiffVersions(campaignId, sourceId, campaign.TargetVersionId, user.GetTenantId());

        // Read whole rather than composed on: EF would wrap the WITH query in a subquery for Single.
        var counts = (await db.Database.SqlQueryRaw<CountsRow>(ComparedSql + """
            SELECT count(*)::int AS "Compared",
                   count(*) FILTER (WHERE caption_changed)::int AS "Caption",
                   count(*) FILTER (WHERE top_label_changed)::int AS "TopLabel",
                   count(*) FILTER (WHERE answers_changed)::int AS "Answers",
                   count(*) FILTER (WHERE caption_changed OR top_label_changed OR answers_changed)::int AS "Any",
                   (SELECT count(*)::int FROM campaign_clips cc
                    JOIN clip_results t ON t.clip_id = cc.clip_id AND t.model_version_id = @target
                    JOIN clips oc ON oc.id = cc.clip_id JOIN videos ov ON ov.id = oc.video_id AND ov.tenant_id = @tenant
                    WHERE cc.campaign_id = @campaign
                      AND NOT EXISTS (SELECT 1 FROM clip_results s WHERE s.clip_id = cc.clip_id AND s.model_version_id = @source)) AS "OnlyTarget"
            FROM compared
            """, versions.Parameters()).ToListAsync(cancellationToken)).Single();

        var transitions = await db.Database.SqlQueryRaw<TransitionRow>(ComparedSql + """
            SELECT source_label AS "SourceLabel", target_label AS "TargetLabel", count(*)::int AS "Clips"
            FROM compared WHERE source_label IS NOT NULL
            GROUP BY source_label, target_label
            """, versions.Parameters()).ToListAsync(cancellationToken);

        var total = filter switch
        {
            CampaignDiffChanges.Caption => counts.Caption,
            CampaignDiffChanges.TopLabel => counts.TopLabel,
            CampaignDiffChanges.Answers => counts.Answers,
            _ => counts.Any,
        };
        var examples = await LoadExamplesAsync(db, versions, filter, page, pageSize, cancellationToken);

        return Results.Ok(new CampaignDiff
        {
            CampaignId = campaignId,
            SourceModelVersion = campaign.Source,
            TargetModelVersion = campaign.Target,
            Compared = counts.Compared,
            OnlyTarget = counts.OnlyTarget,
            Changed = new CampaignDiffCounts { Caption = counts.Caption, TopLabel = counts.TopLabel, Answers = counts.Answers, Any = counts.Any },
            PerLabel = PerLabel(transitions),
            Examples = new CampaignDiffExamplePage { Changed = filter, Items = examples, Page = page, PageSize = pageSize, Total = total },
        });
    }

    /// <summary>
    /// The campaign's clips with a result under both versions, each with its three change flags and its top labels.
    /// A top label is the rank-0 label (the most confident one should two share rank 0); answers change when a
    /// question asked under both versions got another answer (a question asked under one version only is no change).
    /// </summary>
    private const string ComparedSql = """
        WITH compared AS (
            SELECT cc.clip_id,
                   s.caption IS DISTINCT FROM t.caption AS caption_changed,
                   sl.label AS source_label,
                   tl.label AS target_label,
                   sl.label IS DISTINCT FROM tl.label AS top_label_changed,
                   EXISTS (SELECT 1 FROM clip_answers sa
                           JOIN clip_answers ta ON ta.clip_id = sa.clip_id AND ta.model_version_id = @target AND ta.question = sa.question
                           WHERE sa.clip_id = cc.clip_id AND sa.model_version_id = @source AND sa.answer IS DISTINCT FROM ta.answer) AS answers_changed
            FROM campaign_clips cc
            JOIN clips tc ON tc.id = cc.clip_id JOIN videos tv ON tv.id = tc.video_id AND tv.tenant_id = @tenant
            JOIN clip_results s ON s.clip_id = cc.clip_id AND s.model_version_id = @source
            JOIN clip_results t ON t.clip_id = cc.clip_id AND t.model_version_id = @target
            LEFT JOIN LATERAL (SELECT l.label FROM clip_labels l WHERE l.clip_id = cc.clip_id AND l.model_version_id = @source AND l.rank = 0
                               ORDER BY l.confidence DESC, l.label LIMIT 1) sl ON true
            LEFT JOIN LATERAL (SELECT l.label FROM clip_labels l WHERE l.clip_id = cc.clip_id AND l.model_version_id = @target AND l.rank = 0
                               ORDER BY l.confidence DESC, l.label LIMIT 1) tl ON true
            WHERE cc.campaign_id = @campaign)

        """;

    /// <summary>The page's clips in the compared set (with their flags), then both versions' labels and answers for just those clips.</summary>
    private static async Task<IReadOnlyList<CampaignDiffExample>> LoadExamplesAsync(
        ResultsDbContext db, DiffVersions versions, string filter, int page, int pageSize, CancellationToken cancellationToken)
    {
        // The predicate is picked from fixed text by the validated filter, never built from the request.
        var predicate = filter switch
        {
            CampaignDiffChanges.Caption => "d.caption_changed",
            CampaignDiffChanges.TopLabel => "d.top_label_changed",
            CampaignDiffChanges.Answers => "d.answers_changed",
            _ => "(d.caption_changed OR d.top_label_changed OR d.answers_changed)",
        };
        var parameters = versions.Parameters().Append(new NpgsqlParameter("skip", NpgsqlDbType.Integer) { Value = PageQuery.Skip(page, pageSize) })
            .Append(new NpgsqlParameter("take", NpgsqlDbType.Integer) { Value = pageSize }).ToArray<object>();
        var sql = ComparedSql + $"""
            SELECT c.id AS "ClipId", c.video_id AS "VideoId", c.index AS "ClipIndex", c.start_seconds AS "StartSeconds",
                   c.end_seconds AS "EndSeconds", c.thumbnail_path IS NOT NULL AS "HasThumbnail",
                   d.caption_changed AS "CaptionChanged", d.top_label_changed AS "TopLabelChanged", d.answers_changed AS "AnswersChanged"
            FROM compared d JOIN clips c ON c.id = d.clip_id
            WHERE {predicate}
            ORDER BY c.video_id, c.index
            OFFSET @skip LIMIT @take
            """;
        var rows = await db.Database.SqlQueryRaw<ExampleRow>(sql, parameters).ToListAsync(cancellationToken);
        if (rows.Count == 0) return [];

        var clipIds = rows.Select(r => r.ClipId).ToList();
        int[] both = [versions.Source, versions.Target];
        var captions = await db.ClipResults.AsNoTracking()
            .Where(r => clipIds.Contains(r.ClipId) && both.Contains(r.ModelVersionId))
            .Select(r => new { r.ClipId, r.ModelVersionId, r.Caption })
            .ToDictionaryAsync(r => (r.ClipId, r.ModelVersionId), r => r.Caption, cancellationToken);
        var topLabels = (await db.ClipLabels.AsNoTracking()
                .Where(l => clipIds.Contains(l.ClipId) && both.Contains(l.ModelVersionId) && l.Rank == 0)
                .Select(l => new { l.ClipId, l.ModelVersionId, l.Label, l.Confidence })
                .ToListAsync(cancellationToken))
            .GroupBy(l => (l.ClipId, l.ModelVersionId))
            .ToDictionary(g => g.Key, g => g.OrderByDescending(l => l.Confidence).ThenBy(l => l.Label, StringComparer.Ordinal).First());
        var answers = (await db.ClipAnswers.AsNoTracking()
                .Where(a => clipIds.Contains(a.ClipId) && both.Contains(a.ModelVersionId))
                .Select(a => new { a.ClipId, a.ModelVersionId, a.Question, a.Answer })
                .ToListAsync(cancellationToken))
            .GroupBy(a => (a.ClipId, a.ModelVersionId))
            .ToDictionary(g => g.Key, g => g.OrderBy(a => a.Question, StringComparer.Ordinal)
                .Select(a => new AnswerResult { Question = a.Question, Answer = a.Answer }).ToList());

        CampaignDiffSide Side(Guid clipId, int version)
        {
            var label = topLabels.GetValueOrDefault((clipId, version));
            return new CampaignDiffSide
            {
                Caption = captions.GetValueOrDefault((clipId, version)) ?? "",
                TopLabel = label?.Label,
                Confidence = label?.Confidence,
                Answers = answers.GetValueOrDefault((clipId, version)) ?? [],
            };
        }

        return rows.Select(r => new CampaignDiffExample
        {
            ClipId = r.ClipId,
            VideoId = r.VideoId,
            ClipIndex = r.ClipIndex,
            StartSeconds = r.StartSeconds,
            EndSeconds = r.EndSeconds,
            ThumbnailUrl = ApiLinks.Thumbnail(r.VideoId, r.ClipIndex, r.HasThumbnail),
            Before = Side(r.ClipId, versions.Source),
            After = Side(r.ClipId, versions.Target),
            Changed = Changes(r),
        }).ToList();
    }

    private static List<string> Changes(ExampleRow row)
    {
        var changes = new List<string>(3);
        if (row.CaptionChanged) changes.Add(CampaignDiffChanges.Caption);
        if (row.TopLabelChanged) changes.Add(CampaignDiffChanges.TopLabel);
        if (row.AnswersChanged) changes.Add(CampaignDiffChanges.Answers);
        return changes;
    }

    /// <summary>The (source label, target label) pairs PostgreSQL counted, folded into one entry per source label.</summary>
    private static List<CampaignLabelDiff> PerLabel(IEnumerable<TransitionRow> transitions) =>
        transitions.GroupBy(t => t.SourceLabel, StringComparer.Ordinal)
            .Select(g =>
            {
                var moved = g.Where(t => !string.Equals(t.TargetLabel, g.Key, StringComparison.Ordinal)).ToList();
                return new CampaignLabelDiff
                {
                    Label = g.Key,
                    Clips = g.Sum(t => t.Clips),
                    Changed = moved.Sum(t => t.Clips),
                    ChangedTo = moved.OrderByDescending(t => t.Clips).ThenBy(t => t.TargetLabel, StringComparer.Ordinal)
                        .Select(t => new CampaignLabelCount { Label = t.TargetLabel, Clips = t.Clips }).ToList(),
                };
            })
            .OrderByDescending(l => l.Clips).ThenBy(l => l.Label, StringComparer.Ordinal)
            .ToList();

    /// <summary>The campaign and its two versions, as the queries' parameters (a fresh set per query: a parameter belongs to one command).</summary>
    private sealed record DiffVersions(Guid Campaign, int Source, int Target, Guid Tenant)
    {
        public object[] Parameters() =>
        [
            new NpgsqlParameter("campaign", NpgsqlDbType.Uuid) { Value = Campaign },
            new NpgsqlParameter("source", NpgsqlDbType.Integer) { Value = Source },
            new NpgsqlParameter("target", NpgsqlDbType.Integer) { Value = Target },
            new NpgsqlParameter("tenant", NpgsqlDbType.Uuid) { Value = Tenant },
        ];
    }

    private sealed class CountsRow
    {
        public int Compared { get; init; }
        public int Caption { get; init; }
        public int TopLabel { get; init; }
        public int Answers { get; init; }
        public int Any { get; init; }
        public int OnlyTarget { get; init; }
    }

    private sealed class TransitionRow
    {
        public required string SourceLabel { get; init; }
        public string? TargetLabel { get; init; }
        public int Clips { get; init; }
    }

    private sealed class ExampleRow
    {
        public Guid ClipId { get; init; }
        public Guid VideoId { get; init; }
        public int ClipIndex { get; init; }
        public double StartSeconds { get; init; }
        public double EndSeconds { get; init; }
        public bool HasThumbnail { get; init; }
        public bool CaptionChanged { get; init; }
        public bool TopLabelChanged { get; init; }
        public bool AnswersChanged { get; init; }
    }
}
