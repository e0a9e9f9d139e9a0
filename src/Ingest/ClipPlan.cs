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
/// starting every length minus overlap, a last window shorter than half a clip dropped unless it is the only one;
/// in each window, T frames at the centres of T equal slices. Kept here so that the silo does not load the model library.
/// </summary>
public static class ClipPlan
{
    /// <summary>The time windows of a video of <paramref name="duration"/> seconds.</summary>
    public static IReadOnlyList<(double Start, double End)> Windows(double duration, double length, double overlap = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        if (overlap < 0 || overlap >= length)
        {
            throw new ArgumentOutOfRangeException(nameof(overlap), "overlap must be at least 0 and less than the clip length");
        }
        var windows = new List<(double, double)>();
        var step = length - overlap;
        for (var start = 0.0; start < duration - 1e-6; start += step)
        {
            var end = Math.Min(duration, start + length);
            if (end - start < length / 2 && windows.Count > 0)
            {
                break;
            }
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
        foreach (var (start, end) in Windows(frameCount / frameRate, length, overlap))
        {
            var first = Math.Clamp((int)Math.Round(start * frameRate), 0, frameCount - 1);
            var last = Math.Clamp((int)Math.Round(end * frameRate), first + 1, frameCount);
            var frames = SampleIndices(last - first, samples).Select(offset => first + offset).ToArray();
            clips.Add(new PlannedClip(clips.Count, start, end, frames, first + (last - first) / 2));
        }
        return clips;
    }
}
