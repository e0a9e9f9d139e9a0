using VideoCoca.Configuration;
using static TorchSharp.torch;

namespace VideoCoca.Tests.Model;

public class ModuleShapeTests
{
    /// <summary>Each size's real widths, but one layer a tower: the shapes are the size's, the test stays fast.</summary>
    private static ModelConfig Shallow(string size)
    {
        var c = ModelSizes.Get(size);
        return c with
        {
            Vision = c.Vision with { Layers = 1 },
            Text = c.Text with { Layers = 1 },
            Multimodal = c.Multimodal with { Layers = 1 },
            Video = c.Video with { Frames = 2 },
        };
    }

    [Theory]
    [InlineData(ModelSizes.Tiny)]
    [InlineData(ModelSizes.CocaViTB32)]
    [InlineData(ModelSizes.CocaViTL14)]
    public void Every_module_gives_the_shapes_of_its_size(string size)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var config = Shallow(size);
        using var model = new VideoCocaModel(config);
        var (b, t) = (2, config.Video.Frames);
        var v = config.Vision;
        var frames = randn([b, t, 3, v.ImageHeight, v.ImageWidth]);

        var frameTokens = model.Visual.EncodeFrames(frames);
        Assert.Equal([b, t, v.TokensPerFrame, v.Width], frameTokens.shape);
        var visual = model.Visual.Pool(frameTokens);
        Assert.Equal([b, config.EmbedDim], visual.Pooled.shape);
        Assert.Equal([b, v.PoolerQueries - 1, config.EmbedDim], visual.Tokens.shape);

        var length = 7;
        var text = randint(4, config.Text.VocabularySize, [b, length]);
        var encoded = model.EncodeText(text);
        Assert.Equal([b, config.EmbedDim], encoded.Pooled.shape);
        Assert.Equal([b, length, config.Text.Width], encoded.Tokens.shape);

        var logits = model.TextDecoder.Forward(visual.Tokens, encoded.Tokens);
        Assert.Equal([b, length, config.Text.VocabularySize], logits.shape);
        Assert.Equal([], model.LogitScale.shape);
    }

    [Fact]
    public void Full_size_models_have_open_clips_parameter_counts()
    {
        using var testScope = NewDisposeScope();
        // open_clip's coca_ViT-B-32 has 253,560,065 parameters (shared/openclip-coca-keys.md).
        using var scope = NewDisposeScope();
        using var model = new VideoCocaModel(ModelSizes.Get(ModelSizes.CocaViTB32));
        Assert.Equal(253_560_065, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Cascade_pools_the_contrastive_embedding_from_the_captioning_tokens()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var config = TinyModels.Tiny(c => c with { Vision = c.Vision with { ContrastivePoolerCascade = true } });
        using var model = new VideoCocaModel(config);
        Assert.Contains(model.state_dict().Keys, k => k.StartsWith("visual.attn_pool_contrastive.", StringComparison.Ordinal));
        var visual = model.EncodeVideo(randn([2, config.Video.Frames, 3, 48, 64]));
        Assert.Equal([2, config.EmbedDim], visual.Pooled.shape);
        // With the cascade every captioning query goes to the decoder.
        Assert.Equal([2, config.Vision.PoolerQueries, config.EmbedDim], visual.Tokens.shape);
    }

    [Fact]
    public void Mean_pooling_and_attentional_pooling_give_the_same_shapes()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var adaptation in new[] { VideoAdaptation.MeanPooling, VideoAdaptation.AttentionalPooler })
        {
            var config = TinyModels.Tiny(c => c with { Video = c.Video with { Adaptation = adaptation } });
            using var model = new VideoCocaModel(config);
            var visual = model.EncodeVideo(randn([3, 8, 3, 48, 64]));
            Assert.Equal([3, 64], visual.Pooled.shape);
            Assert.Equal([3, 15, 64], visual.Tokens.shape);
        }
    }

    [Theory]
    [InlineData(TemporalPlacement.PoolerInput)]
    [InlineData(TemporalPlacement.EncoderInput)]
    public void Without_a_temporal_embedding_the_pooler_cannot_see_frame_order_and_with_one_it_can(TemporalPlacement placement)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var frames = randn([1, 8, 3, 48, 64]);
        var reversed = frames.flip(1);
        using var plain = new VideoCocaModel(TinyModels.Tiny(c => c with { Video = c.Video with { TemporalEmbedding = false } }));
        Assert.True(plain.EncodeVideo(frames).Pooled.allclose(plain.EncodeVideo(reversed).Pooled, rtol: 1e-4, atol: 1e-5));

        using var temporal = new VideoCocaModel(TinyModels.Tiny(c => c with { Video = c.Video with { TemporalEmbedding = true, TemporalPlacement = placement } }));
        // Zero at start: exactly what the image model sees...
        Assert.True(temporal.EncodeVideo(frames).Pooled.allclose(temporal.EncodeVideo(reversed).Pooled, rtol: 1e-4, atol: 1e-5));
        // ...and once it has learnt something, order shows.
        var embedding = temporal.state_dict()["visual.temporal_embedding"];
        embedding.copy_(randn(embedding.shape));
        Assert.False(temporal.EncodeVideo(frames).Pooled.allclose(temporal.EncodeVideo(reversed).Pooled, rtol: 1e-3, atol: 1e-3));
    }

    [Theory]
    [InlineData("visual.temporal_gain")]
    [InlineData("visual.temporal_trend_proj.weight")]
    public void A_temporal_part_that_starts_at_zero_starts_as_the_identity_and_once_learnt_makes_order_visible(string parameter)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var frames = randn([1, 8, 3, 48, 64]);
        var reversed = frames.flip(1);
        using var image = new VideoCocaModel(TinyModels.Tiny(c => c with { Video = c.Video with { TemporalEmbedding = false } }));
        using var adapted = new VideoCocaModel(TinyModels.Tiny(c => c with
        {
            Video = c.Video with
            {
                TemporalEmbedding = false,
                TemporalGain = parameter == "visual.temporal_gain",
                TemporalTrend = parameter == "visual.temporal_trend_proj.weight",
            },
        }));
        foreach (var (name, tensor) in adapted.state_dict())
        {
            if (image.state_dict().TryGetValue(name, out var value)) tensor.copy_(value);
        }
        // Zero at start: the adapted model answers exactly as the image model it came from, and cannot see order...
        Assert.True(adapted.EncodeVideo(frames).Pooled.allclose(image.EncodeVideo(frames).Pooled, rtol: 1e-5, atol: 1e-6));
        Assert.True(adapted.EncodeVideo(frames).Pooled.allclose(adapted.EncodeVideo(reversed).Pooled, rtol: 1e-4, atol: 1e-5));
        // ...and once the part has learnt something, order shows.
        var learnt = adapted.state_dict()[parameter];
        learnt.copy_(randn(learnt.shape) * 0.5);
        Assert.False(adapted.EncodeVideo(frames).Pooled.allclose(adapted.EncodeVideo(reversed).Pooled, rtol: 1e-3, atol: 1e-3));
    }
}
