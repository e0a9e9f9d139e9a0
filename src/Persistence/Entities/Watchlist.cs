namespace VideoCoca.Persistence.Entities;

/// <summary>
/// A moderation team's standing question about the catalogue: clip results that match any of its rules get a
/// <see cref="Flag"/>, new results as they are written and, once, the catalogue that existed when it was made.
/// </summary>
public sealed class Watchlist
{
    public Guid Id { get; set; }

    /// <summary>The tenant that owns it; it flags only that tenant's videos, and only that tenant's keys see it.</summary>
    public Guid TenantId { get; set; }

    public required string Name { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Where the one-off pass over the existing catalogue stands.</summary>
    public BackfillState BackfillState { get; set; }

    /// <summary>Flags the catalogue pass raised so far (counted page by page with the flags); null until it starts.</summary>
    public int? BackfillFlags { get; set; }

    public DateTimeOffset? BackfillFinishedAt { get; set; }

    /// <summary>
    /// When a gateway claimed the catalogue pass, renewed after every page: a running pass not renewed for a while lost
    /// its gateway, and another one takes it over.
    /// </summary>
    public DateTimeOffset? BackfillClaimedAt { get; set; }

    /// <summary>Why the catalogue pass failed; null unless it did.</summary>
    public string? BackfillError { get; set; }

    public List<WatchlistRule> Rules { get; set; } = [];
}

/// <summary>The catalogue pass of a new watchlist.</summary>
public enum BackfillState
{
    Pending,
    Running,
    Done,
    Failed,
}
