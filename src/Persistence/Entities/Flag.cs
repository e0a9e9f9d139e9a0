namespace VideoCoca.Persistence.Entities;

/// <summary>
/// A clip result that met a watchlist's rule: one per (clip, watchlist, model version), reviewed by a person.
/// </summary>
public sealed class Flag
{
    public Guid Id { get; set; }

    public Guid WatchlistId { get; set; }

    public Guid ClipId { get; set; }

    /// <summary>The clip's video, kept here so that the review queue needs no join to name it.</summary>
    public Guid VideoId { get; set; }

    public int ModelVersionId { get; set; }

    /// <summary>The first rule of the list the clip met.</summary>
    public Guid? RuleId { get; set; }

    /// <summary>Why, for the reviewer: "label 'moving left' at 0.97", "phrase 'red square' in the caption", ...</summary>
    public required string Reason { get; set; }

    /// <summary>The label confidence or search score that met the rule; null for a phrase.</summary>
    public double? Score { get; set; }

    public FlagStatus Status { get; set; }

    public string? Note { get; set; }

    /// <summary>Who reviewed it (the reviewer's name as the request gave it).</summary>
    public string? ReviewedBy { get; set; }

    public DateTimeOffset? ReviewedAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Where a flag is in review.</summary>
public enum FlagStatus
{
    Open,
    Confirmed,
    Dismissed,
}
