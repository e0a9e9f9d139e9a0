using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using VideoCoca.Ingest;
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
            var expected = await FfprobeAsync(file);
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
            Assert.Equal(expected.Streams, actual.Streams.Select(s => s with { AverageFrameRate = Math.Round(s.AverageFrameRate, 6), Seconds = Math.Round(s.Seconds, 6) }));
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

    /// <summary>What ffprobe prints of a file with the gateway's own arguments, in the probe's terms.</summary>
    private async Task<ContainerReport> FfprobeAsync(string path)
    {
        var (exitCode, output, errors) = await DamagedVideos.RunAsync("ffprobe", "-v", "error", "-count_packets", "-show_format", "-show_streams",
            "-show_entries", "packet=stream_index,pts,pos,size,flags", "-of", "json", path);
        var complaint = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        using var json = JsonDocument.Parse(output.Length > 0 ? output : "{}");
        var root = json.RootElement;
        if (!root.TryGetProperty("format", out var format)) return ContainerReport.Failed(complaint ?? $"ffprobe exited with {exitCode}");
        var streams = root.TryGetProperty("streams", out var list)
            ? list.EnumerateArray().Select(s => new ContainerStream(
                s.GetProperty("index").GetInt32(), Text(s, "codec_type"), Text(s, "codec_name"), Math.Round(Rate(Text(s, "avg_frame_rate")), 6),
                Math.Round(Number(Text(s, "duration")), 6), Integer(s, "width"), Integer(s, "height"),
                Text(s, "is_avc") == "true", (int)Number(Text(s, "nal_length_size")))).ToList()
            : [];
        var video = streams.FirstOrDefault(s => s.Type == "video");
        PacketTable? table = null;
        if (video is { Codec: "h264" })
        {
            var packets = root.TryGetProperty("packets", out var all)
                ? all.EnumerateArray().Where(p => p.GetProperty("stream_index").GetInt32() == video.Index).Select(p => new TablePacket(
                    p.TryGetProperty("pts", out var pts) ? pts.GetInt64() : null,
                    long.TryParse(Text(p, "pos"), CultureInfo.InvariantCulture, out var position) ? position : null,
                    int.TryParse(Text(p, "size"), CultureInfo.InvariantCulture, out var size) ? size : null,
                    Text(p, "flags").Contains('D'))).ToList()
                : [];
            table = new PacketTable(Text(format, "format_name"), (long)Number(Text(format, "size")), video.Codec, video.LengthPrefixed, video.NalLengthSize, packets);
        }
        return new ContainerReport(Text(format, "format_name"), Number(Text(format, "duration")), (long)Number(Text(format, "size")), streams, complaint, null, table);
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

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private static int Integer(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : 0;

    private static double Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : 0;

    private static double Rate(string text) =>
        text.Split('/') is [var numerator, var denominator] && Number(denominator) > 0 ? Number(numerator) / Number(denominator) : 0;

    /// <summary>libav names the object that logged by its address ("[h264 @ 0x55d0...]"), which differs between processes.</summary>
    private static string WithoutAddresses(string text) => Address().Replace(text, "0x");

    [GeneratedRegex("0x[0-9a-f]+")]
    private static partial Regex Address();
}
