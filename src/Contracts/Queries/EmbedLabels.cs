using MassTransit;

namespace VideoCoca.Contracts.Queries;

/// <summary>
/// Asks a worker of <paramref name="ModelVersion"/> for the prompt embeddings of labels to score clips against
/// zero-shot, by the rule the labels stored at upload are scored with: a label of the model's label set (its action
/// label, ignoring case) by that action's prompts, any other label by its own text as its one prompt. Answered with
/// <see cref="LabelPrompts"/>; <see cref="ZeroShot.PromptEnsembles"/> turns cosines against them into confidences.
/// </summary>
/// <param name="ModelVersion">The version whose text tower and label set must answer: embeddings of two versions do not compare.</param>
/// <param name="Labels">The labels, in order.</param>
[MessageUrn("videococa:embed-labels")]
public sealed record EmbedLabels(string ModelVersion, IReadOnlyList<string> Labels);

/// <summary>Each label's prompt embeddings, in the order asked.</summary>
/// <param name="ModelVersion">The version that embedded them.</param>
/// <param name="Labels">One entry per label asked, with at least one vector each.</param>
/// <param name="LogitScale">The model's contrastive scale: the softmax over all prompts is of scale x cosine.</param>
[MessageUrn("videococa:label-prompts")]
public sealed record LabelPrompts(string ModelVersion, IReadOnlyList<LabelPromptVectors> Labels, double LogitScale);

/// <summary>
/// One label's prompts' L2-normalised embeddings (each of the version's embedding dimension), and for a label the model
/// grounds in its captions the words a caption states it in (<see cref="ZeroShot.CaptionGrounded"/>); null otherwise.
/// </summary>
public sealed record LabelPromptVectors(string Label, IReadOnlyList<float[]> Vectors, IReadOnlyList<string>? StatedAs = null);
