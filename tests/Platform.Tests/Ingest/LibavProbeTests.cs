using System.Text.RegularExpressions;
using VideoCoca.Gateway.Uploads;
using VideoCoca.Ingest.Libav;
using VideoCoca.World;

namespace VideoCoca.Platform.Tests.Ingest;

/// <summary>
/// The gateway's in-process probe (what its probe helpers run) against ffprobe itself, on files of the kinds uploads
/// are: for each, the same format, streams, durations, packet table and first complaint, or the same failure. One
/// class: libav's log is global to the process, so these run one at a time.
/// </summary>
public sealed partial class LibavProbeTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"vcp-libav-probe-{Guid.NewGuid():N}");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        // A world video: H.264 with B-frames in MP4, the kind the split leaves pictures undecoded in.
        await WorldSetGenerator.GenerateAsync(Path.Combine(_folder, "world"), new WorldSetOptions(1, 5, 3, ClipGeometry.Reference));
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public void TheLibrariesOfThisMachineAreTheOnesTheProbeKnows()
    {
        // The setup installs Debian 12's FFmpeg 5.1; were it another, the gateway would quietly fall back to ffprobe.
        Assert.True(LibavProbe.Available, LibavProbe.WhyUnavailable);
    }

    [Fact(Timeout = 300_000)]
    public async Task EveryKindOfUploadReadsAsFfprobeReadsIt()
    {
        var world = Path.Combine(_folder, "world", "clip000.mp4");
        var files = new List<string> { world };
        files.Add(await FfmpegAsync("remuxed.mkv", "-i", world, "-c", "copy"));
        files.Add(await FfmpegAsync("remuxed.ts", "-i", world, "-c", "copy"));
        files.Add(await FfmpegAsync("with-audio.mov", "-i", world, "-f", "lavfi", "-i", "sine=frequency=440:duration=12", "-c:v", "copy", "-c:a", "aac", "-shortest"));
        files.Add(await FfmpegAsync("annexb.h264", "-i", world, "-c", "copy", "-bsf:v", "h264_mp4toannexb", "-f", "h264"));
        files.Add(await FfmpegAsync("vp9.webm", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30", "-frames:v", "45", "-c:v", "libvpx-vp9", "-deadline", "realtime"));
        files.Add(await FfmpegAsync("audio.wav", "-f", "lavfi", "-i", "sine=frequency=440:duration=2"));
        files.Add(await FfmpegAsync("still.png", "-f", "lavfi", "-i", "testsrc2=size=160x120", "-frames:v", "1"));
        var bytes = await File.ReadAllBytesAsync(world);
        files.Add(await WriteAsync("truncated.mp4", bytes[..(bytes.Length * 6 / 10)]));
        var faststart = await File.ReadAllBytesAsync(await FfmpegAsync("faststart.mp4", "-i", world, "-c", "copy", "-movflags", "+faststart"));
        files.Add(await WriteAsync("faststart-truncated.mp4", faststart[..(faststart.Length * 6 / 10)]));
        files.Add(await WriteAsync("header-only.mp4", bytes[..2000]));
        files.Add(await WriteAsync("notes.txt", "not a video, only words\n"u8.ToArray()));
        files.Add(await WriteAsync("empty.mp4", []));
        files.Add(await DamagedVideos.DamageSliceHeadersAsync(world, Path.Combine(_folder, "damaged.mp4"), (index, key) => !key && index % 7 == 3));

        foreach (var file in files)
        {
            // The gateway's other path: one ffprobe run, when no helper answers.
            var expected = await VideoProbe.FfprobeAsync(file, CancellationToken.None);
            var actual = LibavProbe.Probe(file);
            var name = Path.GetFileName(file);
            Assert.True(expected.Failure is null == actual.Failure is null, $"{name}: ffprobe failed with '{expected.Failure}', the probe with '{actual.Failure}'");
            if (expected.Failure is not null)
            {
                Assert.Equal(WithoutAddresses(expected.Failure), WithoutAddresses(actual.Failure!));
                continue;
            }
            Assert.Equal(expected.FormatName, actual.FormatName);
            Assert.Equal(expected.Seconds, actual.Seconds, 5);
            Assert.Equal(expected.FileSize, actual.FileSize);
            Assert.Equal(expected.Streams.Select(Rounded), actual.Streams.Select(Rounded));
            Assert.Equal(expected.Complaint is null ? null : WithoutAddresses(expected.Complaint), actual.Complaint is null ? null : WithoutAddresses(actual.Complaint));
            Assert.Equal(expected.Packets is null, actual.Packets is null);
            if (expected.Packets is { } packets)
            {
                Assert.Equal(packets.Packets, actual.Packets!.Packets);
                Assert.Equal((packets.Codec, packets.LengthPrefixed, packets.NalLengthSize), (actual.Packets.Codec, actual.Packets.LengthPrefixed, actual.Packets.NalLengthSize));
            }
        }
        // The cases that matter most to the gateway came out as it needs them.
        Assert.NotNull(LibavProbe.Probe(Path.Combine(_folder, "truncated.mp4")).Failure);
        Assert.NotNull(LibavProbe.Probe(Path.Combine(_folder, "faststart-truncated.mp4")).Complaint);
        Assert.NotNull(LibavProbe.Probe(Path.Combine(_folder, "notes.txt")).Failure);
        Assert.Equal(4, LibavProbe.Probe(world).Packets!.NalLengthSize);
    }

    private async Task<string> FfmpegAsync(string name, params string[] arguments)
    {
        var path = Path.Combine(_folder, name);
        var (exitCode, _, errors) = await DamagedVideos.RunAsync("ffmpeg", ["-hide_banner", "-nostdin", "-v", "error", "-y", .. arguments, path]);
        Assert.True(exitCode == 0, $"ffmpeg could not make {name}: {errors}");
        return path;
    }

    private async Task<string> WriteAsync(string name, byte[] bytes)
    {
        var path = Path.Combine(_folder, name);
        await File.WriteAllBytesAsync(path, bytes);
        return path;
    }

    /// <summary>ffprobe prints rates and durations to six decimals; the probe has them whole.</summary>
    private static ContainerStream Rounded(ContainerStream stream) =>
        stream with { AverageFrameRate = Math.Round(stream.AverageFrameRate, 6), Seconds = Math.Round(stream.Seconds, 6) };

    /// <summary>libav names the object that logged by its address ("[h264 @ 0x55d0...]"), which differs between processes.</summary>
    private static string WithoutAddresses(string text) => Address().Replace(text, "0x");

    [GeneratedRegex("0x[0-9a-f]+")]
    private static partial Regex Address();
}
