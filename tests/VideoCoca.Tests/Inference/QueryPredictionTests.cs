using VideoCoca.Checkpoints;
using VideoCoca.Inference;
using VideoCoca.Preprocessing;
using VideoCoca.World;
using static TorchSharp.torch;

namespace VideoCoca.Tests.Inference;

/// <summary>
/// The predictor's model queries (a question asked after upload, a text scored as each clip's caption) on the shipped
/// model, with clips of the world drawn at the model's input size.
/// </summary>
public sealed class QueryPredictionTests
{
    private static readonly Lazy<LoadedModel> Shipped = new(() => ModelCheckpoint.Load(Path.Combine(TestPaths.RepositoryRoot, "models", "world-tiny")));

    /// <summary>Six scenes that differ pairwise in colour, size or motion, so every caption belongs to exactly one clip.</summary>
    private static IReadOnlyList<WorldScene> Scenes()
    {
        var rng = new Random(20261130);
        var geometry = ClipGeometry.Reference;
        var wanted = new (string Size, string Color, string Motion)[]
        {
            ("large", "red", "left"), ("small", "red", "left"), ("large", "blue", "right"),
            ("large", "green", "up"), ("small", "yellow", "down"), ("large", "white", "still"),
        };
        return wanted.Select(w =>
        {
            WorldScene scene;
            do scene = WorldRenderer.RandomScene(rng, geometry, w.Motion);
            while (scene.Size != w.Size || scene.Color != w.Color);
            return scene;
        }).ToList();
    }

    private static Tensor Frames(LoadedModel loaded, IReadOnlyList<WorldScene> scenes)
    {
        var config = loaded.Model.Config;
        var (frames, height, width) = (config.Video.Frames, config.Vision.ImageHeight, config.Vision.ImageWidth);
        var geometry = ClipGeometry.Reference;
        var frameFloats = 3 * height * width;
        var pixels = new float[scenes.Count * frames * frameFloats];
        var indices = ClipGeometry.SampleIndices(geometry.FrameCount, frames);
        for (var s = 0; s < scenes.Count; s++)
        for (var f = 0; f < frames; f++)
        {
            WorldRenderer.RenderScaled(scenes[s], geometry, (double)indices[f] / geometry.FramesPerSecond, width, height,
                pixels.AsSpan((s * frames + f) * frameFloats, frameFloats));
        }
        return new FrameNormalizer(config.Preprocess).Normalize(pixels, scenes.Count, frames, height, width);
    }

    [Fact]
    public void Each_clip_scores_its_own_caption_above_every_other_caption()
    {
        var loaded = Shipped.Value;
        var predictor = new VideoCocaPredictor(loaded);
        var scenes = Scenes();
        using var frames = Frames(loaded, scenes);
        // scores[caption][clip]
        var scores = scenes.Select(s => predictor.ScoreCaption(frames, s.Caption)).ToList();
        for (var clip = 0; clip < scenes.Count; clip++)
        {
            var own = scores[clip][clip];
            Assert.True(own < 0, $"a mean log-probability is negative, got {own}");
            for (var caption = 0; caption < scenes.Count; caption++)
            {
                if (caption == clip) continue;
                Assert.True(own > scores[caption][clip],
                    $"clip {clip} ({scenes[clip].Caption}) scores its caption {own:F3} but \"{scenes[caption].Caption}\" {scores[caption][clip]:F3}");
            }
        }
    }

    [Fact]
    public void A_part_of_a_caption_scores_higher_on_the_clips_it_describes()
    {
        var loaded = Shipped.Value;
        var predictor = new VideoCocaPredictor(loaded);
        var scenes = Scenes();
        using var frames = Frames(loaded, scenes);
        var scores = predictor.ScoreCaption(frames, "a large red square");
        var red = scores.Where((_, i) => scenes[i].Size == "large" && scenes[i].Color == "red").Min();
        var others = scores.Where((_, i) => !(scenes[i].Size == "large" && scenes[i].Color == "red")).Max();
        Assert.True(red > others, $"large red clip {red:F3}, best other {others:F3}");
    }

    [Fact]
    public void A_question_asked_alone_gets_each_clips_answer_as_at_upload()
    {
        var loaded = Shipped.Value;
        var predictor = new VideoCocaPredictor(loaded);
        var scenes = Scenes();
        using var frames = Frames(loaded, scenes);
        var colours = predictor.Answer(frames, WorldVocabulary.ColorQuestion);
        Assert.Equal(scenes.Select(s => s.Color), colours);
        var atUpload = predictor.Predict(frames, [WorldVocabulary.MotionQuestion]);
        Assert.Equal(atUpload.Select(p => p.Answers[0].Answer), predictor.Answer(frames, WorldVocabulary.MotionQuestion));
    }

    /// <summary>
    /// What POST /api/videos/{id}/labels does: label texts embedded as given, cosine with the clip embeddings. The
    /// shipped model's text tower learnt whole captions only: given those as labels, each clip's own is its best. (Bare
    /// action names such as "moving left", or captions without size and colour, land nowhere in particular for it; the
    /// labels stored at upload use each action's ensemble of full-caption prompts instead.)
    /// </summary>
    [Fact]
    public void Whole_captions_as_labels_pick_each_clips_own_caption_zero_shot()
    {
        var loaded = Shipped.Value;
        var predictor = new VideoCocaPredictor(loaded);
        var scenes = Scenes();
        using var frames = Frames(loaded, scenes);
        var labels = scenes.Select(s => s.Caption).ToList();
        using var embedded = predictor.EmbedTexts(labels);
        var clips = predictor.Predict(frames).Select(p => p.Embedding).ToArray();
        using var embeddings = stack(clips.Select(e => tensor(e)).ToArray());
        var best = embeddings.matmul(embedded.t()).argmax(1).data<long>().ToArray();
        Assert.Equal(labels, best.Select(b => labels[(int)b]));
    }

    [Fact]
    public void The_logit_scale_is_the_models_clamped_temperature()
    {
        var predictor = new VideoCocaPredictor(Shipped.Value);
        var scale = predictor.LogitScale;
        Assert.InRange(scale, 1.0, 100.0);
        Assert.Equal(Math.Min(100, Math.Exp(Shipped.Value.Model.LogitScale.item<float>())), scale, 3);
    }
}
