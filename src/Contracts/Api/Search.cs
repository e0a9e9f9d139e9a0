using System.Text.Json.Serialization;

namespace VideoCoca.Contracts.Api;

/// <summary>One clip found: where it is, what it shows, how well it matches (see <see cref="SearchResponse.Mode"/> for the score's meaning).</summary>
public sealed record SearchItem(
    [property: JsonPropertyName("video_id")] Guid VideoId,
    [property: JsonPropertyName("clip_index")] int ClipIndex,
    [property: JsonPropertyName("start_seconds")] double StartSeconds,
    [property: JsonPropertyName("end_seconds")] double EndSeconds,
    [property: JsonPropertyName("caption")] string Caption,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("thumbnail_url")] string? ThumbnailUrl);

/// <summary>
/// The answer to a search. The score is the cosine similarity (semantic), ts_rank_cd (text), the reciprocal-rank-fusion
/// sum (hybrid), or with <c>rerank</c> the decoder's mean log-probability per token of the query as the clip's caption.
/// </summary>
public sealed record SearchResponse(
    [property: JsonPropertyName("query")] string Query,
    [property: JsonPropertyName("model_version")] string? ModelVersion,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("reranked")] bool Reranked,
    [property: JsonPropertyName("items")] IReadOnlyList<SearchItem> Items);

/// <summary>The clips most like one clip (cosine similarity of their embeddings), the clip itself left out.</summary>
public sealed record SimilarClipsResponse(
    [property: JsonPropertyName("video_id")] Guid VideoId,
    [property: JsonPropertyName("clip_index")] int ClipIndex,
    [property: JsonPropertyName("model_version")] string ModelVersion,
    [property: JsonPropertyName("items")] IReadOnlyList<SearchItem> Items);
