using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using VideoCoca.Persistence.Webhooks;

namespace VideoCoca.Persistence.Watch;

/// <summary>
/// Flags clip results that meet a watchlist's rules, for the worker (a result as it is written) and for the gateway's
/// catalogue pass (a page of a version's results against one new list). A clip gets one flag per watchlist and model
/// version, naming the first rule it met (by position); each flag inserted announces itself as a <c>clip.flagged</c>
/// event in the same transaction, so a flag and its event exist together or not at all.
/// </summary>
public static class WatchlistMatcher
{
    // Every rule of the lists in question (only lists of the video's own tenant) against every result of the clips in question, with what each rule saw:
    // the label's stored confidence, the query's cosine similarity (1 - cosine distance) with the rule's embedding
    // under the result's own version, or where the phrase occurs. A query rule without an embedding for the version
    // scores nothing (the worker of that version stores it before matching).
    // FOR KEY SHARE OF w: a list deleted meanwhile waits for this transaction instead of failing the flag's foreign key.
    private const string MatchSql = """
        SELECT r.clip_id AS "ClipId", c.video_id AS "VideoId", c.index AS "ClipIndex", c.start_seconds AS "StartSeconds",
               c.end_seconds AS "EndSeconds", r.caption AS "Caption", w.id AS "WatchlistId", w.name AS "WatchlistName", w.tenant_id AS "TenantId",
               ru.id AS "RuleId", ru.position AS "Position", ru.kind AS "Kind", ru.text AS "Text", seen.score AS "Score", seen.place AS "Place"
        FROM clip_results r
        JOIN clips c ON c.id = r.clip_id
        JOIN videos v ON v.id = c.video_id
        JOIN watchlists w ON w.tenant_id = v.tenant_id
        JOIN watchlist_rules ru ON ru.watchlist_id = w.id
        CROSS JOIN LATERAL (
            SELECT
                CASE ru.kind
                    WHEN 'label' THEN (SELECT max(l.confidence) FROM clip_labels l
                                       WHERE l.clip_id = r.clip_id AND l.model_version_id = r.model_version_id AND lower(l.label) = lower(ru.text))
                    WHEN 'query' THEN (SELECT 1 - (r.embedding <=> e.embedding) FROM watchlist_rule_embeddings e
                                       WHERE e.rule_id = ru.id AND e.model_version_id = r.model_version_id)
                END AS score,
                CASE WHEN ru.kind <> 'phrase' THEN NULL
                     WHEN strpos(lower(r.caption), lower(ru.text)) > 0 THEN 'the caption'
                     ELSE (SELECT 'the answer to ''' || a.question || '''' FROM clip_answers a
                           WHERE a.clip_id = r.clip_id AND a.model_version_id = r.model_version_id AND strpos(lower(a.answer), lower(ru.text)) > 0
                           ORDER BY a.question LIMIT 1)
                END AS place
        ) seen
        WHERE r.model_version_id = @version AND r.clip_id = ANY (@clips) AND (@watchlist IS NULL OR w.id = @watchlist)
          AND ((ru.kind IN ('label', 'query') AND seen.score >= ru.threshold) OR (ru.kind = 'phrase' AND seen.place IS NOT NULL))
          AND NOT EXISTS (SELECT 1 FROM flags f WHERE f.clip_id = r.clip_id AND f.watchlist_id = w.id AND f.model_version_id = r.model_version_id)
        ORDER BY r.clip_id, w.id, ru.position
        FOR KEY SHARE OF w
        """;

