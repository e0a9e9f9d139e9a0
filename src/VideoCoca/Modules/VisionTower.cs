using TorchSharp;
using TorchSharp.Modules;
using VideoCoca.Configuration;
using static TorchSharp.torch;

namespace VideoCoca.Modules;

/// <summary>What the vision side hands on: the contrastive embedding (projected, not yet normalised) and the captioning tokens.</summary>
public readonly record struct VisualOutput(Tensor Pooled, Tensor Tokens);

/// <summary>
/// The ViT image encoder with CoCa's attentional pooler, under open_clip's names (<c>visual.*</c>), adapted to video:
/// the frames of a clip go through the encoder one by one and their tokens meet in the poolers.
/// </summary>
public sealed class VisionTower : nn.Module
{
    // Parts are registered by hand under open_clip's names; TorchSharp's reflection would add each again under its field name.
    protected override void RegisterComponents() { }

    private readonly ModelConfig _config;
    private readonly Conv2d _conv1;
    private readonly Linear? _colourProjection;
    private readonly Parameter _classEmbedding;
    private readonly Parameter _positionalEmbedding;
    private readonly LayerNorm _lnPre;
    private readonly TransformerStack _transformer;
    private readonly AttentionalPooler _attnPool;
    private readonly AttentionalPooler? _attnPoolContrastive;
    private readonly LayerNorm _lnPost;
    private readonly Parameter _proj;
    private readonly Parameter? _temporalEmbedding;
    private readonly Parameter? _temporalGain;
    private readonly Linear? _temporalTrendProjection;

    public VisionTower(ModelConfig config, WeightInitialisation initialisation = WeightInitialisation.Random) : base(nameof(VisionTower))
    {
        _config = config;
        var v = config.Vision;
        var scale = Math.Pow(v.Width, -0.5);
        _conv1 = NewWeights.Conv2d(v.Stem == VisionStem.ValueColour ? 1 : 3, v.Width, v.PatchSize, v.PatchSize, initialisation);
        if (v.Stem == VisionStem.ValueColour) _colourProjection = NewWeights.Linear(3, v.Width, initialisation);
        _classEmbedding = NewWeights.Parameter(initialisation, () => randn(v.Width) * scale, v.Width);
        _positionalEmbedding = NewWeights.Parameter(initialisation,
            () => v.SinCosPositionInit ? SinCosPositions(v) : randn(v.TokensPerFrame, v.Width) * scale, v.TokensPerFrame, v.Width);
        _lnPre = NewWeights.LayerNorm(v.Width, ResidualAttentionBlock.LayerNormEps);
        _transformer = new TransformerStack(v.Width, v.Layers, v.Heads, v.MlpRatio, initialisation);
        _attnPool = new AttentionalPooler(config.EmbedDim, v.Width, v.PoolerHeads, v.PoolerQueries, initialisation);
        _lnPost = NewWeights.LayerNorm(config.EmbedDim, ResidualAttentionBlock.LayerNormEps);
        _proj = NewWeights.Parameter(initialisation, () => randn(config.EmbedDim, config.EmbedDim) * Math.Pow(config.EmbedDim, -0.5), config.EmbedDim, config.EmbedDim);

        register_parameter("class_embedding", _classEmbedding);
        register_parameter("positional_embedding", _positionalEmbedding);
        register_module("conv1", _conv1);
        if (_colourProjection is not null) register_module("colour_proj", _colourProjection);
        register_module("ln_pre", _lnPre);
        register_module("transformer", _transformer);
        register_module("attn_pool", _attnPool);
        if (v.ContrastivePoolerCascade)
        {
            _attnPoolContrastive = new AttentionalPooler(config.EmbedDim, config.EmbedDim, v.PoolerHeads, 1, initialisation);
            register_module("attn_pool_contrastive", _attnPoolContrastive);
        }
        register_module("ln_post", _lnPost);
        register_parameter("proj", _proj);
        if (config.Video.TemporalEmbedding)
        {
            // Zero at start: a model adapted from image weights sees exactly what it saw before, until training moves it.
            _temporalEmbedding = NewWeights.Parameter(zeros(config.Video.Frames, v.Width));
            register_parameter("temporal_embedding", _temporalEmbedding);
        }
        if (config.Video.TemporalGain)
        {
            // Zero at start for the same reason. An added embedding reaches the pooled output as a weighted sum of the
            // frames' embeddings, whatever the tokens hold, so it cannot tie "where" to "when"; a gain multiplies each
            // frame's tokens, and the pooled output gains a sum over frames of (gain at t) x (token at t): a weighted
            // contrast of the square's positions over time, linear in what is learned.
            _temporalGain = NewWeights.Parameter(zeros(config.Video.Frames, v.Width));
            register_parameter("temporal_gain", _temporalGain);
        }
        if (config.Video.TemporalTrend)
        {
            // Zero at start, so the adapted model answers as the image model did. The trend itself needs nothing learnt:
            // if a frame's pooled token carries where the square is, the trend over frames carries where it goes, and
            // the gradient on this projection is first-order in that from the first step.
            _temporalTrendProjection = nn.Linear(config.EmbedDim, config.EmbedDim, hasBias: false, dtype: NewWeights.Type);
            using (no_grad()) _temporalTrendProjection.weight!.zero_();
            register_module("temporal_trend_proj", _temporalTrendProjection);
        }
    }

