using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using VideoCoca.GrainInterfaces;
using VideoCoca.Ingest;
using VideoCoca.Ingest.Libav;

namespace VideoCoca.Gateway.Uploads;

/// <summary>What the probe made of an upload: accepted with its duration, or refused with a status and a reason.</summary>
/// <param name="Video">What ffprobe found of an accepted upload, for the silo (which then need not probe it again).</param>
/// <param name="Packets">
/// The video stream's packet table of an accepted H.264 upload, for the silo's split (kept beside the upload, it spares
/// the split an ffprobe of its own); null for other codecs.
/// </param>
public sealed record ProbeOutcome(bool Accepted, double? DurationSeconds, int StatusCode, string? Reason, ProbedVideo? Video = null, PacketTable? Packets = null)
{
    public static ProbeOutcome Accept(double? duration, ProbedVideo? video, PacketTable? packets) => new(true, duration, StatusCodes.Status200OK, null, video, packets);

    public static ProbeOutcome Refuse(int statusCode, string reason) => new(false, null, statusCode, reason);
}

/// <summary>
/// Decides synchronously whether an upload is a video the platform can take, in one ffprobe run: its streams and
/// duration, and every packet of the file read (<c>-count_packets</c>), which catches truncated and damaged files
/// that the streams alone let through. (This was ffprobe, then an ffmpeg packet scan: two processes an upload.) A
/// complaint is not a refusal by itself (phone videos often carry a damaged slice that the decoder skips): the stream
/// is then decoded and counted, and refused only when no frame decodes or more than the configured share of them fail.
/// The container read is done by a <see cref="ProbeHelpers"/> process where one can (the same library calls as ffprobe,
/// without starting a process an upload), else by ffprobe.
/// </summary>
public sealed class VideoProbe(ProbeHelpers helpers)
{
    /// <summary>Formats and codecs ffmpeg reads as "video" that are text or still images (ANSI art, binary text, pictures).</summary>
    private static readonly HashSet<string> NotVideoFormats = new(StringComparer.OrdinalIgnoreCase) { "tty", "bin", "xbin", "idf", "adf", "image2", "lavfi" };

    private static readonly HashSet<string> NotVideoCodecs = new(StringComparer.OrdinalIgnoreCase) { "ansi", "bintext", "xbin", "idf" };

