namespace VideoCoca.Configuration;

/// <summary>The named model sizes: open_clip's CoCa shapes and a tiny one that trains on two CPU cores.</summary>
public static class ModelSizes
{
    public const string Tiny = "tiny";
    public const string TinyTwo = "tiny-2";
    public const string CocaViTB32 = "coca_ViT-B-32";
    public const string CocaViTL14 = "coca_ViT-L-14";

    public static IReadOnlyList<string> Names { get; } = [Tiny, TinyTwo, CocaViTB32, CocaViTL14];

    public static ModelConfig Get(string name) => name switch
    {
        Tiny => TinyConfig(),
        TinyTwo => TinyTwoConfig(),
        CocaViTB32 => OpenClip(name, embedDim: 512, patch: 32, visionWidth: 768, visionLayers: 12, visionHeads: 12, textWidth: 512, textHeads: 8),
        CocaViTL14 => OpenClip(name, embedDim: 768, patch: 14, visionWidth: 1024, visionLayers: 24, visionHeads: 16, textWidth: 768, textHeads: 12),
        _ => throw new ArgumentException($"unknown model size '{name}' (known: {string.Join(", ", Names)})"),
    };

    // 64x48 keeps the world's 4:3 frame whole; 8-pixel patches give 48 patches a frame, and a small square
    // (a sixth of a patch row) still covers most of one patch.
    private static ModelConfig TinyConfig() => new()
    {
        Name = Tiny,
        EmbedDim = 64,
        Vision = new VisionConfig
        {
            ImageHeight = 48, ImageWidth = 64, PatchSize = 8, Width = 96, Layers = 3, Heads = 4,
            PoolerQueries = 16, PoolerHeads = 4,
            // Stage one never asks where the square is, so a noise-initialised position code stays noise; smooth codes
            // let a pooled token's position, and later its change over a clip, be read out linearly.
            SinCosPositionInit = true,
        },
        Text = new TextConfig { VocabularySize = 64, ContextLength = 16, Width = 64, Heads = 4, Layers = 2 },
        Multimodal = new MultimodalConfig { Width = 64, Heads = 4, Layers = 2 },
        // Image CoCa has no temporal embedding; stage two adds one (starting at zero) with --temporal-embedding.
        Video = new VideoConfig { Frames = 8, Adaptation = VideoAdaptation.AttentionalPooler, TemporalEmbedding = false },
        Preprocess = new PreprocessConfig { Resize = ResizeMode.Stretch, Mean = [0.5f, 0.5f, 0.5f], Std = [0.5f, 0.5f, 0.5f] },
    };

    // The second world (shared/world-v2.md) asks which of three shapes an object is, and its small objects are a fifth
    // of the frame's height: at 96x72 a small one still spans about 14 pixels, two 8-pixel patches. Its motions are
    // linear, so four frames show them as well as eight, at half the encoder's cost.
    private static ModelConfig TinyTwoConfig()
    {
        var tiny = TinyConfig();
        return tiny with
        {
            Name = TinyTwo,
            Vision = tiny.Vision with { ImageHeight = 72, ImageWidth = 96 },
            Video = tiny.Video with { Frames = 4 },
        };
    }

    private static ModelConfig OpenClip(string name, int embedDim, int patch, int visionWidth, int visionLayers, int visionHeads, int textWidth, int textHeads) => new()
    {
        Name = name,
        EmbedDim = embedDim,
        Vision = new VisionConfig
        {
            ImageHeight = 224, ImageWidth = 224, PatchSize = patch, Width = visionWidth, Layers = visionLayers, Heads = visionHeads,
            PoolerQueries = 256, PoolerHeads = 8,
        },
        Text = new TextConfig { VocabularySize = 49408, ContextLength = 76, Width = textWidth, Heads = textHeads, Layers = 12, LegacyClsMask = true },
        Multimodal = new MultimodalConfig { Width = textWidth, Heads = textHeads, Layers = 12 },
        Video = new VideoConfig { Frames = 8, Adaptation = VideoAdaptation.AttentionalPooler, TemporalEmbedding = false },
        Preprocess = new PreprocessConfig { Resize = ResizeMode.ShortSideCentreCrop },
    };
}
