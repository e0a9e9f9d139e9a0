using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using VideoCoca.Contracts.Api;
using VideoCoca.Gateway.Models;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Search;

namespace VideoCoca.Gateway.Search;

/// <summary>
/// What restricts a search, applied to every candidate list alike. <see cref="TenantId"/> keeps a search inside the
/// caller's tenant; the endpoints always set it (null searches every tenant's clips).
/// </summary>
public sealed record SearchFilters(
    IReadOnlyList<Guid> VideoIds, string? Label, double MinConfidence, DateTimeOffset? UploadedAfter, DateTimeOffset? UploadedBefore,
    Guid? ExcludeClip = null, Guid? TenantId = null)
{
    public static readonly SearchFilters None = new([], null, 0, null, null);
}

/// <summary>A clip a candidate list holds, with that list's score (higher is better).</summary>
public readonly record struct Candidate(Guid ClipId, double Score);

/// <summary>A found clip as an answer shows it, and where its frames are for the decoder (re-ranking).</summary>
public sealed record FoundClip(
    Guid ClipId, Guid VideoId, int Index, double StartSeconds, double EndSeconds, string Caption, string? ThumbnailPath,
    string? FramesPath, int FramesPerClip);

/// <summary>
/// The SQL of search over one model version's clip results: nearest embeddings (pgvector, the version's HNSW index),
/// full text (the results' tsvector documents) and their reciprocal-rank fusion.
/// </summary>
public static class ClipSearch
{
    /// <summary>The constant of reciprocal rank fusion (Cormack et al. 2009): a rank r adds 1 / (k + r).</summary>
    public const int FusionK = 60;

    /// <summary>pgvector builds an HNSW index over vectors of at most this dimension (VectorIndexes.EnsureAsync agrees).</summary>
    private const int MaxIndexedDimension = 2000;

