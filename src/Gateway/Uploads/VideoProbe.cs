using System.Diagnostics;
using FFMpegCore;
using VideoCoca.GrainInterfaces;

namespace VideoCoca.Gateway.Uploads;

/// <summary>What the probe made of an upload: accepted with its duration, or refused with a status and a reason.</summary>
/// <param name="Video">What ffprobe found of an accepted upload, for the silo (which then need not probe it again).</param>
public sealed record ProbeOutcome(bool Accepted, double? DurationSeconds, int StatusCode, string? Reason, ProbedVideo? Video = null)
{
    public static ProbeOutcome Accept(double? duration, ProbedVideo? video) => new(true, duration, StatusCodes.Status200OK, null, video);

    public static ProbeOutcome Refuse(int statusCode, string reason) => new(false, null, statusCode, reason);
}

/// <summary>
/// Decides synchronously whether an upload is a video the platform can take: ffprobe for its streams and
/// duration, then a fast packet scan of the first video stream (<c>ffmpeg -v error -xerror -c copy -f null</c>),
/// which catches truncated and damaged files that ffprobe alone lets through. A scan that complains is not a refusal
/// by itself (phone videos often carry a damaged slice that the decoder skips): the stream is then decoded and counted,
/// and refused only when no frame decodes or more than the configured share of them fail.
/// </summary>
public sealed class VideoProbe
{
    /// <summary>Formats and codecs ffmpeg reads as "video" that are text or still images (ANSI art, binary text, pictures).</summary>
    private static readonly HashSet<string> NotVideoFormats = new(StringComparer.OrdinalIgnoreCase) { "tty", "bin", "xbin", "idf", "adf", "image2", "lavfi" };

    private static readonly HashSet<string> NotVideoCodecs = new(StringComparer.OrdinalIgnoreCase) { "ansi", "bintext", "xbin", "idf" };

    public async Task<ProbeOutcome> ProbeAsync(
        string path, double maxDurationSeconds, TimeSpan timeout, double maxUndecodableFrameShare, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        IMediaAnalysis analysis;
        try
        {
            analysis = await FFProbe.AnalyseAsync(path, ffOptions: null, customArguments: null, limit.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return ProbeOutcome.Refuse(StatusCodes.Status422UnprocessableEntity, $"the upload is not a video ffmpeg can read ({FirstLine(e.Message)})");
        }
        var format = analysis.Format?.FormatName ?? "";
        if (analysis.VideoStreams.Count == 0)
        {
            return ProbeOutcome.Refuse(StatusCodes.Status422UnprocessableEntity, analysis.AudioStreams.Count > 0
                ? "the upload has no video stream: it is audio only"
                : "the upload has no video stream");
        }
        var codec = analysis.PrimaryVideoStream?.CodecName ?? "";
        if (NotVideoFormats.Contains(format) || format.EndsWith("_pipe", StringComparison.OrdinalIgnoreCase) || NotVideoCodecs.Contains(codec))
        {
            return ProbeOutcome.Refuse(StatusCodes.Status422UnprocessableEntity, $"the upload is not a video (ffmpeg reads it as '{format}')");
        }
        var duration = analysis.Duration > TimeSpan.Zero ? analysis.Duration : analysis.PrimaryVideoStream?.Duration ?? TimeSpan.Zero;
        if (duration.TotalSeconds > maxDurationSeconds)
        {
            return ProbeOutcome.Refuse(StatusCodes.Status413PayloadTooLarge,
                $"the video is {duration.TotalSeconds:0.##} s long; at most {maxDurationSeconds:0.##} s is accepted");
        }
        var primary = analysis.PrimaryVideoStream;
        var accepted = ProbeOutcome.Accept(duration > TimeSpan.Zero ? duration.TotalSeconds : null, primary is null ? null : new ProbedVideo(
            primary.AverageFrameRate, primary.Duration.TotalSeconds, analysis.Duration.TotalSeconds, primary.Width ?? 0, primary.Height ?? 0));
        var scan = await ScanPacketsAsync(path, limit.Token);
        if (scan is null)
        {
            return accepted;
        }
        DecodeCount count;
        try
        {
            count = await CountDecodedFramesAsync(path, limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Too long to decode here: the silo decodes every frame anyway and fails the video by the same rule.
            return accepted;
        }
        // As the silo's probe counts them: the stream's duration at its average rate.
        var stream = analysis.PrimaryVideoStream;
        var rate = stream is not null && stream.AverageFrameRate > 0 && double.IsFinite(stream.AverageFrameRate) ? stream.AverageFrameRate : 25;
        var seconds = stream is not null && stream.Duration > TimeSpan.Zero ? stream.Duration.TotalSeconds : duration.TotalSeconds;
        // The frames the container promises (a truncated file's missing frames count as failed), or the packets read.
        var expected = Math.Max(count.Packets, double.IsFinite(seconds) ? (int)Math.Round(seconds * rate) : 0);
        var complaint = count.FirstComplaint ?? scan;
        if (count.Frames == 0)
        {
            return ProbeOutcome.Refuse(StatusCodes.Status422UnprocessableEntity,
                $"the video is damaged or truncated: no video frame could be decoded (ffmpeg: {complaint})");
        }
        var failed = Math.Max(0, expected - count.Frames);
        if (failed > maxUndecodableFrameShare * expected)
        {
            return ProbeOutcome.Refuse(StatusCodes.Status422UnprocessableEntity,
                $"the video is damaged or truncated: {failed} of {expected} frames could not be decoded, more than the " +
                $"{maxUndecodableFrameShare:0.##%} allowed (ffmpeg: {complaint})");
        }
        return accepted;
    }

    private sealed record DecodeCount(int Frames, int Packets, string? FirstComplaint);

    /// <summary>Decodes the first video stream whole (ffprobe <c>-count_frames</c>): the frames that came out and the packets that went in.</summary>
    private static async Task<DecodeCount> CountDecodedFramesAsync(string path, CancellationToken cancellationToken)
    {
        var (exitCode, output, errors) = await RunAsync("ffprobe",
            ["-v", "error", "-select_streams", "v:0", "-count_frames", "-count_packets",
             "-show_entries", "stream=nb_read_frames,nb_read_packets", "-of", "default=noprint_wrappers=1", path],
            cancellationToken);
        var values = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => int.TryParse(pair[1], out var n) ? n : 0);
        var complaint = FirstLine(errors);
        return new DecodeCount(
            exitCode == 0 ? values.GetValueOrDefault("nb_read_frames") : 0,
            values.GetValueOrDefault("nb_read_packets"),
            complaint.Length > 0 ? complaint : exitCode != 0 ? $"ffprobe exited with {exitCode}" : null);
    }

    /// <returns>null when every packet of the first video stream reads cleanly, else ffmpeg's first complaint.</returns>
    private static async Task<string?> ScanPacketsAsync(string path, CancellationToken cancellationToken)
    {
        var (exitCode, _, errors) = await RunAsync("ffmpeg",
            ["-nostdin", "-v", "error", "-xerror", "-i", path, "-map", "0:v:0", "-c", "copy", "-f", "null", "-"], cancellationToken);
        var complaint = FirstLine(errors);
        if (exitCode != 0)
        {
            return complaint.Length > 0 ? complaint : $"ffmpeg exited with {exitCode}";
        }
        return complaint.Length > 0 ? complaint : null;
    }

    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string program, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not run {program}");
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await output, await errors);
    }

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
}
