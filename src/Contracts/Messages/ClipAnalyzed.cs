using MassTransit;

namespace VideoCoca.Contracts.Messages;

/// <summary>
/// A worker has stored the results of one clip (caption, labels, answers, embedding) for one model version.
/// </summary>
/// <param name="VideoId">The video the clip belongs to.</param>
/// <param name="ClipId">The clip.</param>
/// <param name="ClipIndex">The clip's position in the video, from 0.</param>
/// <param name="ModelVersion">The model version that produced the results (its registered name).</param>
/// <param name="Caption">The generated caption.</param>
/// <param name="Labels">The top labels, best first.</param>
/// <param name="Answers">One answer per question asked, in the order asked.</param>
/// <param name="AnalyzedAt">When the results were stored.</param>
/// <param name="CampaignId">The campaign the clip was analysed for (copied from <see cref="AnalyzeClip"/>); null for an upload's clip.</param>
[MessageUrn("videococa:clip-analyzed")]
[EntityName("videococa.clip-analyzed")]
public sealed record ClipAnalyzed(
    Guid VideoId,
    Guid ClipId,
    int ClipIndex,
    string ModelVersion,
    string Caption,
    IReadOnlyList<LabelScore> Labels,
    IReadOnlyList<QuestionAnswer> Answers,
    DateTimeOffset AnalyzedAt,
    Guid? CampaignId = null);

/// <summary>One label the model gave a clip.</summary>
/// <param name="Label">The label text, one of the model's label set.</param>
/// <param name="Confidence">The model's confidence, 0 to 1.</param>
public sealed record LabelScore(string Label, double Confidence);

/// <summary>A question about a clip and the model's answer.</summary>
public sealed record QuestionAnswer(string Question, string Answer);
