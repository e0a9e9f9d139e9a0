using TorchSharp;
using TorchSharp.Modules;
using VideoCoca.Configuration;
using static TorchSharp.torch;

namespace VideoCoca.Modules;

/// <summary>What the text tower hands on: the contrastive embedding (projected, not normalised) and the per-token states.</summary>
public readonly record struct TextOutput(Tensor Pooled, Tensor Tokens);

/// <summary>
/// CoCa's unimodal text decoder (open_clip's <c>text.*</c>): causal, with a learned CLS embedding appended after the
/// text whose final state, layer-normed and projected, is the text embedding.
/// </summary>
public sealed class TextTower : nn.Module
{
    // Parts are registered by hand under open_clip's names; TorchSharp's reflection would add each again under its field name.
    protected override void RegisterComponents() { }

    private readonly TextConfig _config;
    private readonly Embedding _tokenEmbedding;
    private readonly Parameter _positionalEmbedding;
    private readonly Parameter _clsEmbedding;
    private readonly TransformerStack _transformer;
    private readonly LayerNorm _lnFinal;
    private readonly Parameter _textProjection;

    public TextTower(TextConfig config, int embedDim, WeightInitialisation initialisation = WeightInitialisation.Random) : base(nameof(TextTower))
    {
        _config = config;
        _tokenEmbedding = NewWeights.Embedding(config.VocabularySize, config.Width);
        _positionalEmbedding = NewWeights.Parameter(initialisation, () => randn(config.ContextLength + 1, config.Width) * 0.01, config.ContextLength + 1, config.Width);
        _clsEmbedding = NewWeights.Parameter(initialisation, () => randn(config.Width) * 0.01, config.Width);
        _transformer = new TransformerStack(config.Width, config.Layers, config.Heads, config.MlpRatio, initialisation);
        _lnFinal = NewWeights.LayerNorm(config.Width, ResidualAttentionBlock.LayerNormEps);
        _textProjection = NewWeights.Parameter(initialisation, () => randn(config.Width, embedDim) * Math.Pow(config.Width, -0.5), config.Width, embedDim);
        if (initialisation == WeightInitialisation.Random)
        {
            using (no_grad()) nn.init.normal_(_tokenEmbedding.weight!, 0, 0.02);
        }

        register_module("token_embedding", _tokenEmbedding);
        register_parameter("positional_embedding", _positionalEmbedding);
        register_parameter("cls_emb", _clsEmbedding);
        register_module("transformer", _transformer);
        register_module("ln_final", _lnFinal);
        register_parameter("text_projection", _textProjection);
    }

    public TransformerStack Transformer => _transformer;

    /// <param name="text">[B, L] token ids, L at most the context length.</param>
    public TextOutput Forward(Tensor text)
    {
        var length = text.shape[1];
        var x = _tokenEmbedding.forward(text);
        x = cat([x, _clsEmbedding.view(1, 1, -1).expand(x.shape[0], 1, -1)], 1);
        x = x.Plus(_positionalEmbedding.narrow(0, 0, length + 1));
        var mask = AttentionMasks.CausalWithClsPadding(text, _config.PadId, _config.LegacyClsMask);
        x = _transformer.Forward(x, mask);
        var pooled = _lnFinal.forward(x.select(1, length)).matmul(_textProjection);
        // The decoder reads the tokens as they leave the transformer, before ln_final, as open_clip does.
        return new TextOutput(pooled, x.narrow(1, 0, length));
    }

    /// <summary>
    /// Token states only, without the CLS: under the causal mask they equal <see cref="Forward"/>'s tokens, at less cost.
    /// </summary>
    public Tensor EncodeTokens(Tensor text)
    {
        var x = _tokenEmbedding.forward(text).Plus(_positionalEmbedding.narrow(0, 0, text.shape[1]));
        return _transformer.Forward(x, AttentionMasks.Causal(text.shape[1], text.device));
    }

    /// <summary>Token states for new positions, given each layer's cached keys and values for the earlier ones.</summary>
    public Tensor EncodeTokensCached(Tensor newTokens, long start, DecoderCache cache)
    {
        var count = newTokens.shape[1];
        var positions = cache.Positions(start, count) is { } perRow
            ? _positionalEmbedding.index_select(0, perRow.flatten()).view(newTokens.shape[0], count, -1)
            : _positionalEmbedding.narrow(0, start, count);
        var x = _tokenEmbedding.forward(newTokens).Plus(positions);
        return cache.RunSelfAttention(_transformer.Blocks, x, start, layerOffset: 0);
    }
}
