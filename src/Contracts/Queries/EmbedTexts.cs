using MassTransit;

namespace VideoCoca.Contracts.Queries;

/// <summary>
/// Asks a worker of <paramref name="ModelVersion"/> for the text tower's embeddings of some texts (search queries,
/// label prompts, watchlist rules). Answered with <see cref="TextEmbeddings"/>.
/// </summary>
/// <param name="ModelVersion">The version whose text tower must embed them: embeddings of two versions do not compare.</param>
/// <param name="Texts">The texts, in order.</param>
[MessageUrn("videococa:embed-texts")]
public sealed record EmbedTexts(string ModelVersion, IReadOnlyList<string> Texts);

/// <summary>The texts' L2-normalised embeddings, in the order asked.</summary>
/// <param name="ModelVersion">The version that embedded them.</param>
/// <param name="Vectors">One vector per text, each of the version's embedding dimension.</param>
/// <param name="LogitScale">The model's contrastive scale (exp of its learned temperature): softmax(scale x cosine) is its zero-shot probability.</param>
[MessageUrn("videococa:text-embeddings")]
public sealed record TextEmbeddings(string ModelVersion, IReadOnlyList<float[]> Vectors, double LogitScale);
