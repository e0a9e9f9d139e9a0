using VideoCoca.Configuration;
using VideoCoca.Media;
using VideoCoca.World;

namespace VideoCoca.Tests.World;

public sealed class WorldVideoTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vcp-world-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Centre of the pixels that differ from the background, in a decoded RGB24 frame.</summary>
    private static (double X, double Y) Centroid(DecodedVideo video, int frame, byte[] background)
    {
        double sx = 0, sy = 0, n = 0;
        var offset = frame * video.FrameBytes;
        for (var y = 0; y < video.Height; y++)
        for (var x = 0; x < video.Width; x++)
        {
            var p = offset + 3 * (y * video.Width + x);
            var distance = Math.Abs(video.Rgb24[p] - background[0]) + Math.Abs(video.Rgb24[p + 1] - background[1]) + Math.Abs(video.Rgb24[p + 2] - background[2]);
            if (distance > 60) { sx += x; sy += y; n++; }
        }
        Assert.True(n > 0, "no square found in the frame");
        return (sx / n, sy / n);
    }

    [Fact]
    public async Task Generated_clips_decode_to_the_labelled_motion()
    {
        var written = await WorldSetGenerator.GenerateAsync(_folder, new WorldSetOptions(6, 11, 1, ClipGeometry.Reference));
        Assert.Equal(6, written);
        var set = LabelledSet.Load(_folder);
        Assert.Equal(6, set.Labels.Count);
        foreach (var label in set.Labels)
        {
            Assert.Equal(WorldVocabulary.Caption(label.Size, label.Color, label.Motion), label.Caption);
            var video = await VideoFrameReader.ReadAsync(set.PathOf(label), 320, 240, ResizeMode.Stretch);
            Assert.Equal(100, video.FrameCount);
            Assert.Equal(25, video.FrameRate, 3);
            var background = label.Caption.Length > 0 ? WorldVocabulary.ColorRgb[Background(video)] : [];
            var (x0, y0) = Centroid(video, 0, background);
            var (x1, y1) = Centroid(video, 99, background);
            var (dx, dy) = (x1 - x0, y1 - y0);
            var observed = Math.Max(Math.Abs(dx), Math.Abs(dy)) < 5 ? "still"
                : Math.Abs(dx) > Math.Abs(dy) ? (dx > 0 ? "right" : "left") : (dy > 0 ? "down" : "up");
            Assert.Equal(label.Motion, observed);
        }
    }

    private static string Background(DecodedVideo video) => video.Rgb24[0] > 32 ? "gray" : "black";

    [Fact]
    public async Task Several_scenes_make_one_video_split_into_one_clip_a_scene()
    {
        await WorldSetGenerator.GenerateAsync(_folder, new WorldSetOptions(1, 5, 3, ClipGeometry.Reference));
        var video = await VideoFrameReader.ReadAsync(Path.Combine(_folder, "clip000.mp4"), 64, 48, ResizeMode.Stretch);
        Assert.Equal(12, video.Duration, 1);
        Assert.Equal([(0.0, 4.0), (4.0, 8.0), (8.0, 12.0)], ClipWindows.Split(video.Duration, 4));
        Assert.Equal(3, File.ReadAllLines(Path.Combine(_folder, "scenes.jsonl")).Length);
    }

    [Fact]
    public void Windows_overlap_and_keep_a_short_tail_to_the_true_end()
    {
        Assert.Equal([(0.0, 4.0), (3.0, 7.0), (6.0, 10.0)], ClipWindows.Split(10, 4, overlap: 1));
        Assert.Equal([(0.0, 4.0), (3.0, 7.0), (6.0, 10.0), (9.0, 10.5)], ClipWindows.Split(10.5, 4, overlap: 1));
        // The last second once fell out of every clip.
        Assert.Equal([(0.0, 4.0), (4.0, 5.0)], ClipWindows.Split(5, 4));
        Assert.Equal([(0.0, 4.0), (4.0, 8.0), (8.0, 9.3)], ClipWindows.Split(9.3, 4, 0, 30));
        Assert.Equal([(0.0, 1.5)], ClipWindows.Split(1.5, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClipWindows.Split(10, 4, overlap: 4));
    }

    [Fact]
    public void A_tail_of_less_than_a_frame_lengthens_the_last_window_and_one_frame_is_a_clip()
    {
        // 240 frames at 29.97 fps end 8 ms after the second window: not a clip of its own.
        var ntsc = 30000 / 1001.0;
        var windows = ClipWindows.Split(240 / ntsc, 4, 0, ntsc);
        Assert.Equal(2, windows.Count);
        Assert.Equal(240 / ntsc, windows[^1].End);
        // 201 frames at 25 fps: the 201st is a clip of one frame.
        Assert.Equal([(0.0, 4.0), (4.0, 8.0), (8.0, 201 / 25.0)], ClipWindows.Split(201 / 25.0, 4, 0, 25));
        // A video of less than a frame is still one clip.
        Assert.Equal([(0.0, 0.01)], ClipWindows.Split(0.01, 4, 0, 25));
    }

    [Fact]
    public async Task A_truncated_mp4_is_refused_with_a_clear_message()
    {
        await WorldSetGenerator.GenerateAsync(_folder, new WorldSetOptions(1, 3, 1, ClipGeometry.Reference));
        var whole = await File.ReadAllBytesAsync(Path.Combine(_folder, "clip000.mp4"));
        var truncated = Path.Combine(_folder, "truncated.mp4");
        await File.WriteAllBytesAsync(truncated, whole[..(whole.Length / 3)]);
        var error = await Assert.ThrowsAsync<UserInputException>(() => VideoFrameReader.ReadAsync(truncated, 64, 48, ResizeMode.Stretch));
        Assert.Contains("truncated.mp4", error.Message);
    }
}
