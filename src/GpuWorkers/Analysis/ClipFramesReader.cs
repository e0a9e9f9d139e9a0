using VideoCoca.Configuration;
using VideoCoca.Contracts.Messages;
using VideoCoca.World;

namespace VideoCoca.GpuWorkers.Analysis;

/// <summary>A message whose frames can never be analysed, whatever the retries: it belongs in the error queue.</summary>
public sealed class InvalidClipFramesException(string message) : Exception(message);

/// <summary>A clip's frames file that is missing or shorter than its shape says: that clip fails, the batch goes on.</summary>
public sealed class ClipFramesUnreadableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads a clip's raw [T, H, W, 3] frames file into the model's layout: channel-major floats in [0, 1],
/// [T', 3, H, W] with T' the model's frame count (the file's frames resampled evenly when T differs),
/// as <c>ClipWindows.SampleFrames</c> does for a decoded video.
/// </summary>
public sealed class ClipFramesReader(ModelConfig config)
{
    private int Height => config.Vision.ImageHeight;

    private int Width => config.Vision.ImageWidth;

    /// <summary>Floats one clip takes in a batch.</summary>
    public int ClipFloats => config.Video.Frames * 3 * Height * Width;

    /// <summary>Throws <see cref="InvalidClipFramesException"/> when the message's shape is one the model cannot take.</summary>
    public void Validate(AnalyzeClip message)
    {
        var frames = message.Frames ?? throw new InvalidClipFramesException($"clip {message.ClipId}: the message has no frames");
        if (string.IsNullOrWhiteSpace(frames.Path))
        {
            throw new InvalidClipFramesException($"clip {message.ClipId}: the frames path is empty");
        }
        if (!Enum.IsDefined(frames.ElementType))
        {
            throw new InvalidClipFramesException($"clip {message.ClipId}: unknown frame element type {(int)frames.ElementType}");
        }
        if (frames.Count < 1 || frames.Count > 4096)
        {
            throw new InvalidClipFramesException($"clip {message.ClipId}: {frames.Count} frames is not a valid frame count (1 to 4096)");
        }
        if (frames.Height != Height || frames.Width != Width)
        {
            throw new InvalidClipFramesException(
                $"clip {message.ClipId}: frames are {frames.Height}x{frames.Width} but the model takes {Height}x{Width} (shape [{string.Join(", ", frames.Shape)}])");
        }
    }

    /// <summary>Reads the file into <paramref name="destination"/> (<see cref="ClipFloats"/> long).</summary>
    public async Task ReadAsync(ClipFrames frames, Memory<float> destination, CancellationToken cancellationToken)
    {
        byte[] raw;
        try
        {
            raw = await File.ReadAllBytesAsync(frames.Path, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ClipFramesUnreadableException($"the frames file is missing: {frames.Path}", e);
        }
        catch (IOException e)
        {
            throw new ClipFramesUnreadableException($"the frames file cannot be read: {frames.Path} ({e.Message})", e);
        }
        if (raw.LongLength != frames.ByteLength)
        {
            throw new ClipFramesUnreadableException(
                $"the frames file {frames.Path} holds {raw.LongLength} bytes but shape [{string.Join(", ", frames.Shape)}] of {frames.ElementType} needs {frames.ByteLength}");
        }
        var plane = Height * Width;
        var frameValues = plane * 3;
        var indices = ClipGeometry.SampleIndices(frames.Count, config.Video.Frames);
        var target = destination.Span;
        for (var t = 0; t < indices.Length; t++)
        {
            var output = target.Slice(t * frameValues, frameValues);
            var offset = indices[t] * frameValues;
            if (frames.ElementType == FrameElementType.UInt8)
            {
                var source = raw.AsSpan(offset, frameValues);
                for (var p = 0; p < plane; p++)
                {
                    output[p] = source[3 * p] / 255f;
                    output[plane + p] = source[3 * p + 1] / 255f;
                    output[2 * plane + p] = source[3 * p + 2] / 255f;
                }
            }
            else
            {
                var source = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw.AsSpan(offset * 4, frameValues * 4));
                for (var p = 0; p < plane; p++)
                {
                    output[p] = source[3 * p];
                    output[plane + p] = source[3 * p + 1];
                    output[2 * plane + p] = source[3 * p + 2];
                }
            }
        }
    }
}
