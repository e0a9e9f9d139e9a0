using VideoCoca.Checkpoints;
using VideoCoca.Contracts.Queries;
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
    private static Lazy<LoadedModel> Shipped => ShippedScenes.Model;

    [Fact]
    public void Each_clip_scores_its_own_caption_above_every_other_caption()
    {
        using var testScope = NewDisposeScope();
        var loaded = Shipped.Value;
        var predictor = new VideoCocaPredictor(loaded);
        var scenes = ShippedScenes.Scenes();
        using var frames = ShippedScenes.Frames(loaded, scenes);
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
        using var testScope = NewDisposeScope();
        var loaded = Shipped.Value;
        var predictor = new VideoCocaPredictor(loaded);
        var scenes = ShippedScenes.Scenes();
        using var frames = ShippedScenes.Frames(loaded, scenes);
        var scores = predictor.ScoreCaption(frames, "a large red square");
        var red = scores.Where((_, i) => scenes[i].Size == "large" && scenes[i].Color == "red").Min();
        var others = scores.Where((_, i) => !(scenes[i].Size == "large" && scenes[i].Color == "red")).Max();
        Assert.True(red > others, $"large red clip {red:F3}, best other {others:F3}");
    }

    /// <summary>
    /// The trained model ends its texts where it means to (answers after a word, captions after six or so), so the
    /// joint decode drops rows as they end: the predictions are still those of one generation per text.
    /// </summary>
    [Fact]
    public void One_decode_for_all_texts_predicts_what_one_generation_per_text_predicts()
    {
        using var testScope = NewDisposeScope();
        var loaded = Shipped.Value;
        var predictor = new VideoCocaPredictor(loaded);
        var scenes = ShippedScenes.Scenes();
        using var frames = ShippedScenes.Frames(loaded, scenes);

        var together = predictor.Predict(frames);
        predictor.OneDecodeForAllTexts = false;
        var each = predictor.Predict(frames);

        Assert.Equal(each.Select(p => p.Caption), together.Select(p => p.Caption));
        Assert.Equal(each.Select(p => p.Answers), together.Select(p => p.Answers));
        Assert.Equal(scenes.Select(s => s.Color), together.Select(p => p.Answers.Single(a => a.Question == WorldVocabulary.ColorQuestion).Answer));
    }

    [Fact]
    public void A_question_asked_alone_gets_each_clips_answer_as_at_upload()
    {
        using var testScope = NewDisposeScope();
        var loaded = Shipped.Value;
        var predictor = new VideoCocaPredictor(loaded);
        var scenes = ShippedScenes.Scenes();
        using var frames = ShippedScenes.Frames(loaded, scenes);
        var colours = predictor.Answer(frames, WorldVocabulary.ColorQuestion);
        Assert.Equal(scenes.Select(s => s.Color), colours);
        var atUpload = predictor.Predict(frames, [WorldVocabulary.MotionQuestion]);
        Assert.Equal(atUpload.Select(p => p.Answers[0].Answer), predictor.Answer(frames, WorldVocabulary.MotionQuestion));
    }

    /// <summary>
    /// Labels the model's label set does not know are embedded as given. The shipped model's text tower learnt whole
    /// captions only: given those as labels, each clip's own is its best. (Bare action names such as "moving left",
    /// embedded alone, land nowhere in particular for it; that is why a known action is scored by its prompts.)
    /// </summary>
    [Fact]
    public void Whole_captions_as_labels_pick_each_clips_own_caption_zero_shot()
    {
        using var testScope = NewDisposeScope();
        var loaded = Shipped.Value;
        var predictor = new VideoCocaPredictor(loaded);
        var scenes = ShippedScenes.Scenes();
        using var frames = ShippedScenes.Frames(loaded, scenes);
        var labels = scenes.Select(s => s.Caption).ToList();
        using var embedded = predictor.EmbedTexts(labels);
        var clips = predictor.Predict(frames).Select(p => p.Embedding).ToArray();
        using var embeddings = stack(clips.Select(e => tensor(e)).ToArray());
        var best = embeddings.matmul(embedded.t()).argmax(1).data<long>().ToArray();
        Assert.Equal(labels, best.Select(b => labels[(int)b]));
    }

    /// <summary>
    /// What POST /api/videos/{id}/labels does since it scores labels by their prompts: a clip's stored embedding
    /// against every prompt of every label asked (cosines as pgvector takes them), one softmax, each label's mass.
    /// </summary>
    private static double[] ScoreAtRequestTime(float[] clip, IReadOnlyList<LabelPromptEmbeddings> labels, double logitScale) =>
        ZeroShot.PromptEnsembles(labels.Select(l => (IReadOnlyList<double>)l.Vectors.Select(v => Cosine(clip, v)).ToList()).ToList(), logitScale);

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++) (dot, na, nb) = (dot + a[i] * b[i], na + a[i] * a[i], nb + b[i] * b[i]);
        return dot / Math.Sqrt(na * nb);
    }

    [Fact]
    public void The_models_own_labels_asked_after_upload_score_as_the_labels_stored_at_upload()
    {
        using var testScope = NewDisposeScope();
        var loaded = Shipped.Value;
        var predictor = new VideoCocaPredictor(loaded);
        var scenes = ShippedScenes.Scenes();
        using var frames = ShippedScenes.Frames(loaded, scenes);
        var actions = loaded.Labels.Actions.Select(a => a.Label).ToList();
        var stored = predictor.Predict(frames, topLabels: actions.Count);
        // Bare action names, in another order and case than the label set's: matched to its actions, scored by their prompts.
        var asked = actions.AsEnumerable().Reverse().Select(a => a.ToUpperInvariant()).ToList();
        var embedded = predictor.EmbedLabels(asked);
        Assert.Equal(asked, embedded.Select(l => l.Label));
        for (var i = 0; i < asked.Count; i++)
        {
            Assert.Equal(loaded.Labels.Find(asked[i])!.Prompts, embedded[i].Prompts);
            Assert.True(embedded[i].Prompts.Count > 1, $"{asked[i]} has {embedded[i].Prompts.Count} prompt(s)");
        }
        for (var clip = 0; clip < scenes.Count; clip++)
        {
            var confidences = ScoreAtRequestTime(stored[clip].Embedding, embedded, predictor.LogitScale);
            var best = asked[Array.IndexOf(confidences, confidences.Max())];
            Assert.Equal(WorldVocabulary.Action(scenes[clip].Motion), best, StringComparer.OrdinalIgnoreCase);
            foreach (var label in stored[clip].Labels)
            {
                var atRequest = confidences[asked.FindIndex(a => string.Equals(a, label.Label, StringComparison.OrdinalIgnoreCase))];
                Assert.True(Math.Abs(label.Confidence - atRequest) < 1e-4,
                    $"clip {clip} ({scenes[clip].Caption}): {label.Label} stored {label.Confidence:F6}, asked {atRequest:F6}");
            }
        }
    }

    [Fact]
    public void A_label_the_model_does_not_know_is_its_own_one_prompt()
    {
        using var testScope = NewDisposeScope();
        var loaded = Shipped.Value;
        var predictor = new VideoCocaPredictor(loaded);
        var scenes = ShippedScenes.Scenes();
        var captions = scenes.Select(s => s.Caption).ToList();
        var embedded = predictor.EmbedLabels([" " + captions[0] + " ", .. captions.Skip(1)]);
        using var direct = predictor.EmbedTexts(captions);
        var rows = direct.data<float>().ToArray();
        var width = (int)direct.shape[1];
        for (var i = 0; i < captions.Count; i++)
        {
            Assert.Equal([captions[i]], embedded[i].Prompts);
            var vector = Assert.Single(embedded[i].Vectors);
            Assert.Equal(rows.AsSpan(i * width, width).ToArray(), vector, (x, y) => Math.Abs(x - y) < 1e-5f);
        }
        // Scored like the labels stored at upload (one prompt each, so a plain softmax): each clip's own caption first.
        using var frames = ShippedScenes.Frames(loaded, scenes);
        var clips = predictor.Predict(frames);
        for (var clip = 0; clip < scenes.Count; clip++)
        {
            var confidences = ScoreAtRequestTime(clips[clip].Embedding, embedded, predictor.LogitScale);
            Assert.Equal(clip, Array.IndexOf(confidences, confidences.Max()));
            Assert.Equal(1.0, confidences.Sum(), 9);
        }
    }

    [Fact]
    public void The_logit_scale_is_the_models_clamped_temperature()
    {
        using var testScope = NewDisposeScope();
        var predictor = new VideoCocaPredictor(Shipped.Value);
        var scale = predictor.LogitScale;
        Assert.InRange(scale, 1.0, 100.0);
        Assert.Equal(Math.Min(100, Math.Exp(Shipped.Value.Model.LogitScale.item<float>())), scale, 3);
    }
}
