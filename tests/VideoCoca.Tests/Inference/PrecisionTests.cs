using VideoCoca.Checkpoints;
using VideoCoca.Inference;
using VideoCoca.World;
using static TorchSharp.torch;

namespace VideoCoca.Tests.Inference;

/// <summary>
/// A worker's model loaded in bfloat16 (<c>Worker:Precision</c>): the shipped model still says what each clip shows,
/// its outputs reach the caller as float32, and what it stores (embeddings, label confidences) stays close to float32's.
/// </summary>
public sealed class PrecisionTests
{
    private static readonly Lazy<LoadedModel> Reduced = new(() => ModelCheckpoint.Load(ShippedScenes.Folder, precision: InferencePrecision.BFloat16));

    [Fact]
    public void The_model_is_built_in_bfloat16_and_the_predictor_says_so()
    {
        using var testScope = NewDisposeScope();
        var loaded = Reduced.Value;
        Assert.Equal(ScalarType.BFloat16, loaded.Model.WeightType);
        Assert.All(loaded.Model.parameters().Where(p => p.numel() > 1), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        Assert.Equal(InferencePrecision.BFloat16, new VideoCocaPredictor(loaded).Precision);
        Assert.Equal(InferencePrecision.Float32, new VideoCocaPredictor(ShippedScenes.Model.Value).Precision);
    }

    [Fact]
    public void In_bfloat16_the_shipped_model_captions_and_answers_every_scene_right()
    {
        using var testScope = NewDisposeScope();
        var loaded = Reduced.Value;
        var scenes = ShippedScenes.Scenes();
        // Frames are made in float32, as every loader makes them: the predictor converts them.
        using var frames = ShippedScenes.Frames(loaded, scenes);
        var predictions = new VideoCocaPredictor(loaded).Predict(frames);
        for (var i = 0; i < scenes.Count; i++)
        {
            Assert.Equal(scenes[i].Caption, predictions[i].Caption);
            Assert.Equal(scenes[i].Action, predictions[i].Labels[0].Label);
            foreach (var answer in predictions[i].Answers)
                Assert.Equal(WorldVocabulary.Answer(answer.Question, scenes[i].Size, scenes[i].Color, scenes[i].Motion), answer.Answer);
        }
    }

    [Fact]
    public void In_bfloat16_embeddings_and_label_confidences_stay_close_to_float32s()
    {
        using var testScope = NewDisposeScope();
        var scenes = ShippedScenes.Scenes();
        using var frames = ShippedScenes.Frames(ShippedScenes.Model.Value, scenes);
        var full = new VideoCocaPredictor(ShippedScenes.Model.Value).Predict(frames);
        var reduced = new VideoCocaPredictor(Reduced.Value).Predict(frames);
        for (var i = 0; i < scenes.Count; i++)
        {
            var cosine = full[i].Embedding.Zip(reduced[i].Embedding).Sum(p => (double)p.First * p.Second);
            Assert.True(cosine > 0.99, $"scene {i}: the bfloat16 embedding's cosine to float32's is {cosine:F4}");
            Assert.Equal(full[i].Labels[0].Label, reduced[i].Labels[0].Label);
            Assert.InRange(reduced[i].Labels[0].Confidence, full[i].Labels[0].Confidence - 0.05, full[i].Labels[0].Confidence + 0.05);
        }
    }

    [Fact]
    public void In_bfloat16_each_clip_scores_its_own_caption_highest()
    {
        using var testScope = NewDisposeScope();
        var loaded = Reduced.Value;
        var predictor = new VideoCocaPredictor(loaded);
        var scenes = ShippedScenes.Scenes();
        using var frames = ShippedScenes.Frames(loaded, scenes);
        for (var clip = 0; clip < scenes.Count; clip++)
        {
            var scores = predictor.ScoreCaption(frames, scenes[clip].Caption);
            var best = scores.Select((s, i) => (s, i)).MaxBy(p => p.s).i;
            Assert.Equal(clip, best);
        }
    }
}
