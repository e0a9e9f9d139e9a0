using System.Text.Json.Serialization;
using VideoCoca.Contracts.Api;

namespace VideoCoca.Gateway.Videos;

/// <summary>The answer to an accepted upload.</summary>
public sealed record UploadAccepted(
    [property: JsonPropertyName("video_id")] Guid VideoId,
    [property: JsonPropertyName("status_url")] string StatusUrl);

/// <summary>One page of videos, newest first.</summary>
public sealed record VideoPage(
    [property: JsonPropertyName("items")] IReadOnlyList<VideoStatus> Items,
    [property: JsonPropertyName("page")] int Page,
    [property: JsonPropertyName("page_size")] int PageSize,
    [property: JsonPropertyName("total")] int Total);
