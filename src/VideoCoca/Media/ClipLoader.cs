using VideoCoca.Configuration;
using VideoCoca.Preprocessing;
using static TorchSharp.torch;

namespace VideoCoca.Media;

/// <summary>A clip's time range in its video and its T sampled frames in [0, 1].</summary>
public sealed record VideoClip(double Start, double End, float[] Pixels);

/// <summary>Cuts videos into clips of T frames at the model's input size.</summary>
public sealed class ClipLoader(ModelConfig config)
{
    private readonly FrameNormalizer _normalizer = new(config.Preprocess);
    private int FrameFloats => 3 * config.Vision.ImageHeight * config.Vision.ImageWidth;

    /// <summary>The whole video as clips of <paramref name="clipLength"/> seconds (null: one clip of the whole video).</summary>
    public async Task<IReadOnlyList<VideoClip>> LoadAsync(string path, double? clipLength = null, double overlap = 0, CancellationToken cancellationToken = default)
    {
        var video = await VideoFrameReader.ReadAsync(path, config.Vision.ImageWidth, config.Vision.ImageHeight, config.Preprocess.Resize, cancellationToken);
        var windows = clipLength is null ? [(0.0, video.Duration)] : ClipWindows.Split(video.Duration, clipLength.Value, overlap, video.FrameRate);
        var frames = config.Video.Frames;
        return windows.Select(w =>
        {
            var pixels = new float[frames * FrameFloats];
            ClipWindows.SampleFrames(video, w.Item1, w.Item2, frames, pixels);
            return new VideoClip(w.Item1, w.Item2, pixels);
        }).ToList();
    }

    /// <summary>Stacks clips into one normalised [B, T, 3, H, W] batch.</summary>
    public Tensor ToBatch(IReadOnlyList<VideoClip> clips)
    {
        var size = clips[0].Pixels.Length;
        var pixels = new float[clips.Count * size];
        for (var i = 0; i < clips.Count; i++) clips[i].Pixels.CopyTo(pixels, i * size);
        return _normalizer.Normalize(pixels, clips.Count, config.Video.Frames, config.Vision.ImageHeight, config.Vision.ImageWidth);
    }
}
