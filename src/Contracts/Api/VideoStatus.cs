using System.Text.Json.Serialization;

namespace VideoCoca.Contracts.Api;

/// <summary>A video's state and progress, as <c>GET /api/videos/{id}</c> returns it.</summary>
public sealed record VideoStatus
{
    /// <summary>The video.</summary>
    [JsonPropertyName("video_id")] public required Guid VideoId { get; init; }

    /// <summary>The name the file was uploaded under.</summary>
    [JsonPropertyName("file_name")] public required string FileName { get; init; }

    /// <summary>Where the video is in its life.</summary>
    [JsonPropertyName("state")] public required VideoState State { get; init; }

    /// <summary>Clips done out of the total, once the video is split.</summary>
    [JsonPropertyName("progress")] public required VideoProgress Progress { get; init; }

    /// <summary>Why the video failed, or a summary of failed clips; null when none.</summary>
    [JsonPropertyName("error")] public string? Error { get; init; }

    /// <summary>What the decoder complained of in a video that still decoded (e.g. a frame that could not be decoded); empty when none.</summary>
    [JsonPropertyName("warnings")] public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The video's length, once probed.</summary>
    [JsonPropertyName("duration_seconds")] public double? DurationSeconds { get; init; }

    /// <summary>When it was uploaded.</summary>
    [JsonPropertyName("created_at")] public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When its state last changed.</summary>
    [JsonPropertyName("updated_at")] public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>How far the analysis of a video's clips has got.</summary>
public sealed record VideoProgress
{
    /// <summary>Clips finished, failed ones included.</summary>
    [JsonPropertyName("done")] public required int Done { get; init; }

    /// <summary>Clips in the video; 0 until it is split.</summary>
    [JsonPropertyName("total")] public required int Total { get; init; }

    /// <summary>Clips that failed (part of <see cref="Done"/>).</summary>
    [JsonPropertyName("failed")] public int Failed { get; init; }
}
