using System.Runtime.InteropServices;
using static VideoCoca.Ingest.Libav.LibavLayout;
using static VideoCoca.Ingest.Libav.LibavNative;

namespace VideoCoca.Ingest.Libav;

/// <summary>
/// ffprobe's container read (<c>-count_packets -show_format -show_streams</c> and the packet list) done through
/// libavformat in this process, so that a process which probes many files pays for loading ffmpeg's couple of hundred
/// shared libraries once instead of once a file. The same library calls as ffprobe (open with <c>scan_all_pmts</c>,
/// find the stream info, read every packet), so the same verdicts.
/// <para>
/// Reads libav's structures by their field offsets, which only hold for the library versions this was checked against
/// (FFmpeg 5.1: libavformat 59, libavcodec 59, libavfilter 8, libavutil 57, x86-64 Linux, Debian 12's packages);
/// <see cref="Available"/> is false elsewhere, and callers then run ffprobe. Run it in a helper process, not in a
/// server: a demuxer that crashes on a hostile file must not take the server with it. One probe at a time per process
/// (libav's log is global).
/// </para>
/// </summary>
public static class LibavProbe
{
    private const int TimeBase = 1_000_000;
    private const int DiscardFlag = 4;

    /// <summary>Whether this process can probe in-process: the libraries load and are the versions the offsets are for.</summary>
    public static bool Available => LibavNative.WhyUnavailable is null;

    /// <summary>Why not, when not <see cref="Available"/>.</summary>
    public static string? WhyUnavailable => LibavNative.WhyUnavailable;

    /// <summary>Reads <paramref name="path"/> as ffprobe would. Only when <see cref="Available"/>; one call at a time.</summary>
    public static ContainerReport Probe(string path)
    {
        if (LibavNative.WhyUnavailable is { } reason) throw new InvalidOperationException(reason);
        LibavLog.Clear();
        var context = IntPtr.Zero;
        var options = IntPtr.Zero;
        try
        {
            // As ffprobe opens a file: every program of an MPEG-TS, not only the first found.
            _ = av_dict_set(ref options, "scan_all_pmts", "1", DontOverwrite);
            var error = avformat_open_input(ref context, path, IntPtr.Zero, ref options);
            if (error < 0) return ContainerReport.Failed(LibavLog.First() ?? $"{path}: {LibavNative.ErrorText(error)}");
            error = avformat_find_stream_info(context, IntPtr.Zero);
            if (error < 0) return ContainerReport.Failed(LibavLog.First() ?? $"{path}: {LibavNative.ErrorText(error)}");

            var streams = ReadStreams(context);
            var video = streams.FirstOrDefault(stream => stream.Type == "video");
            var listPackets = video is { Codec: "h264" };
            var packets = new List<TablePacket>();
            var packet = av_packet_alloc();
            try
            {
                while (av_read_frame(context, packet) >= 0)
                {
                    if (listPackets && Marshal.ReadInt32(packet, PacketStreamIndex) == video!.Index)
                    {
                        var pts = Marshal.ReadInt64(packet, PacketPts);
                        var position = Marshal.ReadInt64(packet, PacketPosition);
                        var size = Marshal.ReadInt32(packet, PacketSize);
                        packets.Add(new TablePacket(
                            pts == NoTimestamp ? null : pts, position >= 0 ? position : null, size > 0 ? size : null,
                            (Marshal.ReadInt32(packet, PacketFlags) & DiscardFlag) != 0));
                    }
                    av_packet_unref(packet);
                }
            }
            finally
            {
                av_packet_free(ref packet);
            }

            var formatName = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(Marshal.ReadIntPtr(context, ContextInputFormat))) ?? "";
            var duration = Marshal.ReadInt64(context, ContextDuration);
            var fileSize = new FileInfo(path).Length;
            return new ContainerReport(
                formatName, duration == NoTimestamp ? 0 : (double)duration / TimeBase, fileSize, streams, LibavLog.First(), null,
                listPackets ? new PacketTable(formatName, fileSize, video!.Codec, video.LengthPrefixed, video.NalLengthSize, packets) : null);
        }
        finally
        {
            if (options != IntPtr.Zero) av_dict_free(ref options);
            if (context != IntPtr.Zero) avformat_close_input(ref context);
        }
    }

    private static List<ContainerStream> ReadStreams(IntPtr context)
    {
        var count = Marshal.ReadInt32(context, ContextStreamCount);
        var array = Marshal.ReadIntPtr(context, ContextStreams);
        var streams = new List<ContainerStream>(count);
        for (var i = 0; i < count; i++)
        {
            var stream = Marshal.ReadIntPtr(array, i * IntPtr.Size);
            var parameters = Marshal.ReadIntPtr(stream, StreamParameters);
            var type = Marshal.ReadInt32(parameters, ParametersType);
            var codec = Marshal.PtrToStringUTF8(avcodec_get_name(Marshal.ReadInt32(parameters, ParametersCodec))) ?? "";
            var duration = Marshal.ReadInt64(stream, StreamDuration);
            var seconds = duration == NoTimestamp ? 0 : duration * Rational(stream, StreamTimeBase);
            var (lengthPrefixed, nalLengthSize) = (false, 0);
            if (type == VideoType && codec == "h264")
            {
                // What the H.264 decoder reads from the stream's extradata: an avcC record starts with version 1 and
                // holds the NAL length size, less one, in the low bits of its fifth byte.
                var size = Marshal.ReadInt32(parameters, ParametersExtradataSize);
                var extradata = Marshal.ReadIntPtr(parameters, ParametersExtradata);
                if (size >= 7 && extradata != IntPtr.Zero && Marshal.ReadByte(extradata) == 1)
                {
                    (lengthPrefixed, nalLengthSize) = (true, (Marshal.ReadByte(extradata, 4) & 0x3) + 1);
                }
            }
            streams.Add(new ContainerStream(
                Marshal.ReadInt32(stream, StreamIndex), Marshal.PtrToStringUTF8(av_get_media_type_string(type)) ?? "unknown", codec,
                Rational(stream, StreamAverageFrameRate), seconds, Marshal.ReadInt32(parameters, ParametersWidth),
                Marshal.ReadInt32(parameters, ParametersHeight), lengthPrefixed, nalLengthSize));
        }
        return streams;
    }

    /// <summary>An AVRational at <paramref name="offset"/>; 0 for 0/0.</summary>
    private static double Rational(IntPtr structure, int offset)
    {
        var (numerator, denominator) = ReadRational(structure, offset);
        return denominator > 0 ? (double)numerator / denominator : 0;
    }
}
