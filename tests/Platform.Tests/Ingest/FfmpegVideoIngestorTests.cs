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

    /// <summary>
    /// World videos are x264 with B-frames: about half their pictures are referred to by none. Left undecoded, they
    /// change nothing the split keeps: every clip's frames and thumbnail come out byte for byte as from a full decode.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task LeavingUnreferencedPicturesUndecodedKeepsEveryClipsFramesAndThumbnail()
    {
        var skipping = await ExtractAllAsync(new IngestOptions { SkipUnusedFrames = true }, "skipping");
        var decodingAll = await ExtractAllAsync(new IngestOptions { SkipUnusedFrames = false }, "all");

        Assert.Equal(15, skipping.Clips.Count);
        Assert.Equal(decodingAll.Clips.Select(c => c.Clip.Index), skipping.Clips.Select(c => c.Clip.Index));
        for (var i = 0; i < skipping.Clips.Count; i++)
        {
            var (expected, actual) = (await File.ReadAllBytesAsync(decodingAll.Clips[i].FramesPath), await File.ReadAllBytesAsync(skipping.Clips[i].FramesPath));
            Assert.True(expected.SequenceEqual(actual), $"clip {i}'s frames differ");
            (expected, actual) = (await File.ReadAllBytesAsync(decodingAll.Clips[i].ThumbnailPath!), await File.ReadAllBytesAsync(skipping.Clips[i].ThumbnailPath!));
            Assert.True(expected.SequenceEqual(actual), $"clip {i}'s thumbnail differs");
        }
        // The blanked pictures' complaints are ffmpeg's answer to the blanking, not damage.
        Assert.Empty(skipping.Warnings);
        Assert.Empty(decodingAll.Warnings);
    }

    /// <summary>The copy leaves out the unreferenced pictures the split does not keep, and only those.</summary>
    [Fact(Timeout = 120_000)]
    public async Task TheCopyBlanksAboutHalfTheFramesOfAWorldVideoAndNoneOfAVideoWithoutBFrames()
    {
        var keep = new HashSet<int> { 0, 6, 7, 8, 750, 1499 };
        var work = Directory.CreateDirectory(Path.Combine(_folder, "copy")).FullName;

        var copy = await UnusedFrames.CopyAsync("ffprobe", _video, keep, work, CancellationToken.None);

        Assert.NotNull(copy);
        Assert.Equal(1500, copy.PacketCount);
        Assert.InRange(copy.BlankedPictures, 500, 1000);
        // Renumber searches them: they must rise strictly.
        Assert.Equal(copy.KeptNumbers.Order().Distinct(), copy.KeptNumbers);
        Assert.All(keep, n => Assert.Contains(n, copy.KeptNumbers));
        Assert.Equal(new FileInfo(_video).Length, new FileInfo(copy.Path).Length);
        // Numbers past the file's frames stay past the copy's, in order.
        Assert.Equal(copy.KeptNumbers.Length + 2, copy.Renumber(1502));

        var withoutBFrames = await DamagedVideos.EncodeAsync(Path.Combine(_folder, "no-b-frames.mp4"), frames: 50);
        Assert.Null(await UnusedFrames.CopyAsync("ffprobe", withoutBFrames, new HashSet<int> { 0 }, work, CancellationToken.None));
    }

    /// <summary>
    /// The gateway's probe keeps the upload's packet table beside it; the copy made from that table is the one made from
    /// the split's own ffprobe, which is then never started (here it does not exist). A table of another file is passed over.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task TheGatewaysPacketTableSparesTheSplitItsFfprobeAndGivesTheSameCopy()
    {
        var keep = new HashSet<int> { 0, 6, 7, 8, 750, 1499 };
        var work = Directory.CreateDirectory(Path.Combine(_folder, "table")).FullName;
        var upload = Path.Combine(work, "source.mp4");
        File.Copy(_video, upload);
        var probed = await FfprobeCopyAsync(upload, keep, work);

        // ffprobe's table (no probe helpers: they are this test host's executable, not the gateway's); the helpers' own is LibavProbeTests'.
        var ffprobeOnly = new VideoCoca.Gateway.Uploads.ProbeHelpers(
            Options.Create(new VideoCoca.Gateway.Hosting.GatewayOptions { ProbeHelpers = 0 }), NullLogger<VideoCoca.Gateway.Uploads.ProbeHelpers>.Instance);
        var outcome = await new VideoCoca.Gateway.Uploads.VideoProbe(ffprobeOnly).ProbeAsync(upload, 3600, TimeSpan.FromMinutes(1), 0.05, CancellationToken.None);
        Assert.True(outcome.Accepted, outcome.Reason);
        Assert.NotNull(outcome.Packets);
        await outcome.Packets.WriteSidecarAsync(upload, CancellationToken.None);
        var fromTable = await UnusedFrames.CopyAsync("/nonexistent/ffprobe", upload, keep, work, CancellationToken.None);

        Assert.NotNull(fromTable);
        Assert.Equal(probed.PacketCount, fromTable.PacketCount);
        Assert.Equal(probed.KeptNumbers, fromTable.KeptNumbers);
        var copied = await File.ReadAllBytesAsync(fromTable.Path);
        Assert.True(probed.Bytes.SequenceEqual(copied), "the copies differ");

        // Another file's table (a byte longer) is not used: the split starts its ffprobe, which here cannot start.
        await File.AppendAllTextAsync(upload, "x");
        await Assert.ThrowsAsync<System.ComponentModel.Win32Exception>(() => UnusedFrames.CopyAsync("/nonexistent/ffprobe", upload, keep, work, CancellationToken.None));
    }

    private static async Task<(int PacketCount, int[] KeptNumbers, byte[] Bytes)> FfprobeCopyAsync(string video, IReadOnlySet<int> keep, string work)
    {
        var copy = await UnusedFrames.CopyAsync("ffprobe", video, keep, work, CancellationToken.None);
        Assert.NotNull(copy);
        return (copy.PacketCount, copy.KeptNumbers, await File.ReadAllBytesAsync(copy.Path));
    }

    [Fact]
    public void OnlyAsManyOfEachBlankingComplaintAsPicturesWereBlankedAreForgiven()
    {
        var complaints = new UnusedFramesCopy.Complaints(blanked: 1);

        Assert.True(complaints.Forgive("[NULL @ 0x55d1c0] missing picture in access unit with size 31"));
        Assert.True(complaints.Forgive("[h264 @ 0x55d1c1] no frame!"));
        Assert.True(complaints.Forgive("Error while decoding stream #0:0: Invalid data found when processing input"));
        Assert.False(complaints.Forgive("[h264 @ 0x55d1c1] no frame!"));
        Assert.False(complaints.Forgive("Last message repeated 3 times"));
        Assert.False(complaints.Forgive("[h264 @ 0x55d1c1] decode_slice_header error"));
    }

    private async Task<(List<ExtractedClip> Clips, List<string> Warnings)> ExtractAllAsync(IngestOptions options, string name)
    {
        var ingestor = new FfmpegVideoIngestor(Options.Create(options), NullLogger<FfmpegVideoIngestor>.Instance);
        var probe = await ingestor.ProbeAsync(_video, CancellationToken.None);
        var plan = ClipPlan.Plan(probe.FrameCount, probe.FrameRate, options.ClipLengthSeconds, options.OverlapSeconds, options.FramesPerClip);
        var job = new ExtractionJob(_video, Path.Combine(_folder, name), plan, options.FramesPerClip, probe.FrameCount);
        var clips = new List<ExtractedClip>();
        await foreach (var clip in ingestor.ExtractAsync(job, CancellationToken.None))
        {
            clips.Add(clip);
        }
        return (clips, job.Warnings);
    }
}
