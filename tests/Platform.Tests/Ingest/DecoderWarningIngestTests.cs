using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VideoCoca.Ingest;

namespace VideoCoca.Platform.Tests.Ingest;

/// <summary>
/// The silo's ffmpeg side on videos that real cameras make: a length that is not a multiple of the clip length, a
/// frame whose slice header is damaged, and a video most of whose frames are.
/// </summary>
public sealed class DecoderWarningIngestTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"vcp-decoder-tests-{Guid.NewGuid():N}");
    private readonly IngestOptions _options = new();
    private FfmpegVideoIngestor _ingestor = null!;

    public Task InitializeAsync()
    {
        _ingestor = new FfmpegVideoIngestor(Options.Create(_options), NullLogger<FfmpegVideoIngestor>.Instance);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact(Timeout = 120_000)]
    public async Task EverySecondOfA9Point3SecondVideoLiesInAClipAndTheLastEndsAtItsEnd()
    {
        var video = await DamagedVideos.EncodeAsync(Path.Combine(_folder, "tail.mp4"), frames: 279, frameRate: 30);
        var (clips, job) = await ExtractAsync(video);

        Assert.Equal([(0.0, 4.0), (4.0, 8.0), (8.0, 9.3)], clips.Select(c => (Math.Round(c.Clip.Start, 6), Math.Round(c.Clip.End, 6))));
        var frameBytes = _options.FramesPerClip * _options.FrameHeight * _options.FrameWidth * 3;
        Assert.All(clips, c => Assert.Equal(frameBytes, new FileInfo(c.FramesPath).Length));
        Assert.All(clips, c => Assert.True(c.ThumbnailPath is { } jpeg && File.Exists(jpeg), $"clip {c.Clip.Index} has no thumbnail"));
        // The last clip's frames are its own (the 1.3 s tail), not a copy of the clip before.
        Assert.NotEqual(await File.ReadAllBytesAsync(clips[1].FramesPath), await File.ReadAllBytesAsync(clips[2].FramesPath));
        Assert.Empty(job.Warnings);
    }

    [Fact(Timeout = 120_000)]
    public async Task AVideoWithOneUndecodableFrameIsCutWholeAndSaysSo()
    {
        var clean = await DamagedVideos.EncodeAsync(Path.Combine(_folder, "clean.mp4"), frames: 100);
        var video = await DamagedVideos.DamageSliceHeadersAsync(clean, Path.Combine(_folder, "one-bad-frame.mp4"), (i, _) => i == 5);
        var decode = await DamagedVideos.DecodeAsync(video);
        Assert.True((decode.Frames, decode.Packets) == (99, 100) && decode.Errors.Length > 0,
            $"the fixture should decode 99 of 100 frames with errors; ffprobe says {decode}");

        var (clips, job) = await ExtractAsync(video);

        Assert.Single(clips);
        Assert.Equal("ffmpeg: 1 of 100 frames could not be decoded", job.Warnings[0]);
        Assert.Contains(job.Warnings, w => w.Contains("h264", StringComparison.Ordinal));
        Assert.InRange(job.Warnings.Count, 2, DecoderMessages.MaxWarnings);
        Assert.All(job.Warnings, w => Assert.InRange(w.Length, 1, DecoderMessages.MaxWarningLength));
    }

    [Fact(Timeout = 120_000)]
    public async Task AVideoMostOfWhoseFramesDoNotDecodeIsRefused()
    {
        var clean = await DamagedVideos.EncodeAsync(Path.Combine(_folder, "clean.mp4"), frames: 100);
        var video = await DamagedVideos.DamageSliceHeadersAsync(clean, Path.Combine(_folder, "mostly-bad.mp4"), (_, key) => !key);
        Assert.Equal(10, (await DamagedVideos.DecodeAsync(video)).Frames);

        var error = await Assert.ThrowsAsync<IngestException>(() => ExtractAsync(video));
        Assert.Contains("could not be decoded", error.Message);
    }

    private async Task<(List<ExtractedClip> Clips, ExtractionJob Job)> ExtractAsync(string video)
    {
        var probe = await _ingestor.ProbeAsync(video, CancellationToken.None);
        var plan = ClipPlan.Plan(probe.FrameCount, probe.FrameRate, _options.ClipLengthSeconds, _options.OverlapSeconds, _options.FramesPerClip);
        var job = new ExtractionJob(video, Path.Combine(_folder, $"clips-{Guid.NewGuid():N}"), plan, _options.FramesPerClip, probe.FrameCount);
        var clips = new List<ExtractedClip>();
        await foreach (var clip in _ingestor.ExtractAsync(job, CancellationToken.None))
        {
            clips.Add(clip);
        }
        return (clips, job);
    }
}