    public async Task<ProbeOutcome> ProbeAsync(
        string path, double maxDurationSeconds, TimeSpan timeout, double maxUndecodableFrameShare, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var report = await helpers.ProbeAsync(path, limit.Token);
        UploadMetrics.CountProbe(byHelper: report is not null);
        var probed = report ?? await FfprobeAsync(path, limit.Token);
        if (probed.Failure is { } failure)
        {
            return ProbeOutcome.Refuse(StatusCodes.Status422UnprocessableEntity, $"the upload is not a video ffmpeg can read ({failure})");
        }
        var format = probed.FormatName;
        var primary = probed.Streams.FirstOrDefault(stream => stream.Type == "video");
        if (primary is null)
        {
            return ProbeOutcome.Refuse(StatusCodes.Status422UnprocessableEntity, probed.Streams.Any(stream => stream.Type == "audio")
                ? "the upload has no video stream: it is audio only"
                : "the upload has no video stream");
        }
        if (NotVideoFormats.Contains(format) || format.EndsWith("_pipe", StringComparison.OrdinalIgnoreCase) || NotVideoCodecs.Contains(primary.Codec))
        {
            return ProbeOutcome.Refuse(StatusCodes.Status422UnprocessableEntity, $"the upload is not a video (ffmpeg reads it as '{format}')");
        }
        var duration = probed.Seconds > 0 ? probed.Seconds : primary.Seconds;
        if (duration > maxDurationSeconds)
        {
            return ProbeOutcome.Refuse(StatusCodes.Status413PayloadTooLarge,
                $"the video is {duration:0.##} s long; at most {maxDurationSeconds:0.##} s is accepted");
        }
        var accepted = ProbeOutcome.Accept(duration > 0 ? duration : null,
            new ProbedVideo(primary.AverageFrameRate, primary.Seconds, probed.Seconds, primary.Width, primary.Height), probed.Packets);
        if (probed.Complaint is not { } scan)
        {
            return accepted;
        }
        DecodeCount count;
        try
        {
            count = await CountDecodedFramesAsync(path, limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Too long to decode here: the silo decodes every frame anyway and fails the video by the same rule.
            return accepted;
        }
        // As the silo's probe counts them: the stream's duration at its average rate.
        var rate = primary.AverageFrameRate > 0 && double.IsFinite(primary.AverageFrameRate) ? primary.AverageFrameRate : 25;
        var seconds = primary.Seconds > 0 ? primary.Seconds : duration;
        // The frames the container promises (a truncated file's missing frames count as failed), or the packets read.
        var expected = Math.Max(count.Packets, double.IsFinite(seconds) ? (int)Math.Round(seconds * rate) : 0);
        var complaint = count.FirstComplaint ?? scan;
        if (count.Frames == 0)
        {
            return ProbeOutcome.Refuse(StatusCodes.Status422UnprocessableEntity,
                $"the video is damaged or truncated: no video frame could be decoded (ffmpeg: {complaint})");
        }
        var failed = Math.Max(0, expected - count.Frames);
        if (failed > maxUndecodableFrameShare * expected)
        {
            return ProbeOutcome.Refuse(StatusCodes.Status422UnprocessableEntity,
                $"the video is damaged or truncated: {failed} of {expected} frames could not be decoded, more than the " +
                $"{maxUndecodableFrameShare:0.##%} allowed (ffmpeg: {complaint})");
        }
        return accepted;
    }

    /// <summary>
    /// What the probe helpers' <see cref="LibavProbe"/> reads, read by one ffprobe run instead: the path for uploads when
    /// no helper can answer.
    /// </summary>
    public static async Task<ContainerReport> FfprobeAsync(string path, CancellationToken cancellationToken)
    {
        var (exitCode, output, errors) = await RunAsync("ffprobe",
            ["-v", "error", "-count_packets", "-show_format", "-show_streams", "-show_entries", "packet=stream_index,pts,pos,size,flags", "-of", "json", path],
            cancellationToken);
        var complaint = FirstLine(errors);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(output.Length > 0 ? output : "{}");
        }
        catch (JsonException)
        {
            return ContainerReport.Failed(complaint.Length > 0 ? complaint : "ffprobe printed no readable report");
        }
        using (document)
        {
            var root = document.RootElement;
            // Without a container report ffprobe could not open the file; with one, a failed exit came from reading its packets.
            if (!root.TryGetProperty("format", out var format))
            {
                return ContainerReport.Failed(complaint.Length > 0 ? complaint : $"ffprobe exited with {exitCode}");
            }
            if (complaint.Length == 0 && exitCode != 0) complaint = $"ffprobe exited with {exitCode}";
            var streams = root.TryGetProperty("streams", out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Select(stream => new ContainerStream(
                    Integer(stream, "index"), Text(stream, "codec_type"), Text(stream, "codec_name"), Rate(Text(stream, "avg_frame_rate")), Number(Text(stream, "duration")),
                    Integer(stream, "width"), Integer(stream, "height"), Text(stream, "is_avc") is "true" or "1", (int)Number(Text(stream, "nal_length_size")))).ToList()
                : [];
            var formatName = Text(format, "format_name");
            var fileSize = (long)Number(Text(format, "size"));
            return new ContainerReport(formatName, Number(Text(format, "duration")), fileSize, streams, complaint.Length > 0 ? complaint : null, null,
                PacketsOf(root, formatName, fileSize, streams.FirstOrDefault(stream => stream.Type == "video")));
        }
    }

    /// <summary>The packets ffprobe listed of <paramref name="video"/>, when it is H.264 (the only codec whose split uses them).</summary>
    private static PacketTable? PacketsOf(JsonElement root, string formatName, long fileSize, ContainerStream? video)
    {
        if (video is not { Codec: "h264" } || !root.TryGetProperty("packets", out var list) || list.ValueKind != JsonValueKind.Array) return null;
        var packets = new List<TablePacket>();
        foreach (var packet in list.EnumerateArray())
        {
            if (Integer(packet, "stream_index") != video.Index) continue;
            var pts = packet.TryGetProperty("pts", out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt64(out var t) ? t : (long?)null;
            var position = long.TryParse(Text(packet, "pos"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var at) && at >= 0 ? at : (long?)null;
            var size = int.TryParse(Text(packet, "size"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : (int?)null;
            packets.Add(new TablePacket(pts, position, size, Text(packet, "flags").Contains('D')));
        }
        return new PacketTable(formatName, fileSize, video.Codec, video.LengthPrefixed, video.NalLengthSize, packets);
    }

    private static int Integer(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : 0;

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : "";

    private static double Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : 0;

    /// <summary>ffprobe's "num/den" rate; 0 for "0/0" or anything unreadable.</summary>
    private static double Rate(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2) return Number(text);
        var (numerator, denominator) = (Number(parts[0]), Number(parts[1]));
        return denominator > 0 ? numerator / denominator : 0;
    }

    private sealed record DecodeCount(int Frames, int Packets, string? FirstComplaint);

    /// <summary>Decodes the first video stream whole (ffprobe <c>-count_frames</c>): the frames that came out and the packets that went in.</summary>
    private static async Task<DecodeCount> CountDecodedFramesAsync(string path, CancellationToken cancellationToken)
    {
        var (exitCode, output, errors) = await RunAsync("ffprobe",
            ["-v", "error", "-select_streams", "v:0", "-count_frames", "-count_packets",
             "-show_entries", "stream=nb_read_frames,nb_read_packets", "-of", "default=noprint_wrappers=1", path],
            cancellationToken);
        var values = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => int.TryParse(pair[1], out var n) ? n : 0);
        var complaint = FirstLine(errors);
        return new DecodeCount(
            exitCode == 0 ? values.GetValueOrDefault("nb_read_frames") : 0,
            values.GetValueOrDefault("nb_read_packets"),
            complaint.Length > 0 ? complaint : exitCode != 0 ? $"ffprobe exited with {exitCode}" : null);
    }

    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string program, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not run {program}");
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await output, await errors);
    }

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
}
