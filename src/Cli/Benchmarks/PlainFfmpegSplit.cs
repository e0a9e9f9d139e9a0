using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using VideoCoca.Ingest;

namespace VideoCoca.Cli.Benchmarks;

/// <summary>
/// The baseline of <c>vcp bench ingest</c>: what ingest does, as plain command lines. <c>ffprobe</c> for the frame rate
/// and duration, then one <c>ffmpeg</c> run that decodes the file once, selects the sampled frames and the thumbnail
/// frames, scales them (the same filters as ingest) and writes the sampled frames to one raw RGB24 file
/// (distinct frames, in order) and the thumbnails as JPEGs.
/// </summary>
public sealed class PlainFfmpegSplit(IngestOptions options)
{
    /// <summary>The raw frames file in <paramref name="folder"/>: [distinct sampled frames, H, W, 3].</summary>
    public static string FramesFile(string folder) => Path.Combine(folder, "frames.rgb");

    /// <summary>Probes and splits <paramref name="source"/> into <paramref name="folder"/>; returns the clip plan it cut by.</summary>
    public async Task<IReadOnlyList<PlannedClip>> RunAsync(string source, string folder, CancellationToken cancellationToken)
    {
        var (frameCount, frameRate) = await ProbeAsync(source, cancellationToken);
        var clips = ClipPlan.Plan(frameCount, frameRate, options.ClipLengthSeconds, options.OverlapSeconds, options.FramesPerClip);
        var thumbnails = Path.Combine(folder, "thumbs");
        Directory.CreateDirectory(thumbnails);
        var graph = Path.Combine(folder, "graph.txt");
        await File.WriteAllTextAsync(graph,
            $"[0:v]split=2[a][b];" +
            $"[a]{FfmpegFilters.SelectFrames(clips.SelectMany(c => c.SampleFrames))},{FfmpegFilters.ModelScale(options)}[m];" +
            $"[b]{FfmpegFilters.SelectFrames(clips.Select(c => c.ThumbnailFrame))},{FfmpegFilters.ThumbnailScale(options)}[t]",
            cancellationToken);
        await RunToolAsync(Ffmpeg, cancellationToken,
            "-hide_banner", "-nostdin", "-v", "error", "-i", source, "-filter_complex_script", graph,
            "-map", "[m]", "-an", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", FramesFile(folder),
            "-map", "[t]", "-an", "-fps_mode", "passthrough", "-q:v", "3", "-start_number", "0", Path.Combine(thumbnails, "%d.jpg"));
        return clips;
    }

    /// <summary>
    /// Only the decode: every frame of the video stream decoded on one thread and dropped (<c>-f null</c>), no filter,
    /// no output. Any split has to do this much, so it is the floor of ingest's CPU a clip.
    /// </summary>
    public Task DecodeOnlyAsync(string source, CancellationToken cancellationToken) =>
        RunToolAsync(Ffmpeg, cancellationToken, "-hide_banner", "-nostdin", "-v", "error", "-threads", "1", "-i", source, "-map", "0:v:0", "-f", "null", "-");

    private string Ffmpeg => string.IsNullOrWhiteSpace(options.FfmpegPath) ? "ffmpeg" : options.FfmpegPath;

    /// <summary>Frame count and rate as ingest reckons them: the video stream's duration (else the container's) at its average rate.</summary>
    private static async Task<(int FrameCount, double FrameRate)> ProbeAsync(string source, CancellationToken cancellationToken)
    {
        var json = await RunToolAsync("ffprobe", cancellationToken, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", source);
        using var document = JsonDocument.Parse(json);
        var video = document.RootElement.GetProperty("streams").EnumerateArray()
            .First(s => s.GetProperty("codec_type").GetString() == "video");
        var rate = video.GetProperty("avg_frame_rate").GetString()!.Split('/');
        var frameRate = double.Parse(rate[0], CultureInfo.InvariantCulture) / double.Parse(rate.Length > 1 ? rate[1] : "1", CultureInfo.InvariantCulture);
        var duration = video.TryGetProperty("duration", out var streamDuration)
            ? streamDuration.GetString()!
            : document.RootElement.GetProperty("format").GetProperty("duration").GetString()!;
        return ((int)Math.Round(double.Parse(duration, CultureInfo.InvariantCulture) * frameRate), frameRate);
    }

    /// <summary>Runs a tool to its end; its stdout, or its last stderr line as the error.</summary>
    private static async Task<string> RunToolAsync(string tool, CancellationToken cancellationToken, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new UserInputException($"{tool} could not be started");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var errors = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (process.ExitCode != 0 || errors.Length > 0)
        {
            throw new UserInputException($"{tool} failed: {(errors.Length > 0 ? errors[^1] : $"exit {process.ExitCode}")}");
        }
        return await stdout;
    }
}