    /// <summary>The per-frame encoder's parameters: what <c>lit</c> and <c>frozen</c> tuning hold still.</summary>
    public IEnumerable<Parameter> EncoderParameters() =>
        _conv1.parameters().Concat(_colourProjection?.parameters() ?? []).Concat([_classEmbedding, _positionalEmbedding]).Concat(_lnPre.parameters()).Concat(_transformer.parameters());

    /// <summary>Parameters that only the video adaptation adds (none for an image model).</summary>
    public IEnumerable<Parameter> AdaptationParameters() =>
        new[] { _temporalEmbedding, _temporalGain }.OfType<Parameter>().Concat(_temporalTrendProjection?.parameters() ?? []);

    /// <summary>The poolers and what only the video adaptation adds: what <c>frozen</c> tuning trains.</summary>
    public IEnumerable<Parameter> PoolerParameters()
    {
        var pooler = _attnPool.parameters();
        if (_attnPoolContrastive is not null) pooler = pooler.Concat(_attnPoolContrastive.parameters());
        return pooler.Concat(AdaptationParameters());
    }

    /// <param name="images">[N, 3, H, W], normalised.</param>
    private Tensor PatchTokens(Tensor images)
    {
        if (_colourProjection is null) return _conv1.forward(images);
        var p = _config.Preprocess;
        using var mean = tensor(p.Mean, dtype: images.dtype, device: images.device).view(1, 3, 1, 1);
        using var std = tensor(p.Std, dtype: images.dtype, device: images.device).view(1, 3, 1, 1);
        var pixels = images * std + mean;                                                 // [N, 3, H, W] in [0, 1]
        // Centred as the channels are, so that a black frame reads as it does to the RGB stem.
        var value = (pixels.amax([1], keepdim: true) - 0.5) / 0.5;                         // [N, 1, H, W]
        var patch = _config.Vision.PatchSize;
        var colour = (nn.functional.avg_pool2d(pixels, patch, patch) - 0.5) / 0.5;          // [N, 3, gh, gw]
        var tokens = _conv1.forward(value);                                              // [N, width, gh, gw]
        return tokens.Plus(_colourProjection.forward(colour.permute(0, 2, 3, 1)).permute(0, 3, 1, 2));
    }

    /// <summary>Per-frame tokens from the image encoder.</summary>
    /// <param name="frames">[B, T, 3, H, W], normalised.</param>
    /// <returns>[B, T, N+1, width]</returns>
    public Tensor EncodeFrames(Tensor frames)
    {
        var (batch, time) = (frames.shape[0], frames.shape[1]);
        var x = PatchTokens(frames.flatten(0, 1));                     // [B*T, width, gh, gw]
        x = x.flatten(2).transpose(1, 2);                              // [B*T, gh*gw, width]
        var cls = _classEmbedding.view(1, 1, -1).expand(x.shape[0], 1, -1);
        x = cat([cls, x], 1).Plus(_positionalEmbedding);
        if (_temporalEmbedding is not null && _config.Video.TemporalPlacement == TemporalPlacement.EncoderInput)
        {
            x = x.Plus(FrameEmbeddings(time).unsqueeze(0).expand(batch, -1, -1).reshape(batch * time, 1, -1));
        }
        x = _transformer.Forward(_lnPre.forward(x), mask: null);
        return x.view(batch, time, x.shape[1], x.shape[2]);
    }

