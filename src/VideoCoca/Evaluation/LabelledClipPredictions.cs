using System.Diagnostics;
using VideoCoca.Inference;
using VideoCoca.Media;
using static TorchSharp.torch;

namespace VideoCoca.Evaluation;

/// <summary>What the model said about each clip of a labelled set it could read, the clips it could not, and how fast it went.</summary>
public sealed record LabelledClipPredictions<TLabel>(
    IReadOnlyList<(TLabel Label, ClipPrediction Prediction)> Predictions, IReadOnlyList<string> Errors, double Seconds)
{
    public double ClipsPerSecond => Predictions.Count / Seconds;

    /// <summary>The clips' embeddings, in the order of <see cref="Predictions"/>.</summary>
    public IReadOnlyList<float[]> Embeddings => Predictions.Select(p => p.Prediction.Embedding).ToList();
}

/// <summary>The part every evaluator of a labelled set shares: its clips decoded and run through the model a batch at a time.</summary>
public static class LabelledClipPredictor
{
    /// <param name="predict">the model on one batch of frames, given the batch's labels (for the questions to ask)</param>
    /// <param name="progress">clips done (read or skipped) and the set's total, after each batch</param>
    public static async Task<LabelledClipPredictions<TLabel>> PredictAsync<TLabel>(
        string folder, IReadOnlyList<TLabel> labels, Func<TLabel, string> pathOf, ClipLoader loader, int batchSize,
        Func<Tensor, IReadOnlyList<TLabel>, IReadOnlyList<ClipPrediction>> predict, Action<int, int>? progress,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var predictions = new List<(TLabel Label, ClipPrediction Prediction)>();
        var errors = new List<string>();
        foreach (var chunk in labels.Chunk(batchSize))
        {
            // Decoding is ffmpeg in its own processes: running a batch's decodes side by side keeps every core busy.
            var loaded = new (TLabel Label, VideoClip? Clip, string? Error)[chunk.Length];
            await Parallel.ForEachAsync(Enumerable.Range(0, chunk.Length),
                new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount * 2, CancellationToken = cancellationToken },
                async (i, token) =>
                {
                    try { loaded[i] = (chunk[i], (await loader.LoadAsync(pathOf(chunk[i]), cancellationToken: token))[0], null); }
                    catch (UserInputException e) { loaded[i] = (chunk[i], null, e.Message); }
                });
            errors.AddRange(loaded.Where(l => l.Error is not null).Select(l => l.Error!));
            var clips = loaded.Where(l => l.Clip is not null).Select(l => (l.Label, Clip: l.Clip!)).ToList();
            if (clips.Count == 0) continue;
            using var scope = NewDisposeScope();
            var results = predict(loader.ToBatch(clips.Select(c => c.Clip).ToList()), clips.Select(c => c.Label).ToList());
            predictions.AddRange(clips.Select((c, i) => (c.Label, results[i])));
            progress?.Invoke(predictions.Count + errors.Count, labels.Count);
        }
        var seconds = clock.Elapsed.TotalSeconds;
        if (predictions.Count == 0) throw new UserInputException($"none of the {labels.Count} clips in {folder} could be read: {errors.FirstOrDefault()}");
        return new LabelledClipPredictions<TLabel>(predictions, errors, seconds);
    }

    /// <summary>Cosine similarity of each text's embedding to each clip's: a row per text, a column per clip.</summary>
    public static float[][] TextToClipSimilarity(VideoCocaPredictor predictor, IReadOnlyList<string> texts, IReadOnlyList<float[]> clipEmbeddings)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var textEmbeddings = predictor.EmbedTexts(texts);
        var dim = clipEmbeddings[0].Length;
        var videos = tensor(clipEmbeddings.SelectMany(e => e).ToArray()).view(clipEmbeddings.Count, dim);
        var similarity = textEmbeddings.matmul(videos.t()).cpu().data<float>().ToArray();
        return Enumerable.Range(0, texts.Count).Select(t => similarity.AsSpan(t * clipEmbeddings.Count, clipEmbeddings.Count).ToArray()).ToArray();
    }
}
