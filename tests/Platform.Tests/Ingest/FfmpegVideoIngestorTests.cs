using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VideoCoca.Ingest;
using VideoCoca.World;

namespace VideoCoca.Platform.Tests.Ingest;

/// <summary>The ffmpeg side of ingest on its own (no silo, no stack): videos cut into many clips.</summary>
public sealed class FfmpegVideoIngestorTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"vcp-ingest-tests-{Guid.NewGuid():N}");
    private string _video = "";

    public async Task InitializeAsync()
    {
        // 15 scenes of 4 s: 60 s, 1500 frames at 25 fps.
        await WorldSetGenerator.GenerateAsync(Path.Combine(_folder, "video"), new WorldSetOptions(1, 5, 15, ClipGeometry.Reference));
        _video = Path.Combine(_folder, "video", "clip000.mp4");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>ffmpeg's expression parser refuses a flat sum of about a hundred <c>eq(n, k)</c> terms: more clips than that once failed.</summary>
    [Fact(Timeout = 120_000)]
    public async Task AVideoOfMoreThanAHundredOverlappingClipsIsCutWhole()
    {
        var options = new IngestOptions { ClipLengthSeconds = 0.5, OverlapSeconds = 0.25 };
        var ingestor = new FfmpegVideoIngestor(Options.Create(options), NullLogger<FfmpegVideoIngestor>.Instance);
        var probe = await ingestor.ProbeAsync(_video, CancellationToken.None);
        Assert.Equal(1500, probe.FrameCount);
        var plan = ClipPlan.Plan(probe.FrameCount, probe.FrameRate, options.ClipLengthSeconds, options.OverlapSeconds, options.FramesPerClip);
        Assert.Equal(239, plan.Count);

        var clipsFolder = Path.Combine(_folder, "clips");
        var clips = new List<ExtractedClip>();
        await foreach (var clip in ingestor.ExtractAsync(new ExtractionJob(_video, clipsFolder, plan, options.FramesPerClip), CancellationToken.None))
        {
            clips.Add(clip);
        }

        Assert.Equal(plan.Select(c => c.Index), clips.Select(c => c.Clip.Index));
        var frameBytes = options.FramesPerClip * options.FrameHeight * options.FrameWidth * 3;
        Assert.All(clips, c => Assert.Equal(frameBytes, new FileInfo(c.FramesPath).Length));
        Assert.All(clips, c => Assert.True(c.ThumbnailPath is { } jpeg && File.Exists(jpeg), $"clip {c.Clip.Index} has no thumbnail"));
        // Only the clips' files are left: the work folder is gone.
        Assert.Equal(2 * plan.Count, Directory.GetFileSystemEntries(clipsFolder).Length);
    }
}
