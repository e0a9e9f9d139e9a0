using System.Diagnostics;

namespace VideoCoca.Tests.World;

/// <summary>Labelled world sets drawn by scripts/render-world-ffmpeg.sh: ffmpeg's own filters, none of the project's rendering code.</summary>
public static class FfmpegWorldSets
{
    /// <summary>Runs the script with <paramref name="arguments"/> (its options, then OUT COUNT SEED) and fails the test if it fails.</summary>
    public static async Task RenderAsync(params string[] arguments)
    {
        var script = Path.Combine(TestPaths.RepositoryRoot, "scripts", "render-world-ffmpeg.sh");
        using var render = Process.Start(new ProcessStartInfo("bash", [script, .. arguments]) { RedirectStandardOutput = true })!;
        await render.WaitForExitAsync();
        Assert.Equal(0, render.ExitCode);
    }
}
