using System.CommandLine;
using VideoCoca.Cli.Console;
using VideoCoca.World;
using VideoCoca.World.EditionTwo;

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
        var edition = new Option<int>("--edition") { Description = "1: one square (shared/world.md); 2: one or two squares, circles or triangles, with queries.jsonl (shared/world-v2.md)", DefaultValueFactory = _ => 1 };
        var withheld = new Option<bool>("--withheld") { Description = "edition 2: every clip shows a combination no training set does (a held-out set of them)" };
        var generate = new Command("generate", "render shapes-world videos as H.264 mp4 with a labels.jsonl (shared/world.md's or world-v2.md's layout)")
        {
            output, count, seed, scenes, width, height, duration, edition, withheld,
        };
        generate.SetGuardedAction(async (parse, cancellationToken) =>
        {
            var chosen = parse.GetValue(edition);
            if (chosen is not (1 or 2)) throw new UserInputException($"--edition must be 1 or 2, not {chosen}");
            if (chosen == 1 && parse.GetValue(withheld)) throw new UserInputException("--withheld needs --edition 2: the first edition withholds no combinations");
            var geometry = new ClipGeometry(parse.GetValue(width), parse.GetValue(height), parse.GetValue(duration));
            var options = new WorldSetOptions(parse.GetValue(count), parse.GetValue(seed), parse.GetValue(scenes), geometry);
            // Refused before the progress display starts, so that bad options are the one line on stderr.
            if (chosen == 2) Edition2SetGenerator.Validate(options);
            else options.Validate();
            var folder = parse.GetValue(output)!.FullName;
            var draw = parse.GetValue(withheld) ? Edition2Draw.Withheld : Edition2Draw.Training;
            var written = await CommandRunner.WithProgressAsync("rendering", report => chosen == 2
                ? Edition2SetGenerator.GenerateAsync(folder, options, draw, (done, total) => report(done, total, ""), cancellationToken)
                : WorldSetGenerator.GenerateAsync(folder, options, (done, total) => report(done, total, ""), cancellationToken));
            var files = chosen == 2 ? $"{LabelledSet.LabelsFile} and {Edition2LabelledSet.QueriesFile}" : LabelledSet.LabelsFile;
            System.Console.WriteLine($"wrote {written} videos and {files} to {folder}");
            return 0;
        });
        return new Command("world", "the shapes world: the task every model here is trained and judged on") { generate };
    }
}
