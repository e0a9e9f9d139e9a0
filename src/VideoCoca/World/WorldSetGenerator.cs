namespace VideoCoca.World;

public sealed record WorldSetOptions(int Count, int Seed, int Scenes, ClipGeometry Geometry)
{
    public void Validate()
    {
        if (Count < 1) throw new UserInputException("--count must be at least 1");
        if (Scenes < 1) throw new UserInputException("--scenes must be at least 1");
        if (Geometry.Width < 64 || Geometry.Height < 48) throw new UserInputException("frames must be at least 64x48");
        if (Geometry.Width % 2 != 0 || Geometry.Height % 2 != 0) throw new UserInputException("H.264 yuv420p needs an even width and height");
        if (Geometry.Duration < 2 || Geometry.Duration > 8) throw new UserInputException("a scene lasts 2 to 8 seconds");
    }
}

/// <summary>Writes a labelled set: videos of one or more scenes, and a labels.jsonl line per video (its first scene's labels when there are several).</summary>
public static class WorldSetGenerator
{
    public static async Task<int> GenerateAsync(string folder, WorldSetOptions options, Action<int, int>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        Directory.CreateDirectory(folder);
        var rng = new Random(options.Seed);
        var labels = new List<WorldLabel>();
        var sceneLabels = new List<string>();
        for (var i = 0; i < options.Count; i++)
        {
            var scenes = Enumerable.Range(0, options.Scenes).Select(_ => WorldRenderer.RandomScene(rng, options.Geometry)).ToList();
            var file = $"clip{i:D3}.mp4";
            await WorldVideoWriter.WriteAsync(Path.Combine(folder, file), scenes, options.Geometry, cancellationToken);
            var first = scenes[0];
            labels.Add(new WorldLabel(file, first.Caption, first.Color, first.Size, first.Motion, first.Action));
            if (options.Scenes > 1)
            {
                sceneLabels.AddRange(scenes.Select((s, k) => System.Text.Json.JsonSerializer.Serialize(new
                {
                    file, scene = k, start = k * options.Geometry.Duration, end = (k + 1) * options.Geometry.Duration,
                    caption = s.Caption, color = s.Color, size = s.Size, motion = s.Motion, action = s.Action,
                })));
            }
            progress?.Invoke(i + 1, options.Count);
        }
        LabelledSet.Write(folder, labels);
        if (sceneLabels.Count > 0) await File.WriteAllLinesAsync(Path.Combine(folder, "scenes.jsonl"), sceneLabels, cancellationToken);
        return labels.Count;
    }
}
