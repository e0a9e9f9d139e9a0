namespace VideoCoca.World.EditionTwo;

/// <summary>Which scenes a draw may give: training never shows the withheld combinations; a withheld set shows one in every clip.</summary>
public enum Edition2Draw
{
    /// <summary>No object of a withheld combination (training sets and the ordinary held-out sets).</summary>
    Training,
    /// <summary>At least one object of a withheld combination in every scene.</summary>
    Withheld,
}

/// <summary>Second-edition geometry: object sides and travel per world-v2.md.</summary>
public static class Edition2Geometry
{
    /// <summary>An object's box side: a fifth of the frame's height when small, a third when large (rounded down).</summary>
    public static int Side(ClipGeometry geometry, string size) => size == "small" ? geometry.Height / 5 : geometry.Height / 3;

    public static int LargeSide(ClipGeometry geometry) => Side(geometry, "large");

    /// <summary>The top-left corner of an object's box at time t, linear over the clip.</summary>
    public static (double X, double Y) Position(ClipGeometry geometry, Edition2Object o, double t)
    {
        var (dx, dy) = geometry.Travel(Side(geometry, o.Size), o.Motion);
        var f = Math.Clamp(t / geometry.Duration, 0, 1);
        return (o.StartX + dx * f, o.StartY + dy * f);
    }

    /// <summary>Whether a point (pixel coordinates, a pixel's centre at +0.5) lies in a shape drawn in the box at (x, y) of side s.</summary>
    public static bool Inside(string shape, double x, double y, int s, double px, double py)
    {
        var cx = x + s / 2.0;
        return shape switch
        {
            "square" => px >= x && px < x + s && py >= y && py < y + s,
            "circle" => (px - cx) * (px - cx) + (py - (y + s / 2.0)) * (py - (y + s / 2.0)) <= s * s / 4.0,
            // Apex at the middle of the top edge, base along the bottom edge: half the width at depth d is d / 2.
            "triangle" => py >= y && py <= y + s && Math.Abs(px - cx) <= (py - y) / 2.0,
            _ => throw new ArgumentException($"unknown shape '{shape}'"),
        };
    }
}

public static class Edition2Renderer
{
    /// <summary>A random scene of one or two objects whose boxes stay inside the frame for the whole clip.</summary>
    public static Edition2Scene RandomScene(Random rng, ClipGeometry geometry, Edition2Draw draw, int? objectCount = null)
    {
        for (var attempt = 0; attempt < 10_000; attempt++)
        {
            var background = Pick(rng, Edition2Vocabulary.Backgrounds);
            var count = objectCount ?? 1 + rng.Next(2);
            var attributes = Enumerable.Range(0, count).Select(_ => new Edition2Object(
                Pick(rng, Edition2Vocabulary.Shapes), Pick(rng, Edition2Vocabulary.Colors), Pick(rng, Edition2Vocabulary.Sizes),
                Pick(rng, Edition2Vocabulary.Motions), 0, 0)).ToList();
            if (count == 2 && attributes[0].Shape == attributes[1].Shape && attributes[0].Color == attributes[1].Color) continue;
            var withheld = attributes.Any(o => Edition2Vocabulary.IsWithheld(o, background));
            if (withheld != (draw == Edition2Draw.Withheld)) continue;
            if (Place(rng, geometry, attributes) is { } placed) return new Edition2Scene(background, placed);
        }
        throw new InvalidOperationException($"no scene fits a {geometry.Width}x{geometry.Height} frame");
    }

