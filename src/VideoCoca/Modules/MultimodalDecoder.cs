using TorchSharp;
using TorchSharp.Modules;
using VideoCoca.Configuration;
using static TorchSharp.torch;

namespace VideoCoca.Modules;

/// <summary>
/// CoCa's multimodal decoder (open_clip's <c>text_decoder.*</c>): per layer a causal self-attention block
/// (<c>resblocks.N</c>) then a cross-attention block over the image tokens (<c>cross_attn.N</c>); ln_final; projection
/// to the vocabulary.
/// </summary>
public sealed class MultimodalDecoder : nn.Module
{
    // Parts are registered by hand under open_clip's names; TorchSharp's reflection would add each again under its field name.
    protected override void RegisterComponents() { }

    private readonly ModuleList<ResidualAttentionBlock> _resblocks;
    private readonly ModuleList<ResidualAttentionBlock> _crossAttn;
    private readonly LayerNorm _lnFinal;
    private readonly Parameter _textProjection;

    public MultimodalDecoder(MultimodalConfig config, int vocabularySize, WeightInitialisation initialisation = WeightInitialisation.Random)
        : base(nameof(MultimodalDecoder))
    {
        _resblocks = new ModuleList<ResidualAttentionBlock>();
        _crossAttn = new ModuleList<ResidualAttentionBlock>();
        for (var i = 0; i < config.Layers; i++)
        {
            var self = new ResidualAttentionBlock(config.Width, config.Heads, config.MlpRatio, initialisation: initialisation);
            var cross = new ResidualAttentionBlock(config.Width, config.Heads, config.MlpRatio, isCrossAttention: true, initialisation);
            if (initialisation == WeightInitialisation.Random)
            {
                self.InitialiseWeights(config.Width, config.Layers);
                cross.InitialiseWeights(config.Width, config.Layers);
            }
            _resblocks.Add(self);
            _crossAttn.Add(cross);
        }
        _lnFinal = NewWeights.LayerNorm(config.Width, ResidualAttentionBlock.LayerNormEps);
        _textProjection = NewWeights.Parameter(initialisation, () => randn(config.Width, vocabularySize) * Math.Pow(config.Width, -0.5), config.Width, vocabularySize);
        register_module("resblocks", _resblocks);
        register_module("cross_attn", _crossAttn);
        register_module("ln_final", _lnFinal);
        register_parameter("text_projection", _textProjection);
    }

    public int Layers => _resblocks.Count;

    /// <param name="imageTokens">[B, Q, width]</param>
    /// <param name="textTokens">[B, L, width] from the text tower.</param>
    /// <returns>Logits [B, L, vocabulary].</returns>
    public Tensor Forward(Tensor imageTokens, Tensor textTokens)
    {
        var mask = AttentionMasks.Causal(textTokens.shape[1], textTokens.device);
        var x = textTokens;
        for (var i = 0; i < _resblocks.Count; i++)
        {
            x = _resblocks[i].SelfAttend(x, mask);
            x = _crossAttn[i].CrossAttend(x, imageTokens);
        }
        return _lnFinal.forward(x).matmul(_textProjection);
    }

    /// <summary>Projects each cross-attention layer's keys and values of the image tokens once per generation.</summary>
    public IReadOnlyList<(Tensor Keys, Tensor Values)> ProjectImageTokens(Tensor imageTokens) =>
        _crossAttn.Select(block => block.ProjectContext(imageTokens)).ToList();

    /// <summary>Logits for new positions only, reusing the cache for earlier ones.</summary>
    public Tensor ForwardCached(Tensor newTextTokens, long start, DecoderCache cache, int layerOffset)
    {
        var x = newTextTokens;
        for (var i = 0; i < _resblocks.Count; i++)
        {
            x = cache.RunSelfAttentionLayer(_resblocks[i], x, start, layerOffset + i);
            x = _crossAttn[i].CrossAttendCached(x, cache, i);
        }
        return _lnFinal.forward(x).matmul(_textProjection);
    }
}
