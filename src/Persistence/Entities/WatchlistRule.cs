namespace VideoCoca.Persistence.Entities;

/// <summary>One rule of a watchlist; a clip result that meets any rule of the list is flagged.</summary>
public sealed class WatchlistRule
{
    public Guid Id { get; set; }

    public Guid WatchlistId { get; set; }

    /// <summary>The rule's order in its list, from 0 (a flag names the first rule a clip meets).</summary>
    public int Position { get; set; }

    public WatchRuleKind Kind { get; set; }

    /// <summary>The label (<see cref="WatchRuleKind.Label"/>), the phrase or the search query.</summary>
    public required string Text { get; set; }

    /// <summary>The least label confidence or search score that matches; null for a phrase.</summary>
    public double? Threshold { get; set; }

    public List<WatchlistRuleEmbedding> Embeddings { get; set; } = [];
}

/// <summary>What a rule looks at.</summary>
public enum WatchRuleKind
{
    /// <summary>One of the clip's stored labels, at or above a confidence.</summary>
    Label,

    /// <summary>A phrase in the caption or in an answer, case-insensitively.</summary>
    Phrase,

    /// <summary>A search query whose cosine similarity to the clip's embedding is at or above a score.</summary>
    Query,
}
