using FFMpegCore;

namespace VideoCoca.World;

/// <summary>Draws frame <c>frame</c> of scene <c>scene</c> as packed RGB24.</summary>
public delegate void RenderFrame(int scene, int frame, Span<byte> rgb);

/// <summary>Encodes rendered world scenes as H.264 yuv420p mp4, one scene after another.</summary>
public static class WorldVideoWriter
{
    public static Task WriteAsync(string path, IReadOnlyList<WorldScene> scenes, ClipGeometry geometry, CancellationToken cancellationToken = default) =>
        WriteAsync(path, scenes.Count, geometry, (scene, frame, rgb) => WorldRenderer.RenderRgb24(scenes[scene], geometry, frame, rgb), cancellationToken);

    /// <summary>Encodes <paramref name="sceneCount"/> scenes of the geometry's length, each frame drawn by <paramref name="render"/> (scene, frame, RGB24).</summary>
    public static async Task WriteAsync(string path, int sceneCount, ClipGeometry geometry, RenderFrame render, CancellationToken cancellationToken = default)
    {
        // ffmpeg 5.1 will not read raw frames from a pipe through FFMpegCore on Linux, so the frames go through a file.
        var raw = Path.Combine(Path.GetTempPath(), $"vcp-world-{Guid.NewGuid():N}.rgb");
        try
        {
            var frameBytes = geometry.Width * geometry.Height * 3;
            var frame = new byte[frameBytes];
            await using (var file = new FileStream(raw, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                for (var scene = 0; scene < sceneCount; scene++)
                {
                    for (var i = 0; i < geometry.FrameCount; i++)
                    {
                        render(scene, i, frame);
                        await file.WriteAsync(frame, cancellationToken);
                    }
                }
            }
            var result = await FFMpegArguments
                .FromFileInput(raw, verifyExists: true, o => o.WithCustomArgument($"-f rawvideo -pix_fmt rgb24 -s {geometry.Width}x{geometry.Height} -r {geometry.FramesPerSecond}"))
                .OutputToFile(path, overwrite: true, o => o.WithCustomArgument("-c:v libx264 -preset veryfast -pix_fmt yuv420p -an"))
                .ProcessAsynchronously(throwOnError: false, ffOptions: null, cancellationToken);
            if (result.ExitCode != 0)
                throw new IOException($"ffmpeg could not encode '{path}': {LastLine(result.StandardError)}");
        }
        finally
        {
            File.Delete(raw);
        }
    }

    private static string LastLine(IEnumerable<string>? lines) =>
        lines?.LastOrDefault(l => !string.IsNullOrWhiteSpace(l))?.Trim() ?? "no message";
}
