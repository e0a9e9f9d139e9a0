using System.Diagnostics;
using VideoCoca.World;

namespace VideoCoca.Platform.Tests.Silo;

/// <summary>World videos (the model's own test material) and bad inputs, made once for the silo tests, under a temporary folder that also serves as blob root.</summary>
public sealed class WorldVideosFixture : IAsyncLifetime
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), $"vcp-silo-tests-{Guid.NewGuid():N}");

    public string BlobRoot => Path.Combine(Folder, "blobs");

    /// <summary>3 scenes of 4 s: 12 s, 300 frames at 25 fps, 320x240.</summary>
    public string ThreeScenes { get; private set; } = "";

    /// <summary>10 scenes: 40 s.</summary>
    public string TenScenes { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Folder);
        ThreeScenes = await GenerateAsync("three", seed: 7, scenes: 3);
        TenScenes = await GenerateAsync("ten", seed: 11, scenes: 10);
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }

    /// <summary>A copy of a file as an upload: <c>&lt;blob root&gt;/uploads/&lt;id&gt;&lt;ext&gt;</c>.</summary>
    public string Upload(string source, Guid videoId)
    {
        var target = Path.Combine(BlobRoot, "uploads", videoId.ToString("N") + Path.GetExtension(source));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(source, target, overwrite: true);
        return target;
    }

    public async Task<string> TextFileAsync()
    {
        var path = Path.Combine(Folder, "notes.txt");
        await File.WriteAllTextAsync(path, "This is not a video.\nIt is a short note.\n");
        return path;
    }

    /// <summary>Three seconds of a sine tone, AAC in mp4: a media file with no video stream.</summary>
    public async Task<string> AudioOnlyAsync()
    {
        var path = Path.Combine(Folder, "tone.m4a");
        await FfmpegAsync("-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-c:a", "aac", path);
        return path;
    }

    /// <summary>The 3-scene video with its index moved to the front and its data cut at 60%: probes fine, fails mid-decode.</summary>
    public async Task<string> TruncatedAsync()
    {
        var whole = Path.Combine(Folder, "faststart.mp4");
        await FfmpegAsync("-i", ThreeScenes, "-c", "copy", "-movflags", "+faststart", whole);
        var bytes = await File.ReadAllBytesAsync(whole);
        var path = Path.Combine(Folder, "truncated.mp4");
        await File.WriteAllBytesAsync(path, bytes.AsSpan(0, bytes.Length * 6 / 10).ToArray());
        return path;
    }

    private async Task<string> GenerateAsync(string name, int seed, int scenes)
    {
        var folder = Path.Combine(Folder, name);
        await WorldSetGenerator.GenerateAsync(folder, new WorldSetOptions(1, seed, scenes, ClipGeometry.Reference));
        return Path.Combine(folder, "clip000.mp4");
    }

    private static async Task FfmpegAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-hide_banner", "-nostdin", "-v", "error", "-y" }.Concat(arguments)) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"ffmpeg {string.Join(' ', arguments)}: {errors}");
    }
}
