using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace VideoCoca.Ingest;

/// <summary>One packet of the video stream as the container lists it; null where ffprobe gave no value.</summary>
/// <param name="Discarded">The container marks it to be decoded but not shown (an edit list cutting the start).</param>
public readonly record struct TablePacket(long? Pts, long? Position, int? Size, bool Discarded);

/// <summary>
/// The first video stream's packets of a file as its container lists them (times, positions, sizes; nothing decoded),
/// with the file's format and the stream's codec: what the split needs to leave pictures undecoded
/// (<see cref="UnusedFrames"/>). The gateway reads every packet when it accepts an upload, so it keeps the table beside
/// the upload (<see cref="SidecarPath"/>) and the split need not start an ffprobe of its own. Kept in ffprobe's compact
/// text, the form the split's own ffprobe prints, so that both are read by one parser.
/// </summary>
/// <param name="FileSize">The file's length when it was read: a table of another file is not used.</param>
/// <param name="LengthPrefixed">H.264 stored as length-prefixed NAL units (ffprobe's <c>is_avc</c>), not as a byte stream.</param>
public sealed record PacketTable(string FormatName, long FileSize, string Codec, bool LengthPrefixed, int NalLengthSize, IReadOnlyList<TablePacket> Packets)
{
    private const string Missing = "N/A";

    /// <summary>Where the table of <paramref name="videoPath"/> is kept (and deleted with it).</summary>
    public static string SidecarPath(string videoPath) => videoPath + ".packets";

    /// <summary>Writes the table beside <paramref name="videoPath"/>, whole or not at all (a reader never sees half a table).</summary>
    public async Task WriteSidecarAsync(string videoPath, CancellationToken cancellationToken)
    {
        var path = SidecarPath(videoPath);
        var partial = path + ".partial";
        await using (var writer = new StreamWriter(partial, append: false, new UTF8Encoding(false)))
        {
            await writer.WriteLineAsync($"format|format_name={FormatName}|size={FileSize.ToString(CultureInfo.InvariantCulture)}".AsMemory(), cancellationToken);
            await writer.WriteLineAsync(
                $"stream|codec_name={Codec}|is_avc={(LengthPrefixed ? "true" : "false")}|nal_length_size={NalLengthSize.ToString(CultureInfo.InvariantCulture)}".AsMemory(), cancellationToken);
            var line = new StringBuilder();
            foreach (var packet in Packets)
            {
                line.Clear().Append("packet|pts=").Append(Text(packet.Pts)).Append("|pos=").Append(Text(packet.Position))
                    .Append("|size=").Append(Text(packet.Size)).Append("|flags=").Append(packet.Discarded ? "_D" : "__");
                await writer.WriteLineAsync(line, cancellationToken);
            }
        }
        File.Move(partial, path, overwrite: true);
    }

    /// <summary>The table the gateway kept beside <paramref name="videoPath"/>; null when there is none, it cannot be read, or it is another file's.</summary>
    public static async Task<PacketTable?> ReadSidecarAsync(string videoPath, CancellationToken cancellationToken)
    {
        try
        {
            using var reader = new StreamReader(SidecarPath(videoPath));
            var table = await ParseAsync(reader, cancellationToken);
            return table.FileSize == new FileInfo(videoPath).Length ? table : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Reads the table with ffprobe (the container only); null when ffprobe fails.</summary>
    public static async Task<PacketTable?> ProbeAsync(string ffprobe, string videoPath, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(ffprobe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-v", "error", "-select_streams", "v:0",
                     "-show_entries", "format=format_name,size:stream=codec_name,is_avc,nal_length_size:packet=pts,pos,size,flags", "-of", "compact", videoPath])
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start);
        if (process is null) return null;
        using var stop = cancellationToken.Register(() =>
        {
            try
            {
                process.Kill();
            }
            catch (InvalidOperationException)
            {
                // It ended already.
            }
        });
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        var table = await ParseAsync(process.StandardOutput, cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        await errors;
        return process.ExitCode == 0 ? table : null;
    }

    /// <summary>Reads ffprobe's compact lines of the format, the stream and its packets (others are passed over).</summary>
    public static async Task<PacketTable> ParseAsync(TextReader reader, CancellationToken cancellationToken)
    {
        var packets = new List<TablePacket>();
        string format = "", codec = "";
        var (avc, lengthSize, fileSize) = (false, 0, -1L);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            var bar = line.IndexOf('|');
            if (bar < 0) continue;
            var section = line.AsSpan(0, bar);
            var fields = Fields(line[(bar + 1)..]);
            if (section is "packet")
            {
                long? pts = null, position = null;
                int? size = null;
                var discarded = false;
                foreach (var (key, value) in fields)
                {
                    switch (key)
                    {
                        case "pts" when long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p): pts = p; break;
                        case "pos" when long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) && p >= 0: position = p; break;
                        case "size" when int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0: size = n; break;
                        case "flags": discarded = value.Contains('D'); break;
                    }
                }
                packets.Add(new TablePacket(pts, position, size, discarded));
            }
            else if (section is "stream" or "format")
            {
                foreach (var (key, value) in fields)
                {
                    switch (key)
                    {
                        case "format_name": format = value; break;
                        case "size" when section is "format": _ = long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out fileSize); break;
                        case "codec_name": codec = value; break;
                        case "is_avc": avc = value is "true" or "1"; break;
                        case "nal_length_size": _ = int.TryParse(value, CultureInfo.InvariantCulture, out lengthSize); break;
                    }
                }
            }
        }
        return new PacketTable(format, fileSize, codec, avc, lengthSize, packets);
    }

    private static string Text<T>(T? value) where T : struct, IFormattable => value?.ToString(null, CultureInfo.InvariantCulture) ?? Missing;

    /// <summary>The key=value fields of one line of ffprobe's compact output, after its section name.</summary>
    private static IEnumerable<(string Key, string Value)> Fields(string fields) =>
        fields.Split('|').Select(field => field.Split('=', 2)).Where(pair => pair.Length == 2).Select(pair => (pair[0], pair[1]));
}
