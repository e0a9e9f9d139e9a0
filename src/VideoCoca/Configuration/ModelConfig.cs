using System.Text.Json;
using System.Text.Json.Serialization;

namespace VideoCoca.Configuration;

/// <summary>How a frame's pixels become patch tokens.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<VisionStem>))]
public enum VisionStem
{
    /// <summary>open_clip's: one convolution over the three colour channels.</summary>
    [JsonStringEnumMemberName("rgb")] Rgb,
    /// <summary>
    /// Shape and colour apart: the convolution reads each pixel's value (its brightest channel), the same for an object
    /// of any pure colour, and each patch adds a projection of its mean colour, which holds no outline finer than a
    /// patch. A shape is then seen the same way in every colour, including colours it was never trained in.
    /// </summary>
    [JsonStringEnumMemberName("value-colour")] ValueColour,
}

/// <summary>How the T x N frame tokens of a clip become the poolers' outputs.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<VideoAdaptation>))]
public enum VideoAdaptation
{
    /// <summary>The VideoCoCa paper's choice: all T x N tokens go, flattened, into the same attentional poolers.</summary>
    [JsonStringEnumMemberName("attentional-pooler")] AttentionalPooler,
    /// <summary>The baseline: each frame is pooled on its own and the pooled outputs are averaged over frames.</summary>
    [JsonStringEnumMemberName("mean-pooling")] MeanPooling,
}

/// <summary>Where the learned per-frame embedding enters.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TemporalPlacement>))]
public enum TemporalPlacement
{
    /// <summary>Added to each frame's output tokens, just before the poolers.</summary>
    [JsonStringEnumMemberName("pooler-input")] PoolerInput,
    /// <summary>
    /// Added to each frame's patch tokens before the image encoder's blocks, so the encoder mixes time with position
    /// nonlinearly: a square's token then says where it is at which moment, and pooling keeps the direction.
    /// </summary>
    [JsonStringEnumMemberName("encoder-input")] EncoderInput,
}

/// <summary>How an image is brought to the model's input size.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ResizeMode>))]
public enum ResizeMode
{
    /// <summary>Resize to the input size without cropping (the shapes world: a crop could cut the square out).</summary>
    [JsonStringEnumMemberName("stretch")] Stretch,
    /// <summary>open_clip's preprocessing: bicubic resize of the short side, then a centre crop.</summary>
    [JsonStringEnumMemberName("short-side-centre-crop")] ShortSideCentreCrop,
}

public sealed record VisionConfig
{
    public int ImageHeight { get; init; } = 224;
    public int ImageWidth { get; init; } = 224;
    public int PatchSize { get; init; } = 32;
    public int Width { get; init; } = 768;
    public int Layers { get; init; } = 12;
    public int Heads { get; init; } = 12;
    public double MlpRatio { get; init; } = 4.0;
    public int PoolerQueries { get; init; } = 256;
    public int PoolerHeads { get; init; } = 8;
    /// <summary>The CoCa paper's cascade: a one-query contrastive pooler on top of the captioning pooler's outputs.</summary>
    public bool ContrastivePoolerCascade { get; init; }
    /// <summary>How pixels become patch tokens; open_clip's models are <see cref="VisionStem.Rgb"/>.</summary>
    public VisionStem Stem { get; init; } = VisionStem.Rgb;
    /// <summary>Start the positional embedding at 2-D sines and cosines of the patch's row and column (as MAE does) instead of noise.</summary>
    public bool SinCosPositionInit { get; init; }

    [JsonIgnore] public int GridHeight => ImageHeight / PatchSize;
    [JsonIgnore] public int GridWidth => ImageWidth / PatchSize;
    /// <summary>Patch tokens plus the class token.</summary>
    [JsonIgnore] public int TokensPerFrame => GridHeight * GridWidth + 1;
}