    /// <summary>Pools the frame tokens of each clip, as the configured video adaptation says.</summary>
    /// <param name="frameTokens">[B, T, N+1, width] from <see cref="EncodeFrames"/>.</param>
    public VisualOutput Pool(Tensor frameTokens)
    {
        var (batch, time) = (frameTokens.shape[0], frameTokens.shape[1]);
        if (_temporalEmbedding is not null && _config.Video.TemporalPlacement == TemporalPlacement.PoolerInput)
        {
            frameTokens = frameTokens + FrameEmbeddings(time).view(1, time, 1, -1);
        }
        if (_temporalGain is not null)
        {
            frameTokens = frameTokens * (FrameGains(time) + 1).view(1, time, 1, -1);
        }
        if (_config.Video.Adaptation == VideoAdaptation.MeanPooling && time > 1)
        {
            var perFrame = PoolTokens(frameTokens.flatten(0, 1));
            return new VisualOutput(
                perFrame.Pooled.view(batch, time, -1).mean([1]),
                perFrame.Tokens.view(batch, time, perFrame.Tokens.shape[1], -1).mean([1]));
        }
        var trend = _temporalTrendProjection is not null && time > 1 ? TemporalTrend(frameTokens) : null;
        return PoolTokens(frameTokens.flatten(1, 2), trend);
    }

    public VisualOutput Forward(Tensor frames) => Pool(EncodeFrames(frames));

    /// <summary>Whether gradients must flow through the encoder even when its own weights are frozen.</summary>
    public bool TemporalEmbeddingInsideEncoder => _temporalEmbedding is not null && _config.Video.TemporalPlacement == TemporalPlacement.EncoderInput;

    private Tensor FrameEmbeddings(long time) => FirstFrames(_temporalEmbedding!, time, "temporal embedding");

    private Tensor FrameGains(long time) => FirstFrames(_temporalGain!, time, "temporal gain");

    /// <summary>The first <paramref name="time"/> rows of a per-frame parameter.</summary>
    private static Tensor FirstFrames(Parameter perFrame, long time, string name)
    {
        if (time > perFrame.shape[0])
            throw new ArgumentException($"clip has {time} frames but the {name} knows {perFrame.shape[0]}");
        return perFrame.narrow(0, 0, time);
    }

    /// <summary>[tokens, width]: the class token at zero, then per patch sines and cosines of its column (first half) and row (second half).</summary>
    private static Tensor SinCosPositions(VisionConfig v)
    {
        var quarter = v.Width / 4;
        var table = new float[v.TokensPerFrame * v.Width];
        for (var row = 0; row < v.GridHeight; row++)
        {
            for (var column = 0; column < v.GridWidth; column++)
            {
                var offset = (1 + row * v.GridWidth + column) * v.Width;
                for (var k = 0; k < quarter; k++)
                {
                    var frequency = Math.Pow(10000, -(double)k / quarter);
                    table[offset + k] = (float)Math.Sin(column * frequency);
                    table[offset + quarter + k] = (float)Math.Cos(column * frequency);
                    table[offset + 2 * quarter + k] = (float)Math.Sin(row * frequency);
                    table[offset + 3 * quarter + k] = (float)Math.Cos(row * frequency);
                }
            }
        }
        return tensor(table).view(v.TokensPerFrame, v.Width);
    }

    /// <summary>
    /// [B, queries, embed]: every frame pooled alone, weighted by its frame's place on a centred unit ramp over the clip
    /// and summed (the least-squares slope of each pooled output over time, up to scale), then projected.
    /// </summary>
    private Tensor TemporalTrend(Tensor frameTokens)
    {
        var (batch, time) = (frameTokens.shape[0], frameTokens.shape[1]);
        var perFrame = _attnPool.forward(frameTokens.flatten(0, 1));
        perFrame = perFrame.view(batch, time, perFrame.shape[1], perFrame.shape[2]);
        var ramp = arange(time, dtype: perFrame.dtype, device: perFrame.device) - (time - 1) / 2.0;
        ramp = ramp / ramp.norm();
        var slope = (perFrame * ramp.view(1, time, 1, 1)).sum(1);
        return _temporalTrendProjection!.forward(slope);
    }

    private VisualOutput PoolTokens(Tensor tokens, Tensor? trend = null)
    {
        var captioning = _attnPool.forward(tokens);
        if (trend is not null) captioning = captioning + trend;
        if (_attnPoolContrastive is not null)
        {
            var pooled = _lnPost.forward(_attnPoolContrastive.forward(captioning)).squeeze(1);
            return new VisualOutput(pooled.matmul(_proj), _lnPost.forward(captioning));
        }
        var normed = _lnPost.forward(captioning);
        var count = normed.shape[1];
        return new VisualOutput(normed.select(1, 0).matmul(_proj), normed.narrow(1, 1, count - 1));
    }
}
