namespace VideoCoca.Contracts.Messages;

/// <summary>
/// Where a clip's frames lie and how to read them: one raw file (no header) holding
/// <see cref="Count"/> frames of <see cref="Height"/> x <see cref="Width"/> RGB pixels, row-major in
/// the order frame, row, column, channel (shape [T, H, W, 3]), as ffmpeg writes <c>-f rawvideo -pix_fmt rgb24</c>.
/// </summary>
/// <param name="Path">The file, in blob storage (a local path by default).</param>
/// <param name="ElementType">How one channel value is stored.</param>
/// <param name="Count">Frames in the file (T).</param>
/// <param name="Height">Rows per frame (the model's input size).</param>
/// <param name="Width">Columns per frame (the model's input size).</param>
public sealed record ClipFrames(string Path, FrameElementType ElementType, int Count, int Height, int Width)
{
    /// <summary>Channels per pixel: always RGB.</summary>
    public const int Channels = 3;

    /// <summary>The tensor shape the file holds: [T, H, W, 3].</summary>
    public IReadOnlyList<int> Shape => [Count, Height, Width, Channels];

    /// <summary>The file's expected length in bytes.</summary>
    public long ByteLength => (long)Count * Height * Width * Channels * ElementType switch
    {
        FrameElementType.UInt8 => 1,
        FrameElementType.Float32 => 4,
        _ => throw new InvalidOperationException($"Unknown frame element type {ElementType}."),
    };
}

/// <summary>How one channel value of a frame file is stored.</summary>
public enum FrameElementType
{
    /// <summary>One byte, 0 to 255.</summary>
    UInt8,

    /// <summary>A little-endian IEEE single, 0 to 1, not yet normalised by the model's mean and deviation.</summary>
    Float32,
}
