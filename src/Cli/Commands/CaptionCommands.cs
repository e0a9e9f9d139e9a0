using System.CommandLine;
using VideoCoca.Cli.Console;
using VideoCoca.Cli.Platform;

namespace VideoCoca.Cli.Commands;

/// <summary>vcp captions: a video's captions as subtitles (GET /api/videos/{id}/captions.vtt or .srt).</summary>
public static class CaptionCommands
{
    public static Command Create()
    {
        var id = new Argument<Guid>("video-id") { Description = "video id" };
        var format = new Option<string>("--format") { Description = "vtt (WebVTT, the default) or srt (SubRip)", DefaultValueFactory = _ => "vtt" };
        format.AcceptOnlyFromAmong("vtt", "srt");
        var output = new Option<FileInfo?>("--output", "-o") { Description = "write to this file instead of the standard output" };
        var gateway = GatewayAddressOption.Create();
        var command = new Command("captions", "a video's captions as subtitles, one cue per clip, once the video is analysed") { id, format, output, gateway };
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            using var client = new GatewayClient(parse.GetValue(gateway)!);
            var text = await client.GetCaptionsAsync(parse.GetValue(id), parse.GetValue(format)!, cancellationToken);
            if (parse.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, text, cancellationToken);
            }
            else
            {
                System.Console.Write(text);
            }
            return 0;
        });
        return command;
    }
}
