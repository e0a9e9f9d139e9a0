using VideoCoca.Contracts.Messages;
using VideoCoca.Contracts.Queries;
using VideoCoca.GpuWorkers.Analysis;
using VideoCoca.GpuWorkers.Model;
using static TorchSharp.torch;

namespace VideoCoca.GpuWorkers.Queries;

/// <summary>
/// Reads the stored frames of a model query's clips with <see cref="ClipFramesReader"/>, as a batch of clips is read
/// for analysis: a clip whose file is missing, short or of a shape the model cannot take gets an error, the others go on.
/// </summary>
public sealed class QueryClipsReader(ModelRuntime runtime)
{
    /// <returns>Per clip, in order, its pixels or why it has none.</returns>
    public async Task<IReadOnlyList<(float[]? Pixels, string? Error)>> ReadAsync(IReadOnlyList<QueryClip> clips, CancellationToken cancellationToken)
    {
        var reader = new ClipFramesReader(runtime.Config);
        var reads = clips.Select(async clip =>
        {
            try
            {
                var frames = WithModelSize(clip.Frames);
                reader.Validate(new AnalyzeClip(Guid.Empty, clip.ClipId, 0, 0, 0, frames, [], null));
                var buffer = new float[reader.ClipFloats];
                await reader.ReadAsync(frames, buffer, cancellationToken);
                return ((float[]?)buffer, (string?)null);
            }
            catch (Exception e) when (e is ClipFramesUnreadableException or InvalidClipFramesException)
            {
                return (null, e.Message);
            }
        });
        return await Task.WhenAll(reads);
    }

    /// <summary>The clips' pixels as the model's normalised [B, T, 3, H, W] input.</summary>
    public Tensor Batch(IReadOnlyList<float[]> clips)
    {
        var config = runtime.Config;
        var size = clips[0].Length;
        var batch = new float[clips.Count * size];
        for (var i = 0; i < clips.Count; i++)
        {
            clips[i].CopyTo(batch, i * size);
        }
        return runtime.Normalizer.Normalize(batch, clips.Count, config.Video.Frames, config.Vision.ImageHeight, config.Vision.ImageWidth);
    }

    /// <summary>
    /// A query clip's frames with no size (0 x 0) are at the model's input size: the silo extracts every clip at it,
    /// and the gateway, which asks about stored clips, knows the frame count and path but not the ingest's size.
    /// </summary>
    private ClipFrames WithModelSize(ClipFrames? frames)
    {
        if (frames is null)
        {
            throw new InvalidClipFramesException("the clip has no frames");
        }
        return frames.Height == 0 && frames.Width == 0
            ? frames with { Height = runtime.Config.Vision.ImageHeight, Width = runtime.Config.Vision.ImageWidth }
            : frames;
    }
}
