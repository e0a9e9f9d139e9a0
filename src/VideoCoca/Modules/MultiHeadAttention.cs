using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoCoca.Modules;

/// <summary>
/// Multi-head attention with PyTorch's parameter layout, so open_clip state dicts map key for key: packed
/// <c>in_proj_weight</c> (q, k, v in that order) when keys have the query's width, separate
/// <c>q_proj_weight</c>/<c>k_proj_weight</c>/<c>v_proj_weight</c> when they do not; one packed <c>in_proj_bias</c>.
/// </summary>
public sealed class MultiHeadAttention : nn.Module
{
    // Parts are registered by hand under open_clip's names; TorchSharp's reflection would add each again under its field name.
    protected override void RegisterComponents() { }

    private readonly int _width;
    private readonly int _heads;
    private readonly Parameter? _inProjWeight;
    private readonly Parameter? _qProjWeight;
    private readonly Parameter? _kProjWeight;
    private readonly Parameter? _vProjWeight;
    private readonly Parameter _inProjBias;
    private readonly Linear _outProj;

    public MultiHeadAttention(int width, int heads, int? keyWidth = null, WeightInitialisation initialisation = WeightInitialisation.Random)
        : base(nameof(MultiHeadAttention))
    {
        _width = width;
        _heads = heads;
        var kdim = keyWidth ?? width;
        if (kdim == width)
        {
            _inProjWeight = new Parameter(empty([3 * width, width], dtype: NewWeights.Type));
            register_parameter("in_proj_weight", _inProjWeight);
        }
        else
        {
            _qProjWeight = new Parameter(empty([width, width], dtype: NewWeights.Type));
            _kProjWeight = new Parameter(empty([width, kdim], dtype: NewWeights.Type));
            _vProjWeight = new Parameter(empty([width, kdim], dtype: NewWeights.Type));
            register_parameter("q_proj_weight", _qProjWeight);
            register_parameter("k_proj_weight", _kProjWeight);
            register_parameter("v_proj_weight", _vProjWeight);
        }
        _inProjBias = NewWeights.Parameter(initialisation, () => zeros(3 * width), 3 * width);
        register_parameter("in_proj_bias", _inProjBias);
        _outProj = NewWeights.Linear(width, width, initialisation);
        register_module("out_proj", _outProj);
        if (initialisation == WeightInitialisation.Random) InitialiseWeights(Math.Pow(width, -0.5), Math.Pow(width, -0.5));
    }

    public Linear OutProjection => _outProj;

    /// <summary>Sets weights as open_clip initialises them: normal input projections, normal output projection, zero biases.</summary>
    public void InitialiseWeights(double inputStd, double outputStd)
    {
        using var _ = no_grad();
        foreach (var p in new[] { _inProjWeight, _qProjWeight, _kProjWeight, _vProjWeight })
        {
            if (p is not null) nn.init.normal_(p, 0, inputStd);
        }
        _inProjBias.zero_();
        nn.init.normal_(_outProj.weight!, 0, outputStd);
        _outProj.bias!.zero_();
    }

    /// <summary>Projects the query side to [B, heads, Lq, headDim].</summary>
    public Tensor ProjectQuery(Tensor query) =>
        SplitHeads(F.linear(query, QueryWeight, _inProjBias.narrow(0, 0, _width)));

    /// <summary>Projects keys and values to [B, heads, Lk, headDim] each, so callers can cache them across decoding steps.</summary>
    public (Tensor Keys, Tensor Values) ProjectKeysValues(Tensor key, Tensor value)
    {
        var k = F.linear(key, KeyWeight, _inProjBias.narrow(0, _width, _width));
        var v = F.linear(value, ValueWeight, _inProjBias.narrow(0, 2 * _width, _width));
        return (SplitHeads(k), SplitHeads(v));
    }

    /// <summary>Self-attention with one packed projection: three matmuls become one.</summary>
    public Tensor SelfAttention(Tensor x, Tensor? mask)
    {
        if (_inProjWeight is null) return Forward(x, x, x, mask);
        var qkv = F.linear(x, _inProjWeight, _inProjBias).chunk(3, dim: -1);
        return Attend(SplitHeads(qkv[0]), SplitHeads(qkv[1]), SplitHeads(qkv[2]), mask);
    }

    public Tensor Forward(Tensor query, Tensor key, Tensor value, Tensor? mask)
    {
        var (k, v) = ProjectKeysValues(key, value);
        return Attend(ProjectQuery(query), k, v, mask);
    }

    /// <summary>Attention over already projected heads, then the output projection; mask is additive, broadcast to [B, heads, Lq, Lk].</summary>
    public Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor? mask) =>
        Output(F.scaled_dot_product_attention(q, k, v, AttentionMasks.Matching(mask, q)));

    /// <summary>Heads attended elsewhere ([B, heads, L, headDim]) merged and through the output projection.</summary>
    public Tensor Output(Tensor attended)
    {
        var batch = attended.shape[0];
        var length = attended.shape[2];
        return _outProj.forward(attended.transpose(1, 2).reshape(batch, length, _width));
    }

    private Tensor QueryWeight => _inProjWeight?.narrow(0, 0, _width) ?? _qProjWeight!;
    private Tensor KeyWeight => _inProjWeight?.narrow(0, _width, _width) ?? _kProjWeight!;
    private Tensor ValueWeight => _inProjWeight?.narrow(0, 2 * _width, _width) ?? _vProjWeight!;

    private Tensor SplitHeads(Tensor x) =>
        x.view(x.shape[0], x.shape[1], _heads, _width / _heads).transpose(1, 2);
}
