using MassTransit;

namespace VideoCoca.Contracts.Queries;

/// <summary>
/// Asks a worker of <paramref name="ModelVersion"/> how likely its multimodal decoder finds a text as the caption of
/// each clip (captioning as scoring): search re-ranks its best candidates by it. Answered with <see cref="TextScores"/>.
/// </summary>
[MessageUrn("videococa:score-text")]
public sealed record ScoreText(string ModelVersion, string Text, IReadOnlyList<QueryClip> Clips);

/// <summary>Each clip's score, in the order asked: the mean log-probability per token of the text given the clip (higher is likelier); null where the frames could not be read.</summary>
[MessageUrn("videococa:text-scores")]
public sealed record TextScores(string ModelVersion, IReadOnlyList<double?> Scores);
