using System.Text.Json.Serialization;
using VideoCoca.Inference;
using VideoCoca.Media;
using VideoCoca.World;
using VideoCoca.World.EditionTwo;

namespace VideoCoca.Evaluation;

/// <summary>A model's figures on a second-edition labelled set (shared/world-v2.md).</summary>
public sealed record Edition2EvaluationReport(
    [property: JsonPropertyName("clips")] int Clips,
    [property: JsonPropertyName("caption_exact_match")] double CaptionExactMatch,
    [property: JsonPropertyName("action_set_exact")] double ActionSetExact,
    [property: JsonPropertyName("qa_accuracy")] IReadOnlyDictionary<string, double> QaAccuracy,
    [property: JsonPropertyName("text_to_video_r1")] double TextToVideoR1,
    [property: JsonPropertyName("search_precision_at_10")] double? SearchPrecisionAt10,
    [property: JsonPropertyName("clips_per_second")] double ClipsPerSecond,
    [property: JsonPropertyName("errors")] IReadOnlyList<string> Errors);

/// <summary>A clip the model said something wrong about: what it should have said and what it said.</summary>
public sealed record Edition2Mistake(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("caption")] string Caption,
    [property: JsonPropertyName("said")] string Said,
    [property: JsonPropertyName("actions")] IReadOnlyList<string> Actions,
    [property: JsonPropertyName("labels")] IReadOnlyList<string> Labels,
    [property: JsonPropertyName("wrong_answers")] IReadOnlyList<Edition2WrongAnswer> WrongAnswers);

public sealed record Edition2WrongAnswer(
    [property: JsonPropertyName("question")] string Question,
    [property: JsonPropertyName("answer")] string Answer,
    [property: JsonPropertyName("said")] string Said);

/// <summary>
/// Scores a model on a second-edition labelled set: captions, action label sets, answers to each clip's own questions
/// by form, text-to-video retrieval, search for the set's queries, speed.
/// </summary>
public sealed class Edition2Evaluator(VideoCocaPredictor predictor, ClipLoader loader)
{
    public event Action<int, int>? Progress;

    /// <param name="mistakes">When given, receives every clip the model got a caption, its action set or an answer wrong on.</param>
    public async Task<Edition2EvaluationReport> EvaluateAsync(Edition2LabelledSet set, int batchSize = 32, CancellationToken cancellationToken = default, ICollection<Edition2Mistake>? mistakes = null)
    {
        // The predictor asks one list of questions of a whole batch: the batch is asked every question any of its clips
        // lists, and each clip is scored on its own (Score ignores the others' answers).
        var predicted = await LabelledClipPredictor.PredictAsync(set.Folder, set.Labels, set.PathOf, loader, batchSize,
            (frames, labels) => predictor.Predict(frames, labels.SelectMany(l => l.Qa.Select(q => q.Question)).Distinct().ToList(),
                topLabels: WorldVocabulary.Actions.Length),
            (done, total) => Progress?.Invoke(done, total), cancellationToken);
        var embeddings = predicted.Embeddings;
        if (mistakes is not null)
        {
            foreach (var mistake in Mistakes(predicted.Predictions)) mistakes.Add(mistake);
        }
        return Score(predicted.Predictions, set.SearchQueries,
            texts => LabelledClipPredictor.TextToClipSimilarity(predictor, texts, embeddings),
            predicted.ClipsPerSecond, predicted.Errors);
    }

    /// <summary>
    /// The report from what the model said about each clip, without the model: <paramref name="similarity"/> gives the
    /// texts' similarity to each clip (a row per text, a column per clip in the order of <paramref name="predictions"/>).
    /// A query is scored on the clips here that it lists; one that lists none of them is left out.
    /// </summary>
    public static Edition2EvaluationReport Score(
        IReadOnlyList<(Edition2Label Label, ClipPrediction Prediction)> predictions, IReadOnlyList<Edition2QueryLabel> queries,
        Func<IReadOnlyList<string>, float[][]> similarity, double clipsPerSecond, IReadOnlyList<string> errors)
    {
        double Share(Func<(Edition2Label Label, ClipPrediction Prediction), bool> correct) =>
            (double)predictions.Count(correct) / predictions.Count;

        var clipCaptions = predictions.Select(p => p.Label.Caption).ToList();
        var captions = clipCaptions.Distinct().ToList();
        var textToVideo = RetrievalMetrics.TextToVideoR1(captions, similarity(captions), clipCaptions);

        var scored = queries
            .Select(q => (q.Query, Relevant: predictions.Select(p => q.Files.Contains(p.Label.File)).ToList()))
            .Where(q => q.Relevant.Contains(true))
            .ToList();
        double? search = null;
        if (scored.Count > 0)
        {
            var rows = similarity(scored.Select(q => q.Query).ToList());
            search = scored.Select((q, i) => RetrievalMetrics.PrecisionAtDepth(rows[i], q.Relevant)!.Value).Average();
        }

        return new Edition2EvaluationReport(
            predictions.Count,
            Share(p => p.Prediction.Caption == p.Label.Caption),
            Share(p => ActionSetExact(p.Label.Actions, p.Prediction.Labels)),
            QaAccuracy(predictions.Select(p => (p.Label.Qa, p.Prediction.Answers))),
            textToVideo,
            search,
            clipsPerSecond,
            errors);
    }

