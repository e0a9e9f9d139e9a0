using System.Text.Json.Serialization;

namespace VideoCoca.Gateway.Questions;

/// <summary>A question about a video's clips: every analysed clip, or the listed ones.</summary>
public sealed record AskRequest(
    [property: JsonPropertyName("question")] string? Question,
    [property: JsonPropertyName("clip_indexes")] IReadOnlyList<int>? ClipIndexes);

/// <summary>One clip's answer; null with an error when the worker could not read the clip's frames.</summary>
public sealed record ClipAnswerItem(
    [property: JsonPropertyName("clip_index")] int ClipIndex,
    [property: JsonPropertyName("start_seconds")] double StartSeconds,
    [property: JsonPropertyName("end_seconds")] double EndSeconds,
    [property: JsonPropertyName("answer")] string? Answer,
    [property: JsonPropertyName("error")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);

public sealed record AskResponse(
    [property: JsonPropertyName("question")] string Question,
    [property: JsonPropertyName("model_version")] string ModelVersion,
    [property: JsonPropertyName("answers")] IReadOnlyList<ClipAnswerItem> Answers);

/// <summary>Labels to score every analysed clip of a video against, zero-shot.</summary>
public sealed record LabelsRequest([property: JsonPropertyName("labels")] IReadOnlyList<string?>? Labels);

public sealed record LabelConfidence(
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("confidence")] double Confidence);

public sealed record ClipLabelScores(
    [property: JsonPropertyName("clip_index")] int ClipIndex,
    [property: JsonPropertyName("start_seconds")] double StartSeconds,
    [property: JsonPropertyName("end_seconds")] double EndSeconds,
    [property: JsonPropertyName("scores")] IReadOnlyList<LabelConfidence> Scores);

public sealed record LabelsResponse(
    [property: JsonPropertyName("model_version")] string ModelVersion,
    [property: JsonPropertyName("labels")] IReadOnlyList<string> Labels,
    [property: JsonPropertyName("clips")] IReadOnlyList<ClipLabelScores> Clips);