    /// <summary>
    /// Matches the clips' results under the version against every watchlist (<paramref name="watchlistId"/> null) or
    /// one, and flags each (clip, watchlist) that meets a rule and has no flag yet. Call it inside the transaction
    /// that makes the results visible (the worker's) or that should own the flags (a catalogue page).
    /// </summary>
    /// <returns>The flags this call inserted.</returns>
    public static async Task<IReadOnlyList<RaisedFlag>> FlagAsync(
        ResultsDbContext db, int modelVersionId, IReadOnlyCollection<Guid> clipIds, Guid? watchlistId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (clipIds.Count == 0)
        {
            return [];
        }
        var matches = await db.Database.SqlQueryRaw<RuleMatch>(MatchSql,
                new NpgsqlParameter("version", NpgsqlDbType.Integer) { Value = modelVersionId },
                new NpgsqlParameter("clips", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = clipIds.ToArray() },
                new NpgsqlParameter("watchlist", NpgsqlDbType.Uuid) { Value = watchlistId is { } id ? id : DBNull.Value })
            .ToListAsync(cancellationToken);
        if (matches.Count == 0)
        {
            return [];
        }
        var versionName = await db.ModelVersions.Where(m => m.Id == modelVersionId).Select(m => m.Name).SingleAsync(cancellationToken);
        var raised = new List<RaisedFlag>();
        // Rows come ordered by clip, list and rule position: the first of each (clip, list) is the rule the flag names.
        foreach (var first in matches.GroupBy(m => (m.ClipId, m.WatchlistId)).Select(g => g.First()))
        {
            var flagId = Guid.CreateVersion7(at);
            var reason = Reason(first);
            var score = first.Kind == "phrase" ? null : first.Score;
            var inserted = await db.Database.ExecuteSqlAsync($"""
                INSERT INTO flags (id, watchlist_id, clip_id, video_id, model_version_id, rule_id, reason, score, status, created_at)
                VALUES ({flagId}, {first.WatchlistId}, {first.ClipId}, {first.VideoId}, {modelVersionId}, {first.RuleId}, {reason}, {score}, 'open', {at})
                ON CONFLICT (clip_id, watchlist_id, model_version_id) DO NOTHING
                """, cancellationToken);
            if (inserted == 0)
            {
                continue; // Another writer (the catalogue pass or a redelivered result) flagged it first, and announced it.
            }
            var flag = new RaisedFlag(flagId, first.WatchlistId, first.WatchlistName, first.VideoId, first.ClipId, first.ClipIndex,
                first.StartSeconds, first.EndSeconds, versionName, reason, score, first.Caption);
            await WebhookOutbox.EnqueueAsync(db, first.TenantId, WebhookOutbox.ClipFlagged, flag, at, cancellationToken);
            raised.Add(flag);
        }
        return raised;
    }

    /// <summary>What the reviewer reads: "label 'moving left' at 0.97", "phrase 'red square' in the caption", "query 'a red square' at 0.91".</summary>
    private static string Reason(RuleMatch match) => match.Kind switch
    {
        "label" => string.Create(CultureInfo.InvariantCulture, $"label '{match.Text}' at {match.Score:0.00}"),
        "query" => string.Create(CultureInfo.InvariantCulture, $"query '{match.Text}' at {match.Score:0.00}"),
        _ => $"phrase '{match.Text}' in {match.Place}",
    };

    private sealed class RuleMatch
    {
        public Guid ClipId { get; set; }
        public Guid VideoId { get; set; }
        public int ClipIndex { get; set; }
        public double StartSeconds { get; set; }
        public double EndSeconds { get; set; }
        public string Caption { get; set; } = "";
        public Guid WatchlistId { get; set; }
        public string WatchlistName { get; set; } = "";
        public Guid TenantId { get; set; }
        public Guid RuleId { get; set; }
        public int Position { get; set; }
        public string Kind { get; set; } = "";
        public string Text { get; set; } = "";
        public double? Score { get; set; }
        public string? Place { get; set; }
    }
}

/// <summary>A flag just raised: also the <c>data</c> of its <c>clip.flagged</c> event (snake_case on the wire).</summary>
public sealed record RaisedFlag(
    Guid FlagId, Guid WatchlistId, string WatchlistName, Guid VideoId, Guid ClipId, int ClipIndex, double StartSeconds, double EndSeconds,
    string ModelVersion, string Reason, double? Score, string Caption);