    /// <summary>The clips with a wrong caption, action set or answer (to a question their labels ask), in set order.</summary>
    public static IEnumerable<Edition2Mistake> Mistakes(IReadOnlyList<(Edition2Label Label, ClipPrediction Prediction)> predictions)
    {
        foreach (var (label, prediction) in predictions)
        {
            var said = AnswersByQuestion(prediction.Answers);
            var wrong = label.Qa.Where(q => said.GetValueOrDefault(q.Question) != q.Answer)
                .Select(q => new Edition2WrongAnswer(q.Question, q.Answer, said.GetValueOrDefault(q.Question, ""))).ToList();
            var labels = prediction.Labels.OrderByDescending(l => l.Confidence).Take(label.Actions.Count).Select(l => l.Label).ToList();
            if (prediction.Caption != label.Caption || !ActionSetExact(label.Actions, prediction.Labels) || wrong.Count > 0)
                yield return new Edition2Mistake(label.File, label.Caption, prediction.Caption, label.Actions, labels, wrong);
        }
    }

    /// <summary>Each question's answer; a question asked twice keeps its first.</summary>
    private static Dictionary<string, string> AnswersByQuestion(IEnumerable<QuestionAnswer> answers)
    {
        var said = new Dictionary<string, string>();
        foreach (var answer in answers) said.TryAdd(answer.Question, answer.Answer);
        return said;
    }

    /// <summary>With k the clip's actions, are the model's k most confident labels exactly those?</summary>
    public static bool ActionSetExact(IReadOnlyList<string> actions, IReadOnlyList<LabelScore> scores)
    {
        var truth = actions.ToHashSet(StringComparer.Ordinal);
        // Ordered here, not trusted to come ordered: the predictor sorts its labels today, but nothing promises it.
        var top = scores.OrderByDescending(s => s.Confidence).Take(truth.Count).Select(s => s.Label).ToHashSet(StringComparer.Ordinal);
        return top.SetEquals(truth);
    }

    /// <summary>
    /// Accuracy over every question each clip's labels ask, by form (<see cref="Edition2Vocabulary.QuestionForms"/>, a
    /// form no clip is asked left out) and <see cref="WorldEvaluator.Overall"/>; answers to questions a clip's labels do
    /// not ask are ignored. A question of no known form counts in the overall figure only.
    /// </summary>
    public static IReadOnlyDictionary<string, double> QaAccuracy(IEnumerable<(IReadOnlyList<Edition2Question> Asked, IReadOnlyList<QuestionAnswer> Answers)> clips)
    {
        var asked = new Dictionary<string, (int Correct, int Total)>();
        void Count(string key, bool correct)
        {
            var (c, t) = asked.GetValueOrDefault(key);
            asked[key] = (c + (correct ? 1 : 0), t + 1);
        }
        foreach (var (questions, answers) in clips)
        {
            var said = AnswersByQuestion(answers);
            foreach (var question in questions)
            {
                var correct = said.TryGetValue(question.Question, out var answer) && answer == question.Answer;
                if (Edition2Vocabulary.FormOf(question.Question) is { } form) Count(form, correct);
                Count(WorldEvaluator.Overall, correct);
            }
        }
        return Edition2Vocabulary.QuestionForms.Append(WorldEvaluator.Overall)
            .Where(asked.ContainsKey)
            .ToDictionary(key => key, key => (double)asked[key].Correct / asked[key].Total);
    }
}
