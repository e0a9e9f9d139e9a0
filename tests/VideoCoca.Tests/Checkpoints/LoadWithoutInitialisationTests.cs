using TorchSharp;
using VideoCoca.Checkpoints;
using VideoCoca.Modules;
using static TorchSharp.torch;

namespace VideoCoca.Tests.Checkpoints;

/// <summary>
/// Loading makes the model without drawing random weights first: every weight must still be the file's, bit for bit,
/// and a file that lacks one must still be refused (an uninitialised weight must never survive a load).
/// </summary>
public sealed class LoadWithoutInitialisationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vcp-load-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Every_weight_is_the_files_with_or_without_initialisation()
    {
        using var testScope = NewDisposeScope();
        manual_seed(5);
        using var saved = new VideoCocaModel(TinyModels.Micro() with { Vision = TinyModels.Micro().Vision with { ContrastivePoolerCascade = true } });
        ModelCheckpoint.Save(_folder, saved, TinyModels.WorldTokenizer(), TinyModels.Labels());
        var expected = saved.state_dict();

        foreach (var initialisation in new[] { WeightInitialisation.None, WeightInitialisation.Random })
        {
            using var loaded = ModelCheckpoint.Load(_folder, initialisation: initialisation).Model;
            var actual = loaded.state_dict();
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (name, tensor) in expected) Assert.True(TensorAssert.Identical(tensor, actual[name]), $"{name} differs ({initialisation})");
        }
    }

    /// <summary>
    /// The state dict is not the whole story: a module can compute with other memory than the weight its state dict
    /// shows (TorchSharp's Embedding made from a given tensor did), so the loaded model must also compute what the saved
    /// one computes, through every tower.
    /// </summary>
    [Fact]
    public void A_model_loaded_without_initialisation_computes_what_the_saved_one_computes()
    {
        using var testScope = NewDisposeScope();
        manual_seed(6);
        using var saved = new VideoCocaModel(TinyModels.Micro());
        saved.eval();
        ModelCheckpoint.Save(_folder, saved, TinyModels.WorldTokenizer(), TinyModels.Labels());
        using var loaded = ModelCheckpoint.Load(_folder).Model;
        loaded.eval();
        using var _ = no_grad();
        var config = saved.Config;
        var frames = randn([2, config.Video.Frames, 3, config.Vision.ImageHeight, config.Vision.ImageWidth]);
        var text = randint(3, config.Text.VocabularySize, [2, config.Text.ContextLength]);

        var (savedVideo, loadedVideo) = (saved.EncodeVideo(frames), loaded.EncodeVideo(frames));
        Assert.True(TensorAssert.Identical(savedVideo.Pooled, loadedVideo.Pooled));
        Assert.True(TensorAssert.Identical(savedVideo.Tokens, loadedVideo.Tokens));
        Assert.True(TensorAssert.Identical(saved.EncodeText(text).Pooled, loaded.EncodeText(text).Pooled));
        Assert.True(TensorAssert.Identical(saved.CaptionLogits(savedVideo.Tokens, text), loaded.CaptionLogits(loadedVideo.Tokens, text)));
    }

    [Fact]
    public void An_uninitialised_model_is_as_strict_about_missing_weights()
    {
        using var testScope = NewDisposeScope();
        using var saved = new VideoCocaModel(TinyModels.Micro());
        var weights = saved.state_dict().Where(p => p.Key != "text.positional_embedding");
        Directory.CreateDirectory(_folder);
        SafeTensors.Save(Path.Combine(_folder, ModelCheckpoint.WeightsFile), weights);
        File.WriteAllText(Path.Combine(_folder, ModelCheckpoint.ConfigFile), saved.Config.ToJson());
        TokenizerFiles.Save(_folder, TinyModels.WorldTokenizer());

        var error = Assert.Throws<UserInputException>(() => ModelCheckpoint.Load(_folder));
        Assert.Contains("'text.positional_embedding' is missing", error.Message);
    }

    /// <summary>What the uninitialised model is made of before a load: the module tree and shapes of a random one.</summary>
    [Fact]
    public void An_uninitialised_model_has_the_shapes_of_a_random_one()
    {
        using var testScope = NewDisposeScope();
        using var random = new VideoCocaModel(TinyModels.Micro());
        using var empty = new VideoCocaModel(TinyModels.Micro(), WeightInitialisation.None);
        var expected = random.state_dict();
        var actual = empty.state_dict();
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, tensor) in expected)
        {
            Assert.Equal(tensor.shape, actual[name].shape);
            Assert.Equal(DeviceType.CPU, actual[name].device_type);
            Assert.Equal(tensor.requires_grad, actual[name].requires_grad);
        }
    }
}
