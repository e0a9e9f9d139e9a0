using MassTransit;

namespace VideoCoca.Contracts.Queries;

/// <summary>
/// Asks a worker of <paramref name="ModelVersion"/> to answer one question about each of a batch of clips (the
/// model's question-conditioned generation, as for the questions asked at upload). Answered with <see cref="QuestionAnswers"/>.
/// </summary>
[MessageUrn("videococa:answer-question")]
public sealed record AnswerQuestion(string ModelVersion, string Question, IReadOnlyList<QueryClip> Clips);

/// <summary>Each clip's answer, in the order asked; a clip whose frames could not be read has none and says why.</summary>
[MessageUrn("videococa:question-answers")]
public sealed record QuestionAnswers(string ModelVersion, IReadOnlyList<ClipAnswerText> Answers);

/// <summary>One clip's answer, or why it has none.</summary>
public sealed record ClipAnswerText(Guid ClipId, string? Answer, string? Error);
