using FFMpegCore;
using FFMpegCore.Pipes;
using VideoCoca.Configuration;
using VideoCoca.Preprocessing;

namespace VideoCoca.Media;

/// <summary>A video decoded at the model's input size: every frame as packed RGB24.</summary>
public sealed record DecodedVideo(string Path, int Width, int Height, double FrameRate, int FrameCount, byte[] Rgb24)
{
    public double Duration => FrameCount / FrameRate;
    public int FrameBytes => Width * Height * 3;
}

/// <summary>Decodes videos with ffmpeg, straight to the model's input size.</summary>
public static class VideoFrameReader
{
    public static async Task<DecodedVideo> ReadAsync(string path, int width, int height, ResizeMode resize, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path)) throw new UserInputException($"no such file: {path}");
        if (new FileInfo(path).Length == 0) throw new UserInputException($"{path} is empty");
        IMediaAnalysis analysis;
        try
        {
            analysis = await FFProbe.AnalyseAsync(path, ffOptions: null, customArguments: null, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new UserInputException($"{path} is not a video ffmpeg can read ({FirstLine(e.Message)})", e);
        }
        var stream = analysis.PrimaryVideoStream ?? throw new UserInputException($"{path} has no video stream");
        var frameRate = stream.AverageFrameRate > 0 ? stream.AverageFrameRate : 25;

        var filter = resize == ResizeMode.Stretch
            ? $"scale={width}:{height}:flags=area"
            : ShortSideCentreCropFilter(stream, width, height);
        using var output = new MemoryStream();
        // -xerror stops at the first decoding error: a truncated or damaged file fails here instead of yielding garbage frames.
        var result = await FFMpegArguments
            .FromFileInput(path, verifyExists: true, o => o.WithCustomArgument("-xerror"))
            .OutputToPipe(new StreamPipeSink(output), o => o.WithCustomArgument($"-vf {filter} -an -f rawvideo -pix_fmt rgb24"))
            .ProcessAsynchronously(throwOnError: false, ffOptions: null, cancellationToken);
        var frameBytes = width * height * 3;
        var frames = (int)(output.Length / frameBytes);
        if (result.ExitCode != 0 || frames == 0)
        {
            var why = result.StandardError?.LastOrDefault(l => !string.IsNullOrWhiteSpace(l))?.Trim() ?? "no frames decoded";
            throw new UserInputException($"{path} could not be decoded: {why}");
        }
        return new DecodedVideo(path, width, height, frameRate, frames, output.GetBuffer().AsSpan(0, frames * frameBytes).ToArray());
    }

    /// <summary>open_clip's resize and centre crop for this stream's picture as ffmpeg shows it (rotation applied).</summary>
    private static string ShortSideCentreCropFilter(VideoStream stream, int width, int height)
    {
        var rotated = Math.Abs(stream.Rotation) % 180 == 90;
        int shownWidth = (rotated ? stream.Height : stream.Width) ?? 0;
        int shownHeight = (rotated ? stream.Width : stream.Height) ?? 0;
        if (shownWidth < 1 || shownHeight < 1) throw new UserInputException("the video stream reports no picture size");
        return ResizeGeometry.ShortSideCentreCropFilter(shownWidth, shownHeight, width, height);
    }

    private static string FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? text;
}

/// <summary>The time windows a video is cut into, and the frames a model samples from each.</summary>
public static class ClipWindows
{
    /// <summary>
    /// Windows of <paramref name="length"/> seconds, one starting every length minus overlap, until the video's end: the
    /// last one ends at <paramref name="duration"/>, however short, so that every second lies in a clip. With a
    /// <paramref name="frameRate"/>, a tail that reaches less than one frame past the window before lengthens that one
    /// instead of making one of its own (it would only sample frames that window has); without one (0), any tail longer
    /// than a microsecond is a window.
    /// The ingest's <c>VideoCoca.Ingest.ClipPlan.Windows</c> has exactly these semantics.
    /// </summary>
    public static IReadOnlyList<(double Start, double End)> Split(double duration, double length, double overlap = 0, double frameRate = 0)
    {
        if (length <= 0) throw new ArgumentOutOfRangeException(nameof(length), "clip length must be positive");
        if (overlap < 0 || overlap >= length) throw new ArgumentOutOfRangeException(nameof(overlap), "overlap must be at least 0 and less than the clip length");
        if (frameRate < 0) throw new ArgumentOutOfRangeException(nameof(frameRate), "frame rate must not be negative");
        var windows = new List<(double Start, double End)>();
        var step = length - overlap;
        var shortestTail = frameRate > 0 ? 1 / frameRate - 1e-6 : 1e-6;
        for (var start = 0.0; start < duration - 1e-6; start += step)
        {
            if (windows.Count > 0 && duration - windows[^1].End < shortestTail)
            {
                windows[^1] = (windows[^1].Start, duration);
                break;
            }
            var end = Math.Min(duration, start + length);
            windows.Add((start, end));
            if (end >= duration) break;
        }
        return windows;
    }

    /// <summary>Copies T frames of the window [start, end) into <paramref name="destination"/> as channel-major floats in [0, 1].</summary>
    public static void SampleFrames(DecodedVideo video, double start, double end, int frames, Span<float> destination)
    {
        var first = Math.Clamp((int)Math.Round(start * video.FrameRate), 0, video.FrameCount - 1);
        var last = Math.Clamp((int)Math.Round(end * video.FrameRate), first + 1, video.FrameCount);
        var indices = World.ClipGeometry.SampleIndices(last - first, frames);
        var plane = video.Width * video.Height;
        for (var t = 0; t < frames; t++)
        {
            var source = video.Rgb24.AsSpan((first + indices[t]) * video.FrameBytes, video.FrameBytes);
            var target = destination.Slice(t * 3 * plane, 3 * plane);
            for (var p = 0; p < plane; p++)
            {
                target[p] = source[3 * p] / 255f;
                target[plane + p] = source[3 * p + 1] / 255f;
                target[2 * plane + p] = source[3 * p + 2] / 255f;
            }
        }
    }
}
