using NpgsqlTypes;
using Pgvector;

namespace VideoCoca.Persistence.Entities;

/// <summary>
/// What one model version found in one clip. Keyed by (clip, model version): a worker that sees a
/// clip twice finds the key taken and writes nothing new.
/// </summary>
public sealed class ClipResult
{
    public Guid ClipId { get; set; }

    public int ModelVersionId { get; set; }

    public required string Caption { get; set; }

    /// <summary>
    /// The clip's L2-normalised video embedding: a pgvector <c>vector</c> without a fixed dimension, since model
    /// versions differ; each version's HNSW index casts it to that version's dimension (<see cref="Search.VectorIndexes"/>).
    /// </summary>
    public required Vector Embedding { get; set; }

    /// <summary>
    /// The caption and the answers, as PostgreSQL full-text search reads them (English stemming); written with the
    /// result and again whenever an answer is added (<see cref="Search.ClipDocuments"/>).
    /// </summary>
    public NpgsqlTsVector? Document { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public Clip? Clip { get; set; }

    public ModelVersion? ModelVersion { get; set; }

    public List<ClipLabel> Labels { get; set; } = [];

    public List<ClipAnswer> Answers { get; set; } = [];
}
