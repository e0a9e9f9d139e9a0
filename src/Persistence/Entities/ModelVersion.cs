namespace VideoCoca.Persistence.Entities;

/// <summary>A model the workers ran: results are stored per (clip, model version).</summary>
public sealed class ModelVersion
{
    public int Id { get; set; }

    /// <summary>The registered name, unique (for example "world-tiny-2026-11").</summary>
    public required string Name { get; set; }

    /// <summary>Checksum of the weights (for example "sha256:..."), so a name never hides different weights.</summary>
    public required string Checksum { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The length of the version's embeddings (its HNSW index casts vectors to it); 0 until a worker registers it.</summary>
    public int EmbeddingDimension { get; set; }
}
