using System.CommandLine;
using VideoCoca.Checkpoints;
using VideoCoca.Cli.Console;
using VideoCoca.Cli.Platform;
using VideoCoca.Inference;
using VideoCoca.Media;
using VideoCoca.Cli.Demo;
using VideoCoca.World;

namespace VideoCoca.Cli.Commands;

/// <summary>The README's first command: a three-scene world video in, a caption, label and answers per clip out.</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model")
        {
            Description = "model folder (default: VCP_MODEL, the one the platform's worker runs, else the shipped model)",
            DefaultValueFactory = _ => new DirectoryInfo(Environment.GetEnvironmentVariable("VCP_MODEL") ?? DefaultModel()),
        };
        var seed = new Option<int?>("--seed") { Description = "seed of the demo video (default: a new one each run)" };
        var offline = new Option<bool>("--offline") { Description = "run the model in this process instead of through the platform's services" };
        var command = new Command("demo", "bring the platform up, upload a three-scene world video, print each 4-second clip's caption, label and answers, then ask a question and search the catalogue") { model, seed, offline };
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            var modelFolder = parse.GetValue(model)!.FullName;
            // The video shows the world the model learnt, so that its truth can be printed beside what the model says.
            var demo = await DemoVideo.RenderAsync(modelFolder, parse.GetValue(seed) ?? Random.Shared.Next(1, 100000), cancellationToken);
            System.Console.WriteLine($"demo video: {demo.Path} ({DemoVideo.Scenes} scenes of 4 s, seed {demo.Seed})");
            if (!parse.GetValue(offline))
            {
                await PlatformCommands.RunPlatformScript("up", cancellationToken);
                using var client = new GatewayClient(GatewayClient.DefaultAddress);
                await ActiveModelCheck.RequireActiveWorkerAsync(client, TimeSpan.FromMinutes(2), cancellationToken);
                var id = await client.UploadAsync(demo.Path, new GatewayClient.UploadOptions(ClipGeometry.Reference.Duration, 0, null, demo.UploadQuestions ?? []), cancellationToken);
                System.Console.WriteLine($"uploaded as video {id}");
                var status = await PlatformCommands.WaitAsync(client, id, cancellationToken);
                System.Console.WriteLine($"{status.State}: {status.Progress.Done}/{status.Progress.Total} clips{(status.Error is null ? "" : $" ({status.Error})")}");
                var results = (await client.GetClipsAsync(id, cancellationToken)).OrderBy(c => c.Index).ToList();
                for (var i = 0; i < results.Count; i++)
                {
                    System.Console.WriteLine();
                    PlatformCommands.PrintClips([results[i]]);
                    if (i < demo.Captions.Count) System.Console.WriteLine($"  truth:  {demo.Captions[i]}");
                }
                if (status.State != Contracts.Api.VideoState.Failed)
                {
                    await AskAsync(client, id, demo, cancellationToken);
                    await SearchAsync(client, id, demo.SearchQuery, cancellationToken);
                }
                System.Console.WriteLine();
                System.Console.WriteLine("the platform keeps running (./vcp down stops it); the API is at " + GatewayClient.DefaultAddress);
                // The key the local stack made for itself is what a first visitor of the web interface signs in with.
                System.Console.WriteLine($"web interface: {new Uri(GatewayClient.DefaultAddress, "/ui")} (sign in with the key in {LocalApiKey.FilePath()})");
                return status.State == Contracts.Api.VideoState.Failed ? CommandRunner.Failure : 0;
            }

            var loaded = ModelCheckpoint.Load(modelFolder);
            var loader = new ClipLoader(loaded.Model.Config);
            var clips = await loader.LoadAsync(demo.Path, ClipGeometry.Reference.Duration, cancellationToken: cancellationToken);
            var predictor = new VideoCocaPredictor(loaded);
            var predictions = predictor.Predict(loader.ToBatch(clips), demo.UploadQuestions ?? loaded.Labels.Questions);
            for (var i = 0; i < clips.Count; i++)
            {
                var p = predictions[i];
                System.Console.WriteLine();
                System.Console.WriteLine($"{ModelCommands.Timecode(clips[i].Start)}-{ModelCommands.Timecode(clips[i].End)}  {p.Caption}");
                System.Console.WriteLine($"  labels: {PlatformCommands.Labels(p.Labels.Select(l => (l.Label, (double)l.Confidence)))}");
                foreach (var qa in p.Answers) System.Console.WriteLine($"  {qa.Question} {qa.Answer}");
                if (i < demo.Captions.Count) System.Console.WriteLine($"  truth:  {demo.Captions[i]}");
            }
            return 0;
        });
        return command;
    }

    /// <summary>The question the upload left out, asked of every clip now; each answer beside the scene's true one.</summary>
    private static async Task AskAsync(GatewayClient client, Guid id, DemoVideo demo, CancellationToken cancellationToken)
    {
        var (_, asked) = await client.AskAsync(id, demo.LaterQuestion, [], cancellationToken);
        System.Console.WriteLine();
        System.Console.WriteLine($"ask: {asked.Question}");
        foreach (var answer in asked.Answers.OrderBy(a => a.ClipIndex))
        {
            var truth = answer.ClipIndex < demo.LaterTruth.Count ? demo.LaterTruth[answer.ClipIndex] : "?";
            System.Console.WriteLine($"  {ModelCommands.Timecode(answer.StartSeconds)}-{ModelCommands.Timecode(answer.EndSeconds)}  {answer.Answer ?? $"(no answer: {answer.Error})"}   truth: {truth}");
        }
    }

    /// <summary>Part of the first scene searched over the whole catalogue: this video's clips and any uploaded before.</summary>
    private static async Task SearchAsync(GatewayClient client, Guid id, string query, CancellationToken cancellationToken)
    {
        var (_, found) = await client.SearchAsync(new GatewayClient.SearchRequest(query, null, [], null, null, 5, false), cancellationToken);
        System.Console.WriteLine();
        System.Console.WriteLine($"search: \"{query}\" ({found.Mode}, top {found.Items.Count} of the catalogue)");
        foreach (var item in found.Items)
        {
            var where = item.VideoId == id ? "this video" : $"video {item.VideoId.ToString()[..8]}";
            System.Console.WriteLine($"  {item.Score:0.0000}  {where}, {ModelCommands.Timecode(item.StartSeconds)}-{ModelCommands.Timecode(item.EndSeconds)}  {item.Caption}");
        }
    }

    /// <summary>The shipped default model, models/world-v2, beside the vcp script, wherever the command is run from.</summary>
    internal static string DefaultModel()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "models", "world-v2");
            if (Directory.Exists(candidate)) return candidate;
        }
        return Path.Combine("models", "world-v2");
    }
}
