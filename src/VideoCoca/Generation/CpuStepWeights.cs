using VideoCoca.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoCoca.Generation;

/// <summary>
/// The text tower's and the multimodal decoder's step for new positions on the CPU, written out flat: every step reads
/// every matrix of both decoders for one position per row, so it is little else than a few rows times each matrix.
/// Rows enter each product as a 2-D [rows, in] matrix times the model's own [out, in] weights (not copied): on the
/// Sapphire Rapids machines measured, a 3-D input or a transposed copy of the weights cost 10 to 25% more in float32
/// and half again in bfloat16. The arithmetic is the blocks' own (pre-LayerNorm, exact GELU, packed q, k, v), so the
/// tokens are those of <see cref="ResidualAttentionBlock.SelfAttendCached"/>.
/// </summary>
internal sealed class CpuStepWeights : IDisposable
{
    /// <param name="Transposed">An [in, out] copy, multiplied with 3-D rows: the layout before issue 13.</param>
    private sealed record Linear(Tensor Weight, Tensor? Bias, bool Transposed = false)
    {
        public Tensor Apply(Tensor x)
        {
            if (Transposed) return F.linear(x, Weight.t(), Bias);
            var rows = x.shape[0] * x.shape[1];
            return F.linear(x.reshape(rows, x.shape[2]), Weight, Bias).view(x.shape[0], x.shape[1], -1);
        }
    }

    private sealed record Block(Tensor Ln1Weight, Tensor Ln1Bias, Linear Attention, Linear Out, Tensor Ln2Weight, Tensor Ln2Bias, Linear Fc, Linear Proj);

    private readonly Block[] _text;
    private readonly Block[] _self;
    private readonly Block[] _cross;
    private readonly int _textHeads;
    private readonly int _decoderHeads;
    private readonly Tensor _tokenEmbedding;
    private readonly Tensor _positionalEmbedding;
    private readonly Tensor _lnFinalWeight;
    private readonly Tensor _lnFinalBias;
    private readonly Linear _vocabularyProjection;
    private readonly List<Tensor> _owned = [];

    /// <param name="copied">Copies of the matrices laid out [in, out] (a snapshot), as before issue 13, for measuring that path.</param>
    public CpuStepWeights(VideoCocaModel model, bool copied = false)
    {
        var config = model.Config;
        var weights = model.state_dict();
        // The model's own weights, through handles of their own that outlive the caller's dispose scope; Dispose frees the
        // handles, not the weights.
        Tensor Own(Tensor t)
        {
            t.DetachFromDisposeScope();
            _owned.Add(t);
            return t;
        }
        Tensor Get(string name) => Own(weights[name].detach());
        Linear Matrix(Tensor weight, Tensor bias) =>
            copied ? new Linear(Own(weight.detach().t().contiguous()), Own(bias.detach().clone()), Transposed: true) : new Linear(weight, bias);
        Block Read(string prefix, bool cross, int width)
        {
            var inProjWeight = Get($"{prefix}.attn.in_proj_weight");
            var inProjBias = Get($"{prefix}.attn.in_proj_bias");
            // A cross-attention step projects only its queries: keys and values of the image come from the cache.
            var attention = cross
                ? Matrix(Own(inProjWeight.narrow(0, 0, width)), Own(inProjBias.narrow(0, 0, width)))
                : Matrix(inProjWeight, inProjBias);
            return new Block(
                Get($"{prefix}.ln_1.weight"), Get($"{prefix}.ln_1.bias"), attention,
                Matrix(Get($"{prefix}.attn.out_proj.weight"), Get($"{prefix}.attn.out_proj.bias")),
                Get($"{prefix}.ln_2.weight"), Get($"{prefix}.ln_2.bias"),
                Matrix(Get($"{prefix}.mlp.c_fc.weight"), Get($"{prefix}.mlp.c_fc.bias")),
                Matrix(Get($"{prefix}.mlp.c_proj.weight"), Get($"{prefix}.mlp.c_proj.bias")));
        }

        using var _ = no_grad();
        _text = Enumerable.Range(0, config.Text.Layers).Select(i => Read($"text.transformer.resblocks.{i}", false, config.Text.Width)).ToArray();
        _self = Enumerable.Range(0, config.Multimodal.Layers).Select(i => Read($"text_decoder.resblocks.{i}", false, config.Multimodal.Width)).ToArray();
        _cross = Enumerable.Range(0, config.Multimodal.Layers).Select(i => Read($"text_decoder.cross_attn.{i}", true, config.Multimodal.Width)).ToArray();
        _textHeads = config.Text.Heads;
        _decoderHeads = config.Multimodal.Heads;
        _tokenEmbedding = Get("text.token_embedding.weight");
        _positionalEmbedding = Get("text.positional_embedding");
        _lnFinalWeight = Get("text_decoder.ln_final.weight");
        _lnFinalBias = Get("text_decoder.ln_final.bias");
        // The model keeps this projection [width, vocabulary] ([in, out]); a step multiplies its rows faster by an [out, in]
        // copy (vcp bench matmul: a fifth faster in float32, a third in bfloat16, at 32 rows), worth its memory.
        // The path before issue 13 multiplied by the model's own.
        _vocabularyProjection = copied
            ? new Linear(Get("text_decoder.text_projection"), null, Transposed: true)
            : new Linear(Own(weights["text_decoder.text_projection"].detach().t().contiguous()), null);
    }

