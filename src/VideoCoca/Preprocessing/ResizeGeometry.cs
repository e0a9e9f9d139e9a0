namespace VideoCoca.Preprocessing;

/// <summary>Where a frame of one size lands in the model's input under <see cref="Configuration.ResizeMode.ShortSideCentreCrop"/>.</summary>
public readonly record struct ShortSideCrop(int ScaledWidth, int ScaledHeight, int CropX, int CropY);

public static class ResizeGeometry
{
    /// <summary>
    /// open_clip's evaluation transform, as torchvision computes it: resize so the image covers the target with its
    /// limiting side equal to the target's (for a square target, the short side; the other side truncated to an
    /// integer), then crop the centre (offsets rounded half to even, as Python's <c>round</c>).
    /// </summary>
    public static ShortSideCrop ShortSideCentreCrop(int width, int height, int targetWidth, int targetHeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetHeight, 1);
        int scaledWidth, scaledHeight;
        if ((long)width * targetHeight <= (long)height * targetWidth)
        {
            scaledWidth = targetWidth;
            scaledHeight = Math.Max(targetHeight, (int)((long)targetWidth * height / width));
        }
        else
        {
            scaledHeight = targetHeight;
            scaledWidth = Math.Max(targetWidth, (int)((long)targetHeight * width / height));
        }
        var cropX = (int)Math.Round((scaledWidth - targetWidth) / 2.0, MidpointRounding.ToEven);
        var cropY = (int)Math.Round((scaledHeight - targetHeight) / 2.0, MidpointRounding.ToEven);
        return new ShortSideCrop(scaledWidth, scaledHeight, cropX, cropY);
    }

    /// <summary>
    /// The ffmpeg filter for <see cref="ShortSideCentreCrop"/>: convert to RGB first (open_clip resizes decoded RGB
    /// images), bicubic with PIL's kernel (Keys a = -0.5, that is B = 0, C = 0.5 in swscale's parameters), then crop.
    /// </summary>
    public static string ShortSideCentreCropFilter(int width, int height, int targetWidth, int targetHeight)
    {
        var g = ShortSideCentreCrop(width, height, targetWidth, targetHeight);
        return $"format=rgb24,scale={g.ScaledWidth}:{g.ScaledHeight}:flags=bicubic+accurate_rnd+full_chroma_int:param0=0:param1=0.5," +
               $"crop={targetWidth}:{targetHeight}:{g.CropX}:{g.CropY}";
    }
}
