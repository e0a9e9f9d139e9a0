using VideoCoca.World;
using VideoCoca.World.EditionTwo;

namespace VideoCoca.Tests.World.EditionTwo;

/// <summary>Random scenes keep world-v2.md's rules; frames show the shapes it describes, drawn full size or straight at a model's size.</summary>
public sealed class Edition2RendererTests
{
    private static readonly ClipGeometry Reference = ClipGeometry.Reference;

    /// <summary>Reference, the smallest frame, a portrait one and a 16:9 one.</summary>
    public static TheoryData<int, int> Frames => new() { { 320, 240 }, { 128, 96 }, { 96, 128 }, { 256, 144 } };

    private static IReadOnlyList<Edition2Scene> Draw(ClipGeometry geometry, Edition2Draw draw, int count = 400)
    {
        var rng = new Random(20261201);
        return Enumerable.Range(0, count).Select(_ => Edition2Renderer.RandomScene(rng, geometry, draw)).ToList();
    }

    [Theory]
    [MemberData(nameof(Frames))]
    public void Training_draws_never_show_a_withheld_combination_and_withheld_draws_always_do(int width, int height)
    {
        var geometry = new ClipGeometry(width, height, 4);
        Assert.DoesNotContain(Draw(geometry, Edition2Draw.Training), s => s.HasWithheldCombination);
        Assert.All(Draw(geometry, Edition2Draw.Withheld), s => Assert.True(s.HasWithheldCombination, s.Caption));
    }

    [Theory]
    [MemberData(nameof(Frames))]
    public void Two_objects_differ_start_a_large_side_apart_and_come_leftmost_first(int width, int height)
    {
        var geometry = new ClipGeometry(width, height, 4);
        var scenes = Draw(geometry, Edition2Draw.Training);
        var pairs = scenes.Where(s => s.Objects.Count == 2).ToList();
        Assert.InRange(pairs.Count, scenes.Count / 4, scenes.Count * 3 / 4);
        Assert.Equal(Edition2Vocabulary.Shapes.Order(), scenes.SelectMany(s => s.Objects).Select(o => o.Shape).Distinct().Order());
        foreach (var scene in pairs)
        {
            var (a, b) = (scene.Objects[0], scene.Objects[1]);
            Assert.False(a.Shape == b.Shape && a.Color == b.Color, scene.Caption);
            double Centre(Edition2Object o) => o.StartX + Edition2Geometry.Side(geometry, o.Size) / 2.0;
            Assert.True(Centre(b) - Centre(a) >= Edition2Geometry.LargeSide(geometry), $"{scene.Caption}: centres {Centre(a)} and {Centre(b)}");
            Assert.True(a.StartX < b.StartX, $"{scene.Caption}: the first object's box starts at {a.StartX}, the second's at {b.StartX}");
        }
    }

    [Theory]
    [MemberData(nameof(Frames))]
    public void Every_box_stays_inside_the_frame_from_first_frame_to_last(int width, int height)
    {
        var geometry = new ClipGeometry(width, height, 4);
        foreach (var o in Draw(geometry, Edition2Draw.Training).Concat(Draw(geometry, Edition2Draw.Withheld)).SelectMany(s => s.Objects))
        {
            var side = Edition2Geometry.Side(geometry, o.Size);
            foreach (var t in new[] { 0, geometry.Duration / 2, geometry.Duration })
            {
                // Where the box is, and where it is drawn (on whole pixels).
                var (x, y) = Edition2Geometry.Position(geometry, o, t);
                Assert.InRange(x, 0, width - side);
                Assert.InRange(y, 0, height - side);
                Assert.InRange(Math.Round(x), 0, width - side);
                Assert.InRange(Math.Round(y), 0, height - side);
            }
        }
    }

    private static byte[] Frame(Edition2Scene scene, ClipGeometry geometry, int index = 0)
    {
        var rgb = new byte[geometry.Width * geometry.Height * 3];
        Edition2Renderer.RenderRgb24(scene, geometry, index, rgb);
        return rgb;
    }

    private static string ColorAt(byte[] rgb, int width, int col, int row)
    {
        var p = 3 * (row * width + col);
        return WorldVocabulary.ColorRgb.Single(c => c.Value.AsSpan().SequenceEqual(rgb.AsSpan(p, 3))).Key;
    }

    [Fact]
    public void A_circle_leaves_its_box_corners_to_the_background_and_fills_its_centre()
    {
        // Large at 320x240: a box of side 80 from (100, 80) to (179, 159).
        var rgb = Frame(new Edition2Scene("gray", [new("circle", "red", "large", "still", 100, 80)]), Reference);
        foreach (var (col, row) in new[] { (100, 80), (179, 80), (100, 159), (179, 159) }) Assert.Equal("gray", ColorAt(rgb, 320, col, row));
        Assert.Equal("red", ColorAt(rgb, 320, 140, 120));
        // The disc touches the middle of each side of its box.
        foreach (var (col, row) in new[] { (139, 80), (100, 119), (179, 120), (140, 159) }) Assert.Equal("red", ColorAt(rgb, 320, col, row));
    }

