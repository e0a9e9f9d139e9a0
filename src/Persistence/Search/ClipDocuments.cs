using Microsoft.EntityFrameworkCore;

namespace VideoCoca.Persistence.Search;

/// <summary>
/// The full-text side of search: a clip result's <c>document</c> is its caption and its answers under English
/// stemming, so that "squares moving left" finds "a small red square moves left".
/// </summary>
public static class ClipDocuments
{
    /// <summary>The text search configuration every document and query uses.</summary>
    public const string Configuration = "english";

    /// <summary>
    /// <see cref="RefreshAsync"/> for several results of one version in one statement: parameters <c>$1</c> the clips'
    /// ids (uuid[]), <c>$2</c> the version's id.
    /// </summary>
    public const string RefreshManySql = """
        UPDATE clip_results r
        SET document = to_tsvector('english', r.caption || ' ' || coalesce(
            (SELECT string_agg(a.answer, ' ' ORDER BY a.question) FROM clip_answers a
             WHERE a.clip_id = r.clip_id AND a.model_version_id = r.model_version_id), ''))
        WHERE r.clip_id = ANY ($1) AND r.model_version_id = $2
        """;

    /// <summary>Rewrites the result's document from its caption and its current answers (call it in the transaction that changed them).</summary>
    public static Task RefreshAsync(ResultsDbContext db, Guid clipId, int modelVersionId, CancellationToken cancellationToken = default) =>
        db.Database.ExecuteSqlAsync($"""
            UPDATE clip_results r
            SET document = to_tsvector('english', r.caption || ' ' || coalesce(
                (SELECT string_agg(a.answer, ' ' ORDER BY a.question) FROM clip_answers a
                 WHERE a.clip_id = r.clip_id AND a.model_version_id = r.model_version_id), ''))
            WHERE r.clip_id = {clipId} AND r.model_version_id = {modelVersionId}
            """, cancellationToken);
}
