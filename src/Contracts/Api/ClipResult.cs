using System.Text.Json.Serialization;

namespace VideoCoca.Contracts.Api;

/// <summary>What the model found in one clip, as <c>GET /api/videos/{id}/clips</c> returns it.</summary>
public sealed record ClipResult
{
    /// <summary>The clip.</summary>
    [JsonPropertyName("clip_id")] public required Guid ClipId { get; init; }

    /// <summary>The clip's position in the video, from 0.</summary>
    [JsonPropertyName("index")] public required int Index { get; init; }

    /// <summary>Where the clip starts in the video.</summary>
    [JsonPropertyName("start_seconds")] public required double StartSeconds { get; init; }

    /// <summary>Where the clip ends in the video.</summary>
    [JsonPropertyName("end_seconds")] public required double EndSeconds { get; init; }

    /// <summary>The generated caption.</summary>
    [JsonPropertyName("caption")] public required string Caption { get; init; }

    /// <summary>The top labels, best first.</summary>
    [JsonPropertyName("labels")] public required IReadOnlyList<LabelResult> Labels { get; init; }

    /// <summary>Answers to the questions asked about the clip.</summary>
    [JsonPropertyName("answers")] public required IReadOnlyList<AnswerResult> Answers { get; init; }

    /// <summary>The model version that produced these results.</summary>
    [JsonPropertyName("model_version")] public required string ModelVersion { get; init; }

    /// <summary>Where the clip's thumbnail is served; null when there is none.</summary>
    [JsonPropertyName("thumbnail_url")] public string? ThumbnailUrl { get; init; }

    /// <summary>
    /// Where the clip is: <see cref="ClipStates.Queued"/> (waiting for a worker), <see cref="ClipStates.Analysed"/>
    /// (results above) or <see cref="ClipStates.Failed"/> (see <see cref="Error"/>; caption, labels and answers empty).
    /// Analysed when absent: gateways before the field listed analysed clips only.
    /// </summary>
    [JsonPropertyName("state")] public string State { get; init; } = ClipStates.Analysed;

    /// <summary>Why the clip failed; null unless it did.</summary>
    [JsonPropertyName("error")] public string? Error { get; init; }
}

/// <summary>The values of <see cref="ClipResult.State"/>.</summary>
public static class ClipStates
{
    /// <summary>Recorded, frames not yet extracted (seen only while a video is being split).</summary>
    public const string Pending = "pending";

    /// <summary>Frames extracted, waiting for a worker (again, after a retry).</summary>
    public const string Queued = "queued";

    /// <summary>Results stored.</summary>
    public const string Analysed = "analysed";

    /// <summary>A worker gave up on it; the reason is in the error.</summary>
    public const string Failed = "failed";
}

/// <summary>One label and the model's confidence in it.</summary>
public sealed record LabelResult
{
    /// <summary>The label text.</summary>
    [JsonPropertyName("label")] public required string Label { get; init; }

    /// <summary>The model's confidence, 0 to 1.</summary>
    [JsonPropertyName("confidence")] public required double Confidence { get; init; }
}

/// <summary>A question asked about a clip and the model's answer.</summary>
public sealed record AnswerResult
{
    /// <summary>The question.</summary>
    [JsonPropertyName("question")] public required string Question { get; init; }

    /// <summary>The answer.</summary>
    [JsonPropertyName("answer")] public required string Answer { get; init; }
}