    /// <summary>Logits [rows, new, vocabulary] for new token ids [rows, new] at positions start.., growing the cache.</summary>
    /// <param name="lastOnly">Project only the last new position to the vocabulary ([rows, 1, vocabulary]): the others' logits are never read when a prompt is fed.</param>
    public Tensor Step(Tensor newTokens, long start, DecoderCache cache, bool lastOnly = false)
    {
        var profile = DecodeProfile.Current;
        profile?.CountStep();
        var rows = newTokens.shape[0];
        var count = newTokens.shape[1];
        var (x, mask) = DecodeProfile.Time(profile, "embeddings and mask", () =>
        {
            var positions = cache.Positions(start, count) is { } perRow
                ? _positionalEmbedding.index_select(0, perRow.flatten()).view(rows, count, -1)
                : _positionalEmbedding.narrow(0, start, count);
            var embedded = _tokenEmbedding.index_select(0, newTokens.flatten()).view(rows, count, -1).Plus(positions);
            return (embedded, cache.SelfAttentionMask(start, count, embedded.device));
        });
        for (var i = 0; i < _text.Length; i++) x = SelfAttend(_text[i], x, _textHeads, cache, i, mask, "text tower", profile);
        for (var i = 0; i < _self.Length; i++)
        {
            x = SelfAttend(_self[i], x, _decoderHeads, cache, _text.Length + i, mask, "decoder", profile);
            x = CrossAttend(_cross[i], x, _decoderHeads, cache, i, profile);
        }
        var width = x.shape[2];
        if (lastOnly) x = x.narrow(1, count - 1, 1);
        var last = x;
        return DecodeProfile.Time(profile, "vocabulary projection",
            () => _vocabularyProjection.Apply(F.layer_norm(last, [width], _lnFinalWeight, _lnFinalBias, ResidualAttentionBlock.LayerNormEps)));
    }

    private static Tensor SelfAttend(Block block, Tensor x, int heads, DecoderCache cache, int layer, Tensor? mask, string part, DecodeProfile? profile)
    {
        var width = x.shape[2];
        var qkv = DecodeProfile.Time(profile, $"{part}: q, k, v projection",
            () => block.Attention.Apply(LayerNorm(x, block.Ln1Weight, block.Ln1Bias)).chunk(3, dim: -1));
        var (q, k, v) = (SplitHeads(qkv[0], heads), SplitHeads(qkv[1], heads), SplitHeads(qkv[2], heads));
        (k, v) = DecodeProfile.Time(profile, $"{part}: cache write", () => cache.Append(layer, k, v));
        var attended = DecodeProfile.Time(profile, $"{part}: self-attention", () => F.scaled_dot_product_attention(q, k, v, AttentionMasks.Matching(mask, q)));
        x = x.Plus(DecodeProfile.Time(profile, $"{part}: out projection", () => block.Out.Apply(MergeHeads(attended, width))));
        return x.Plus(Mlp(block, x, part, profile));
    }

    private static Tensor CrossAttend(Block block, Tensor x, int heads, DecoderCache cache, int layer, DecodeProfile? profile)
    {
        var width = x.shape[2];
        var q = DecodeProfile.Time(profile, "decoder: cross q projection",
            () => SplitHeads(block.Attention.Apply(LayerNorm(x, block.Ln1Weight, block.Ln1Bias)), heads));
        var attended = DecodeProfile.Time(profile, "decoder: cross-attention", () => cache.AttendImage(layer, q));
        x = x.Plus(DecodeProfile.Time(profile, "decoder: cross out projection", () => block.Out.Apply(MergeHeads(attended, width))));
        return x.Plus(Mlp(block, x, "decoder (after cross-attention)", profile));
    }

    private static Tensor Mlp(Block block, Tensor x, string part, DecodeProfile? profile) =>
        DecodeProfile.Time(profile, $"{part}: MLP", () => block.Proj.Apply(F.gelu(block.Fc.Apply(LayerNorm(x, block.Ln2Weight, block.Ln2Bias)))));

    private static Tensor LayerNorm(Tensor x, Tensor weight, Tensor bias) =>
        F.layer_norm(x, [x.shape[2]], weight, bias, ResidualAttentionBlock.LayerNormEps);

    private static Tensor SplitHeads(Tensor x, int heads) =>
        x.view(x.shape[0], x.shape[1], heads, x.shape[2] / heads).transpose(1, 2);

    private static Tensor MergeHeads(Tensor x, long width) =>
        x.transpose(1, 2).reshape(x.shape[0], x.shape[2], width);

    public void Dispose()
    {
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
    }
}
