using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoCoca.Modules;

/// <summary>The transformer MLP, named as open_clip names it (c_fc, exact GELU, c_proj).</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    // Parts are registered by hand under open_clip's names; TorchSharp's reflection would add each again under its field name.
    protected override void RegisterComponents() { }

    private readonly Linear _fc;
    private readonly Linear _proj;

    public Mlp(int width, int hidden, WeightInitialisation initialisation = WeightInitialisation.Random) : base(nameof(Mlp))
    {
        _fc = NewWeights.Linear(width, hidden, initialisation);
        _proj = NewWeights.Linear(hidden, width, initialisation);
        register_module("c_fc", _fc);
        register_module("c_proj", _proj);
    }

    public void InitialiseWeights(double fcStd, double projStd)
    {
        using var _ = no_grad();
        nn.init.normal_(_fc.weight!, 0, fcStd);
        nn.init.normal_(_proj.weight!, 0, projStd);
        _fc.bias!.zero_();
        _proj.bias!.zero_();
    }

    public override Tensor forward(Tensor x) => _proj.forward(F.gelu(_fc.forward(x)));
}

/// <summary>
/// A pre-LayerNorm transformer block. As a cross-attention block (open_clip's <c>cross_attn</c> layers) it
/// layer-norms keys and values with its own <c>ln_1_kv</c>.
/// </summary>
public sealed class ResidualAttentionBlock : nn.Module
{
    // Parts are registered by hand under open_clip's names; TorchSharp's reflection would add each again under its field name.
    protected override void RegisterComponents() { }

    public const double LayerNormEps = 1e-5;

    private readonly LayerNorm _ln1;
    private readonly LayerNorm? _ln1Kv;
    private readonly MultiHeadAttention _attn;
    private readonly LayerNorm _ln2;
    private readonly Mlp _mlp;

    public ResidualAttentionBlock(
        int width, int heads, double mlpRatio, bool isCrossAttention = false, WeightInitialisation initialisation = WeightInitialisation.Random)
        : base(nameof(ResidualAttentionBlock))
    {
        _ln1 = NewWeights.LayerNorm(width, LayerNormEps);
        _attn = new MultiHeadAttention(width, heads, initialisation: initialisation);
        _ln2 = NewWeights.LayerNorm(width, LayerNormEps);
        _mlp = new Mlp(width, (int)(width * mlpRatio), initialisation);
        register_module("ln_1", _ln1);
        if (isCrossAttention)
        {
            _ln1Kv = NewWeights.LayerNorm(width, LayerNormEps);
            register_module("ln_1_kv", _ln1Kv);
        }
        register_module("attn", _attn);
        register_module("ln_2", _ln2);
        register_module("mlp", _mlp);
    }

    public MultiHeadAttention Attention => _attn;

    /// <summary>open_clip's initialisation for a stack of <paramref name="layers"/> blocks of this width.</summary>
    public void InitialiseWeights(int width, int layers)
    {
        var projStd = Math.Pow(width, -0.5) * Math.Pow(2 * layers, -0.5);
        var attnStd = Math.Pow(width, -0.5);
        var fcStd = Math.Pow(2 * width, -0.5);
        _attn.InitialiseWeights(attnStd, projStd);
        _mlp.InitialiseWeights(fcStd, projStd);
    }

    public Tensor SelfAttend(Tensor x, Tensor? mask)
    {
        x = x.Plus(_attn.SelfAttention(_ln1.forward(x), mask));
        return x.Plus(_mlp.forward(_ln2.forward(x)));
    }

    public Tensor CrossAttend(Tensor x, Tensor context)
    {
        var kv = (_ln1Kv ?? throw new InvalidOperationException("not a cross-attention block")).forward(context);
        x = x.Plus(_attn.Forward(_ln1.forward(x), kv, kv, mask: null));
        return x.Plus(_mlp.forward(_ln2.forward(x)));
    }

    /// <summary>Keys and values of a cross-attention block's context, computed once per clip and reused by every decoding step.</summary>
    public (Tensor Keys, Tensor Values) ProjectContext(Tensor context)
    {
        var kv = (_ln1Kv ?? throw new InvalidOperationException("not a cross-attention block")).forward(context);
        return _attn.ProjectKeysValues(kv, kv);
    }

    /// <summary>Cross-attention over the image context the cache holds for decoder layer <paramref name="layer"/>.</summary>
    public Tensor CrossAttendCached(Tensor x, DecoderCache cache, int layer)
    {
        x = x.Plus(_attn.Output(cache.AttendImage(layer, _attn.ProjectQuery(_ln1.forward(x)))));
        return x.Plus(_mlp.forward(_ln2.forward(x)));
    }

    /// <summary>
    /// Self-attention for new positions given the keys and values of earlier ones: each new token costs its own
    /// positions, not the whole prefix. The new positions' keys and values are appended to the cache's layer.
    /// </summary>
    public Tensor SelfAttendCached(Tensor x, DecoderCache cache, int layer, Tensor? mask)
    {
        var normed = _ln1.forward(x);
        var q = _attn.ProjectQuery(normed);
        var (k, v) = _attn.ProjectKeysValues(normed, normed);
        (k, v) = cache.Append(layer, k, v);
        var h = x.Plus(_attn.Attend(q, k, v, mask));
        return h.Plus(_mlp.forward(_ln2.forward(h)));
    }
}

/// <summary>A stack of blocks under <c>resblocks.N</c>, as open_clip's Transformer.</summary>
public sealed class TransformerStack : nn.Module
{
    // Parts are registered by hand under open_clip's names; TorchSharp's reflection would add each again under its field name.
    protected override void RegisterComponents() { }

    private readonly ModuleList<ResidualAttentionBlock> _blocks;

    public TransformerStack(int width, int layers, int heads, double mlpRatio, WeightInitialisation initialisation = WeightInitialisation.Random)
        : base(nameof(TransformerStack))
    {
        _blocks = new ModuleList<ResidualAttentionBlock>();
        for (var i = 0; i < layers; i++)
        {
            var block = new ResidualAttentionBlock(width, heads, mlpRatio, initialisation: initialisation);
            if (initialisation == WeightInitialisation.Random) block.InitialiseWeights(width, layers);
            _blocks.Add(block);
        }
        register_module("resblocks", _blocks);
    }

    public IReadOnlyList<ResidualAttentionBlock> Blocks => [.. _blocks];

    public Tensor Forward(Tensor x, Tensor? mask)
    {
        foreach (var block in _blocks) x = block.SelfAttend(x, mask);
        return x;
    }
}
