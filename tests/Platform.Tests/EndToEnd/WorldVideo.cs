using VideoCoca.World;

namespace VideoCoca.Platform.Tests.EndToEnd;

/// <summary>A rendered shapes-world video and the truth about each of its scenes (one scene per 4 s clip).</summary>
public sealed record WorldVideo(string Path, IReadOnlyList<WorldScene> Scenes)
{
    public static ClipGeometry Geometry => ClipGeometry.Reference;

    /// <summary>Renders <paramref name="scenes"/> random scenes drawn from <paramref name="seed"/>, as <c>./vcp world generate</c> draws them.</summary>
    public static async Task<WorldVideo> RenderAsync(string path, int seed, int scenes)
    {
        var rng = new Random(seed);
        var drawn = Enumerable.Range(0, scenes).Select(_ => WorldRenderer.RandomScene(rng, Geometry)).ToList();
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        await WorldVideoWriter.WriteAsync(path, drawn, Geometry);
        return new WorldVideo(path, drawn);
    }

    /// <summary>Where scene <paramref name="index"/> starts and ends in the video.</summary>
    public (double Start, double End) TimeRange(int index) => (index * Geometry.Duration, (index + 1) * Geometry.Duration);

    /// <summary>The right answers to the world's three questions about a scene, by question.</summary>
    public static IReadOnlyDictionary<string, string> Answers(WorldScene scene) =>
        WorldVocabulary.Questions.ToDictionary(q => q, q => WorldVocabulary.Answer(q, scene.Size, scene.Color, scene.Motion));
}
