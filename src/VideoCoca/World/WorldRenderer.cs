namespace VideoCoca.World;

/// <summary>Frame geometry and timing of a world clip, and the drawing of its frames.</summary>
public sealed record ClipGeometry(int Width, int Height, double Duration, int FramesPerSecond = 25)
{
    public static readonly ClipGeometry Reference = new(320, 240, 4.0);

    public int FrameCount => (int)Math.Round(Duration * FramesPerSecond);

    public int Side(string size) => size == "small" ? Height / 8 : Height / 4;

    /// <summary>Horizontal and vertical distance covered over the whole clip: half of what the frame leaves free.</summary>
    public (double Dx, double Dy) Travel(string size, string motion) => Travel(Side(size), motion);

    /// <summary>The same for a box of <paramref name="side"/> pixels, whatever sets its size (the second edition's objects are larger).</summary>
    public (double Dx, double Dy) Travel(int side, string motion)
    {
        var horizontal = (Width - side) / 2.0;
        var vertical = (Height - side) / 2.0;
        return motion switch
        {
            "left" => (-horizontal, 0), "right" => (horizontal, 0),
            "up" => (0, -vertical), "down" => (0, vertical),
            "still" => (0, 0),
            _ => throw new ArgumentException($"unknown motion '{motion}'"),
        };
    }

    /// <summary>Top-left corner of the square at time <paramref name="t"/>, linear over the clip.</summary>
    public (double X, double Y) Position(WorldScene scene, double t)
    {
        var (dx, dy) = Travel(scene.Size, scene.Motion);
        var f = Math.Clamp(t / Duration, 0, 1);
        return (scene.StartX + dx * f, scene.StartY + dy * f);
    }

    /// <summary>The frame indices a model samples from a window of <paramref name="frameCount"/> frames: the centres of T equal slices.</summary>
    public static int[] SampleIndices(int frameCount, int samples) =>
        Enumerable.Range(0, samples).Select(i => Math.Min(frameCount - 1, (int)Math.Floor((i + 0.5) * frameCount / samples))).ToArray();
}

public static class WorldRenderer
{
    /// <summary>A random scene whose square stays inside the frame for the whole clip.</summary>
    public static WorldScene RandomScene(Random rng, ClipGeometry geometry, string? motion = null)
    {
        var size = Pick(rng, WorldVocabulary.Sizes);
        var color = Pick(rng, WorldVocabulary.Colors);
        var background = Pick(rng, WorldVocabulary.Backgrounds);
        motion ??= Pick(rng, WorldVocabulary.Motions);
        var side = geometry.Side(size);
        var (dx, dy) = geometry.Travel(size, motion);
        double StartIn(double free, double travel) =>
            travel >= 0 ? rng.NextDouble() * (free - travel) : -travel + rng.NextDouble() * (free + travel);
        var x = StartIn(geometry.Width - side, dx);
        var y = StartIn(geometry.Height - side, dy);
        return new WorldScene(size, color, background, motion, Math.Round(x), Math.Round(y));
    }

    /// <summary>Draws frame <paramref name="frameIndex"/> at full size as packed RGB24, the square on whole pixels.</summary>
    public static void RenderRgb24(WorldScene scene, ClipGeometry geometry, int frameIndex, Span<byte> rgb)
    {
        var bg = WorldVocabulary.ColorRgb[scene.Background];
        var fg = WorldVocabulary.ColorRgb[scene.Color];
        for (var i = 0; i < geometry.Width * geometry.Height; i++)
        {
            rgb[3 * i] = bg[0]; rgb[3 * i + 1] = bg[1]; rgb[3 * i + 2] = bg[2];
        }
        var (x, y) = geometry.Position(scene, (double)frameIndex / geometry.FramesPerSecond);
        var side = geometry.Side(scene.Size);
        var x0 = (int)Math.Round(x);
        var y0 = (int)Math.Round(y);
        for (var row = Math.Max(0, y0); row < Math.Min(geometry.Height, y0 + side); row++)
        for (var col = Math.Max(0, x0); col < Math.Min(geometry.Width, x0 + side); col++)
        {
            var p = 3 * (row * geometry.Width + col);
            rgb[p] = fg[0]; rgb[p + 1] = fg[1]; rgb[p + 2] = fg[2];
        }
    }

    /// <summary>
    /// Draws a frame straight at the model's size, each pixel the area-weighted mix of square and background that an
    /// area downscale of the full frame would give: training sees what decoding a real clip gives, at a fraction of the cost.
    /// </summary>
    /// <param name="chw">3 x height x width floats in [0, 1], channel-major.</param>
    public static void RenderScaled(WorldScene scene, ClipGeometry geometry, double time, int width, int height, Span<float> chw)
    {
        var bg = WorldVocabulary.ColorRgb[scene.Background];
        var fg = WorldVocabulary.ColorRgb[scene.Color];
        var (x, y) = geometry.Position(scene, time);
        var side = geometry.Side(scene.Size);
        var sx = (double)width / geometry.Width;
        var sy = (double)height / geometry.Height;
        double Overlap(int pixel, double start, double end) => Math.Max(0, Math.Min(pixel + 1, end) - Math.Max(pixel, start));
        var left = Math.Round(x) * sx;
        var right = (Math.Round(x) + side) * sx;
        var top = Math.Round(y) * sy;
        var bottom = (Math.Round(y) + side) * sy;
        var plane = width * height;
        for (var row = 0; row < height; row++)
        {
            var oy = Overlap(row, top, bottom);
            for (var col = 0; col < width; col++)
            {
                var coverage = (float)(oy * Overlap(col, left, right));
                var p = row * width + col;
                for (var c = 0; c < 3; c++)
                {
                    chw[c * plane + p] = (bg[c] + (fg[c] - bg[c]) * coverage) / 255f;
                }
            }
        }
    }

    private static string Pick(Random rng, string[] options) => options[rng.Next(options.Length)];
}