public sealed record TextConfig
{
    public int VocabularySize { get; init; } = 49408;
    public int ContextLength { get; init; } = 76;
    public int Width { get; init; } = 512;
    public int Heads { get; init; } = 8;
    public int Layers { get; init; } = 12;
    public double MlpRatio { get; init; } = 4.0;
    public int PadId { get; init; }
    /// <summary>
    /// open_clip builds the CLS token's padding mask shifted by one position; its weights were trained with that,
    /// so imported models must reproduce it. Models trained here use the plain mask.
    /// </summary>
    public bool LegacyClsMask { get; init; }
}

public sealed record MultimodalConfig
{
    public int Width { get; init; } = 512;
    public int Heads { get; init; } = 8;
    public int Layers { get; init; } = 12;
    public double MlpRatio { get; init; } = 4.0;
}

public sealed record VideoConfig
{
    public int Frames { get; init; } = 8;
    public VideoAdaptation Adaptation { get; init; } = VideoAdaptation.AttentionalPooler;
    /// <summary>A learned per-frame embedding added to every token of that frame before the poolers, zero at start.</summary>
    public bool TemporalEmbedding { get; init; }
    public TemporalPlacement TemporalPlacement { get; init; } = TemporalPlacement.PoolerInput;
    /// <summary>A learned per-frame, per-channel gain on every token of that frame before the poolers (tokens x (1 + g_t)), zero at start.</summary>
    public bool TemporalGain { get; init; }
    /// <summary>
    /// Each frame pooled on its own as well; the linear trend of those per-frame outputs over the clip, through a
    /// projection that starts at zero, is added to the pooled outputs.
    /// </summary>
    public bool TemporalTrend { get; init; }
}

public sealed record PreprocessConfig
{
    public ResizeMode Resize { get; init; } = ResizeMode.Stretch;
    public float[] Mean { get; init; } = [0.48145466f, 0.4578275f, 0.40821073f];
    public float[] Std { get; init; } = [0.26862954f, 0.26130258f, 0.27577711f];
}

public sealed record ModelConfig
{
    public string Name { get; init; } = "custom";
    public int EmbedDim { get; init; } = 512;
    public VisionConfig Vision { get; init; } = new();
    public TextConfig Text { get; init; } = new();
    public MultimodalConfig Multimodal { get; init; } = new();
    public VideoConfig Video { get; init; } = new();
    public PreprocessConfig Preprocess { get; init; } = new();

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static ModelConfig FromJson(string json) =>
        JsonSerializer.Deserialize<ModelConfig>(json, JsonOptions) ?? throw new InvalidDataException("model config is empty");

    /// <summary>Checks the sizes fit together, so that a bad configuration fails with a sentence, not a shape error deep in a forward pass.</summary>
    public void Validate()
    {
        void Require(bool condition, string message)
        {
            if (!condition) throw new InvalidDataException($"model config '{Name}': {message}");
        }
        Require(Vision.ImageHeight % Vision.PatchSize == 0 && Vision.ImageWidth % Vision.PatchSize == 0, "image size must be a multiple of the patch size");
        Require(Vision.Width % Vision.Heads == 0, "vision width must divide by its heads");
        Require(EmbedDim % Vision.PoolerHeads == 0, "embed_dim must divide by the pooler heads");
        Require(Vision.PoolerQueries >= 2 || Vision.ContrastivePoolerCascade, "the pooler needs a contrastive query and at least one captioning query");
        Require(Text.Width % Text.Heads == 0, "text width must divide by its heads");
        Require(Multimodal.Width % Multimodal.Heads == 0, "multimodal width must divide by its heads");
        Require(Multimodal.Width == Text.Width, "the multimodal decoder consumes the text tower's tokens, so their widths must match");
        Require(Multimodal.Width == EmbedDim, "the decoder cross-attends to pooled image tokens of embed_dim, so it must equal the multimodal width");
        Require(Video.Frames >= 1, "a clip needs at least one frame");
        Require(Preprocess.Mean.Length == 3 && Preprocess.Std.Length == 3, "mean and std need three channels");
    }
}
