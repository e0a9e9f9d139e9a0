using System.Diagnostics;
using FFMpegCore;

namespace VideoCoca.Gateway.Uploads;

/// <summary>What the probe made of an upload: accepted with its duration, or refused with a status and a reason.</summary>
public sealed record ProbeOutcome(bool Accepted, double? DurationSeconds, int StatusCode, string? Reason)
{
    public static ProbeOutcome Accept(double? duration) => new(true, duration, StatusCodes.Status200OK, null);

    public static ProbeOutcome Refuse(int statusCode, string reason) => new(false, null, statusCode, reason);
}

/// <summary>
/// Decides synchronously whether an upload is a video the platform can take: ffprobe for its streams and
/// duration, then a fast packet scan of the first video stream (<c>ffmpeg -v error -xerror -c copy -f null</c>),
/// which catches truncated and damaged files that ffprobe alone lets through.
/// </summary>
public sealed class VideoProbe
{
    private static readonly HashSet<string> NotVideoFormats = new(StringComparer.OrdinalIgnoreCase) { "tty", "image2", "lavfi" };

    public async Task<ProbeOutcome> ProbeAsync(string path, double maxDurationSeconds, TimeSpan timeout, CancellationToken cancellationToken)
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
        if (NotVideoFormats.Contains(format) || format.EndsWith("_pipe", StringComparison.OrdinalIgnoreCase))
        {
            return ProbeOutcome.Refuse(StatusCodes.Status422UnprocessableEntity, $"the upload is not a video (ffmpeg reads it as '{format}')");
        }
        var duration = analysis.Duration > TimeSpan.Zero ? analysis.Duration : analysis.PrimaryVideoStream?.Duration ?? TimeSpan.Zero;
        if (duration.TotalSeconds > maxDurationSeconds)
        {
            return ProbeOutcome.Refuse(StatusCodes.Status413PayloadTooLarge,
                $"the video is {duration.TotalSeconds:0.##} s long; at most {maxDurationSeconds:0.##} s is accepted");
        }
        var scan = await ScanPacketsAsync(path, limit.Token);
        if (scan is not null)
        {
            return ProbeOutcome.Refuse(StatusCodes.Status422UnprocessableEntity, $"the video is damaged or truncated: {scan}");
        }
        return ProbeOutcome.Accept(duration > TimeSpan.Zero ? duration.TotalSeconds : null);
    }

    /// <returns>null when every packet of the first video stream reads cleanly, else ffmpeg's first complaint.</returns>
    private static async Task<string?> ScanPacketsAsync(string path, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("ffmpeg", ["-nostdin", "-v", "error", "-xerror", "-i", path, "-map", "0:v:0", "-c", "copy", "-f", "null", "-"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not run ffmpeg");
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
        var complaint = FirstLine(await errors);
        await output;
        if (process.ExitCode != 0)
        {
            return complaint.Length > 0 ? complaint : $"ffmpeg exited with {process.ExitCode}";
        }
        return complaint.Length > 0 ? complaint : null;
    }

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
}
