using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VideoCoca.Ingest;
using VideoCoca.World;

namespace VideoCoca.Platform.Tests.Ingest;

/// <summary>
/// The split helpers (FFmpeg's libraries in a long-lived process) against the ffmpeg command they stand in for: the
/// same frames and thumbnails byte for byte, the same warnings and refusals, and a helper that dies mid-video or a
/// video it leaves to the command loses nothing.
/// </summary>
public sealed class SplitHelperTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"vcp-split-helper-tests-{Guid.NewGuid():N}");
    private readonly List<FfmpegVideoIngestor> _ingestors = [];
    private string _video = "";

    public async Task InitializeAsync()
    {
        // 15 scenes of 4 s: 60 s, 1500 frames at 25 fps, x264 with B-frames.
        await WorldSetGenerator.GenerateAsync(Path.Combine(_folder, "video"), new WorldSetOptions(1, 5, 15, ClipGeometry.Reference));
        _video = Path.Combine(_folder, "video", "clip000.mp4");
    }

    public Task DisposeAsync()
    {
        foreach (var ingestor in _ingestors) ingestor.Dispose();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Theory(Timeout = 180_000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AHelperSplitsAVideoAsTheCommandDoesByteForByte(bool skipUnusedFrames)
    {
        var (helper, helped) = await SplitAsync(_video, new IngestOptions { SkipUnusedFrames = skipUnusedFrames });
        var (_, commanded) = await SplitAsync(_video, new IngestOptions { SkipUnusedFrames = skipUnusedFrames, SplitHelpers = 0 });

        Assert.Null(helper.Helpers.Unavailable);
        Assert.Equal(1, helper.Helpers.Completed);
        Assert.Equal(15, helped.Clips.Count);
        await AssertSameSplitAsync(commanded, helped);
        Assert.Empty(helped.Warnings);
    }

    [Fact(Timeout = 180_000)]
    public async Task AVideoWithADamagedFrameWarnsAndOneMostlyDamagedIsRefusedAsByTheCommand()
    {
        var clean = await DamagedVideos.EncodeAsync(Path.Combine(_folder, "clean.mp4"), frames: 100);
        var oneBad = await DamagedVideos.DamageSliceHeadersAsync(clean, Path.Combine(_folder, "one-bad-frame.mp4"), (i, _) => i == 5);
        var (helper, helped) = await SplitAsync(oneBad, new IngestOptions());
        var (_, commanded) = await SplitAsync(oneBad, new IngestOptions { SplitHelpers = 0 });

        Assert.Equal(1, helper.Helpers.Completed);
        Assert.Equal("ffmpeg: 1 of 100 frames could not be decoded", helped.Warnings[0]);
        Assert.Equal(commanded.Warnings, helped.Warnings);
        await AssertSameSplitAsync(commanded, helped);

        var mostlyBad = await DamagedVideos.DamageSliceHeadersAsync(clean, Path.Combine(_folder, "mostly-bad.mp4"), (_, key) => !key);
        var byHelper = await Assert.ThrowsAsync<IngestException>(() => SplitAsync(mostlyBad, new IngestOptions()));
        var byCommand = await Assert.ThrowsAsync<IngestException>(() => SplitAsync(mostlyBad, new IngestOptions { SplitHelpers = 0 }));
        Assert.Equal(byCommand.Message, byHelper.Message);
    }

    /// <summary>The fault hook kills the helper once it has sent 40 frames: the command splits the video again and passes over those.</summary>
    [Fact(Timeout = 180_000)]
    public async Task AHelperThatDiesMidVideoLosesNoClip()
    {
        var (helper, helped) = await SplitAsync(_video, new IngestOptions { SplitHelperFailAfterFrames = 40 });
        var (_, commanded) = await SplitAsync(_video, new IngestOptions { SplitHelpers = 0 });

        Assert.Equal(1, helper.Helpers.Started);
        Assert.Equal(0, helper.Helpers.Completed);
        Assert.Empty(helper.Helpers.IdleProcessIds);
        Assert.Equal(15, helped.Clips.Count);
        await AssertSameSplitAsync(commanded, helped);
        Assert.Empty(helped.Warnings);
    }

    /// <summary>With its one helper held by a video whose reader has stopped, a second video is split by the command meanwhile, not held up.</summary>
    [Fact(Timeout = 180_000)]
    public async Task WhileEveryHelperIsBusyAnotherVideoIsSplitByTheCommand()
    {
        var options = new IngestOptions { SplitHelpers = 1, SplitHelperWait = TimeSpan.Zero };
        var ingestor = new FfmpegVideoIngestor(Options.Create(options), NullLogger<FfmpegVideoIngestor>.Instance);
        _ingestors.Add(ingestor);
        var probe = await ingestor.ProbeAsync(_video, CancellationToken.None);
        var plan = ClipPlan.Plan(probe.FrameCount, probe.FrameRate, options.ClipLengthSeconds, options.OverlapSeconds, options.FramesPerClip);
        var held = ingestor.ExtractAsync(new ExtractionJob(_video, Path.Combine(_folder, "held"), plan, options.FramesPerClip, probe.FrameCount), CancellationToken.None)
            .GetAsyncEnumerator();
        Assert.True(await held.MoveNextAsync());

        var (_, meanwhile) = await SplitAsync(_video, options, ingestor);

        Assert.Equal(15, meanwhile.Clips.Count);
        Assert.Equal(1, ingestor.Helpers.Started);
        Assert.Equal(0, ingestor.Helpers.Completed);
        var rest = 1;
        while (await held.MoveNextAsync()) rest++;
        await held.DisposeAsync();
        Assert.Equal(15, rest);
        Assert.Equal(1, ingestor.Helpers.Completed);
    }

    /// <summary>A phone video stored sideways with a rotation: the command turns it upright, so the helper leaves it to the command.</summary>
    [Fact(Timeout = 180_000)]
    public async Task ARotatedVideoIsLeftToTheCommandAndComesOutUpright()
    {
        var rotated = Path.Combine(_folder, "rotated.mp4");
        var (code, _, errors) = await DamagedVideos.RunAsync("ffmpeg", "-v", "error", "-i", _video, "-t", "8", "-c", "copy", "-metadata:s:v:0", "rotate=90", rotated);
        Assert.True(code == 0, errors);

        var (helper, helped) = await SplitAsync(rotated, new IngestOptions());
        var (_, commanded) = await SplitAsync(rotated, new IngestOptions { SplitHelpers = 0 });

        Assert.Equal(1, helper.Helpers.Started);
        Assert.Equal(0, helper.Helpers.Completed);
        Assert.Single(helper.Helpers.IdleProcessIds);
        await AssertSameSplitAsync(commanded, helped);
    }

    private static async Task AssertSameSplitAsync(Split expected, Split actual)
    {
        Assert.Equal(expected.Clips.Select(c => c.Clip.Index), actual.Clips.Select(c => c.Clip.Index));
        for (var i = 0; i < expected.Clips.Count; i++)
        {
            var (expectedFrames, actualFrames) = (await File.ReadAllBytesAsync(expected.Clips[i].FramesPath), await File.ReadAllBytesAsync(actual.Clips[i].FramesPath));
            Assert.True(expectedFrames.SequenceEqual(actualFrames), $"clip {i}'s frames differ");
            Assert.NotNull(actual.Clips[i].ThumbnailPath);
            var (expectedThumbnail, actualThumbnail) = (await File.ReadAllBytesAsync(expected.Clips[i].ThumbnailPath!), await File.ReadAllBytesAsync(actual.Clips[i].ThumbnailPath!));
            Assert.True(expectedThumbnail.SequenceEqual(actualThumbnail), $"clip {i}'s thumbnail differs");
        }
    }

    private sealed record Split(List<ExtractedClip> Clips, List<string> Warnings);

    private async Task<(FfmpegVideoIngestor Ingestor, Split Split)> SplitAsync(string video, IngestOptions options, FfmpegVideoIngestor? existing = null)
    {
        var ingestor = existing ?? new FfmpegVideoIngestor(Options.Create(options), NullLogger<FfmpegVideoIngestor>.Instance);
        if (existing is null) _ingestors.Add(ingestor);
        var probe = await ingestor.ProbeAsync(video, CancellationToken.None);
        var plan = ClipPlan.Plan(probe.FrameCount, probe.FrameRate, options.ClipLengthSeconds, options.OverlapSeconds, options.FramesPerClip);
        var job = new ExtractionJob(video, Path.Combine(_folder, $"clips-{Guid.NewGuid():N}"), plan, options.FramesPerClip, probe.FrameCount);
        var clips = new List<ExtractedClip>();
        await foreach (var clip in ingestor.ExtractAsync(job, CancellationToken.None))
        {
            clips.Add(clip);
        }
        return (ingestor, new Split(clips, job.Warnings.ToList()));
    }
}