    /// <summary>Start positions keeping every box inside the frame, two boxes' centres a large side apart horizontally; leftmost first.</summary>
    private static IReadOnlyList<Edition2Object>? Place(Random rng, ClipGeometry geometry, IReadOnlyList<Edition2Object> objects)
    {
        double StartIn(double free, double travel) =>
            travel >= 0 ? rng.NextDouble() * (free - travel) : -travel + rng.NextDouble() * (free + travel);
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var placed = objects.Select(o =>
            {
                var side = Edition2Geometry.Side(geometry, o.Size);
                var (dx, dy) = geometry.Travel(side, o.Motion);
                return o with { StartX = Math.Round(StartIn(geometry.Width - side, dx)), StartY = Math.Round(StartIn(geometry.Height - side, dy)) };
            }).ToList();
            if (placed.Count == 2)
            {
                double Centre(Edition2Object o) => o.StartX + Edition2Geometry.Side(geometry, o.Size) / 2.0;
                if (Math.Abs(Centre(placed[0]) - Centre(placed[1])) < Edition2Geometry.LargeSide(geometry)) continue;
            }
            return placed.OrderBy(o => o.StartX).ToList();
        }
        return null;
    }

    /// <summary>Draws frame <paramref name="frameIndex"/> at full size as packed RGB24: a pixel is an object's when its centre is inside the shape.</summary>
    public static void RenderRgb24(Edition2Scene scene, ClipGeometry geometry, int frameIndex, Span<byte> rgb)
    {
        var bg = WorldVocabulary.ColorRgb[scene.Background];
        for (var i = 0; i < geometry.Width * geometry.Height; i++)
        {
            rgb[3 * i] = bg[0]; rgb[3 * i + 1] = bg[1]; rgb[3 * i + 2] = bg[2];
        }
        var time = (double)frameIndex / geometry.FramesPerSecond;
        foreach (var o in scene.Objects)
        {
            var fg = WorldVocabulary.ColorRgb[o.Color];
            foreach (var (col, row) in ShapeBox.Of(o, geometry, time).Pixels(geometry))
            {
                var p = 3 * (row * geometry.Width + col);
                rgb[p] = fg[0]; rgb[p + 1] = fg[1]; rgb[p + 2] = fg[2];
            }
        }
    }

    /// <summary>
    /// Draws a frame straight at the model's size as an area downscale of the full frame would: each full-size pixel
    /// goes to the object <see cref="RenderRgb24"/> paints it with (the later one where two overlap) and gives that
    /// object its overlap with each model pixel. The shares are disjoint, so a model pixel is the background plus each
    /// object's share of the difference: composing the objects one over the other by coverage instead would mix the
    /// first object's colour into a pixel the second covers only in part, even where the two do not overlap.
    /// </summary>
    /// <param name="chw">3 x height x width floats in [0, 1], channel-major.</param>
    public static void RenderScaled(Edition2Scene scene, ClipGeometry geometry, double time, int width, int height, Span<float> chw)
    {
        var plane = width * height;
        var bg = WorldVocabulary.ColorRgb[scene.Background];
        for (var c = 0; c < 3; c++) chw.Slice(c * plane, plane).Fill(bg[c] / 255f);
        var sx = (double)width / geometry.Width;
        var sy = (double)height / geometry.Height;
        var coverage = new float[plane];
        var boxes = scene.Objects.Select(o => ShapeBox.Of(o, geometry, time)).ToList();
        for (var i = 0; i < boxes.Count; i++)
        {
            Array.Clear(coverage);
            foreach (var (col, row) in boxes[i].Pixels(geometry))
            {
                if (CoveredByLater(boxes, i, col, row)) continue;
                // The source pixel [col, col+1) x [row, row+1) lands on [col*sx, (col+1)*sx) x [row*sy, (row+1)*sy).
                Spread(coverage, width, height, col * sx, (col + 1) * sx, row * sy, (row + 1) * sy);
            }
            var fg = WorldVocabulary.ColorRgb[scene.Objects[i].Color];
            for (var p = 0; p < plane; p++)
            {
                var a = Math.Min(1f, coverage[p]);
                if (a == 0) continue;
                for (var c = 0; c < 3; c++) chw[c * plane + p] += (fg[c] - bg[c]) / 255f * a;
            }
        }
    }

    private static bool CoveredByLater(IReadOnlyList<ShapeBox> boxes, int index, int col, int row)
    {
        for (var j = index + 1; j < boxes.Count; j++)
        {
            if (boxes[j].Covers(col, row)) return true;
        }
        return false;
    }

    /// <summary>An object's shape in its box at one moment, the box on whole pixels.</summary>
    private readonly record struct ShapeBox(string Shape, double X, double Y, int Side)
    {
        public static ShapeBox Of(Edition2Object o, ClipGeometry geometry, double time)
        {
            var (x, y) = Edition2Geometry.Position(geometry, o, time);
            return new ShapeBox(o.Shape, Math.Round(x), Math.Round(y), Edition2Geometry.Side(geometry, o.Size));
        }

        /// <summary>Whether the full-size pixel's centre is inside the shape.</summary>
        public bool Covers(int col, int row) => Edition2Geometry.Inside(Shape, X, Y, Side, col + 0.5, row + 0.5);

        /// <summary>The full-size pixels of the frame the shape covers.</summary>
        public IEnumerable<(int Col, int Row)> Pixels(ClipGeometry geometry)
        {
            for (var row = Math.Max(0, (int)Y); row < Math.Min(geometry.Height, (int)Y + Side); row++)
            for (var col = Math.Max(0, (int)X); col < Math.Min(geometry.Width, (int)X + Side); col++)
            {
                if (Covers(col, row)) yield return (col, row);
            }
        }
    }

    private static void Spread(float[] coverage, int width, int height, double left, double right, double top, double bottom)
    {
        for (var r = Math.Max(0, (int)top); r < Math.Min(height, (int)Math.Ceiling(bottom)); r++)
        {
            var oy = Math.Min(r + 1, bottom) - Math.Max(r, top);
            if (oy <= 0) continue;
            for (var c = Math.Max(0, (int)left); c < Math.Min(width, (int)Math.Ceiling(right)); c++)
            {
                var ox = Math.Min(c + 1, right) - Math.Max(c, left);
                if (ox > 0) coverage[r * width + c] += (float)(ox * oy);
            }
        }
    }

    private static string Pick(Random rng, string[] options) => options[rng.Next(options.Length)];
}
