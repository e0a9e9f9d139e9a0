using VideoCoca.Preprocessing;
using VideoCoca.Tokenization;
using static TorchSharp.torch;

namespace VideoCoca.Training;

/// <summary>
/// One training batch: frames, then text rows with their next-token targets. The first <see cref="ContrastiveTexts"/>
/// rows are compared with the clips (CaptionPositives is Clips x ContrastiveTexts, 1 where a text describes a clip).
/// </summary>
public sealed record TrainingBatch(Tensor Frames, Tensor Texts, Tensor Targets, Tensor CaptionPositives, int Clips) : IDisposable
{
    public int ContrastiveTexts { get; init; } = Clips;

    /// <summary>The text rows the decoder learns from, row r belonging to clip r mod Clips; null: every row.</summary>
    public long[]? DecodedRows { get; init; }

    public void Dispose()
    {
        Frames.Dispose();
        Texts.Dispose();
        Targets.Dispose();
        CaptionPositives.Dispose();
    }
}

/// <summary>
/// A batch as plain arrays: drawn on any thread, made into tensors on the training thread (tensors made on another
/// thread while the training thread ran the model crashed the process once in a long run).
/// </summary>
public sealed record DrawnBatch(float[] Pixels, int Clips, int Frames, int Height, int Width, long[,] Texts, long[,] Targets, float[,] Positives)
{
    public int ContrastiveTexts { get; init; } = Clips;

    public long[]? DecodedRows { get; init; }

    public TrainingBatch ToTensors(FrameNormalizer normalizer) =>
        new(normalizer.Normalize(Pixels, Clips, Frames, Height, Width), tensor(Texts), tensor(Targets), tensor(Positives), Clips)
        {
            ContrastiveTexts = ContrastiveTexts,
            DecodedRows = DecodedRows,
        };
}

/// <summary>Draws the training batches of one world; a batch depends on the seed and the step only.</summary>
public interface ITrainingBatchSampler
{
    DrawnBatch Draw(int step, int batchSize);
}

/// <summary>Text rows with their next-token targets, and the pixel noise every world's training adds.</summary>
public static class TrainingRows
{
    /// <summary>
    /// Writes <paramref name="text"/>'s tokens to a row and the tokens each position predicts; the first
    /// <paramref name="promptTokens"/> positions (a question) and pads predict nothing. With <paramref name="read"/>, the
    /// row holds that text's tokens instead (a noisy copy, token for token as long), the targets staying
    /// <paramref name="text"/>'s.
    /// </summary>
    public static void Fill(ITextTokenizer tokenizer, long[,] texts, long[,] targets, int row, string text, int promptTokens, string? read = null)
    {
        var tokens = tokenizer.EncodeForModel(text, texts.GetLength(1));
        var input = read is null ? tokens : tokenizer.EncodeForModel(read, texts.GetLength(1));
        if (Array.IndexOf(input, (long)tokenizer.EndId) != Array.IndexOf(tokens, (long)tokenizer.EndId))
            throw new ArgumentException($"\"{read}\" is not as many tokens as \"{text}\"", nameof(read));
        for (var i = 0; i < tokens.Length; i++) texts[row, i] = input[i];
        for (var i = 0; i < tokens.Length - 1; i++)
        {
            var next = tokens[i + 1];
            // Position i predicts token i+1; the question's own tokens are given, not predicted, and pads never count.
            targets[row, i] = next == tokenizer.PadId || i < promptTokens ? CocaLoss.IgnoreIndex : next;
        }
    }

    /// <summary>Small brightness and noise changes: decoded H.264 never gives the exact colours a renderer draws.</summary>
    public static void Perturb(Random rng, Span<float> pixels)
    {
        var gain = 0.94f + 0.12f * (float)rng.NextDouble();
        var noise = 0.02f * (float)rng.NextDouble();
        for (var i = 0; i < pixels.Length; i++)
        {
            var jitter = noise * (float)(rng.NextDouble() * 2 - 1);
            pixels[i] = Math.Clamp(pixels[i] * gain + jitter, 0f, 1f);
        }
    }
}
