using VideoCoca.Checkpoints;
using VideoCoca.Inference;
using VideoCoca.Preprocessing;
using VideoCoca.Tests.Inference;
using static TorchSharp.torch;

namespace VideoCoca.Tests.Model;

/// <summary>
/// What a caller's dispose scope may free (TensorLifetimes): the temporaries made while it was open, never a model made
/// or loaded in it, nor what an entry point returned to an outer scope.
/// </summary>
public sealed class TensorLifetimeTests
{
    [Fact]
    public void A_model_built_inside_a_scope_outlives_it_and_the_scope_frees_what_building_it_drew()
    {
        VideoCocaModel model;
        int held;
        using (var scope = NewDisposeScope())
        {
            manual_seed(3);
            model = new VideoCocaModel(TinyModels.Micro());
            held = scope.DisposablesCount;
        }
        using (model)
        {
            Assert.Equal(0, held);
            Assert.All(model.parameters(), p => Assert.False(p.IsInvalid));
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var vision = model.Config.Vision;
            var visual = model.EncodeVideo(randn([2, model.Config.Video.Frames, 3, vision.ImageHeight, vision.ImageWidth]));
            Assert.Equal([2, TinyModels.Micro().EmbedDim], visual.Pooled.shape);
        }
    }

    [Fact]
    public void A_model_loaded_inside_a_test_scope_still_predicts_after_the_scope_ends()
    {
        LoadedModel loaded;
        using (NewDisposeScope()) loaded = ModelCheckpoint.Load(ShippedScenes.Folder);
        using var model = loaded.Model;
        using var scope = NewDisposeScope();
        var scenes = ShippedScenes.Scenes();
        using var frames = ShippedScenes.Frames(loaded, scenes);
        var predictions = new VideoCocaPredictor(loaded).Predict(frames);
        Assert.Equal(scenes.Select(s => s.Caption), predictions.Select(p => p.Caption));
    }

    [Fact]
    public void An_entry_points_result_belongs_to_the_callers_scope_and_its_temporaries_do_not()
    {
        var config = TinyModels.Micro();
        var normalizer = new FrameNormalizer(config.Preprocess);
        Tensor frames;
        using (var outer = NewDisposeScope())
        {
            frames = normalizer.Normalize(new float[2 * 3 * 4 * 4], 1, 2, 4, 4);
            // Only the result: the tensors of the mean, the deviation and the differences were freed inside.
            Assert.Equal(1, outer.DisposablesCount);
            Assert.True(outer.Contains(frames));
        }
        Assert.True(frames.IsInvalid);
    }
}
