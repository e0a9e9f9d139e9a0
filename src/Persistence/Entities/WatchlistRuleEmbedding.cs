using Pgvector;

namespace VideoCoca.Persistence.Entities;

/// <summary>
/// A query rule's text embedding under one model version: clip embeddings are only comparable with text embeddings
/// of the same version, so each version that writes results embeds the rule once (its workers do, on first need).
/// </summary>
public sealed class WatchlistRuleEmbedding
{
    public Guid RuleId { get; set; }

    public int ModelVersionId { get; set; }

    public required Vector Embedding { get; set; }
}
