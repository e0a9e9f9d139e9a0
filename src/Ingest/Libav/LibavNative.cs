using System.Runtime.InteropServices;
using System.Text;

namespace VideoCoca.Ingest.Libav;

/// <summary>
/// FFmpeg 5.1's libraries as this process calls them (libavformat 59, libavcodec 59, libavfilter 8, libavutil 57 on
/// x86-64 Linux: Debian 12's packages): the entry points, and the check that the loaded libraries are the versions
/// whose structure offsets <see cref="LibavProbe"/> and <see cref="LibavSplit"/> read.
/// </summary>
internal static class LibavNative
{
    private const string Format = "libavformat.so.59";
    private const string Codec = "libavcodec.so.59";
    private const string Filter = "libavfilter.so.8";
    private const string Util = "libavutil.so.57";

    public const long NoTimestamp = long.MinValue;
    public const int VideoType = 0;
    public const int DontOverwrite = 16;
    public static readonly int Again = -11;
    public static readonly int EndOfFile = -0x20464F45; // FFERRTAG('E','O','F',' ')

    private static readonly Lazy<string?> Unavailable = new(CheckLibraries);

    /// <summary>Why this process cannot call libav in-process; null when it can.</summary>
    public static string? WhyUnavailable => Unavailable.Value;

    public static string ErrorText(int error)
    {
        var buffer = new byte[256];
        if (av_strerror(error, buffer, buffer.Length) != 0) return $"error {error}";
        var end = Array.IndexOf(buffer, (byte)0);
        return Encoding.UTF8.GetString(buffer, 0, end >= 0 ? end : buffer.Length);
    }

    /// <summary>An AVRational at <paramref name="offset"/> as (numerator, denominator).</summary>
    public static (int Numerator, int Denominator) ReadRational(IntPtr structure, int offset) =>
        (Marshal.ReadInt32(structure, offset), Marshal.ReadInt32(structure, offset + 4));

