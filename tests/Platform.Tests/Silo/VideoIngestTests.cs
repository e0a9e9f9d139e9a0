using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VideoCoca.Configuration;
using VideoCoca.Contracts.Api;
using VideoCoca.Contracts.Messages;
using VideoCoca.GrainInterfaces;
using VideoCoca.Media;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.Silo;

/// <summary>
/// The video grain in a real silo (vcp-silo's wiring) on PostgreSQL and RabbitMQ: a world video is split into clips whose
/// frames are the ones the model's own loader samples, queued once each, and completed by the workers' messages; bad
/// files fail cleanly; a silo stopped mid-ingest leaves the rest to another silo without duplicating any clip.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class VideoIngestTests(PrivateStackFixture own, WorldVideosFixture videos) : IClassFixture<WorldVideosFixture>, IClassFixture<PrivateStackFixture>
{
    private const int Width = 64;
    private const int Height = 48;
    private const int Frames = 8;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact(Timeout = 240_000)]
    public async Task AWorldVideoIsSplitIntoTheModelsClipsQueuedAndCompleted()
    {
        var harness = new SiloHarness(own.Stack, videos.BlobRoot);
        await using var probe = await harness.StartProbeAsync();
        using var silo = harness.BuildSilo();
        await silo.StartAsync();
        try
        {
            var videoId = Guid.NewGuid();
            var upload = videos.Upload(videos.ThreeScenes, videoId);
            var grain = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IVideoGrain>(videoId);
            var request = new IngestRequest("three.mp4", upload, new FileInfo(upload).Length, 4, 0, 8, ["what colour is the square?"]);

            var started = await grain.StartAsync(request);
            Assert.Equal(videoId, started.VideoId);
            var snapshot = await SiloHarness.WaitForAsync(grain, SiloHarness.IsSettled, Patience);
            Assert.Equal(VideoState.Analysing, snapshot.State);
            Assert.Equal(3, snapshot.ClipsTotal);
            Assert.Equal(0, snapshot.ClipsDone);
            Assert.Equal(12.0, snapshot.DurationSeconds!.Value, 3);
            // Starting again changes nothing.
            Assert.Equal(VideoState.Analysing, (await grain.StartAsync(request)).State);

            var rows = await harness.ClipRowsAsync(videoId);
            Assert.Equal([(0.0, 4.0), (4.0, 8.0), (8.0, 12.0)], rows.Select(r => (Math.Round(r.Start, 6), Math.Round(r.End, 6))));
            Assert.Equal([0, 1, 2], rows.Select(r => r.Index));

            // The frames are the ones the model's own loader samples for the same windows.
            var decoded = await VideoFrameReader.ReadAsync(videos.ThreeScenes, Width, Height, ResizeMode.Stretch);
            var windows = ClipWindows.Split(decoded.Duration, 4, 0, decoded.FrameRate);
            Assert.Equal(3, windows.Count);
            var clipsFolder = Path.Combine(videos.BlobRoot, "videos", videoId.ToString("D"), "clips");
            for (var i = 0; i < 3; i++)
            {
                var framesPath = Path.Combine(clipsFolder, $"{i}.rgb");
                Assert.Equal(framesPath, rows[i].FramesPath);
                var bytes = await File.ReadAllBytesAsync(framesPath);
                Assert.Equal(Frames * Height * Width * 3, bytes.Length);
                var expected = new float[Frames * 3 * Height * Width];
                ClipWindows.SampleFrames(decoded, windows[i].Start, windows[i].End, Frames, expected);
                AssertSameFrames(expected, bytes, i);

                var thumbnail = Path.Combine(clipsFolder, $"{i}.jpg");
                Assert.Equal(thumbnail, rows[i].ThumbnailPath);
                var jpeg = await File.ReadAllBytesAsync(thumbnail);
                Assert.True(jpeg.Length > 100 && jpeg[0] == 0xFF && jpeg[1] == 0xD8, $"clip {i}: no JPEG thumbnail");
            }
            Assert.Equal(6, Directory.GetFiles(clipsFolder).Length);

            var messages = (await probe.WaitForClipsAsync(videoId, 3, Patience)).OrderBy(m => m.ClipIndex).ToList();
            Assert.Equal([0, 1, 2], messages.Select(m => m.ClipIndex));
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(rows[i].Id, messages[i].ClipId);
                Assert.Equal(new ClipFrames(rows[i].FramesPath!, FrameElementType.UInt8, Frames, Height, Width), messages[i].Frames);
                Assert.Equal(["what colour is the square?"], messages[i].Questions);
                Assert.Equal(rows[i].Start, messages[i].StartSeconds);
            }
            var row = await harness.VideoRowAsync(videoId);
            Assert.Equal(("analysing", 3), (row!.State, row.ClipsTotal));

            // The workers answer; clip 1 twice.
            foreach (var index in new[] { 0, 1, 1, 2 })
            {
                await probe.Bus.Publish(new ClipAnalyzed(videoId, rows[index].Id, index, "world-tiny", "a red square", [], [], DateTimeOffset.UtcNow));
            }
            var done = await SiloHarness.WaitForAsync(grain, s => s.State is VideoState.Completed or VideoState.CompletedWithErrors, Patience);
            Assert.Equal((VideoState.Completed, 3, 3, 0, (string?)null), (done.State, done.ClipsTotal, done.ClipsDone, done.ClipsFailed, done.Error));
            row = await harness.VideoRowAsync(videoId);
            Assert.Equal(("completed", 3, 3, 0), (row!.State, row.ClipsTotal, row.ClipsDone, row.ClipsFailed));
            Assert.All(await harness.ClipRowsAsync(videoId), r => Assert.Equal("analysed", r.State));
            Assert.Equal(3, probe.Sink.For(videoId).Count);

            await grain.DeleteAsync();
            Assert.Null(await harness.VideoRowAsync(videoId));
            Assert.Equal(0, await harness.CountClipRowsAsync(videoId));
            Assert.False(Directory.Exists(Path.GetDirectoryName(clipsFolder)));
        }
        finally
        {
            await silo.StopAsync();
        }
    }

    [Fact(Timeout = 240_000)]
    public async Task AFailedClipCompletesTheVideoWithErrors()
    {
        var harness = new SiloHarness(own.Stack, videos.BlobRoot);
        await using var probe = await harness.StartProbeAsync();
        using var silo = harness.BuildSilo();
        await silo.StartAsync();
        try
        {
            var (videoId, grain, rows) = await SplitThreeScenesAsync(harness, silo);
            await probe.Bus.Publish(new ClipAnalyzed(videoId, rows[0].Id, 0, "world-tiny", "a", [], [], DateTimeOffset.UtcNow));
            await probe.Bus.Publish(new ClipFailed(videoId, rows[1].Id, 1, null, "frames unreadable", DateTimeOffset.UtcNow));
            await probe.Bus.Publish(new ClipAnalyzed(videoId, rows[2].Id, 2, "world-tiny", "a", [], [], DateTimeOffset.UtcNow));

            var done = await SiloHarness.WaitForAsync(grain, s => s.ClipsDone == 3, Patience);
            Assert.Equal((VideoState.CompletedWithErrors, 3, 1), (done.State, done.ClipsDone, done.ClipsFailed));
            Assert.Contains("clip 1: frames unreadable", done.Error);
            var row = await harness.VideoRowAsync(videoId);
            Assert.Equal(("completed_with_errors", 2, 1), (row!.State, row.ClipsDone, row.ClipsFailed));
            Assert.Equal("failed", (await harness.ClipRowsAsync(videoId))[1].State);
        }
        finally
        {
            await silo.StopAsync();
        }
    }

    [Fact(Timeout = 240_000)]
    public async Task VerdictsStoredButNeverReportedAreTakenFromTheClipRowsByTheReminder()
    {
        var harness = new SiloHarness(own.Stack, videos.BlobRoot);
        await using var probe = await harness.StartProbeAsync();
        using var silo = harness.BuildSilo();
        await silo.StartAsync();
        try
        {
            var (videoId, grain, rows) = await SplitThreeScenesAsync(harness, silo);
            await probe.Bus.Publish(new ClipAnalyzed(videoId, rows[0].Id, 0, "world-tiny", "a", [], [], DateTimeOffset.UtcNow));
            Assert.Equal(1, (await SiloHarness.WaitForAsync(grain, s => s.ClipsDone == 1, Patience)).ClipsDone);

            // Clips 1 and 2 as a worker leaves them before its messages are lost: one analysed, one failed with its reason.
            await harness.SetClipStateAsync(rows[1].Id, "analysed", null);
            await harness.SetClipStateAsync(rows[2].Id, "failed", "frames unreadable");

            // Nobody reports them; the reminder (every 5 s here) finds them in the rows.
            var done = await SiloHarness.WaitForAsync(grain, s => s.ClipsDone == 3, TimeSpan.FromSeconds(30));
            Assert.Equal((VideoState.CompletedWithErrors, 3, 1), (done.State, done.ClipsDone, done.ClipsFailed));
            Assert.Contains("clip 2: frames unreadable", done.Error);
            var row = await harness.VideoRowAsync(videoId);
            Assert.Equal(("completed_with_errors", 2, 1), (row!.State, row.ClipsDone, row.ClipsFailed));
        }
        finally
        {
            await silo.StopAsync();
        }
    }

    /// <summary>The 3-scene video started with the silo's default clip settings and split: its grain, waiting for verdicts, and its clip rows.</summary>
    private async Task<(Guid VideoId, IVideoGrain Grain, List<ClipRow> Rows)> SplitThreeScenesAsync(SiloHarness harness, IHost silo)
    {
        var videoId = Guid.NewGuid();
        var upload = videos.Upload(videos.ThreeScenes, videoId);
        var grain = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IVideoGrain>(videoId);
        // No clip settings in the request: the silo's defaults (4 s, no overlap, 8 frames).
        await grain.StartAsync(new IngestRequest("three.mp4", upload, 1, 0, 0, 0, []));
        Assert.Equal(VideoState.Analysing, (await SiloHarness.WaitForAsync(grain, SiloHarness.IsSettled, Patience)).State);
        return (videoId, grain, await harness.ClipRowsAsync(videoId));
    }

    public static TheoryData<string, string> BadInputs => new()
    {
        { "text", "is not a video ffmpeg can read" },
        { "audio", "has no video stream (audio only)" },
        { "truncated", "could not be decoded" },
    };

    [Theory(Timeout = 240_000)]
    [MemberData(nameof(BadInputs))]
    public async Task ABadFileFailsTheVideoAndLeavesNoClips(string kind, string error)
    {
        var source = kind switch
        {
            "text" => await videos.TextFileAsync(),
            "audio" => await videos.AudioOnlyAsync(),
            _ => await videos.TruncatedAsync(),
        };
        var harness = new SiloHarness(own.Stack, videos.BlobRoot);
        using var silo = harness.BuildSilo();
        await silo.StartAsync();
        try
        {
            var videoId = Guid.NewGuid();
            var upload = videos.Upload(source, videoId);
            var grain = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IVideoGrain>(videoId);
            await grain.StartAsync(new IngestRequest(Path.GetFileName(source), upload, new FileInfo(upload).Length, 4, 0, 8, []));

            var snapshot = await SiloHarness.WaitForAsync(grain, SiloHarness.IsSettled, Patience);
            Assert.Equal(VideoState.Failed, snapshot.State);
            Assert.Contains(error, snapshot.Error);
            Assert.Equal(0, snapshot.ClipsTotal);
            // The grain answers between its awaits, so its snapshot can say failed a moment before the row does.
            var row = await harness.VideoRowAsync(videoId);
            for (var deadline = DateTime.UtcNow + Patience; row?.State != "failed" && DateTime.UtcNow < deadline; row = await harness.VideoRowAsync(videoId))
            {
                await Task.Delay(100);
            }
            Assert.Equal(("failed", snapshot.Error), (row!.State, row.Error));
            Assert.Equal(0, await harness.CountClipRowsAsync(videoId));
            var clipsFolder = Path.Combine(videos.BlobRoot, "videos", videoId.ToString("D"), "clips");
            Assert.False(Directory.Exists(clipsFolder) && Directory.EnumerateFileSystemEntries(clipsFolder).Any(), $"{clipsFolder} is not empty");
        }
        finally
        {
            await silo.StopAsync();
        }
    }

    [Fact(Timeout = 300_000)]
    public async Task ASiloStoppedMidIngestLeavesTheRestToAnotherWithoutDuplicates()
    {
        var harness = new SiloHarness(own.Stack, videos.BlobRoot);
        await using var probe = await harness.StartProbeAsync();
        var videoId = Guid.NewGuid();
        var upload = videos.Upload(videos.TenScenes, videoId);
        // Silo A holds its split after clip 1 (Ingest:HoldAfterClips), whatever the machine's speed, and is stopped there.
        using (var siloA = harness.BuildSilo(holdAfterClips: 2))
        {
            await siloA.StartAsync();
            var grain = siloA.Services.GetRequiredService<IGrainFactory>().GetGrain<IVideoGrain>(videoId);
            await grain.StartAsync(new IngestRequest("ten.mp4", upload, new FileInfo(upload).Length, 4, 0, 8, []));
            await probe.WaitForClipsAsync(videoId, 2, Patience);
            await siloA.StopAsync();
        }
        Assert.Equal(2, await harness.CountClipRowsAsync(videoId));
        var publishedByA = probe.Sink.For(videoId).Select(m => m.ClipIndex).ToHashSet();
        Assert.Equal(new[] { 0, 1 }, publishedByA.Order());

        using var siloB = harness.BuildSilo();
        await siloB.StartAsync();
        try
        {
            // Nobody calls the grain: its reminder re-activates it on silo B, which finishes the split.
            var deadline = DateTime.UtcNow + Patience;
            while ((await harness.VideoRowAsync(videoId))!.State != "analysing")
            {
                Assert.True(DateTime.UtcNow < deadline, $"not resumed: {await harness.VideoRowAsync(videoId)}");
                await Task.Delay(200);
            }
            var rows = await harness.ClipRowsAsync(videoId);
            Assert.Equal(Enumerable.Range(0, 10), rows.Select(r => r.Index));
            Assert.Equal(10, rows.Select(r => r.Id).Distinct().Count());
            var clipsFolder = Path.Combine(videos.BlobRoot, "videos", videoId.ToString("D"), "clips");
            Assert.Equal(
                Enumerable.Range(0, 10).SelectMany(i => new[] { $"{i}.jpg", $"{i}.rgb" }).Order(),
                Directory.GetFileSystemEntries(clipsFolder).Select(Path.GetFileName).Order());
            Assert.All(rows, r => Assert.Equal(Frames * Height * Width * 3, new FileInfo(r.FramesPath!).Length));

            var messages = await probe.WaitForClipsAsync(videoId, 10, Patience);
            await Task.Delay(1000);
            messages = probe.Sink.For(videoId);
            Assert.Equal(Enumerable.Range(0, 10), messages.Select(m => m.ClipIndex).Distinct().Order());
            foreach (var repeated in messages.GroupBy(m => m.ClipIndex).Where(g => g.Count() > 1))
            {
                Assert.Contains(repeated.Key, publishedByA);
                Assert.Single(repeated.Select(m => m.ClipId).Distinct());
            }
            var snapshot = await siloB.Services.GetRequiredService<IGrainFactory>().GetGrain<IVideoGrain>(videoId).GetSnapshotAsync();
            Assert.Equal((VideoState.Analysing, 10), (snapshot.State, snapshot.ClipsTotal));
        }
        finally
        {
            await siloB.StopAsync();
        }
    }

    /// <summary>Frames [T, H, W, 3] bytes against the loader's channel-major floats: equal within 1 per channel.</summary>
    private static void AssertSameFrames(float[] expected, byte[] actual, int clip)
    {
        var plane = Height * Width;
        var worst = 0;
        for (var t = 0; t < Frames; t++)
        {
            for (var p = 0; p < plane; p++)
            {
                for (var c = 0; c < 3; c++)
                {
                    var want = (int)Math.Round(expected[t * 3 * plane + c * plane + p] * 255f);
                    worst = Math.Max(worst, Math.Abs(want - actual[(t * plane + p) * 3 + c]));
                }
            }
        }
        Assert.True(worst <= 1, $"clip {clip}: frames differ from the model loader's by up to {worst}");
    }
}
