using System.Runtime.InteropServices;
using System.Text;

namespace VideoCoca.Ingest.Libav;

/// <summary>
/// ffprobe's container read (<c>-count_packets -show_format -show_streams</c> and the packet list) done through
/// libavformat in this process, so that a process which probes many files pays for loading ffmpeg's couple of hundred
/// shared libraries once instead of once a file. The same library calls as ffprobe (open with <c>scan_all_pmts</c>,
/// find the stream info, read every packet), so the same verdicts.
/// <para>
/// Reads libav's structures by their field offsets, which only hold for the library versions this was checked against
/// (FFmpeg 5.1: libavformat 59, libavcodec 59, libavutil 57, x86-64 Linux, Debian 12's packages);
/// <see cref="Available"/> is false elsewhere, and callers then run ffprobe. Run it in a helper process, not in a
/// server: a demuxer that crashes on a hostile file must not take the server with it. One probe at a time per process
/// (libav's log is global).
/// </para>
/// </summary>
public static class LibavProbe
{
    private const string Format = "libavformat.so.59";
    private const string Codec = "libavcodec.so.59";
    private const string Util = "libavutil.so.57";

    // Field offsets in FFmpeg 5.1's structures (offsetof with its headers).
    private const int ContextInputFormat = 8, ContextStreamCount = 44, ContextStreams = 48, ContextDuration = 72;
    private const int StreamIndex = 0, StreamTimeBase = 16, StreamDuration = 32, StreamAverageFrameRate = 72, StreamParameters = 208;
    private const int ParametersType = 0, ParametersCodec = 4, ParametersExtradata = 16, ParametersExtradataSize = 24, ParametersWidth = 56, ParametersHeight = 60;
    private const int PacketPts = 8, PacketSize = 32, PacketStreamIndex = 36, PacketFlags = 40, PacketPosition = 72;

    private const long NoTimestamp = long.MinValue;
    private const int TimeBase = 1_000_000;
    private const int DiscardFlag = 4;
    private const int LogError = 16;
    private const int DontOverwrite = 16;
    private const int VideoType = 0;

    private static readonly Lazy<string?> Unavailable = new(CheckLibraries);
    private static readonly object LogLock = new();
    private static readonly List<string> LoggedErrors = [];
    private static readonly StringBuilder PartialLine = new();
    private static int _printPrefix = 1;
    // Kept in a field: libav holds the pointer to it for the life of the process.
    private static readonly LogCallback OnLog = Log;

    /// <summary>Whether this process can probe in-process: the libraries load and are the versions the offsets are for.</summary>
    public static bool Available => Unavailable.Value is null;

    /// <summary>Why not, when not <see cref="Available"/>.</summary>
    public static string? WhyUnavailable => Unavailable.Value;

