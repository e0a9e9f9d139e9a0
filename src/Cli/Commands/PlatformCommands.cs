using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using VideoCoca.Cli.Console;
using VideoCoca.Cli.Platform;
using VideoCoca.Contracts.Api;

namespace VideoCoca.Cli.Commands;

/// <summary>The platform on this machine (up, down, status) and its HTTP API (upload, results).</summary>
public static class PlatformCommands
{
    public static IEnumerable<Command> Create() => [Script("up", "start PostgreSQL, RabbitMQ, the migrator, a silo, a worker and the gateway on this machine"),
        Script("down", "stop everything `up` started"), Script("status", "what is running"), Upload(), Results(), Retry()];

    private static Command Script(string verb, string description)
    {
        var command = new Command(verb, description);
        command.SetGuardedAction(async (_, cancellationToken) => await RunPlatformScript(verb, cancellationToken));
        return command;
    }

    public static async Task<int> RunPlatformScript(string verb, CancellationToken cancellationToken)
    {
        var script = Path.Combine(RepositoryRoot(), "scripts", "platform.sh");
        using var process = Process.Start(new ProcessStartInfo("bash", [script, verb]))!;
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0) throw new UserInputException($"platform {verb} failed (exit {process.ExitCode}); see the lines above and .vcp/logs");
        if (verb == "up")
        {
            // The gateway wants a key: the stack makes one for this machine's CLI (once; again if the database was made anew).
            await LocalApiKey.EnsureAsync(cancellationToken);
        }
        return 0;
    }

    private static readonly Option<Uri> GatewayOption = GatewayAddressOption.Create();
    private static readonly Option<bool> JsonOption = new("--json") { Description = "print JSON" };

    private static Command Upload()
    {
        var file = new Argument<FileInfo>("file") { Description = "video file" };
        var wait = new Option<bool>("--wait") { Description = "wait until the video is analysed, with a progress bar" };
        var length = new Option<double?>("--clip-length") { Description = "seconds per clip (default 4)" };
        var overlap = new Option<double?>("--overlap") { Description = "seconds of overlap between clips (default 0)" };
        var frames = new Option<int?>("--frames") { Description = "frames per clip (default 8)" };
        var questions = new Option<string[]>("--question") { Description = "a question to answer about every clip (repeatable)", AllowMultipleArgumentsPerToken = false };
        var command = new Command("upload", "upload a video to the gateway") { file, wait, length, overlap, frames, questions, GatewayOption, JsonOption };
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            using var client = new GatewayClient(parse.GetValue(GatewayOption)!);
            var options = new GatewayClient.UploadOptions(parse.GetValue(length), parse.GetValue(overlap), parse.GetValue(frames), parse.GetValue(questions) ?? []);
            var id = await client.UploadAsync(parse.GetValue(file)!.FullName, options, cancellationToken);
            if (!parse.GetValue(wait))
            {
                System.Console.WriteLine(parse.GetValue(JsonOption) ? JsonSerializer.Serialize(new { video_id = id }) : id.ToString());
                return 0;
            }
            var status = await WaitAsync(client, id, cancellationToken);
            if (parse.GetValue(JsonOption)) System.Console.WriteLine(JsonSerializer.Serialize(status));
            else
            {
                System.Console.WriteLine($"{id} {status.State}: {status.Progress.Done}/{status.Progress.Total} clips{(status.Error is null ? "" : $" ({status.Error})")}");
                foreach (var warning in status.Warnings) System.Console.WriteLine($"  warning: {warning}");
            }
            return status.State == VideoState.Failed ? CommandRunner.Failure : 0;
        });
        return command;
    }

    private static Command Retry()
    {
        var id = new Argument<Guid>("id") { Description = "video id" };
        var wait = new Option<bool>("--wait") { Description = "wait until the video is analysed again, with a progress bar" };
        var command = new Command("retry", "queue a finished video's failed clips again") { id, wait, GatewayOption, JsonOption };
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            using var client = new GatewayClient(parse.GetValue(GatewayOption)!);
            var videoId = parse.GetValue(id);
            var status = await client.RetryAsync(videoId, cancellationToken);
            if (parse.GetValue(wait)) status = await WaitAsync(client, videoId, cancellationToken);
            if (parse.GetValue(JsonOption)) System.Console.WriteLine(JsonSerializer.Serialize(status));
            else System.Console.WriteLine($"{videoId} {Wire(status.State)}: {status.Progress.Done}/{status.Progress.Total} clips{(status.Error is null ? "" : $" ({status.Error})")}");
            return status.State is VideoState.Failed or VideoState.CompletedWithErrors && parse.GetValue(wait) ? CommandRunner.Failure : 0;
        });
        return command;
    }

    private static string Wire(VideoState state) => JsonSerializer.Serialize(state).Trim('"');

    /// <summary>
    /// Follows the video's events stream until it is finished, showing clips done of total; polls the status instead
    /// if the stream breaks (an old gateway, a proxy that cuts long requests).
    /// </summary>
    public static async Task<VideoStatus> WaitAsync(GatewayClient client, Guid id, CancellationToken cancellationToken) =>
        await CommandRunner.WithProgressAsync("analysing", async report =>
        {
            var total = 1;
            var state = "";
            var finished = await client.FollowEventsAsync(id,
                status =>
                {
                    (total, state) = (Math.Max(1, status.Progress.Total), Wire(status.State));
                    report(status.Progress.Done, total, state);
                },
                progress =>
                {
                    total = Math.Max(1, progress.Total);
                    report(progress.Done, total, state);
                },
                cancellationToken);
            if (finished is not null) return finished;
            while (true)
            {
                var status = await client.GetStatusAsync(id, cancellationToken);
                report(status.Progress.Done, Math.Max(1, status.Progress.Total), Wire(status.State));
                if (GatewayClient.IsFinished(status.State)) return status;
                await Task.Delay(250, cancellationToken);
            }
        });

    private static Command Results()
    {
        var id = new Argument<Guid>("id") { Description = "video id" };
        var command = new Command("results", "print a video's clips: time range, caption, labels, answers") { id, GatewayOption, JsonOption };
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            using var client = new GatewayClient(parse.GetValue(GatewayOption)!);
            var clips = await client.GetClipsAsync(parse.GetValue(id), cancellationToken);
            if (parse.GetValue(JsonOption)) System.Console.WriteLine(JsonSerializer.Serialize(clips));
            else PrintClips(clips);
            return 0;
        });
        return command;
    }

    public static void PrintClips(IEnumerable<ClipResult> clips)
    {
        foreach (var clip in clips.OrderBy(c => c.Index))
        {
            System.Console.WriteLine($"{ModelCommands.Timecode(clip.StartSeconds)}-{ModelCommands.Timecode(clip.EndSeconds)}  {clip.Caption}");
            if (clip.Labels.Count > 0) System.Console.WriteLine($"  labels: {Labels(clip.Labels.Select(l => (l.Label, l.Confidence)))}");
            foreach (var qa in clip.Answers) System.Console.WriteLine($"  {qa.Question} {qa.Answer}");
        }
    }

    /// <summary>
    /// The top label, and the next ones while they keep at least a quarter of the confidence: a clip of two objects
    /// doing different things has two actions, and a model that sees both splits its confidence between them.
    /// </summary>
    public static string Labels(IEnumerable<(string Label, double Confidence)> labels)
    {
        var ranked = labels.OrderByDescending(l => l.Confidence).ToList();
        var shown = ranked.Take(1).Concat(ranked.Skip(1).TakeWhile(l => l.Confidence >= 0.25));
        return string.Join(", ", shown.Select(l => $"{l.Label} ({l.Confidence:0.00})"));
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VideoCocaPlatform.sln"))) return dir.FullName;
        }
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VideoCocaPlatform.sln"))) return dir.FullName;
        }
        throw new UserInputException("cannot find the repository (VideoCocaPlatform.sln) above the vcp build or the current folder");
    }
}
