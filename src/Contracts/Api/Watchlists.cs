using System.Text.Json.Serialization;

namespace VideoCoca.Contracts.Api;

/// <summary>A watchlist as the API shows it: its rules and where its pass over the existing catalogue stands.</summary>
public sealed class WatchlistInfo
{
    /// <summary>The watchlist.</summary>
    [JsonPropertyName("id")] public required Guid Id { get; init; }

    /// <summary>Its name, as given.</summary>
    [JsonPropertyName("name")] public required string Name { get; init; }

    /// <summary>Its rules, in order (a flag names the first one a clip met).</summary>
    [JsonPropertyName("rules")] public required IReadOnlyList<WatchRuleInfo> Rules { get; init; }

    /// <summary>When it was made.</summary>
    [JsonPropertyName("created_at")] public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Its pass over the catalogue that existed when it was made.</summary>
    [JsonPropertyName("backfill")] public required WatchlistBackfill Backfill { get; init; }
}

/// <summary>
/// One rule, in the shape it was given: <c>{"kind": "label", "label", "min_confidence"}</c>, <c>{"kind": "phrase",
/// "phrase"}</c> or <c>{"kind": "query", "query", "min_score"}</c>.
/// </summary>
public sealed class WatchRuleInfo
{
    /// <summary>label, phrase or query.</summary>
    [JsonPropertyName("kind")] public required string Kind { get; init; }

    /// <summary>A label rule's label.</summary>
    [JsonPropertyName("label"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Label { get; init; }

    /// <summary>A label rule's least confidence, 0 to 1.</summary>
    [JsonPropertyName("min_confidence"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? MinConfidence { get; init; }

    /// <summary>A phrase rule's phrase (in the caption or an answer, any case).</summary>
    [JsonPropertyName("phrase"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Phrase { get; init; }

    /// <summary>A query rule's search text.</summary>
    [JsonPropertyName("query"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Query { get; init; }

    /// <summary>A query rule's least cosine similarity, -1 to 1.</summary>
    [JsonPropertyName("min_score"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? MinScore { get; init; }
}

/// <summary>The one-off pass of a new watchlist over the catalogue: pending, running, done or failed, with the flags it raised.</summary>
public sealed class WatchlistBackfill
{
    /// <summary>pending, running, done or failed.</summary>
    [JsonPropertyName("state")] public required string State { get; init; }

    /// <summary>Flags raised so far; null before the pass starts.</summary>
    [JsonPropertyName("flags")] public int? Flags { get; init; }

    /// <summary>When it finished (done or failed).</summary>
    [JsonPropertyName("finished_at")] public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Why it failed; null unless it did.</summary>
    [JsonPropertyName("error")] public string? Error { get; init; }
}

/// <summary>A clip result that met a watchlist's rule, with its review.</summary>
public sealed class FlagInfo
{
    /// <summary>The flag.</summary>
    [JsonPropertyName("id")] public required Guid Id { get; init; }

    /// <summary>The watchlist that raised it.</summary>
    [JsonPropertyName("watchlist_id")] public required Guid WatchlistId { get; init; }

    /// <summary>That watchlist's name.</summary>
    [JsonPropertyName("watchlist_name")] public required string WatchlistName { get; init; }

    /// <summary>The clip's video.</summary>
    [JsonPropertyName("video_id")] public required Guid VideoId { get; init; }

    /// <summary>The clip's position in its video, from 0.</summary>
    [JsonPropertyName("clip_index")] public required int ClipIndex { get; init; }

    /// <summary>Where the clip starts in the video.</summary>
    [JsonPropertyName("start_seconds")] public required double StartSeconds { get; init; }

    /// <summary>Where the clip ends in the video.</summary>
    [JsonPropertyName("end_seconds")] public required double EndSeconds { get; init; }

    /// <summary>The clip's caption under the flag's model version.</summary>
    [JsonPropertyName("caption")] public string? Caption { get; init; }

    /// <summary>The clip's thumbnail, when it has one.</summary>
    [JsonPropertyName("thumbnail_url")] public string? ThumbnailUrl { get; init; }

    /// <summary>The model version whose result met the rule.</summary>
    [JsonPropertyName("model_version")] public required string ModelVersion { get; init; }

    /// <summary>Why: "label 'moving left' at 0.97", "phrase 'red square' in the caption", "query 'a red square' at 0.91".</summary>
    [JsonPropertyName("reason")] public required string Reason { get; init; }

    /// <summary>The label confidence or query score that met the rule; null for a phrase.</summary>
    [JsonPropertyName("score")] public double? Score { get; init; }

    /// <summary>open, confirmed or dismissed.</summary>
    [JsonPropertyName("status")] public required string Status { get; init; }

    /// <summary>The reviewer's note.</summary>
    [JsonPropertyName("note")] public string? Note { get; init; }

    /// <summary>Who reviewed it last.</summary>
    [JsonPropertyName("reviewed_by")] public string? ReviewedBy { get; init; }

    /// <summary>When it was reviewed last.</summary>
    [JsonPropertyName("reviewed_at")] public DateTimeOffset? ReviewedAt { get; init; }

    /// <summary>When it was raised.</summary>
    [JsonPropertyName("created_at")] public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>One page of flags, oldest first.</summary>
public sealed class FlagPage
{
    /// <summary>The page's flags.</summary>
    [JsonPropertyName("items")] public required IReadOnlyList<FlagInfo> Items { get; init; }

    /// <summary>The page, from 1.</summary>
    [JsonPropertyName("page")] public required int Page { get; init; }

    /// <summary>Flags per page.</summary>
    [JsonPropertyName("page_size")] public required int PageSize { get; init; }

    /// <summary>Flags matching the filters, on every page.</summary>
    [JsonPropertyName("total")] public required int Total { get; init; }
}
