namespace VideoCoca.Persistence.Entities;

/// <summary>What a model takes from a clip: T frames of H x W pixels, brought to that size by a resize mode.</summary>
/// <param name="Frames">Frames per clip (T).</param>
/// <param name="Height">Rows per frame.</param>
/// <param name="Width">Columns per frame.</param>
/// <param name="Resize">stretch or crop.</param>
public sealed record FrameInput(int Frames, int Height, int Width, string Resize)
{
    /// <summary>A name for the input, the same for every model that takes the same frames: stored frames are shared by it.</summary>
    public string Key => FrameInputs.Key(Frames, Height, Width, Resize);
}

public static class FrameInputs
{
    /// <summary>"8x48x64-stretch": T x H x W and the resize mode, lower case.</summary>
    public static string Key(int frames, int height, int width, string resize) =>
        $"{frames}x{height}x{width}-{resize.Trim().ToLowerInvariant()}";

    /// <summary>The input a registered version takes; null for a version no worker has registered its input for.</summary>
    public static FrameInput? Of(ModelVersion version) =>
        version.InputFrames > 0 && version.InputHeight > 0 && version.InputWidth > 0
            ? new FrameInput(version.InputFrames, version.InputHeight, version.InputWidth, version.InputResize.Length == 0 ? "stretch" : version.InputResize)
            : null;
}
