using VideoCoca.Checkpoints;
using VideoCoca.Preprocessing;
using VideoCoca.World;
using static TorchSharp.torch;

namespace VideoCoca.Tests.Inference;

/// <summary>The shipped model and clips of its world drawn at the model's input size, for tests of what it predicts.</summary>
internal static class ShippedScenes
{
    public static string Folder => Path.Combine(TestPaths.RepositoryRoot, "models", "world-tiny");

    public static readonly Lazy<LoadedModel> Model = new(() => ModelCheckpoint.Load(Folder));

    /// <summary>Six scenes that differ pairwise in colour, size or motion, so every caption belongs to exactly one clip.</summary>
    public static IReadOnlyList<WorldScene> Scenes()
    {
        var rng = new Random(20261130);
        var geometry = ClipGeometry.Reference;
        var wanted = new (string Size, string Color, string Motion)[]
        {
            ("large", "red", "left"), ("small", "red", "left"), ("large", "blue", "right"),
            ("large", "green", "up"), ("small", "yellow", "down"), ("large", "white", "still"),
        };
        return wanted.Select(w =>
        {
            WorldScene scene;
            do scene = WorldRenderer.RandomScene(rng, geometry, w.Motion);
            while (scene.Size != w.Size || scene.Color != w.Color);
            return scene;
        }).ToList();
    }

    public static Tensor Frames(LoadedModel loaded, IReadOnlyList<WorldScene> scenes)
    {
        var config = loaded.Model.Config;
        var (frames, height, width) = (config.Video.Frames, config.Vision.ImageHeight, config.Vision.ImageWidth);
        var geometry = ClipGeometry.Reference;
        var frameFloats = 3 * height * width;
        var pixels = new float[scenes.Count * frames * frameFloats];
        var indices = ClipGeometry.SampleIndices(geometry.FrameCount, frames);
        for (var s = 0; s < scenes.Count; s++)
        for (var f = 0; f < frames; f++)
        {
            WorldRenderer.RenderScaled(scenes[s], geometry, (double)indices[f] / geometry.FramesPerSecond, width, height,
                pixels.AsSpan((s * frames + f) * frameFloats, frameFloats));
        }
        return new FrameNormalizer(config.Preprocess).Normalize(pixels, scenes.Count, frames, height, width);
    }
}
