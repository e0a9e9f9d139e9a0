using VideoCoca.Checkpoints;
using VideoCoca.Configuration;
using VideoCoca.Preprocessing;
using VideoCoca.World;
using VideoCoca.World.EditionTwo;
using static TorchSharp.torch;

namespace VideoCoca.Tests.Model;

/// <summary>
/// The value-colour stem (<see cref="VisionStem.ValueColour"/>): shape reaches the encoder through each pixel's
/// brightest channel, colour through each patch's mean, so a shape never trained in a colour is seen as in the others.
/// </summary>
public sealed class ValueColourStemTests
{
    private static ModelConfig Config(VisionStem stem)
    {
        var config = ModelSizes.Get(ModelSizes.TinyTwo);
        return config with { Vision = config.Vision with { Stem = stem, Layers = 1 }, Video = config.Video with { Frames = 1 } };
    }

    /// <summary>One frame of a small still triangle of the given colour, on black, at the model's input size, normalised.</summary>
    private static Tensor Triangle(ModelConfig config, string color)
    {
        var (w, h) = (config.Vision.ImageWidth, config.Vision.ImageHeight);
        var scene = new Edition2Scene("black", [new Edition2Object("triangle", color, "large", "still", 120, 100)]);
        var pixels = new float[3 * h * w];
        Edition2Renderer.RenderScaled(scene, ClipGeometry.Reference, 0, w, h, pixels);
        return new FrameNormalizer(config.Preprocess).Normalize(pixels, 1, 1, h, w);
    }

    [Fact]
    public void Without_its_colour_projection_the_stem_sees_a_red_and_a_green_triangle_alike_and_with_it_apart()
    {
        using var testScope = NewDisposeScope();
        using var model = new VideoCocaModel(Config(VisionStem.ValueColour));
        model.eval();
        using var _ = no_grad();
        Tensor Encode(string color) => model.Visual.EncodeFrames(Triangle(model.Config, color));

        using (var red = Encode("red")) using (var green = Encode("green"))
            Assert.True(red.sub(green).abs().max().item<float>() > 1e-3, "the colour projection adds nothing");
        foreach (var (name, parameter) in model.Visual.named_parameters())
        {
            if (name.StartsWith("colour_proj.", StringComparison.Ordinal)) parameter.zero_();
        }
        using (var red = Encode("red")) using (var green = Encode("green")) using (var white = Encode("white"))
        {
            Assert.Equal(0f, red.sub(green).abs().max().item<float>(), 5);
            Assert.Equal(0f, red.sub(white).abs().max().item<float>(), 5);
        }
    }

    [Fact]
    public void The_rgb_stem_sees_a_red_and_a_green_triangle_apart_and_reads_three_channels()
    {
        using var testScope = NewDisposeScope();
        using var model = new VideoCocaModel(Config(VisionStem.Rgb));
        Assert.DoesNotContain(model.Visual.named_parameters(), p => p.name.StartsWith("colour_proj.", StringComparison.Ordinal));
        Assert.Equal(3, model.Visual.named_parameters().Single(p => p.name == "conv1.weight").parameter.shape[1]);
    }

    [Fact]
    public void A_value_colour_model_saves_and_loads_with_its_stem()
    {
        using var testScope = NewDisposeScope();
        var folder = Directory.CreateTempSubdirectory("vcp-stem-").FullName;
        try
        {
            var config = Config(VisionStem.ValueColour);
            using var model = new VideoCocaModel(config);
            model.eval();
            var tokenizer = VideoCoca.Tokenization.WordTokenizer.FromTexts(Edition2Vocabulary.AllTexts());
            ModelCheckpoint.Save(folder, model, tokenizer, VideoCoca.Inference.LabelSet.SecondWorld());
            var loaded = ModelCheckpoint.Load(folder);
            Assert.Equal(VisionStem.ValueColour, loaded.Model.Config.Vision.Stem);
            Assert.Contains("\"value-colour\"", File.ReadAllText(Path.Combine(folder, "config.json")));
            using var _ = no_grad();
            using var frame = Triangle(config, "green");
            using var before = model.Visual.EncodeFrames(frame);
            using var after = loaded.Model.Visual.EncodeFrames(frame);
            Assert.Equal(0f, before.sub(after).abs().max().item<float>(), 6);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
