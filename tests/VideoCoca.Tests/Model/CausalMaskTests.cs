using VideoCoca.Modules;
using static TorchSharp.torch;

namespace VideoCoca.Tests.Model;

public class CausalMaskTests
{
    [Fact]
    public void Causal_mask_hides_every_later_position()
    {
        using var testScope = NewDisposeScope();
        var mask = AttentionMasks.Causal(5).data<float>().ToArray();
        for (var i = 0; i < 5; i++)
        for (var j = 0; j < 5; j++)
            Assert.Equal(j > i, float.IsNegativeInfinity(mask[i * 5 + j]));
    }

    [Fact]
    public void No_text_or_decoder_position_sees_the_future()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var model = new VideoCocaModel(TinyModels.Tiny());
        var imageTokens = randn([2, 15, 64]);
        var text = tensor(new long[,] { { 1, 10, 11, 12, 13, 14, 2 }, { 1, 20, 21, 22, 23, 24, 2 } });
        var changed = text.clone();
        changed[TensorIndex.Colon, TensorIndex.Slice(4)] = tensor(new long[] { 30, 31, 2 });

        var before = model.Text.Forward(text).Tokens;
        var after = model.Text.Forward(changed).Tokens;
        var logitsBefore = model.CaptionLogits(imageTokens, text);
        var logitsAfter = model.CaptionLogits(imageTokens, changed);

        // Positions 0..3 are untouched by what follows them, in both the text tower and the multimodal decoder...
        Assert.True(before.narrow(1, 0, 4).allclose(after.narrow(1, 0, 4), atol: 1e-6));
        Assert.True(logitsBefore.narrow(1, 0, 4).allclose(logitsAfter.narrow(1, 0, 4), atol: 1e-6));
        // ...and position 4 does change, so the check above can fail.
        Assert.False(logitsBefore.narrow(1, 4, 1).allclose(logitsAfter.narrow(1, 4, 1), atol: 1e-6));
    }

    [Fact]
    public void Text_embedding_ignores_what_the_pad_positions_hold()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var model = new VideoCocaModel(TinyModels.Tiny());
        var text = tensor(new long[,] { { 1, 10, 11, 2, 0, 0 } });
        var before = model.EncodeText(text).Pooled.clone();
        // Change what a pad looks like: the pads' states change, the CLS must not notice.
        var embedding = model.state_dict()["text.token_embedding.weight"];
        embedding[0] = randn(embedding.shape[1]);
        Assert.True(model.EncodeText(text).Pooled.allclose(before, atol: 1e-6));

        // open_clip's shifted mask lets the CLS see the first pad: the same change moves its embedding.
        using var legacy = new VideoCocaModel(TinyModels.Tiny(c => c with { Text = c.Text with { LegacyClsMask = true } }));
        var legacyBefore = legacy.EncodeText(text).Pooled.clone();
        legacy.state_dict()["text.token_embedding.weight"][0] = randn(embedding.shape[1]);
        Assert.False(legacy.EncodeText(text).Pooled.allclose(legacyBefore, atol: 1e-6));
    }

    [Fact]
    public void Legacy_cls_mask_is_shifted_by_one_as_open_clip_builds_it()
    {
        using var testScope = NewDisposeScope();
        var text = tensor(new long[,] { { 5, 6, 0 } });
        var plain = AttentionMasks.CausalWithClsPadding(text, 0, legacyShift: false).select(2, 3).flatten().data<float>().ToArray();
        var legacy = AttentionMasks.CausalWithClsPadding(text, 0, legacyShift: true).select(2, 3).flatten().data<float>().ToArray();
        // Plain: the CLS sees the two words and itself, not the pad.
        Assert.Equal([0f, 0f, float.NegativeInfinity, 0f], plain);
        // open_clip: [true, notPad...]: position 0 always, then each position k if token k-1 is not a pad.
        Assert.Equal([0f, 0f, 0f, float.NegativeInfinity], legacy);
        // Rows before the CLS stay causal.
        var row0 = AttentionMasks.CausalWithClsPadding(text, 0, legacyShift: true).select(2, 0).flatten().data<float>().ToArray();
        Assert.Equal([0f, float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity], row0);
    }
}