    /// <summary>
    /// The <paramref name="depth"/> clips whose embeddings are nearest <paramref name="query"/> (cosine), score = cosine
    /// similarity. A version with a known dimension that pgvector can index has its partial HNSW index (made when its
    /// worker registered): the query filters on the version and orders by the index's own cast expression, with
    /// <c>hnsw.ef_search</c> at least the depth and pgvector 0.8's iterative scan (relaxed order), so that filters that
    /// drop most of the index's candidates still fill the depth; the materialised CTE puts the relaxed order right.
    /// Any other version (dimension 0, registered before dimensions were kept, or above the index's limit) is searched
    /// exactly: the plain distance without the cast matches no index, so PostgreSQL computes every row's distance and
    /// sorts (all vectors of one version have one dimension, so the plain operator applies).
    /// </summary>
    public static async Task<List<Candidate>> NearestAsync(
        ResultsDbContext db, ReadingModelVersion version, float[] query, SearchFilters filters, int depth, int efSearch, CancellationToken cancellationToken)
    {
        var indexed = version.Dimension is > 0 and <= MaxIndexedDimension && version.Dimension == query.Length;
        var distance = indexed ? VectorIndexes.DistanceExpression(version.Dimension, "@query") : "(r.embedding <=> @query::vector)";
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (indexed)
        {
            // SET LOCAL takes no parameters: both values are integers formatted here.
            await ExecuteAsync(db, string.Create(CultureInfo.InvariantCulture,
                $"SET LOCAL hnsw.ef_search = {Math.Clamp(Math.Max(efSearch, depth), 1, 1000)}; SET LOCAL hnsw.iterative_scan = relaxed_order"), cancellationToken);
        }
        await using var command = Command(db);
        command.CommandText = $"""
            WITH nearest AS MATERIALIZED (
                SELECT r.clip_id, {distance} AS distance
                FROM clip_results r JOIN clips c ON c.id = r.clip_id JOIN videos v ON v.id = c.video_id
                WHERE {Where(filters, command)}
                ORDER BY {distance}
                LIMIT @depth)
            SELECT clip_id, 1 - distance FROM nearest ORDER BY distance, clip_id
            """;
        command.Parameters.AddWithValue("version", version.Id);
        command.Parameters.AddWithValue("query", VectorText(query));
        command.Parameters.AddWithValue("depth", depth);
        var found = await ReadCandidatesAsync(command, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return found;
    }

    /// <summary>
    /// The <paramref name="depth"/> clips whose documents (caption and answers, English stemming) match the query as a
    /// web search engine reads it (<c>websearch_to_tsquery</c>: words ANDed, "quoted phrases", -excluded, or), ranked
    /// by <c>ts_rank_cd</c> (cover density: matched words near one another count more); the GIN index finds them.
    /// </summary>
    public static async Task<List<Candidate>> FullTextAsync(
        ResultsDbContext db, int versionId, string query, SearchFilters filters, int depth, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = Command(db);
            command.CommandText = $"""
                SELECT r.clip_id, ts_rank_cd(r.document, q.query)::float8 AS rank
                FROM clip_results r JOIN clips c ON c.id = r.clip_id JOIN videos v ON v.id = c.video_id
                CROSS JOIN websearch_to_tsquery('{ClipDocuments.Configuration}', @text) AS q(query)
                WHERE {Where(filters, command)} AND r.document @@ q.query
                ORDER BY rank DESC, r.clip_id
                LIMIT @depth
                """;
            command.Parameters.AddWithValue("version", versionId);
            command.Parameters.AddWithValue("text", query);
            command.Parameters.AddWithValue("depth", depth);
            return await ReadCandidatesAsync(command, cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// Reciprocal rank fusion: each clip scores the sum over the lists that hold it of 1 / (k + its rank there, from 1);
    /// best first, ties broken by the first list's order, then the clip id.
    /// </summary>
    public static List<Candidate> Fuse(IReadOnlyList<IReadOnlyList<Candidate>> lists, int k = FusionK)
    {
        var sums = new Dictionary<Guid, double>();
        var firstSeen = new Dictionary<Guid, int>();
        foreach (var list in lists)
        {
            for (var rank = 0; rank < list.Count; rank++)
            {
                var id = list[rank].ClipId;
                sums[id] = sums.GetValueOrDefault(id) + 1.0 / (k + rank + 1);
                firstSeen.TryAdd(id, firstSeen.Count);
            }
        }
        return sums.OrderByDescending(s => s.Value).ThenBy(s => firstSeen[s.Key]).Select(s => new Candidate(s.Key, s.Value)).ToList();
    }

    /// <summary>The clips' rows and their captions under the version.</summary>
    public static async Task<Dictionary<Guid, FoundClip>> DetailsAsync(
        ResultsDbContext db, int versionId, IReadOnlyCollection<Guid> clipIds, CancellationToken cancellationToken)
    {
        if (clipIds.Count == 0) return [];
        var ids = clipIds.ToArray();
        return await db.ClipResults.AsNoTracking()
            .Where(r => r.ModelVersionId == versionId && ids.Contains(r.ClipId))
            .Select(r => new FoundClip(r.ClipId, r.Clip!.VideoId, r.Clip.Index, r.Clip.StartSeconds, r.Clip.EndSeconds, r.Caption,
                r.Clip.ThumbnailPath, r.Clip.FramesDeletedAt == null ? r.Clip.FramesPath : null, r.Clip.Video!.FramesPerClip))
            .ToDictionaryAsync(c => c.ClipId, cancellationToken);
    }

    /// <summary>A stored clip embedding under the version, or null when the clip has no result under it.</summary>
    public static async Task<float[]?> EmbeddingAsync(ResultsDbContext db, Guid clipId, int versionId, CancellationToken cancellationToken)
    {
        var vector = await db.ClipResults.AsNoTracking().Where(r => r.ClipId == clipId && r.ModelVersionId == versionId)
            .Select(r => r.Embedding).FirstOrDefaultAsync(cancellationToken);
        return vector?.ToArray();
    }

    /// <summary>pgvector's text form; sent as text and cast in SQL, so no type mapping is needed on the connection.</summary>
    public static string VectorText(ReadOnlySpan<float> vector)
    {
        var text = new StringBuilder(vector.Length * 12).Append('[');
        for (var i = 0; i < vector.Length; i++)
        {
            if (i > 0) text.Append(',');
            text.Append(vector[i].ToString("R", CultureInfo.InvariantCulture));
        }
        return text.Append(']').ToString();
    }

    private static string Where(SearchFilters filters, NpgsqlCommand command)
    {
        var where = new StringBuilder("r.model_version_id = @version");
        if (filters.TenantId is { } tenant)
        {
            where.Append(" AND v.tenant_id = @tenant");
            command.Parameters.AddWithValue("tenant", tenant);
        }
        if (filters.VideoIds.Count > 0)
        {
            where.Append(" AND c.video_id = ANY(@videos)");
            command.Parameters.AddWithValue("videos", NpgsqlDbType.Array | NpgsqlDbType.Uuid, filters.VideoIds.ToArray());
        }
        if (filters.Label is { } label)
        {
            where.Append("""
                 AND EXISTS (SELECT 1 FROM clip_labels l WHERE l.clip_id = r.clip_id AND l.model_version_id = r.model_version_id
                 AND l.label = @label AND l.confidence >= @min_confidence)
                """);
            command.Parameters.AddWithValue("label", label);
            command.Parameters.AddWithValue("min_confidence", filters.MinConfidence);
        }
        if (filters.UploadedAfter is { } after)
        {
            where.Append(" AND v.created_at >= @uploaded_after");
            command.Parameters.AddWithValue("uploaded_after", after.ToUniversalTime());
        }
        if (filters.UploadedBefore is { } before)
        {
            where.Append(" AND v.created_at < @uploaded_before");
            command.Parameters.AddWithValue("uploaded_before", before.ToUniversalTime());
        }
        if (filters.ExcludeClip is { } exclude)
        {
            where.Append(" AND r.clip_id <> @exclude");
            command.Parameters.AddWithValue("exclude", exclude);
        }
        return where.ToString();
    }

    private static NpgsqlCommand Command(ResultsDbContext db)
    {
        var command = (NpgsqlCommand)db.Database.GetDbConnection().CreateCommand();
        command.Transaction = (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction();
        return command;
    }

    private static async Task ExecuteAsync(ResultsDbContext db, string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(db);
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<List<Candidate>> ReadCandidatesAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var found = new List<Candidate>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(new Candidate(reader.GetGuid(0), reader.GetDouble(1)));
        }
        return found;
    }
}