    [Fact]
    public void A_triangles_apex_row_is_narrow_at_the_middle_and_its_base_row_is_the_boxs_width()
    {
        var rgb = Frame(new Edition2Scene("black", [new("triangle", "white", "large", "still", 100, 80)]), Reference);
        int[] Whites(int row) => Enumerable.Range(0, 320).Where(col => ColorAt(rgb, 320, col, row) == "white").ToArray();
        var rows = Enumerable.Range(0, 240).Where(row => Whites(row).Length > 0).ToArray();
        // A pixel is drawn when its centre is inside: the apex, a point on the box's top edge, shows from the row below it.
        Assert.InRange(rows.Min(), 80, 81);
        Assert.Equal(159, rows.Max());
        var apex = Whites(rows.Min());
        Assert.InRange(apex.Length, 1, 2);
        Assert.All(apex, col => Assert.InRange(col, 139, 140));
        Assert.InRange(Whites(120).Length, 38, 42);
        var baseRow = Whites(159);
        Assert.InRange(baseRow.Length, 78, 80);
        Assert.InRange(baseRow.Min(), 100, 101);
        Assert.InRange(baseRow.Max(), 178, 179);
    }

    /// <summary>A red square and, listed second, a blue circle that overlaps it and moves on over it, both large, on black.</summary>
    private static readonly Edition2Scene Overlapping = new("black",
    [
        new("square", "red", "large", "still", 100, 80),
        new("circle", "blue", "large", "left", 140, 100),
    ]);

    [Fact]
    public void The_object_listed_second_is_drawn_on_top()
    {
        var rgb = Frame(Overlapping, Reference);
        // (170, 130) is inside both: the circle's centre is (180, 140), 14 px away.
        Assert.Equal("blue", ColorAt(rgb, 320, 170, 130));
        Assert.Equal("red", ColorAt(rgb, 320, 105, 85));
        Assert.Equal("blue", ColorAt(rgb, 320, 215, 140));
        var swapped = Frame(Overlapping with { Objects = [Overlapping.Objects[1], Overlapping.Objects[0]] }, Reference);
        Assert.Equal("red", ColorAt(swapped, 320, 170, 130));
    }

    /// <summary>Each model pixel the mean of the full-size pixels under it, weighted by how much of each it covers.</summary>
    private static float[] AreaAverage(byte[] rgb, ClipGeometry geometry, int width, int height)
    {
        var (fx, fy) = ((double)geometry.Width / width, (double)geometry.Height / height);
        var plane = width * height;
        var chw = new float[3 * plane];
        for (var row = 0; row < height; row++)
        for (var col = 0; col < width; col++)
        {
            var (top, bottom, left, right) = (row * fy, (row + 1) * fy, col * fx, (col + 1) * fx);
            var sums = new double[3];
            for (var sr = (int)top; sr < Math.Min(geometry.Height, Math.Ceiling(bottom)); sr++)
            for (var sc = (int)left; sc < Math.Min(geometry.Width, Math.Ceiling(right)); sc++)
            {
                var weight = (Math.Min(sr + 1, bottom) - Math.Max(sr, top)) * (Math.Min(sc + 1, right) - Math.Max(sc, left));
                for (var c = 0; c < 3; c++) sums[c] += weight * rgb[3 * (sr * geometry.Width + sc) + c];
            }
            for (var c = 0; c < 3; c++) chw[c * plane + row * width + col] = (float)(sums[c] / (fx * fy) / 255);
        }
        return chw;
    }

    [Theory]
    [InlineData(64, 48)]
    [InlineData(112, 112)]
    [InlineData(100, 70)]
    public void Drawing_at_the_models_size_gives_the_full_frame_area_averaged(int width, int height)
    {
        var rng = new Random(7);
        var scenes = new[] { Overlapping }.Concat(Enumerable.Range(0, 6).Select(i =>
            Edition2Renderer.RandomScene(rng, Reference, i % 2 == 0 ? Edition2Draw.Training : Edition2Draw.Withheld, objectCount: 2)));
        foreach (var scene in scenes)
        foreach (var frame in new[] { 0, 37, 99 })
        {
            var expected = AreaAverage(Frame(scene, Reference, frame), Reference, width, height);
            var scaled = new float[3 * width * height];
            Edition2Renderer.RenderScaled(scene, Reference, (double)frame / Reference.FramesPerSecond, width, height, scaled);
            var worst = expected.Zip(scaled, (e, s) => Math.Abs(e - s)).Max();
            Assert.True(worst < 1e-4, $"'{scene.Caption}' frame {frame} at {width}x{height}: a value off by {worst}");
        }
    }
}
