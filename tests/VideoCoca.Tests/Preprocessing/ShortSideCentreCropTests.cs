using System.Diagnostics;
using VideoCoca.Configuration;
using VideoCoca.Media;
using VideoCoca.Preprocessing;

namespace VideoCoca.Tests.Preprocessing;

public sealed class ShortSideCentreCropTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vcp-crop-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // Expected values as torchvision computes them: Resize(224) scales the short side to 224 and truncates the long
    // side (int(224 * long / short)); CenterCrop(224) offsets by int(round((size - 224) / 2.0)), half to even.
    [Theory]
    [InlineData(640, 480, 298, 224, 37, 0)]
    [InlineData(480, 640, 224, 298, 0, 37)]
    [InlineData(1920, 1080, 398, 224, 87, 0)]
    [InlineData(300, 300, 224, 224, 0, 0)]
    [InlineData(100, 50, 448, 224, 112, 0)]
    [InlineData(1335, 1000, 299, 224, 38, 0)] // (299 - 224) / 2 = 37.5 rounds to 38
    [InlineData(1327, 1000, 297, 224, 36, 0)] // (297 - 224) / 2 = 36.5 rounds to 36
    public void SquareTargetsFollowTorchvision(int width, int height, int scaledWidth, int scaledHeight, int cropX, int cropY) =>
        Assert.Equal(new ShortSideCrop(scaledWidth, scaledHeight, cropX, cropY), ResizeGeometry.ShortSideCentreCrop(width, height, 224, 224));

    [Fact]
    public void NonSquareTargetsAreCoveredThenCropped()
    {
        Assert.Equal(new ShortSideCrop(64, 48, 0, 0), ResizeGeometry.ShortSideCentreCrop(320, 240, 64, 48));
        Assert.Equal(new ShortSideCrop(85, 48, 10, 0), ResizeGeometry.ShortSideCentreCrop(1920, 1080, 64, 48));
        Assert.Equal(new ShortSideCrop(64, 85, 0, 18), ResizeGeometry.ShortSideCentreCrop(1080, 1440, 64, 48));
    }

    [Fact]
    public async Task FfmpegCropsTheCentreOfAWideVideo()
    {
        // 320x240, red left half, blue right half: scaled to 298x224, the crop from x = 37 puts the edge at x = 112.
        var path = Path.Combine(_folder, "wide.mp4");
        Ffmpeg($"-f lavfi -i color=red:s=160x240:d=0.2:r=10 -f lavfi -i color=blue:s=160x240:d=0.2:r=10 -filter_complex hstack -pix_fmt yuv420p -y {path}");
        var video = await VideoFrameReader.ReadAsync(path, 224, 224, ResizeMode.ShortSideCentreCrop);
        Assert.Equal((224, 224), (video.Width, video.Height));
        Assert.True(video.FrameCount >= 1);
        Assert.Equal(Colour.Red, At(video, 2, 112));
        Assert.Equal(Colour.Red, At(video, 104, 112));
        Assert.Equal(Colour.Blue, At(video, 120, 112));
        Assert.Equal(Colour.Blue, At(video, 221, 112));
    }

    private enum Colour { Red, Blue, Other }

    private static Colour At(DecodedVideo video, int x, int y)
    {
        var i = (y * video.Width + x) * 3;
        var (r, g, b) = (video.Rgb24[i], video.Rgb24[i + 1], video.Rgb24[i + 2]);
        if (r > 200 && g < 60 && b < 60) return Colour.Red;
        if (b > 200 && r < 60 && g < 60) return Colour.Blue;
        return Colour.Other;
    }

    private static void Ffmpeg(string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo("ffmpeg", "-v error " + arguments) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
    }
}
