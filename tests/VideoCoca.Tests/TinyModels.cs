using VideoCoca.Configuration;
using VideoCoca.Inference;
using VideoCoca.Tokenization;
using VideoCoca.World;

namespace VideoCoca.Tests;

/// <summary>Small models for tests: the tiny size, or a size's widths with one layer a tower so a forward pass is quick.</summary>
public static class TinyModels
{
    public static WordTokenizer WorldTokenizer() => WordTokenizer.FromTexts(WorldVocabulary.AllTexts());

    public static ModelConfig Tiny(Func<ModelConfig, ModelConfig>? change = null)
    {
        var config = ModelSizes.Get(ModelSizes.Tiny);
        return change is null ? config : change(config);
    }

    /// <summary>A smaller-still tiny model (2 frames, narrow towers): for tests that train or generate many times.</summary>
    public static ModelConfig Micro() => Tiny(c => c with
    {
        EmbedDim = 32,
        Vision = c.Vision with { Width = 32, Layers = 1, Heads = 2, PoolerQueries = 5, PoolerHeads = 2 },
        Text = c.Text with { Width = 32, Layers = 1, Heads = 2 },
        Multimodal = c.Multimodal with { Width = 32, Layers = 1, Heads = 2 },
        Video = c.Video with { Frames = 2, TemporalEmbedding = true },
    });

    public static LabelSet Labels() => LabelSet.World();
}
