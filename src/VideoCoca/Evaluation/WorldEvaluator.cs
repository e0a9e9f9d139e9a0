using System.Text.Json.Serialization;
using VideoCoca.Inference;
using VideoCoca.Media;
using VideoCoca.World;

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
        var predicted = await LabelledClipPredictor.PredictAsync(set.Folder, set.Labels, set.PathOf, loader, batchSize,
            (frames, _) => predictor.Predict(frames, WorldVocabulary.Questions), (done, total) => Progress?.Invoke(done, total), cancellationToken);
        var predictions = predicted.Predictions;

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

        // For each distinct caption in the set: is the clip whose embedding is nearest the caption's one that carries it?
        var captions = predictions.Select(p => p.Label.Caption).Distinct().ToList();
        var textToVideo = RetrievalMetrics.TextToVideoR1(captions,
            LabelledClipPredictor.TextToClipSimilarity(predictor, captions, predicted.Embeddings), predictions.Select(p => p.Label.Caption).ToList());

        return new EvaluationReport(
            predictions.Count,
            Share(p => p.Prediction.Caption == p.Label.Caption),
            Share(p => p.Prediction.Labels[0].Label == p.Label.Action),
            qa,
            textToVideo,
            predicted.ClipsPerSecond,
            predicted.Errors);
    }
}
