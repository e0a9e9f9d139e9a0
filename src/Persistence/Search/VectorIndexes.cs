using System.Globalization;
using Microsoft.EntityFrameworkCore;

namespace VideoCoca.Persistence.Search;

/// <summary>
/// One HNSW index per model version over its clip embeddings. The column holds vectors of any length (versions
/// differ) and an HNSW index needs one, so each version's index is partial (that version's rows) on the column cast
/// to the version's dimension; a query uses it when it filters on the version and orders by the same cast expression
/// (<see cref="DistanceExpression"/>).
/// </summary>
public static class VectorIndexes
{
    /// <summary>
    /// Links per node and the build's candidate list: twice pgvector's defaults (16, 64). At a million 512-d embeddings
    /// the defaults reach recall@10 0.892 at p95 19.9 ms; these reach 0.989 at p95 17.3 ms (ef_search 100), for a build
    /// about 2.4 times as long (`vcp bench search --clips 1000000`, docs/benchmarks.md).
    /// </summary>
    public const int Links = 32;

    /// <inheritdoc cref="Links"/>
    public const int BuildCandidates = 128;

    /// <summary>The index's name for a model version.</summary>
    public static string IndexName(int modelVersionId) =>
        string.Create(CultureInfo.InvariantCulture, $"ix_clip_results_embedding_hnsw_v{modelVersionId}");

    /// <summary>The cosine-distance expression the version's index serves, against the parameter named <paramref name="parameter"/>.</summary>
    public static string DistanceExpression(int dimension, string parameter, string alias = "r") =>
        string.Create(CultureInfo.InvariantCulture, $"({alias}.embedding::vector({dimension}) <=> {parameter}::vector({dimension}))");

    /// <summary>
    /// Creates the version's index unless it exists. CONCURRENTLY, so that a version that already has rows (a
    /// deployment upgraded in place) keeps taking writes while it is built; it therefore runs outside a transaction.
    /// </summary>
    public static async Task EnsureAsync(ResultsDbContext db, int modelVersionId, int dimension, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dimension, 2000); // pgvector's HNSW limit for vector
        var sql = string.Create(CultureInfo.InvariantCulture, $"""
            CREATE INDEX CONCURRENTLY IF NOT EXISTS {IndexName(modelVersionId)} ON clip_results
            USING hnsw ((embedding::vector({dimension})) vector_cosine_ops) WITH (m = {Links}, ef_construction = {BuildCandidates})
            WHERE model_version_id = {modelVersionId}
            """);
#pragma warning disable EF1002 // Both values are integers formatted here, not user text.
        await db.Database.ExecuteSqlRawAsync(sql, cancellationToken);
#pragma warning restore EF1002
    }
}
