using VideoCoca.Configuration;
using VideoCoca.Preprocessing;
using VideoCoca.Tokenization;
using VideoCoca.World;
using VideoCoca.World.EditionTwo;
using static TorchSharp.torch;

namespace VideoCoca.Training;

/// <summary>
/// Draws batches of the second shapes world (shared/world-v2.md), never a withheld combination. Text rows: B captions
/// (captioning and contrast), B search queries each matching its own clip (contrast only: the decoder must not learn to
/// caption with them), then <see cref="QuestionsPerClip"/> x B question-answer pairs (captioning only). Every batch
/// depends on the seed and the step only.
/// </summary>
public sealed class Edition2BatchSampler(ModelConfig config, ITextTokenizer tokenizer, TrainingStage stage, int seed, int questionsPerClip = 2) : ITrainingBatchSampler
{
    private readonly FrameNormalizer _normalizer = new(config.Preprocess);

    public int QuestionsPerClip => questionsPerClip;

    public TrainingBatch Sample(int step, int batchSize) => Draw(step, batchSize).ToTensors(_normalizer);

    public DrawnBatch Draw(int step, int batchSize)
    {
        var rng = new Random(HashCode.Combine(seed, step, 0x2ed17102));
        var (h, w) = (config.Vision.ImageHeight, config.Vision.ImageWidth);
        var t = stage == TrainingStage.Image ? 1 : config.Video.Frames;
        var pixels = new float[batchSize * t * 3 * h * w];
        var scenes = new Edition2Scene[batchSize];
        var captions = new string[batchSize];
        var queries = new Edition2Query[batchSize];
        var qa = new List<(string Question, string Answer)>[batchSize];
        for (var b = 0; b < batchSize; b++)
        {
            var geometry = RandomGeometry(rng);
            var scene = scenes[b] = Edition2Renderer.RandomScene(rng, geometry, Edition2Draw.Training);
            var clip = pixels.AsSpan(b * t * 3 * h * w, t * 3 * h * w);
            if (stage == TrainingStage.Image)
            {
                Edition2Renderer.RenderScaled(scene, geometry, rng.NextDouble() * geometry.Duration, w, h, clip);
                captions[b] = AppearanceCaption(scene);
            }
            else
            {
                var indices = ClipGeometry.SampleIndices(geometry.FrameCount, t);
                for (var f = 0; f < t; f++)
                    Edition2Renderer.RenderScaled(scene, geometry, (double)indices[f] / geometry.FramesPerSecond, w, h, clip.Slice(f * 3 * h * w, 3 * h * w));
                captions[b] = scene.Caption;
            }
            TrainingRows.Perturb(rng, clip);
            var matching = Edition2Vocabulary.Queries.Where(q => q.Matches(scene) && (stage == TrainingStage.Video || q.Form != "shape motion")).ToList();
            queries[b] = matching[rng.Next(matching.Count)];
            qa[b] = PickQuestions(rng, scene, stage, questionsPerClip);
        }

        var context = config.Text.ContextLength;
        var rows = (2 + questionsPerClip) * batchSize;
        var texts = new long[rows, context];
        var targets = new long[rows, context - 1];
        for (var b = 0; b < batchSize; b++)
        {
            TrainingRows.Fill(tokenizer, texts, targets, b, captions[b], promptTokens: 0);
            TrainingRows.Fill(tokenizer, texts, targets, batchSize + b, queries[b].Text, promptTokens: int.MaxValue);
            for (var q = 0; q < questionsPerClip; q++)
            {
                var (question, answer) = qa[b][q];
                TrainingRows.Fill(tokenizer, texts, targets, (2 + q) * batchSize + b, $"{question} {answer}", tokenizer.EncodeWords(question).Count);
            }
        }
        // Clip i and text j are a pair when the text describes the clip: its caption, or a query it matches.
        var positives = new float[batchSize, 2 * batchSize];
        for (var i = 0; i < batchSize; i++)
        for (var j = 0; j < batchSize; j++)
        {
            positives[i, j] = captions[i] == captions[j] ? 1 : 0;
            positives[i, batchSize + j] = queries[j].Matches(scenes[i]) ? 1 : 0;
        }
        // The queries' rows are embedded for the contrast but never decoded: they have nothing to predict.
        var decoded = Enumerable.Range(0, rows).Where(r => r < batchSize || r >= 2 * batchSize).Select(r => (long)r).ToArray();
        return new DrawnBatch(pixels, batchSize, t, h, w, texts, targets, positives)
        {
            ContrastiveTexts = 2 * batchSize,
            DecodedRows = decoded,
        };
    }

    /// <summary>What one frame shows: each object's size, colour and shape.</summary>
    public static string AppearanceCaption(Edition2Scene scene) =>
        string.Join(" and ", scene.Objects.Select(o => $"a {o.Size} {o.Color} {o.Shape}"));

    /// <summary>Questions drawn form first, so that the rare forms (count, shape) are asked as often as the common ones; a frame is never asked about motion.</summary>
    private static List<(string, string)> PickQuestions(Random rng, Edition2Scene scene, TrainingStage stage, int count)
    {
        var questions = scene.Questions.Where(q => stage == TrainingStage.Video || q.Form != "motion").ToList();
        var forms = questions.Select(q => q.Form!).Distinct().ToList();
        var picked = new List<(string, string)>();
        while (picked.Count < count)
        {
            var form = forms[rng.Next(forms.Count)];
            var ofForm = questions.Where(q => q.Form == form).ToList();
            var q = ofForm[rng.Next(ofForm.Count)];
            picked.Add((q.Question, q.Answer));
        }
        return picked;
    }

    /// <summary>Mostly the reference 320x240, 4 s; otherwise any frame the world allows (portrait too) and any length from 2 to 8 s.</summary>
    private static ClipGeometry RandomGeometry(Random rng)
    {
        if (rng.NextDouble() < 0.4) return ClipGeometry.Reference;
        var aspect = rng.NextDouble() < 0.15 ? 0.56 + rng.NextDouble() * 0.2 : 1.0 + rng.NextDouble() * 0.8;
        var height = rng.Next(96, 481);
        var width = Math.Max(aspect < 1 ? 96 : 128, (int)(height * aspect));
        if (aspect < 1) height = Math.Max(height, 128);
        return new ClipGeometry(width, height, 2 + rng.NextDouble() * 6);
    }
}
