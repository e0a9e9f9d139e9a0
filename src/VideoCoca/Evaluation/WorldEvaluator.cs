using System.Diagnostics;
using System.Text.Json.Serialization;
using VideoCoca.Inference;
using VideoCoca.Media;
using VideoCoca.World;
using static TorchSharp.torch;

namespace VideoCoca.Evaluation;

public sealed record EvaluationReport(
    [property: JsonPropertyName("clips")] int Clips,
    [property: JsonPropertyName("caption_exact_match")] double CaptionExactMatch,
    [property: JsonPropertyName("action_top1")] double ActionTop1,
    [property: JsonPropertyName("qa_accuracy")] IReadOnlyDictionary<string, double> QaAccuracy,
    [property: JsonPropertyName("text_to_video_r1")] double TextToVideoR1,
    [property: JsonPropertyName("clips_per_second")] double ClipsPerSecond,
    [property: JsonPropertyName("errors")] IReadOnlyList<string> Errors);

/// <summary>Scores a model on a labelled world set: captions, actions, answers, text-to-video retrieval, speed.</summary>
public sealed class WorldEvaluator(VideoCocaPredictor predictor, ClipLoader loader)
{
    public const string Overall = "overall";

    public event Action<int, int>? Progress;

    public async Task<EvaluationReport> EvaluateAsync(LabelledSet set, int batchSize = 32, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var predictions = new List<(WorldLabel Label, ClipPrediction Prediction)>();
        var errors = new List<string>();
        foreach (var chunk in set.Labels.Chunk(batchSize))
        {
            // Decoding is ffmpeg in its own processes: running a batch's decodes side by side keeps every core busy.
            var loaded = new (WorldLabel Label, VideoClip? Clip, string? Error)[chunk.Length];
            await Parallel.ForEachAsync(Enumerable.Range(0, chunk.Length),
                new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount * 2, CancellationToken = cancellationToken },
                async (i, token) =>
                {
                    try { loaded[i] = (chunk[i], (await loader.LoadAsync(set.PathOf(chunk[i]), cancellationToken: token))[0], null); }
                    catch (UserInputException e) { loaded[i] = (chunk[i], null, e.Message); }
                });
            errors.AddRange(loaded.Where(l => l.Error is not null).Select(l => l.Error!));
            var clips = loaded.Where(l => l.Clip is not null).Select(l => (l.Label, l.Clip!)).ToList();
            if (clips.Count == 0) continue;
            using var scope = NewDisposeScope();
            var results = predictor.Predict(loader.ToBatch(clips.Select(c => c.Item2).ToList()), WorldVocabulary.Questions);
            predictions.AddRange(clips.Select((c, i) => (c.Item1, results[i])));
            Progress?.Invoke(predictions.Count + errors.Count, set.Labels.Count);
        }
        var seconds = clock.Elapsed.TotalSeconds;
        if (predictions.Count == 0) throw new UserInputException($"none of the {set.Labels.Count} clips in {set.Folder} could be read: {errors.FirstOrDefault()}");

        double Share(Func<(WorldLabel Label, ClipPrediction Prediction), bool> correct) =>
            (double)predictions.Count(correct) / predictions.Count;

        var qa = new Dictionary<string, double>();
        var qaCorrect = 0;
        foreach (var question in WorldVocabulary.Questions)
        {
            var correct = predictions.Count(p => p.Prediction.Answers.First(a => a.Question == question).Answer
                == WorldVocabulary.Answer(question, p.Label.Size, p.Label.Color, p.Label.Motion));
            qa[question] = (double)correct / predictions.Count;
            qaCorrect += correct;
        }
        qa[Overall] = (double)qaCorrect / (predictions.Count * WorldVocabulary.Questions.Length);

        return new EvaluationReport(
            predictions.Count,
            Share(p => p.Prediction.Caption == p.Label.Caption),
            Share(p => p.Prediction.Labels[0].Label == p.Label.Action),
            qa,
            TextToVideoRecall(predictions),
            predictions.Count / seconds,
            errors);
    }

    /// <summary>For each distinct caption in the set, is the clip whose embedding is nearest to the caption's one that carries it?</summary>
    private double TextToVideoRecall(IReadOnlyList<(WorldLabel Label, ClipPrediction Prediction)> predictions)
    {
        using var _ = no_grad();
        var captions = predictions.Select(p => p.Label.Caption).Distinct().ToList();
        var textEmbeddings = predictor.EmbedTexts(captions);
        var dim = predictions[0].Prediction.Embedding.Length;
        var videos = tensor(predictions.SelectMany(p => p.Prediction.Embedding).ToArray()).view(predictions.Count, dim);
        var best = textEmbeddings.matmul(videos.t()).argmax(1).data<long>().ToArray();
        var hits = captions.Where((caption, i) => predictions[(int)best[i]].Label.Caption == caption).Count();
        return (double)hits / captions.Count;
    }
}
