using VideoCoca.Configuration;

namespace VideoCoca.Evaluation;

/// <summary>Floating-point operations of the model's matrix products (2 per multiply-add), counted from its shapes.</summary>
public static class FlopCounter
{
    /// <summary>Encoding one clip: per-frame ViT, poolers (with the temporal trend's per-frame pass) and projection (what every clip pays before any text is generated).</summary>
    public static double EncodeClip(ModelConfig config, int frames)
    {
        var v = config.Vision;
        double n = v.TokensPerFrame, d = v.Width, e = config.EmbedDim;
        var patches = 2.0 * (n - 1) * 3 * v.PatchSize * v.PatchSize * d;
        var perLayer = 2.0 * n * (4 * d * d + 2 * d * d * v.MlpRatio) + 2.0 * 2 * n * n * d;
        var encoder = frames * (patches + v.Layers * perLayer);
        double q = v.PoolerQueries;
        double Pooling(double tokens) => 2.0 * q * e * e + 2.0 * 2 * tokens * d * e + 2.0 * 2 * q * tokens * e + 2.0 * q * e * e;
        var meanPooling = config.Video.Adaptation == VideoAdaptation.MeanPooling;
        var pooler = meanPooling ? frames * Pooling(n) : Pooling(frames * n);
        if (config.Video.TemporalTrend && !meanPooling && frames > 1) pooler += frames * Pooling(n) + 2.0 * q * e * e;
        return encoder + pooler + 2.0 * e * e;
    }

    /// <summary>
    /// Projecting one clip's captioning tokens into every decoder layer's cross-attention keys and values (once per clip,
    /// shared by all of its texts).
    /// </summary>
    public static double ProjectImageContext(ModelConfig config)
    {
        double tokens = config.Vision.PoolerQueries - 1, width = config.Multimodal.Width;
        return config.Multimodal.Layers * 2.0 * 2 * tokens * width * width;
    }

    /// <summary>
    /// Generating one text with the key-value cache: every position fed (the start token, the prompt, and every
    /// generated token but the last) through the text tower and the multimodal decoder, each attending to the positions
    /// before it and, in the decoder, to the clip's image tokens; and one projection to the vocabulary per generated
    /// token. Work a decode does beyond that (logits of prompt positions, pad columns) is not counted: this is what a
    /// text needs, not what a given decode spends.
    /// </summary>
    /// <param name="prefixLength">The start token and the prompt's ids.</param>
    /// <param name="generated">Tokens generated, the end token (if any) included.</param>
    public static double GenerateText(ModelConfig config, int prefixLength, int generated)
    {
        if (generated < 1) return 0;
        var t = config.Text;
        var m = config.Multimodal;
        double imageTokens = config.Vision.PoolerQueries - 1;
        var fed = prefixLength + generated - 1;
        var total = 0.0;
        for (var position = 0; position < fed; position++)
        {
            double keys = position + 1;
            var text = t.Layers * (2.0 * (4 + 2 * t.MlpRatio) * t.Width * t.Width + 2.0 * 2 * keys * t.Width);
            var decoderSelf = m.Layers * (2.0 * (4 + 2 * m.MlpRatio) * m.Width * m.Width + 2.0 * 2 * keys * m.Width);
            var decoderCross = m.Layers * (2.0 * (2 + 2 * m.MlpRatio) * m.Width * m.Width + 2.0 * 2 * imageTokens * m.Width);
            total += text + decoderSelf + decoderCross;
        }
        return total + generated * 2.0 * m.Width * t.VocabularySize;
    }
}