    /// <summary>Reads <paramref name="path"/> as ffprobe would. Only when <see cref="Available"/>; one call at a time.</summary>
    public static ContainerReport Probe(string path)
    {
        if (Unavailable.Value is { } reason) throw new InvalidOperationException(reason);
        lock (LogLock)
        {
            LoggedErrors.Clear();
            PartialLine.Clear();
            _printPrefix = 1;
        }
        var context = IntPtr.Zero;
        var options = IntPtr.Zero;
        try
        {
            // As ffprobe opens a file: every program of an MPEG-TS, not only the first found.
            _ = av_dict_set(ref options, "scan_all_pmts", "1", DontOverwrite);
            var error = avformat_open_input(ref context, path, IntPtr.Zero, ref options);
            if (error < 0) return ContainerReport.Failed(FirstError() ?? $"{path}: {ErrorText(error)}");
            error = avformat_find_stream_info(context, IntPtr.Zero);
            if (error < 0) return ContainerReport.Failed(FirstError() ?? $"{path}: {ErrorText(error)}");

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
                formatName, duration == NoTimestamp ? 0 : (double)duration / TimeBase, fileSize, streams, FirstError(), null,
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
        var (numerator, denominator) = (Marshal.ReadInt32(structure, offset), Marshal.ReadInt32(structure, offset + 4));
        return denominator > 0 ? (double)numerator / denominator : 0;
    }

    private static string? FirstError()
    {
        lock (LogLock)
        {
            if (LoggedErrors.Count == 0 && PartialLine.Length > 0) return PartialLine.ToString().Trim();
            return LoggedErrors.Count > 0 ? LoggedErrors[0] : null;
        }
    }

    private static string ErrorText(int error)
    {
        var buffer = new byte[256];
        if (av_strerror(error, buffer, buffer.Length) != 0) return $"error {error}";
        var end = Array.IndexOf(buffer, (byte)0);
        return Encoding.UTF8.GetString(buffer, 0, end >= 0 ? end : buffer.Length);
    }

    /// <summary>Keeps what ffprobe <c>-v error</c> would print: messages at error level and worse, as whole lines with libav's "[name @ address]" prefix.</summary>
    private static void Log(IntPtr source, int level, IntPtr format, IntPtr arguments)
    {
        if (level > LogError) return;
        var line = new byte[1024];
        lock (LogLock)
        {
            var length = av_log_format_line2(source, level, format, arguments, line, line.Length, ref _printPrefix);
            if (length <= 0) return;
            PartialLine.Append(Encoding.UTF8.GetString(line, 0, Math.Min(length, line.Length - 1)));
            var text = PartialLine.ToString();
            var end = text.LastIndexOf('\n');
            if (end < 0) return;
            foreach (var complete in text[..end].Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                LoggedErrors.Add(complete);
            }
            PartialLine.Clear().Append(text[(end + 1)..]);
        }
    }

    private static string? CheckLibraries()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return $"in-process probing is built for x86-64 Linux, not {RuntimeInformation.OSDescription} on {RuntimeInformation.ProcessArchitecture}";
        }
        try
        {
            var versions = (Format: avformat_version() >> 16, Codec: avcodec_version() >> 16, Util: avutil_version() >> 16);
            if (versions != (59u, 59u, 57u))
            {
                return $"libavformat {versions.Format}, libavcodec {versions.Codec}, libavutil {versions.Util}: in-process probing knows FFmpeg 5.1's (59, 59, 57) only";
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return $"FFmpeg 5.1's libraries could not be loaded ({e.Message})";
        }
        av_log_set_level(LogError);
        av_log_set_callback(Marshal.GetFunctionPointerForDelegate(OnLog));
        return null;
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void LogCallback(IntPtr source, int level, IntPtr format, IntPtr arguments);

    [DllImport(Format)] private static extern uint avformat_version();
    [DllImport(Format)] private static extern int avformat_open_input(ref IntPtr context, [MarshalAs(UnmanagedType.LPUTF8Str)] string url, IntPtr format, ref IntPtr options);
    [DllImport(Format)] private static extern int avformat_find_stream_info(IntPtr context, IntPtr options);
    [DllImport(Format)] private static extern int av_read_frame(IntPtr context, IntPtr packet);
    [DllImport(Format)] private static extern void avformat_close_input(ref IntPtr context);
    [DllImport(Codec)] private static extern uint avcodec_version();
    [DllImport(Codec)] private static extern IntPtr avcodec_get_name(int codec);
    [DllImport(Codec)] private static extern IntPtr av_packet_alloc();
    [DllImport(Codec)] private static extern void av_packet_unref(IntPtr packet);
    [DllImport(Codec)] private static extern void av_packet_free(ref IntPtr packet);
    [DllImport(Util)] private static extern uint avutil_version();
    [DllImport(Util)] private static extern IntPtr av_get_media_type_string(int type);
    [DllImport(Util)] private static extern int av_strerror(int error, byte[] buffer, nint size);
    [DllImport(Util)] private static extern int av_dict_set(ref IntPtr dictionary, [MarshalAs(UnmanagedType.LPUTF8Str)] string key, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int flags);
    [DllImport(Util)] private static extern void av_dict_free(ref IntPtr dictionary);
    [DllImport(Util)] private static extern void av_log_set_level(int level);
    [DllImport(Util)] private static extern void av_log_set_callback(IntPtr callback);
    [DllImport(Util)] private static extern int av_log_format_line2(IntPtr source, int level, IntPtr format, IntPtr arguments, byte[] line, int size, ref int printPrefix);
}
