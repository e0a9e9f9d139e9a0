using System.Text.Json;
using VideoCoca.Inference;
using VideoCoca.World;
using VideoCoca.World.EditionTwo;

namespace VideoCoca.Cli.Demo;

/// <summary>
/// The demo's video in the world the model learnt, with what is true of each scene: its caption, the questions the
/// upload names (null: none, so the worker answers its model's own defaults), a question asked afterwards with each
/// clip's true answer, and a search query naming part of the first scene.
/// </summary>
public sealed record DemoVideo(
    string Path, int Seed, IReadOnlyList<string> Captions, IReadOnlyList<string>? UploadQuestions,
    string LaterQuestion, IReadOnlyList<string> LaterTruth, string SearchQuery)
{
    public const int Scenes = 3;

    /// <summary>A video of the world the model in <paramref name="modelFolder"/> learnt (its labels.json says which).</summary>
    public static async Task<DemoVideo> RenderAsync(string modelFolder, int seed, CancellationToken cancellationToken)
    {
        var folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"vcp-demo-{seed}");
        var labelsFile = System.IO.Path.Combine(modelFolder, "labels.json");
        var edition = File.Exists(labelsFile) ? LabelSet.FromJson(await File.ReadAllTextAsync(labelsFile, cancellationToken)).WorldEdition ?? 1 : 1;
        var options = new WorldSetOptions(1, seed, Scenes, ClipGeometry.Reference);
        var video = System.IO.Path.Combine(folder, "clip000.mp4");
        return edition == 2 ? await SecondWorldAsync(folder, video, options, cancellationToken) : await FirstWorldAsync(folder, video, options, cancellationToken);
    }

    /// <summary>
    /// One square a scene. The size question is left out of the upload and asked afterwards, so that the demo shows a
    /// question answered after the fact (by the workers, then stored with the clips) beside the ones asked at upload.
    /// </summary>
    private static async Task<DemoVideo> FirstWorldAsync(string folder, string video, WorldSetOptions options, CancellationToken cancellationToken)
    {
        await WorldSetGenerator.GenerateAsync(folder, options, cancellationToken: cancellationToken);
        var scenes = SceneLines(folder).Select(l => l.GetProperty("caption").GetString() ?? "").ToList();
        var sizes = scenes.Select(c => c.Split(' ')[1]).ToList();
        var words = scenes[0].Split(' ');
        return new DemoVideo(video, options.Seed, scenes,
            WorldVocabulary.Questions.Where(q => q != WorldVocabulary.SizeQuestion).ToList(),
            WorldVocabulary.SizeQuestion, sizes, $"{words[2]} {words[3]}");
    }

    /// <summary>
    /// One or two shapes a scene. The upload names no questions, so each clip is asked the model's defaults; afterwards
    /// the first scene's first object is asked about by name in every clip (a clip without it has no true answer).
    /// </summary>
    private static async Task<DemoVideo> SecondWorldAsync(string folder, string video, WorldSetOptions options, CancellationToken cancellationToken)
    {
        await Edition2SetGenerator.GenerateAsync(folder, options, Edition2Draw.Training, cancellationToken: cancellationToken);
        var scenes = SceneLines(folder).Select(l => l.GetProperty("label").Deserialize<Edition2Label>()!).ToList();
        var named = scenes[0].Objects[0];
        var question = Edition2Vocabulary.MotionQuestion(named.Color, named.Shape);
        var truth = scenes.Select(s => s.Qa.FirstOrDefault(q => q.Question == question)?.Answer ?? "(no such shape)").ToList();
        return new DemoVideo(video, options.Seed, scenes.Select(s => s.Caption).ToList(), null, question, truth, $"a {named.Color} {named.Shape}");
    }

    private static IEnumerable<JsonElement> SceneLines(string folder) =>
        File.ReadLines(System.IO.Path.Combine(folder, "scenes.jsonl")).Select(l => JsonDocument.Parse(l).RootElement);
}
