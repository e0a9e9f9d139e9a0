using VideoCoca.Configuration;
using VideoCoca.Preprocessing;
using VideoCoca.Tokenization;
using VideoCoca.World;
using static TorchSharp.torch;

namespace VideoCoca.Training;

/// <summary>
/// Draws batches of the shapes world rendered in memory at the model's input size. Every batch depends on the seed
/// and the step only, so a resumed run sees exactly the batches the uninterrupted run would have seen.
/// </summary>
public sealed class WorldBatchSampler(ModelConfig config, ITextTokenizer tokenizer, TrainingStage stage, int seed, bool reversedTwins = false) : ITrainingBatchSampler
{
    private readonly FrameNormalizer _normalizer = new(config.Preprocess);

    public int FramesPerClip => stage == TrainingStage.Image ? 1 : config.Video.Frames;

    public TrainingBatch Sample(int step, int batchSize) => Draw(step, batchSize).ToTensors(_normalizer);

    public DrawnBatch Draw(int step, int batchSize)
    {
        var rng = new Random(HashCode.Combine(seed, step, 0x5ca1ab1e));
        var (h, w, t) = (config.Vision.ImageHeight, config.Vision.ImageWidth, FramesPerClip);
        var pixels = new float[batchSize * t * 3 * h * w];
        var captions = new string[batchSize];
        var qaTexts = new (string Question, string Answer)[batchSize];
        var geometry = ClipGeometry.Reference;
        WorldScene? scene = null;
        for (var b = 0; b < batchSize; b++)
        {
            var twin = reversedTwins && stage == TrainingStage.Video && b % 2 == 1;
            if (!twin)
            {
                geometry = RandomGeometry(rng);
                scene = WorldRenderer.RandomScene(rng, geometry);
            }
            var motion = twin ? WorldVocabulary.Reversed(scene!.Motion) : scene!.Motion;
            var clip = pixels.AsSpan(b * t * 3 * h * w, t * 3 * h * w);
            if (stage == TrainingStage.Image)
            {
                var time = rng.NextDouble() * geometry.Duration;
                WorldRenderer.RenderScaled(scene, geometry, time, w, h, clip);
                captions[b] = WorldVocabulary.AppearanceCaption(scene.Size, scene.Color);
            }
            else
            {
                var indices = ClipGeometry.SampleIndices(geometry.FrameCount, t);
                for (var f = 0; f < t; f++)
                {
                    var index = twin ? indices[t - 1 - f] : indices[f];
                    WorldRenderer.RenderScaled(scene, geometry, (double)index / geometry.FramesPerSecond, w, h, clip.Slice(f * 3 * h * w, 3 * h * w));
                }
                captions[b] = WorldVocabulary.Caption(scene.Size, scene.Color, motion);
            }
            TrainingRows.Perturb(rng, clip);
            var questions = stage == TrainingStage.Image
                ? [WorldVocabulary.ColorQuestion, WorldVocabulary.SizeQuestion]
                : WorldVocabulary.Questions;
            var question = questions[rng.Next(questions.Length)];
            qaTexts[b] = (question, WorldVocabulary.Answer(question, scene.Size, scene.Color, motion));
        }

        var context = config.Text.ContextLength;
        var texts = new long[2 * batchSize, context];
        var targets = new long[2 * batchSize, context - 1];
        for (var b = 0; b < batchSize; b++)
        {
            TrainingRows.Fill(tokenizer, texts, targets, b, captions[b], promptTokens: 0);
            var (question, answer) = qaTexts[b];
            var promptTokens = tokenizer.EncodeWords(question).Count;
            TrainingRows.Fill(tokenizer, texts, targets, batchSize + b, $"{question} {answer}", promptTokens);
        }
        var positives = new float[batchSize, batchSize];
        for (var i = 0; i < batchSize; i++)
        for (var j = 0; j < batchSize; j++)
            positives[i, j] = captions[i] == captions[j] ? 1 : 0;

        return new DrawnBatch(pixels, batchSize, t, h, w, texts, targets, positives);
    }

    /// <summary>Mostly the reference 320x240, 4 s; sometimes another size, aspect or length, so the model does not learn one geometry.</summary>
    private static ClipGeometry RandomGeometry(Random rng)
    {
        if (rng.NextDouble() < 0.6) return ClipGeometry.Reference;
        var height = rng.Next(48, 481);
        var width = (int)(height * (1.0 + rng.NextDouble() * 0.8));
        return new ClipGeometry(width, height, 2 + rng.NextDouble() * 6);
    }
}
