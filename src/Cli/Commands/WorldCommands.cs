using System.CommandLine;
using VideoCoca.Cli.Console;
using VideoCoca.World;

namespace VideoCoca.Cli.Commands;

public static class WorldCommands
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "folder for the clips and labels.jsonl", Required = true };
        var count = new Option<int>("--count") { Description = "number of videos", DefaultValueFactory = _ => 10 };
        var seed = new Option<int>("--seed") { Description = "random seed", DefaultValueFactory = _ => 1 };
        var scenes = new Option<int>("--scenes") { Description = "scenes joined end to end in each video", DefaultValueFactory = _ => 1 };
        var width = new Option<int>("--width") { DefaultValueFactory = _ => ClipGeometry.Reference.Width };
        var height = new Option<int>("--height") { DefaultValueFactory = _ => ClipGeometry.Reference.Height };
        var duration = new Option<double>("--duration") { Description = "seconds per scene", DefaultValueFactory = _ => ClipGeometry.Reference.Duration };
        var generate = new Command("generate", "render shapes-world videos as H.264 mp4 with a labels.jsonl (shared/world.md's layout)")
        {
            output, count, seed, scenes, width, height, duration,
        };
        generate.SetGuardedAction(async (parse, cancellationToken) =>
        {
            var geometry = new ClipGeometry(parse.GetValue(width), parse.GetValue(height), parse.GetValue(duration));
            var options = new WorldSetOptions(parse.GetValue(count), parse.GetValue(seed), parse.GetValue(scenes), geometry);
            var folder = parse.GetValue(output)!.FullName;
            var written = await CommandRunner.WithProgressAsync("rendering", report =>
                WorldSetGenerator.GenerateAsync(folder, options, (done, total) => report(done, total, ""), cancellationToken));
            System.Console.WriteLine($"wrote {written} videos and {LabelledSet.LabelsFile} to {folder}");
            return 0;
        });
        return new Command("world", "the shapes world: the task every model here is trained and judged on") { generate };
    }
}
