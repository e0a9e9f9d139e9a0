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
/// <para>
/// With <paramref name="wordNoise"/> above 0, the decoder reads captions whose size, colour and shape words are each
/// swapped, with that chance, for a random word of their kind, and predicts the true words: B more rows, decoded in
/// place of the clean captions, which stay for the contrast. Without it the decoder learns the training set's habits
/// (no "green" is ever followed by "triangle", no "blue circle moves" by "up") and describes a withheld combination as
/// a seen one; with it no word it reads tells it the next, and only the frames can. One-object clips' questions about
/// their object (shape, motion, size) get the same noise: the world asks them only of the object there is, so the
/// answer stays the truth. Colour questions keep their shape word: "what color is the circle?" of a clip without one
/// is answered "none". The noise has its own random stream, so the clips drawn do not change with it.
/// </para>
/// </summary>
public sealed class Edition2BatchSampler(ModelConfig config, ITextTokenizer tokenizer, TrainingStage stage, int seed, int questionsPerClip = 2, double wordNoise = 0) : ITrainingBatchSampler
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
        var qa = new List<(string Question, string Answer, string Form)>[batchSize];
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

        var noisy = wordNoise > 0;
        var noise = new Random(HashCode.Combine(seed, step, 0x9015e));
        var context = config.Text.ContextLength;
        // Row blocks of B: captions, queries, [captions as the decoder reads them,] then the question rows.
        var firstQuestionBlock = noisy ? 3 : 2;
        var rows = (firstQuestionBlock + questionsPerClip) * batchSize;
        var texts = new long[rows, context];
        var targets = new long[rows, context - 1];
        for (var b = 0; b < batchSize; b++)
        {
            TrainingRows.Fill(tokenizer, texts, targets, b, captions[b], promptTokens: 0);
            TrainingRows.Fill(tokenizer, texts, targets, batchSize + b, queries[b].Text, promptTokens: int.MaxValue);
            if (noisy)
            {
                var read = stage == TrainingStage.Image ? AppearanceCaption(scenes[b], o => Noisy(noise, o)) : NoisyCaption(noise, scenes[b]);
                TrainingRows.Fill(tokenizer, texts, targets, 2 * batchSize + b, captions[b], promptTokens: 0, read);
            }
            for (var q = 0; q < questionsPerClip; q++)
            {
                var (question, answer, form) = qa[b][q];
                if (noisy && scenes[b].Objects.Count == 1) question = NoisyQuestion(noise, scenes[b].Objects[0], form, question);
                TrainingRows.Fill(tokenizer, texts, targets, (firstQuestionBlock + q) * batchSize + b, $"{question} {answer}", tokenizer.EncodeWords(question).Count);
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
        // The queries' rows are embedded for the contrast but never decoded: they have nothing to predict. With word
        // noise the clean captions are not decoded either: the decoder reads their noisy copies.
        var firstDecoded = noisy ? 2 * batchSize : 0;
        var decoded = Enumerable.Range(0, rows).Where(r => (r >= firstDecoded && r < batchSize) || r >= 2 * batchSize).Select(r => (long)r).ToArray();
        return new DrawnBatch(pixels, batchSize, t, h, w, texts, targets, positives)
        {
            ContrastiveTexts = 2 * batchSize,
            DecodedRows = decoded,
        };
    }

    /// <summary>What one frame shows: each object's size, colour and shape.</summary>
    public static string AppearanceCaption(Edition2Scene scene) => AppearanceCaption(scene, o => o);

    private static string AppearanceCaption(Edition2Scene scene, Func<Edition2Object, Edition2Object> words) =>
        string.Join(" and ", scene.Objects.Select(words).Select(o => $"a {o.Size} {o.Color} {o.Shape}"));

    /// <summary>The caption with each object's size, colour and shape words swapped, each with the noise's chance, for a random word of their kind.</summary>
    private string NoisyCaption(Random noise, Edition2Scene scene) =>
        string.Join(" and ", scene.Objects.Select(o => Noisy(noise, o).Phrase));

    private Edition2Object Noisy(Random noise, Edition2Object o) => o with
    {
        Size = Swap(noise, o.Size, Edition2Vocabulary.Sizes),
        Color = Swap(noise, o.Color, Edition2Vocabulary.Colors),
        Shape = Swap(noise, o.Shape, Edition2Vocabulary.Shapes),
    };

    private string Swap(Random noise, string word, string[] kind) =>
        noise.NextDouble() < wordNoise ? kind[noise.Next(kind.Length)] : word;

    /// <summary>A one-object clip's question about its object, its colour and shape words swapped as a caption's are; other forms unchanged.</summary>
    private string NoisyQuestion(Random noise, Edition2Object o, string form, string question) => form switch
    {
        "shape" => Edition2Vocabulary.ShapeQuestion(Swap(noise, o.Color, Edition2Vocabulary.Colors)),
        "motion" => Edition2Vocabulary.MotionQuestion(Swap(noise, o.Color, Edition2Vocabulary.Colors), Swap(noise, o.Shape, Edition2Vocabulary.Shapes)),
        "size" => Edition2Vocabulary.SizeQuestion(Swap(noise, o.Color, Edition2Vocabulary.Colors), Swap(noise, o.Shape, Edition2Vocabulary.Shapes)),
        _ => question,
    };

    /// <summary>Questions drawn form first, so that the rare forms (count, shape) are asked as often as the common ones; a frame is never asked about motion.</summary>
    private static List<(string Question, string Answer, string Form)> PickQuestions(Random rng, Edition2Scene scene, TrainingStage stage, int count)
    {
        var questions = scene.Questions.Where(q => stage == TrainingStage.Video || q.Form != "motion").ToList();
        var forms = questions.Select(q => q.Form!).Distinct().ToList();
        var picked = new List<(string, string, string)>();
        while (picked.Count < count)
        {
            var form = forms[rng.Next(forms.Count)];
            var ofForm = questions.Where(q => q.Form == form).ToList();
            var q = ofForm[rng.Next(ofForm.Count)];
            picked.Add((q.Question, q.Answer, q.Form!));
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
