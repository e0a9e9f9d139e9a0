using VideoCoca.Configuration;

namespace VideoCoca.Evaluation;

/// <summary>Floating-point operations of the model's matrix products (2 per multiply-add), counted from its shapes.</summary>
public static class FlopCounter
{
    /// <summary>Encoding one clip: per-frame ViT, poolers and projection (what every clip pays before any text is generated).</summary>
    public static double EncodeClip(ModelConfig config, int frames)
    {
        var v = config.Vision;
        double n = v.TokensPerFrame, d = v.Width, e = config.EmbedDim;
        var patches = 2.0 * (n - 1) * 3 * v.PatchSize * v.PatchSize * d;
        var perLayer = 2.0 * n * (4 * d * d + 2 * d * d * v.MlpRatio) + 2.0 * 2 * n * n * d;
        var encoder = frames * (patches + v.Layers * perLayer);
        var tokens = config.Video.Adaptation == VideoAdaptation.MeanPooling ? n : frames * n;
        var poolings = config.Video.Adaptation == VideoAdaptation.MeanPooling ? frames : 1;
        double q = v.PoolerQueries;
        var pooler = poolings * (2.0 * q * e * e + 2.0 * 2 * tokens * d * e + 2.0 * 2 * q * tokens * e + 2.0 * q * e * e);
        return encoder + pooler + 2.0 * e * e;
    }
}
