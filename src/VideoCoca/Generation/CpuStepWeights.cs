using VideoCoca.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoCoca.Generation;

/// <summary>
/// The text tower's and the multimodal decoder's matrices laid out for single-position steps on the CPU: each linear
/// weight copied once as a contiguous [in, out] matrix. A few rows times an [in, out] matrix streams memory about
/// twice as fast as times PyTorch's [out, in] layout, and a cached step is little else: every step reads every
/// matrix of both decoders for one position per row. The arithmetic is the blocks' own (pre-LayerNorm, exact GELU,
/// packed q, k, v), so the tokens are those of <see cref="ResidualAttentionBlock.SelfAttendCached"/>. A snapshot:
/// weights changed later are not seen.
/// </summary>
internal sealed class CpuStepWeights : IDisposable
{
    private sealed record Linear(Tensor WeightT, Tensor Bias)
    {
        public Tensor Apply(Tensor x) => F.linear(x, WeightT.t(), Bias);
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
    private readonly Tensor _vocabularyProjection;
    private readonly List<Tensor> _owned = [];

    public CpuStepWeights(VideoCocaModel model)
    {
        var config = model.Config;
        var weights = model.state_dict();
        // Everything kept outlives the caller's dispose scope, and is freed by Dispose (a detached handle frees no weight).
        Tensor Own(Tensor t)
        {
            t.DetachFromDisposeScope();
            _owned.Add(t);
            return t;
        }
        Tensor Get(string name) => Own(weights[name].detach());
        Tensor Copy(Tensor t) => Own(t.detach().clone());
        Linear Transposed(Tensor weight, Tensor bias) => new(Own(weight.detach().t().contiguous()), Copy(bias));
        Block Read(string prefix, bool cross, int width)
        {
            var inProjWeight = Get($"{prefix}.attn.in_proj_weight");
            var inProjBias = Get($"{prefix}.attn.in_proj_bias");
            // A cross-attention step projects only its queries: keys and values of the image come from the cache.
            var attention = cross
                ? Transposed(inProjWeight.narrow(0, 0, width), inProjBias.narrow(0, 0, width))
                : Transposed(inProjWeight, inProjBias);
            return new Block(
                Copy(Get($"{prefix}.ln_1.weight")), Copy(Get($"{prefix}.ln_1.bias")), attention,
                Transposed(Get($"{prefix}.attn.out_proj.weight"), Get($"{prefix}.attn.out_proj.bias")),
                Copy(Get($"{prefix}.ln_2.weight")), Copy(Get($"{prefix}.ln_2.bias")),
                Transposed(Get($"{prefix}.mlp.c_fc.weight"), Get($"{prefix}.mlp.c_fc.bias")),
                Transposed(Get($"{prefix}.mlp.c_proj.weight"), Get($"{prefix}.mlp.c_proj.bias")));
        }

        using var _ = no_grad();
        _text = Enumerable.Range(0, config.Text.Layers).Select(i => Read($"text.transformer.resblocks.{i}", false, config.Text.Width)).ToArray();
        _self = Enumerable.Range(0, config.Multimodal.Layers).Select(i => Read($"text_decoder.resblocks.{i}", false, config.Multimodal.Width)).ToArray();
        _cross = Enumerable.Range(0, config.Multimodal.Layers).Select(i => Read($"text_decoder.cross_attn.{i}", true, config.Multimodal.Width)).ToArray();
        _textHeads = config.Text.Heads;
        _decoderHeads = config.Multimodal.Heads;
        // Already in the layout a step wants, or read a row at a time: shared with the model, not copied.
        _tokenEmbedding = Get("text.token_embedding.weight");
        _positionalEmbedding = Get("text.positional_embedding");
        _lnFinalWeight = Copy(Get("text_decoder.ln_final.weight"));
        _lnFinalBias = Copy(Get("text_decoder.ln_final.bias"));
        _vocabularyProjection = Get("text_decoder.text_projection");
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
            var embedded = _tokenEmbedding.index_select(0, newTokens.flatten()).view(rows, count, -1) + positions;
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
            () => F.layer_norm(last, [width], _lnFinalWeight, _lnFinalBias, ResidualAttentionBlock.LayerNormEps).matmul(_vocabularyProjection));
    }

    private static Tensor SelfAttend(Block block, Tensor x, int heads, DecoderCache cache, int layer, Tensor? mask, string part, DecodeProfile? profile)
    {
        var width = x.shape[2];
        var qkv = DecodeProfile.Time(profile, $"{part}: q, k, v projection",
            () => block.Attention.Apply(LayerNorm(x, block.Ln1Weight, block.Ln1Bias)).chunk(3, dim: -1));
        var (q, k, v) = (SplitHeads(qkv[0], heads), SplitHeads(qkv[1], heads), SplitHeads(qkv[2], heads));
        (k, v) = DecodeProfile.Time(profile, $"{part}: cache write", () => cache.Append(layer, k, v));
        var attended = DecodeProfile.Time(profile, $"{part}: self-attention", () => F.scaled_dot_product_attention(q, k, v, mask));
        x = x + DecodeProfile.Time(profile, $"{part}: out projection", () => block.Out.Apply(MergeHeads(attended, width)));
        return x + Mlp(block, x, part, profile);
    }

    private static Tensor CrossAttend(Block block, Tensor x, int heads, DecoderCache cache, int layer, DecodeProfile? profile)
    {
        var width = x.shape[2];
        var q = DecodeProfile.Time(profile, "decoder: cross q projection",
            () => SplitHeads(block.Attention.Apply(LayerNorm(x, block.Ln1Weight, block.Ln1Bias)), heads));
        var attended = DecodeProfile.Time(profile, "decoder: cross-attention", () => cache.AttendImage(layer, q));
        x = x + DecodeProfile.Time(profile, "decoder: cross out projection", () => block.Out.Apply(MergeHeads(attended, width)));
        return x + Mlp(block, x, "decoder (after cross-attention)", profile);
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
