using VideoCoca.Configuration;
using static TorchSharp.torch;

namespace VideoCoca.Tests.Generation;

/// <summary>The generation tests' model and inputs: small, random, and the same for a seed.</summary>
internal static class SmallGenerationModel
{
    public const int StartId = 1;
    public const int EndId = 2;
    public const int PadId = 0;

    /// <summary>A small random model: the tiny size with a vocabulary and context large enough for long texts.</summary>
    public static VideoCocaModel Create(int seed)
    {
        manual_seed(seed);
        var config = ModelSizes.Get(ModelSizes.Tiny);
        config = config with
        {
            Vision = config.Vision with { Layers = 1 },
            Text = config.Text with { VocabularySize = 97, ContextLength = 24 },
        };
        var model = new VideoCocaModel(config);
        model.eval();
        return model;
    }

    /// <summary>Random captioning tokens [clips, Q, width] for the model's decoder.</summary>
    public static Tensor ImageTokens(VideoCocaModel model, int clips, int seed)
    {
        manual_seed(seed);
        return randn(clips, model.Config.Vision.PoolerQueries - 1, model.Config.EmbedDim);
    }
}
