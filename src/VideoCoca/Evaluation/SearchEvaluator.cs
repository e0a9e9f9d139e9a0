using System.Text.Json.Serialization;
using VideoCoca.Inference;
using VideoCoca.Media;
using VideoCoca.World;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoCoca.Evaluation;

/// <summary>One family of queries, ranked by the contrastive embeddings alone and again after re-ranking by the decoder.</summary>
public sealed record SearchEvaluationRow(
    [property: JsonPropertyName("queries")] string Queries,
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("contrastive_r1")] double ContrastiveR1,
    [property: JsonPropertyName("reranked_r1")] double RerankedR1,
    [property: JsonPropertyName("contrastive_precision_at_10")] double ContrastivePrecisionAt10,
    [property: JsonPropertyName("reranked_precision_at_10")] double RerankedPrecisionAt10);

/// <summary>
/// Does re-ranking by the multimodal decoder (the likelihood of the query as the clip's caption, as CapPa scores
/// zero-shot classes) beat the contrastive ranking on a labelled world set? Every query's candidates are the
/// contrastive top <c>depth</c>; the re-ranked order is that same set ordered by <see cref="VideoCocaPredictor.ScoreCaption"/>.
/// Queries: each distinct caption of the set (its clips are the relevant ones), and parts of captions: a colour, a
/// size with a colour, a motion. Precision@10 counts relevant clips among the first 10, out of at most the number
/// that exist.
/// </summary>
public sealed class SearchEvaluator(VideoCocaPredictor predictor, ClipLoader loader)
{
    private const int K = 10;

    public event Action<int, int>? Progress;

    public async Task<IReadOnlyList<SearchEvaluationRow>> EvaluateAsync(LabelledSet set, int depth, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, K);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var labels = new List<WorldLabel>();
        var clips = new List<VideoClip>();
        foreach (var label in set.Labels)
        {
            clips.Add((await loader.LoadAsync(set.PathOf(label), cancellationToken: cancellationToken))[0]);
            labels.Add(label);
        }
        var frames = loader.ToBatch(clips);
        var embeddings = cat(Enumerable.Range(0, (clips.Count + 31) / 32)
            .Select(b => predictor.EmbedVideos(frames.narrow(0, b * 32, Math.Min(32, clips.Count - b * 32))))
            .ToList(), 0);

        var families = new List<(string Name, IReadOnlyList<(string Text, Func<WorldLabel, bool> Relevant)> Queries)>
        {
            ("whole captions", labels.Select(l => l.Caption).Distinct().Order(StringComparer.Ordinal)
                .Select(c => (c, (Func<WorldLabel, bool>)(l => l.Caption == c))).ToList()),
            ("a colour: \"a red square\"", WorldVocabulary.Colors
                .Select(c => ($"a {c} square", (Func<WorldLabel, bool>)(l => l.Color == c))).ToList()),
            ("size and colour: \"a small red square\"", WorldVocabulary.Sizes.SelectMany(s => WorldVocabulary.Colors.Select(c => (s, c)))
                .Select(p => (WorldVocabulary.AppearanceCaption(p.s, p.c), (Func<WorldLabel, bool>)(l => l.Size == p.s && l.Color == p.c))).ToList()),
            ("a motion: \"a square moves left\"", WorldVocabulary.Motions
                .Select(m => (m == "still" ? "a square stays still" : $"a square moves {m}", (Func<WorldLabel, bool>)(l => l.Motion == m))).ToList()),
        };
        var total = families.Sum(f => f.Queries.Count);
        var done = 0;
        var rows = new List<SearchEvaluationRow>();
        foreach (var (name, queries) in families)
        {
            var measured = queries.Where(q => labels.Any(q.Relevant)).ToList();
            if (measured.Count == 0) continue;
            var texts = predictor.EmbedTexts(measured.Select(q => q.Text));
            var similarity = texts.matmul(embeddings.t());
            double r1Contrastive = 0, r1Reranked = 0, p10Contrastive = 0, p10Reranked = 0;
            for (var q = 0; q < measured.Count; q++)
            {
                var (text, relevant) = measured[q];
                var candidates = similarity[q].topk(Math.Min(depth, clips.Count)).indexes.data<long>().ToArray();
                var scores = predictor.ScoreCaption(frames.index_select(0, tensor(candidates)), text);
                var reranked = candidates.Zip(scores).OrderByDescending(p => p.Second).Select(p => p.First).ToArray();
                var existing = labels.Count(relevant);
                r1Contrastive += relevant(labels[(int)candidates[0]]) ? 1 : 0;
                r1Reranked += relevant(labels[(int)reranked[0]]) ? 1 : 0;
                p10Contrastive += candidates.Take(K).Count(i => relevant(labels[(int)i])) / (double)Math.Min(K, existing);
                p10Reranked += reranked.Take(K).Count(i => relevant(labels[(int)i])) / (double)Math.Min(K, existing);
                Progress?.Invoke(++done, total);
            }
            var n = measured.Count;
            rows.Add(new SearchEvaluationRow(name, n, r1Contrastive / n, r1Reranked / n, p10Contrastive / n, p10Reranked / n));
        }
        return rows;
    }
}
