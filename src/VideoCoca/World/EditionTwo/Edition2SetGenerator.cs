using System.Text.Json;

namespace VideoCoca.World.EditionTwo;

/// <summary>
/// Writes a second-edition labelled set: videos of one or more scenes, labels.jsonl (each video's first scene),
/// queries.jsonl (every query form's texts with the files that match them) and, for several scenes, scenes.jsonl.
/// </summary>
public static class Edition2SetGenerator
{
    public static void Validate(WorldSetOptions options)
    {
        options.Validate();
        var (w, h) = (options.Geometry.Width, options.Geometry.Height);
        if (Math.Min(w, h) < 96 || Math.Max(w, h) < 128) throw new UserInputException($"the second edition's frames are at least 128x96 (or 96x128), not {w}x{h}");
        // Two objects' centres start a large side apart: two small boxes at the frame's edges are as far apart as they get.
        var (small, large) = (Edition2Geometry.Side(options.Geometry, "small"), Edition2Geometry.LargeSide(options.Geometry));
        if (w < small + large)
            throw new UserInputException($"a {w}x{h} frame is too narrow for two objects a large side ({large} px) apart: the second edition needs a width of at least {small + large}");
    }

    public static async Task<int> GenerateAsync(string folder, WorldSetOptions options, Edition2Draw draw, Action<int, int>? progress = null, CancellationToken cancellationToken = default)
    {
        Validate(options);
        Directory.CreateDirectory(folder);
        var rng = new Random(options.Seed);
        var geometry = options.Geometry;
        var labels = new List<Edition2Label>();
        var sceneLines = new List<string>();
        for (var i = 0; i < options.Count; i++)
        {
            var scenes = Enumerable.Range(0, options.Scenes).Select(_ => Edition2Renderer.RandomScene(rng, geometry, draw)).ToList();
            var file = $"clip{i:D3}.mp4";
            await WorldVideoWriter.WriteAsync(Path.Combine(folder, file), scenes.Count, geometry,
                (scene, frame, rgb) => Edition2Renderer.RenderRgb24(scenes[scene], geometry, frame, rgb), cancellationToken);
            labels.Add(Edition2Label.Of(file, scenes[0], geometry));
            if (options.Scenes > 1)
                sceneLines.AddRange(scenes.Select((s, k) => JsonSerializer.Serialize(new
                {
                    file, scene = k, start = k * geometry.Duration, end = (k + 1) * geometry.Duration,
                    label = Edition2Label.Of(file, s, geometry),
                })));
            progress?.Invoke(i + 1, options.Count);
        }
        await File.WriteAllLinesAsync(Path.Combine(folder, LabelledSet.LabelsFile), labels.Select(l => JsonSerializer.Serialize(l)), cancellationToken);
        await File.WriteAllLinesAsync(Path.Combine(folder, Edition2LabelledSet.QueriesFile), QueryLines(labels), cancellationToken);
        if (sceneLines.Count > 0) await File.WriteAllLinesAsync(Path.Combine(folder, "scenes.jsonl"), sceneLines, cancellationToken);
        return labels.Count;
    }

    /// <summary>One line per query that at least one clip of the set matches.</summary>
    public static IEnumerable<string> QueryLines(IReadOnlyList<Edition2Label> labels) =>
        Edition2QueryLabel.Matching(labels).Select(q => JsonSerializer.Serialize(q));
}
