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
}
