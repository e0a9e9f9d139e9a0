namespace VideoCoca.Ingest;

/// <summary>One clip to cut: its time window, the decoded frames its T samples come from, and its thumbnail frame.</summary>
/// <param name="Index">Position in the video, from 0.</param>
/// <param name="Start">Window start in seconds.</param>
/// <param name="End">Window end in seconds.</param>
/// <param name="SampleFrames">Indices (into the decoded frame sequence) of the T frames, in order; may repeat.</param>
/// <param name="ThumbnailFrame">The window's middle frame.</param>
public sealed record PlannedClip(int Index, double Start, double End, IReadOnlyList<int> SampleFrames, int ThumbnailFrame)
{
    /// <summary>The last decoded frame this clip needs.</summary>
    public int LastFrame => Math.Max(SampleFrames.Max(), ThumbnailFrame);
}

/// <summary>
/// How a video is cut into clips, with exactly the semantics of the model's own loader
/// (<c>VideoCoca.Media.ClipWindows.Split</c> and <c>ClipGeometry.SampleIndices</c>): windows of a fixed length, one
/// starting every length minus overlap, until the video's end; the last window may be shorter and ends at the video's
/// true end, so that every second lies in a clip (a tail shorter than one frame is merged into the window before it);
/// in each window, T frames at the centres of T equal slices. Kept here so that the silo does not load the model library.
/// </summary>
public static class ClipPlan
{
    /// <summary>
    /// The time windows of a video of <paramref name="duration"/> seconds. The last one ends at <paramref name="duration"/>,
    /// however short; with a <paramref name="frameRate"/>, a tail that reaches less than one frame past the window before
    /// (clip boundaries need not fall on frames) makes no window of its own but lengthens that one: it would sample only
    /// frames that window already has. Without one (0), any tail longer than a microsecond is a window.
    /// </summary>
    public static IReadOnlyList<(double Start, double End)> Windows(double duration, double length, double overlap = 0, double frameRate = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        if (overlap < 0 || overlap >= length)
        {
            throw new ArgumentOutOfRangeException(nameof(overlap), "overlap must be at least 0 and less than the clip length");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(frameRate);
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
            if (end >= duration)
            {
                break;
            }
        }
        return windows;
    }

    /// <summary>The frame offsets a model samples from a window of <paramref name="frameCount"/> frames: the centres of T equal slices.</summary>
    public static int[] SampleIndices(int frameCount, int samples)
    {
        var indices = new int[samples];
        for (var i = 0; i < samples; i++)
        {
            indices[i] = Math.Min(frameCount - 1, (int)Math.Floor((i + 0.5) * frameCount / samples));
        }
        return indices;
    }

    /// <summary>Every clip of a video of <paramref name="frameCount"/> decoded frames at <paramref name="frameRate"/>.</summary>
    public static IReadOnlyList<PlannedClip> Plan(int frameCount, double frameRate, double length, double overlap, int samples)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        var clips = new List<PlannedClip>();
        foreach (var (start, end) in Windows(frameCount / frameRate, length, overlap, frameRate))
        {
            var first = Math.Clamp((int)Math.Round(start * frameRate), 0, frameCount - 1);
            var last = Math.Clamp((int)Math.Round(end * frameRate), first + 1, frameCount);
            var frames = SampleIndices(last - first, samples).Select(offset => first + offset).ToArray();
            clips.Add(new PlannedClip(clips.Count, start, end, frames, first + (last - first) / 2));
        }
        return clips;
    }
}
