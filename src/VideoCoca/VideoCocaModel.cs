using TorchSharp;
using TorchSharp.Modules;
using VideoCoca.Configuration;
using VideoCoca.Modules;
using static TorchSharp.torch;

namespace VideoCoca;

/// <summary>
/// VideoCoCa: CoCa (image encoder, attentional poolers, unimodal text decoder, multimodal decoder) with clips of T
/// frames as its input. Parameter names follow open_clip's CoCa state dict.
/// </summary>
public sealed class VideoCocaModel : nn.Module
{
    // Parts are registered by hand under open_clip's names; TorchSharp's reflection would add each again under its field name.
    protected override void RegisterComponents() { }

    /// <summary>CLIP's temperature at start: logits scaled by 1/0.07.</summary>
    public static readonly double InitialLogitScale = Math.Log(1 / 0.07);
    public const double MaxLogitScale = 100;

    // Held for the life of the process: an implicit Scalar can be finalized while clamp_max reads it (TensorLifetimes).
    private static readonly Scalar MaxLogitScaleBound = MaxLogitScale;

    /// <param name="initialisation">
    /// <see cref="WeightInitialisation.None"/> for a model whose weights a checkpoint fills next (<see cref="Checkpoints.ModelCheckpoint.Load"/>):
    /// until then they are whatever the memory held.
    /// </param>
    public VideoCocaModel(ModelConfig config, WeightInitialisation initialisation = WeightInitialisation.Random) : base(nameof(VideoCocaModel))
    {
        // Building draws and converts temporaries; the scope holds them until the model is made (TensorLifetimes).
        using var scope = NewDisposeScope();
        config.Validate();
        Config = config;
        WeightType = NewWeights.Type ?? get_default_dtype();
        Visual = new VisionTower(config, initialisation);
        Text = new TextTower(config.Text, config.EmbedDim, initialisation);
        TextDecoder = new MultimodalDecoder(config.Multimodal, config.Text.VocabularySize, initialisation);
        LogitScale = NewWeights.Parameter(tensor((float)InitialLogitScale));
        register_module("visual", Visual);
        register_module("text", Text);
        register_module("text_decoder", TextDecoder);
        register_parameter("logit_scale", LogitScale);
        TensorLifetimes.KeepModuleTensors(scope, this);
    }

    public ModelConfig Config { get; }

    /// <summary>The number format of the weights (float32 unless loaded otherwise: <see cref="Checkpoints.ModelCheckpoint.Load"/>).</summary>
    public ScalarType WeightType { get; }
    public VisionTower Visual { get; }
    public TextTower Text { get; }
    public MultimodalDecoder TextDecoder { get; }
    public Parameter LogitScale { get; }

    /// <summary>Temperature actually applied to the contrastive logits (exp of the learned log-scale, clamped as CLIP does).</summary>
    public Tensor ContrastiveScale()
    {
        using var scope = NewDisposeScope();
        return LogitScale.exp().clamp_max(MaxLogitScaleBound).MoveToOuterDisposeScope();
    }

    /// <param name="frames">[B, T, 3, H, W] normalised frames (T = 1 for images).</param>
    public VisualOutput EncodeVideo(Tensor frames)
    {
        using var scope = NewDisposeScope();
        var output = Visual.Forward(frames);
        scope.MoveToOuter(output.Pooled, output.Tokens);
        // The caller's input may be a temporary: held until the pass has read it (TensorLifetimes).
        GC.KeepAlive(frames);
        return output;
    }

    public TextOutput EncodeText(Tensor text)
    {
        using var scope = NewDisposeScope();
        var output = Text.Forward(text);
        scope.MoveToOuter(output.Pooled, output.Tokens);
        GC.KeepAlive(text);
        return output;
    }

    /// <summary>Next-token logits for every position of <paramref name="text"/>, given the clip's captioning tokens.</summary>
    public Tensor CaptionLogits(Tensor imageTokens, Tensor text)
    {
        using var scope = NewDisposeScope();
        var logits = TextDecoder.Forward(imageTokens, Text.EncodeTokens(text)).MoveToOuterDisposeScope();
        GC.KeepAlive(imageTokens);
        GC.KeepAlive(text);
        return logits;
    }

    /// <summary>Named parameters in a stable order (the state dict's).</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> NamedParameters() =>
        named_parameters().Select(p => (p.name, p.parameter)).ToList();
}
