using System.Diagnostics;
using System.Text.Json;

namespace VideoCoca.Platform.Tests.Ingest;

/// <summary>
/// H.264 videos made with ffmpeg, and damaged on purpose: the slice header of chosen frames overwritten with zeros, as
/// a phone video with a bad slice ("decode_slice_header error") is. The decoder then skips those frames and decodes
/// the others. Deterministic: x264 is, and the damage sits at offsets ffprobe reports for the packets.
/// </summary>
public static class DamagedVideos
{
    /// <summary>testsrc2 at <paramref name="frameRate"/>, <paramref name="frames"/> frames, a key frame every 10, no B-frames, one slice a frame.</summary>
    public static async Task<string> EncodeAsync(string path, int frames, int frameRate = 25)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await RunAsync("ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y",
            "-f", "lavfi", "-i", $"testsrc2=size=160x120:rate={frameRate}", "-frames:v", frames.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-bf", "0", "-x264-params", "slices=1",
            "-pix_fmt", "yuv420p", "-movflags", "+faststart", path);
        return path;
    }

    /// <summary>
    /// A copy of <paramref name="source"/> whose packets (in stream order) that <paramref name="damage"/> picks (it is
    /// told the index and whether the packet is a key frame) have the 12 bytes after each slice NAL's header zeroed:
    /// 96 zero bits make every Exp-Golomb field of the slice header invalid, so the decoder drops the frame.
    /// </summary>
    public static async Task<string> DamageSliceHeadersAsync(string source, string path, Func<int, bool, bool> damage)
    {
        var (_, output, _) = await RunAsync("ffprobe", "-v", "error", "-select_streams", "v:0",
            "-show_entries", "packet=pos,size,flags", "-of", "json", source);
        using var json = JsonDocument.Parse(output);
        var bytes = await File.ReadAllBytesAsync(source);
        var index = 0;
        foreach (var packet in json.RootElement.GetProperty("packets").EnumerateArray())
        {
            var position = int.Parse(packet.GetProperty("pos").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            var size = int.Parse(packet.GetProperty("size").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            var key = packet.GetProperty("flags").GetString()!.StartsWith('K');
            if (!damage(index++, key)) continue;
            // The packet is NAL units, each [4-byte length][NAL header][payload]; slices are types 1 and 5 (the first
            // packet also carries an SEI, which is left alone).
            var damaged = 0;
            for (var nal = position; nal + 4 < position + size;)
            {
                var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(nal, 4));
                var type = bytes[nal + 4] & 0x1F;
                if ((type == 1 || type == 5) && length > 13)
                {
                    bytes.AsSpan(nal + 5, 12).Clear();
                    damaged++;
                }
                nal += 4 + length;
            }
            if (damaged == 0) throw new InvalidOperationException($"packet {index - 1} of {source} has no slice to damage");
        }
        await File.WriteAllBytesAsync(path, bytes);
        return path;
    }

    /// <summary>ffprobe decodes the video stream whole: frames out, packets in, and what the decoder said.</summary>
    public static async Task<(int Frames, int Packets, string Errors)> DecodeAsync(string path)
    {
        var (_, output, errors) = await RunAsync("ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames", "-count_packets",
            "-show_entries", "stream=nb_read_frames,nb_read_packets", "-of", "json", path);
        using var json = JsonDocument.Parse(output);
        var stream = json.RootElement.GetProperty("streams")[0];
        return (Count(stream, "nb_read_frames"), Count(stream, "nb_read_packets"), errors);
    }

    /// <summary>ffprobe leaves a count out when it is zero.</summary>
    private static int Count(JsonElement stream, string name) =>
        stream.TryGetProperty(name, out var value) ? int.Parse(value.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : 0;

    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0 && program == "ffmpeg") throw new InvalidOperationException($"ffmpeg {string.Join(' ', arguments)}: {await errors}");
        return (process.ExitCode, await output, await errors);
    }
}
