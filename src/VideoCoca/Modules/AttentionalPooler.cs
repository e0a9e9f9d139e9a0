using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VideoCoca.Modules;

/// <summary>
/// Learned queries cross-attending to a set of tokens (open_clip's AttentionalPooler): the queries are layer-normed
/// by <c>ln_q</c>, the tokens by <c>ln_k</c>. The tokens are a set; their order means nothing here.
/// </summary>
public sealed class AttentionalPooler : nn.Module<Tensor, Tensor>
{
    // Parts are registered by hand under open_clip's names; TorchSharp's reflection would add each again under its field name.
    protected override void RegisterComponents() { }

    private readonly Parameter _query;
    private readonly MultiHeadAttention _attn;
    private readonly LayerNorm _lnQ;
    private readonly LayerNorm _lnK;

    public AttentionalPooler(int width, int contextWidth, int heads, int queries, WeightInitialisation initialisation = WeightInitialisation.Random)
        : base(nameof(AttentionalPooler))
    {
        _query = NewWeights.Parameter(initialisation, () => randn(queries, width), queries, width);
        _attn = new MultiHeadAttention(width, heads, contextWidth, initialisation);
        _lnQ = NewWeights.LayerNorm(width, ResidualAttentionBlock.LayerNormEps);
        _lnK = NewWeights.LayerNorm(contextWidth, ResidualAttentionBlock.LayerNormEps);
        register_parameter("query", _query);
        register_module("attn", _attn);
        register_module("ln_q", _lnQ);
        register_module("ln_k", _lnK);
    }

    /// <param name="tokens">[B, N, contextWidth]</param>
    /// <returns>[B, queries, width]</returns>
    public override Tensor forward(Tensor tokens)
    {
        var keys = _lnK.forward(tokens);
        var queries = _lnQ.forward(_query).unsqueeze(0).expand(tokens.shape[0], -1, -1);
        return _attn.Forward(queries, keys, keys, mask: null);
    }
}
