using System.Text.Json.Serialization;

namespace VideoCoca.Contracts.Api;

/// <summary>A question about a video's clips: every analysed clip, or the listed ones.</summary>
/// <param name="Question">The question, as the model is asked it.</param>
/// <param name="ClipIndexes">Only these clips; null or empty for every analysed clip.</param>
public sealed record AskRequest(
    [property: JsonPropertyName("question")] string? Question,
    [property: JsonPropertyName("clip_indexes")] IReadOnlyList<int>? ClipIndexes);

/// <summary>One clip's answer; null with an error when the worker could not read the clip's frames.</summary>
/// <param name="ClipIndex">The clip's position in the video, from 0.</param>
/// <param name="StartSeconds">Where the clip starts.</param>
/// <param name="EndSeconds">Where the clip ends.</param>
/// <param name="Answer">The model's answer.</param>
/// <param name="Error">Why there is no answer.</param>
public sealed record ClipAnswerItem(
    [property: JsonPropertyName("clip_index")] int ClipIndex,
    [property: JsonPropertyName("start_seconds")] double StartSeconds,
    [property: JsonPropertyName("end_seconds")] double EndSeconds,
    [property: JsonPropertyName("answer")] string? Answer,
    [property: JsonPropertyName("error")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);

/// <summary>A question's answers, one per clip, under the model version that gave them.</summary>
/// <param name="Question">The question as asked.</param>
/// <param name="ModelVersion">The version whose answers these are.</param>
/// <param name="Answers">One per clip, in clip order.</param>
public sealed record AskResponse(
    [property: JsonPropertyName("question")] string Question,
    [property: JsonPropertyName("model_version")] string ModelVersion,
    [property: JsonPropertyName("answers")] IReadOnlyList<ClipAnswerItem> Answers);

/// <summary>Labels to score every analysed clip of a video against, zero-shot.</summary>
/// <param name="Labels">The labels, such as "moving left".</param>
public sealed record LabelsRequest([property: JsonPropertyName("labels")] IReadOnlyList<string?>? Labels);

/// <summary>How sure the model is that a label fits a clip.</summary>
/// <param name="Label">The label as asked.</param>
/// <param name="Confidence">0 to 1; a clip's confidences over the asked labels sum to 1.</param>
public sealed record LabelConfidence(
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("confidence")] double Confidence);

/// <summary>One clip's confidence in each asked label, best first.</summary>
/// <param name="ClipIndex">The clip's position in the video, from 0.</param>
/// <param name="StartSeconds">Where the clip starts.</param>
/// <param name="EndSeconds">Where the clip ends.</param>
/// <param name="Scores">Each label's confidence, best first.</param>
public sealed record ClipLabelScores(
    [property: JsonPropertyName("clip_index")] int ClipIndex,
    [property: JsonPropertyName("start_seconds")] double StartSeconds,
    [property: JsonPropertyName("end_seconds")] double EndSeconds,
    [property: JsonPropertyName("scores")] IReadOnlyList<LabelConfidence> Scores);

/// <summary>Every analysed clip of a video scored against the asked labels.</summary>
/// <param name="ModelVersion">The version whose embeddings were compared.</param>
/// <param name="Labels">The labels as asked.</param>
/// <param name="Clips">One entry per analysed clip, in clip order.</param>
public sealed record LabelsResponse(
    [property: JsonPropertyName("model_version")] string ModelVersion,
    [property: JsonPropertyName("labels")] IReadOnlyList<string> Labels,
    [property: JsonPropertyName("clips")] IReadOnlyList<ClipLabelScores> Clips);