    private static string? CheckLibraries()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return $"in-process libav is built for x86-64 Linux, not {RuntimeInformation.OSDescription} on {RuntimeInformation.ProcessArchitecture}";
        }
        try
        {
            var versions = (Format: avformat_version() >> 16, Codec: avcodec_version() >> 16, Filter: avfilter_version() >> 16, Util: avutil_version() >> 16);
            if (versions != (59u, 59u, 8u, 57u))
            {
                return $"libavformat {versions.Format}, libavcodec {versions.Codec}, libavfilter {versions.Filter}, libavutil {versions.Util}: " +
                       "in-process libav knows FFmpeg 5.1's (59, 59, 8, 57) only";
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return $"FFmpeg 5.1's libraries could not be loaded ({e.Message})";
        }
        LibavLog.Install();
        return null;
    }

    [DllImport(Format)] public static extern uint avformat_version();
    [DllImport(Format)] public static extern int avformat_open_input(ref IntPtr context, [MarshalAs(UnmanagedType.LPUTF8Str)] string url, IntPtr format, ref IntPtr options);
    [DllImport(Format)] public static extern int avformat_find_stream_info(IntPtr context, IntPtr options);
    [DllImport(Format)] public static extern int av_read_frame(IntPtr context, IntPtr packet);
    [DllImport(Format)] public static extern void avformat_close_input(ref IntPtr context);
    [DllImport(Format)] public static extern long av_guess_frame_rate(IntPtr context, IntPtr stream, IntPtr frame);
    [DllImport(Format)] public static extern IntPtr av_stream_get_side_data(IntPtr stream, int type, IntPtr size);
    [DllImport(Codec)] public static extern uint avcodec_version();
    [DllImport(Codec)] public static extern IntPtr avcodec_get_name(int codec);
    [DllImport(Codec)] public static extern IntPtr avcodec_find_decoder(int codec);
    [DllImport(Codec)] public static extern IntPtr avcodec_find_encoder(int codec);
    [DllImport(Codec)] public static extern IntPtr avcodec_alloc_context3(IntPtr codec);
    [DllImport(Codec)] public static extern int avcodec_parameters_to_context(IntPtr context, IntPtr parameters);
    [DllImport(Codec)] public static extern int avcodec_open2(IntPtr context, IntPtr codec, ref IntPtr options);
    [DllImport(Codec)] public static extern void avcodec_free_context(ref IntPtr context);
    [DllImport(Codec)] public static extern int avcodec_send_packet(IntPtr context, IntPtr packet);
    [DllImport(Codec)] public static extern int avcodec_receive_frame(IntPtr context, IntPtr frame);
    [DllImport(Codec)] public static extern int avcodec_send_frame(IntPtr context, IntPtr frame);
    [DllImport(Codec)] public static extern int avcodec_receive_packet(IntPtr context, IntPtr packet);
    [DllImport(Codec)] public static extern IntPtr av_packet_alloc();
    [DllImport(Codec)] public static extern void av_packet_unref(IntPtr packet);
    [DllImport(Codec)] public static extern void av_packet_free(ref IntPtr packet);
    [DllImport(Filter)] public static extern uint avfilter_version();
    [DllImport(Filter)] public static extern IntPtr avfilter_graph_alloc();
    [DllImport(Filter)] public static extern void avfilter_graph_free(ref IntPtr graph);
    [DllImport(Filter)] public static extern int avfilter_graph_parse2(IntPtr graph, [MarshalAs(UnmanagedType.LPUTF8Str)] string filters, out IntPtr inputs, out IntPtr outputs);
    [DllImport(Filter)] public static extern void avfilter_inout_free(ref IntPtr inOut);
    [DllImport(Filter)] public static extern IntPtr avfilter_get_by_name([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
    [DllImport(Filter)] public static extern int avfilter_graph_create_filter(out IntPtr filter, IntPtr definition, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string? arguments, IntPtr opaque, IntPtr graph);
    [DllImport(Filter)] public static extern int avfilter_link(IntPtr source, uint sourcePad, IntPtr destination, uint destinationPad);
    [DllImport(Filter)] public static extern int avfilter_graph_config(IntPtr graph, IntPtr logContext);
    [DllImport(Filter)] public static extern int av_buffersrc_add_frame_flags(IntPtr source, IntPtr frame, int flags);
    [DllImport(Filter)] public static extern int av_buffersrc_close(IntPtr source, long pts, uint flags);
    [DllImport(Filter)] public static extern int av_buffersink_get_frame_flags(IntPtr sink, IntPtr frame, int flags);
    [DllImport(Util)] public static extern uint avutil_version();
    [DllImport(Util)] public static extern IntPtr av_get_media_type_string(int type);
    [DllImport(Util)] public static extern int av_strerror(int error, byte[] buffer, nint size);
    [DllImport(Util)] public static extern int av_dict_set(ref IntPtr dictionary, [MarshalAs(UnmanagedType.LPUTF8Str)] string key, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int flags);
    [DllImport(Util)] public static extern void av_dict_free(ref IntPtr dictionary);
    [DllImport(Util)] public static extern int av_opt_set_int(IntPtr target, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, long value, int flags);
    [DllImport(Util)] public static extern IntPtr av_frame_alloc();
    [DllImport(Util)] public static extern void av_frame_unref(IntPtr frame);
    [DllImport(Util)] public static extern void av_frame_free(ref IntPtr frame);
    [DllImport(Util)] public static extern IntPtr av_frame_get_side_data(IntPtr frame, int type);
    [DllImport(Util)] public static extern double av_display_rotation_get(IntPtr matrix);
    [DllImport(Util)] public static extern IntPtr av_get_pix_fmt_name(int format);
    [DllImport(Util)] public static extern void av_log_set_level(int level);
    [DllImport(Util)] public static extern void av_log_set_callback(IntPtr callback);
    [DllImport(Util)] public static extern int av_log_format_line2(IntPtr source, int level, IntPtr format, IntPtr arguments, byte[] line, int size, ref int printPrefix);
}

/// <summary>
/// Field offsets in FFmpeg 5.1's structures (checked with <c>offsetof</c> against Debian 12's headers), the one table
/// <see cref="LibavProbe"/> and <see cref="LibavSplit"/> read them by; only valid where <see cref="LibavNative.WhyUnavailable"/> is null.
/// </summary>
internal static class LibavLayout
{
    // AVFormatContext
    public const int ContextInputFormat = 8, ContextStreamCount = 44, ContextStreams = 48, ContextDuration = 72;
    // AVStream
    public const int StreamIndex = 0, StreamTimeBase = 16, StreamDuration = 32, StreamAverageFrameRate = 72, StreamParameters = 208;
    // AVCodecParameters
    public const int ParametersType = 0, ParametersCodec = 4, ParametersExtradata = 16, ParametersExtradataSize = 24, ParametersWidth = 56, ParametersHeight = 60;
    // AVPacket
    public const int PacketPts = 8, PacketData = 24, PacketSize = 32, PacketStreamIndex = 36, PacketFlags = 40, PacketPosition = 72;
    // AVFrame
    public const int FrameData = 0, FrameLineSize = 64, FrameWidth = 104, FrameHeight = 108, FrameFormat = 116, FramePictureType = 124,
        FrameAspectRatio = 128, FramePts = 136, FrameQuality = 168, FrameColorRange = 320, FrameBestEffortTimestamp = 344;
    // AVCodecContext
    public const int CodecGlobalQuality = 68, CodecFlags = 76, CodecTimeBase = 100, CodecWidth = 116, CodecHeight = 120, CodecPixelFormat = 136,
        CodecAspectRatio = 216, CodecColorRange = 336;
    // AVFilterInOut
    public const int InOutName = 0, InOutFilter = 8, InOutPad = 16, InOutNext = 24;
}

/// <summary>
/// libav's log as <c>-v error</c> prints it: messages at error level and worse, as whole lines with libav's
/// "[name @ address]" prefix, kept for whoever reads them next (libav's log is global: one user at a time).
/// </summary>
internal static class LibavLog
{
    private const int ErrorLevel = 16;
    private static readonly object Lock = new();
    private static readonly List<string> Lines = [];
    private static readonly StringBuilder Partial = new();
    private static int _printPrefix = 1;
    // Kept in a field: libav holds the pointer to it for the life of the process.
    private static readonly LogCallback OnLog = Log;

    public static void Install()
    {
        LibavNative.av_log_set_level(ErrorLevel);
        LibavNative.av_log_set_callback(Marshal.GetFunctionPointerForDelegate(OnLog));
    }

    public static void Clear()
    {
        lock (Lock)
        {
            Lines.Clear();
            Partial.Clear();
            _printPrefix = 1;
        }
    }

    /// <summary>The first line logged since <see cref="Clear"/> (an unfinished one if that is all there is).</summary>
    public static string? First()
    {
        lock (Lock)
        {
            if (Lines.Count == 0 && Partial.Length > 0) return Partial.ToString().Trim();
            return Lines.Count > 0 ? Lines[0] : null;
        }
    }

    /// <summary>The whole lines logged since the last call, removed.</summary>
    public static List<string> Take()
    {
        lock (Lock)
        {
            if (Lines.Count == 0) return [];
            var taken = new List<string>(Lines);
            Lines.Clear();
            return taken;
        }
    }

    /// <summary>Logs a message of this process's own at error level, as ffmpeg's command line logs its own (no prefix).</summary>
    public static void Error(string message)
    {
        lock (Lock)
        {
            Lines.Add(message);
        }
    }

    private static void Log(IntPtr source, int level, IntPtr format, IntPtr arguments)
    {
        if (level > ErrorLevel) return;
        var line = new byte[1024];
        lock (Lock)
        {
            var length = LibavNative.av_log_format_line2(source, level, format, arguments, line, line.Length, ref _printPrefix);
            if (length <= 0) return;
            Partial.Append(Encoding.UTF8.GetString(line, 0, Math.Min(length, line.Length - 1)));
            var text = Partial.ToString();
            var end = text.LastIndexOf('\n');
            if (end < 0) return;
            foreach (var complete in text[..end].Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                Lines.Add(complete);
            }
            Partial.Clear().Append(text[(end + 1)..]);
        }
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void LogCallback(IntPtr source, int level, IntPtr format, IntPtr arguments);
}
