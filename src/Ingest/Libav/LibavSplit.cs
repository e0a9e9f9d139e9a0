using System.Globalization;
using System.Runtime.InteropServices;
using static VideoCoca.Ingest.Libav.LibavLayout;
using static VideoCoca.Ingest.Libav.LibavNative;

namespace VideoCoca.Ingest.Libav;

/// <summary>One split: the video, the filter graph script's text, where thumbnails go, and ffmpeg's options for them.</summary>
/// <param name="FailAfterFrames">A fault hook for tests: the helper process dies (SIGKILL) once it has sent this many frames.</param>
public sealed record LibavSplitRequest(
    string Source, string Graph, string Thumbnails, int DecoderThreads, int FilterThreads, double MaxErrorRate, int? FailAfterFrames = null);

/// <summary>The split cannot be done in-process as ffmpeg's command would do it (a rotated video): run the command.</summary>
public sealed class LibavSplitUnsupportedException(string reason) : Exception(reason);

/// <summary>Receives a split's output as ffmpeg's command gives it: each rgb24 frame of the graph's [m] output, and each line of its <c>-v error</c> log.</summary>
public interface ILibavSplitOutput
{
    void Frame(byte[] rgb, int length);

    void Message(string line);
}

/// <summary>
/// The split's ffmpeg command (<see cref="FfmpegVideoIngestor"/>: <c>-threads N -filter_complex_threads N
/// -max_error_rate R -i VIDEO -filter_complex_script GRAPH -map [m] -f rawvideo -pix_fmt rgb24 pipe:1 -map [t] -q:v 3
/// thumbs/%d.jpg</c>) done with the same library calls in this process: demux, decode on the given threads, the same
/// filter graph text with the command's output conversions (<c>format=rgb24</c>; the JPEG encoder's formats), the
/// thumbnails through the MJPEG encoder at the same quality, written the way <c>-atomic_writing</c> does. Decoding
/// errors are counted and logged as the command counts and logs them ("Error while decoding stream #0:N: ..."), and the
/// exit code is the command's: 1 when the input cannot be read, 69 when more than the allowed share of packets failed.
/// A process that splits many videos loads ffmpeg's libraries once instead of once a video.
/// <para>Reads FFmpeg 5.1's structures by offset (<see cref="LibavLayout"/>); one split at a time per process.</para>
/// </summary>
public sealed class LibavSplit : IDisposable
{
    private const int PushFrame = 4, NoRequest = 2, DisplayMatrixStream = 5, DisplayMatrixFrame = 6, MjpegCodec = 7;
    private const int QScaleFlag = 2, LambdaPerQuantiser = 118, ThumbnailQuantiser = 3;

    private readonly LibavSplitRequest _request;
    private readonly ILibavSplitOutput _output;
    private IntPtr _input, _decoder, _encoder, _graph, _source, _modelSink, _thumbnailSink;
    private IntPtr _packet, _decoded, _filtered, _encoded;
    private int _videoIndex = -1;
    private (int Width, int Height, int Format) _graphInput;
    private byte[] _rgb = [];
    private long _decodedFrames, _failedDecodes;
    private int _thumbnails, _sentThumbnails;

    private LibavSplit(LibavSplitRequest request, ILibavSplitOutput output) => (_request, _output) = (request, output);

    /// <summary>Whether this process can split in-process; null when it can, else why not.</summary>
    public static string? WhyUnavailable => LibavNative.WhyUnavailable;

    /// <summary>Splits as the command would; returns the command's exit code. Throws <see cref="LibavSplitUnsupportedException"/> before any frame when it cannot.</summary>
    public static int Run(LibavSplitRequest request, ILibavSplitOutput output)
    {
        if (WhyUnavailable is { } reason) throw new InvalidOperationException(reason);
        using var split = new LibavSplit(request, output);
        LibavLog.Clear();
        try
        {
            return split.Decode();
        }
        finally
        {
            split.Forward();
        }
    }

    private int Decode()
    {
        var options = IntPtr.Zero;
        // As ffmpeg opens an input: every program of an MPEG-TS, not only the first found.
        _ = av_dict_set(ref options, "scan_all_pmts", "1", DontOverwrite);
        var error = avformat_open_input(ref _input, _request.Source, IntPtr.Zero, ref options);
        av_dict_free(ref options);
        if (error < 0) return Fail($"{_request.Source}: {ErrorText(error)}");
        if (avformat_find_stream_info(_input, IntPtr.Zero) < 0)
        {
            LibavLog.Error($"{_request.Source}: could not find codec parameters");
            if (Marshal.ReadInt32(_input, ContextStreamCount) == 0) return 1;
        }

        // "[0:v]" is the file's first video stream.
        var streams = Marshal.ReadIntPtr(_input, ContextStreams);
        var stream = IntPtr.Zero;
        for (var i = 0; i < Marshal.ReadInt32(_input, ContextStreamCount) && _videoIndex < 0; i++)
        {
            stream = Marshal.ReadIntPtr(streams, i * IntPtr.Size);
            if (Marshal.ReadInt32(Marshal.ReadIntPtr(stream, StreamParameters), ParametersType) == VideoType) _videoIndex = i;
        }
        if (_videoIndex < 0) return Fail($"Stream specifier ':v' in filtergraph description {_request.Graph} matches no streams.");
        // The command turns a rotated video upright with filters of its own; that is left to it.
        if (!IsIdentity(av_stream_get_side_data(stream, DisplayMatrixStream, IntPtr.Zero)))
        {
            throw new LibavSplitUnsupportedException("the video carries a rotation");
        }

        var parameters = Marshal.ReadIntPtr(stream, StreamParameters);
        var codecId = Marshal.ReadInt32(parameters, ParametersCodec);
        var codec = avcodec_find_decoder(codecId);
        if (codec == IntPtr.Zero) return Fail($"Decoder (codec {Marshal.PtrToStringUTF8(avcodec_get_name(codecId))}) not found for input stream #0:{_videoIndex}");
        _decoder = avcodec_alloc_context3(codec);
        if ((error = avcodec_parameters_to_context(_decoder, parameters)) < 0) return Fail($"Error initializing the decoder: {ErrorText(error)}");
        _ = av_dict_set(ref options, "threads", _request.DecoderThreads.ToString(CultureInfo.InvariantCulture), 0);
        error = avcodec_open2(_decoder, codec, ref options);
        av_dict_free(ref options);
        if (error < 0) return Fail($"Error while opening decoder for input stream #0:{_videoIndex} : {ErrorText(error)}");

        _packet = av_packet_alloc();
        _decoded = av_frame_alloc();
        _filtered = av_frame_alloc();
        _encoded = av_packet_alloc();
        while (true)
        {
            error = av_read_frame(_input, _packet);
            if (error < 0)
            {
                // The command treats a read error as the end of the input, after saying so.
                if (error != EndOfFile) LibavLog.Error($"{_request.Source}: {ErrorText(error)}");
                break;
            }
            var ours = Marshal.ReadInt32(_packet, PacketStreamIndex) == _videoIndex && Marshal.ReadInt32(_packet, PacketSize) > 0;
            var result = ours ? DecodePacket(_packet) : 0;
            av_packet_unref(_packet);
            if (result != 0) return result;
            Forward();
        }
        var flushed = Flush();
        if (flushed != 0) return flushed;
        // The command's verdict on a video most of whose packets failed (-max_error_rate).
        return (_decodedFrames + _failedDecodes) * _request.MaxErrorRate < _failedDecodes ? 69 : 0;
    }

    /// <summary>As ffmpeg's command decodes a packet: send it, then take frames until the decoder wants more; a failure is counted, logged and ends the packet.</summary>
    private int DecodePacket(IntPtr packet)
    {
        var error = avcodec_send_packet(_decoder, packet);
        if (error < 0 && error != EndOfFile) return DecodeFailed(error);
        while (true)
        {
            error = avcodec_receive_frame(_decoder, _decoded);
            if (error == Again || error == EndOfFile) return 0;
            if (error < 0) return DecodeFailed(error);
            var result = Filter(_decoded);
            if (result != 0) return result;
        }
    }

    private int DecodeFailed(int error)
    {
        _failedDecodes++;
        LibavLog.Error($"Error while decoding stream #0:{_videoIndex}: {ErrorText(error)}");
        return 0;
    }

    private int Flush()
    {
        _ = avcodec_send_packet(_decoder, IntPtr.Zero);
        for (var failures = 0; failures < 1000;)
        {
            var error = avcodec_receive_frame(_decoder, _decoded);
            if (error == EndOfFile || error == Again) break;
            if (error < 0)
            {
                DecodeFailed(error);
                failures++;
                continue;
            }
            var result = Filter(_decoded);
            if (result != 0) return result;
            Forward();
        }
        if (_graph == IntPtr.Zero) return 0;
        var closed = av_buffersrc_close(_source, NoTimestamp, PushFrame);
        if (closed < 0) return Fail($"Error while closing the filter graph's input: {ErrorText(closed)}");
        var reaped = Reap();
        return reaped != 0 || _encoder == IntPtr.Zero ? reaped : WriteThumbnail(IntPtr.Zero);
    }

    private int Filter(IntPtr frame)
    {
        _decodedFrames++;
        var input = (Marshal.ReadInt32(frame, FrameWidth), Marshal.ReadInt32(frame, FrameHeight), Marshal.ReadInt32(frame, FrameFormat));
        if (_graph == IntPtr.Zero || input != _graphInput)
        {
            if (_graph == IntPtr.Zero && !IsIdentity(FrameSideData(frame, DisplayMatrixFrame)))
            {
                throw new LibavSplitUnsupportedException("the video's frames carry a rotation");
            }
            // A frame of another size or format: the command builds its graph again (numbering from 0 again), after taking what the old one gave.
            if (_graph != IntPtr.Zero)
            {
                var reaped = Reap();
                if (reaped != 0) return reaped;
                avfilter_graph_free(ref _graph);
            }
            var configured = Configure(frame, input);
            if (configured != 0) return configured;
        }
        // The command filters frames stamped with the decoder's best guess of their time.
        Marshal.WriteInt64(frame, FramePts, Marshal.ReadInt64(frame, FrameBestEffortTimestamp));
        var error = av_buffersrc_add_frame_flags(_source, frame, PushFrame);
        av_frame_unref(frame);
        if (error < 0) return Fail($"Failed to inject frame into filter network: {ErrorText(error)}");
        return Reap();
    }

    private int Configure(IntPtr frame, (int Width, int Height, int Format) input)
    {
        _graph = avfilter_graph_alloc();
        _ = av_opt_set_int(_graph, "threads", _request.FilterThreads, 0);
        var error = avfilter_graph_parse2(_graph, _request.Graph, out var inputs, out var outputs);
        try
        {
            if (error < 0) return Fail($"Error initializing complex filters: {ErrorText(error)}");
            var stream = Marshal.ReadIntPtr(Marshal.ReadIntPtr(_input, ContextStreams), _videoIndex * IntPtr.Size);
            var (timeNumerator, timeDenominator) = ReadRational(stream, StreamTimeBase);
            var (sarNumerator, sarDenominator) = ReadRational(frame, FrameAspectRatio);
            if (sarDenominator == 0) (sarNumerator, sarDenominator) = (0, 1);
            var rate = av_guess_frame_rate(_input, stream, IntPtr.Zero);
            var (rateNumerator, rateDenominator) = ((int)(rate & 0xFFFFFFFF), (int)(rate >> 32));
            var arguments = string.Create(CultureInfo.InvariantCulture,
                $"video_size={input.Width}x{input.Height}:pix_fmt={input.Format}:time_base={timeNumerator}/{timeDenominator}:pixel_aspect={sarNumerator}/{sarDenominator}");
            if (rateNumerator != 0 && rateDenominator != 0) arguments += string.Create(CultureInfo.InvariantCulture, $":frame_rate={rateNumerator}/{rateDenominator}");
            if ((error = avfilter_graph_create_filter(out _source, avfilter_get_by_name("buffer"), "graph 0 input from stream 0:" + _videoIndex, arguments, IntPtr.Zero, _graph)) < 0)
            {
                return Fail($"Error initializing complex filters: {ErrorText(error)}");
            }
            for (var open = inputs; open != IntPtr.Zero; open = Marshal.ReadIntPtr(open, InOutNext))
            {
                if ((error = avfilter_link(_source, 0, Marshal.ReadIntPtr(open, InOutFilter), (uint)Marshal.ReadInt32(open, InOutPad))) < 0)
                {
                    return Fail($"Error initializing complex filters: {ErrorText(error)}");
                }
            }
            for (var open = outputs; open != IntPtr.Zero; open = Marshal.ReadIntPtr(open, InOutNext))
            {
                var label = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(open, InOutName));
                // The command's output conversions: rgb24 for the pipe, the JPEG encoder's own formats for the thumbnails.
                var (formats, isModel) = label switch
                {
                    "m" => ("rgb24", true),
                    "t" => ("yuvj420p|yuvj422p|yuvj444p", false),
                    _ => (null, false),
                };
                if (formats is null) return Fail($"Output with label '{label}' is not one the split reads");
                if ((error = avfilter_graph_create_filter(out var sink, avfilter_get_by_name("buffersink"), $"out_{label}", null, IntPtr.Zero, _graph)) < 0
                    || (error = avfilter_graph_create_filter(out var format, avfilter_get_by_name("format"), $"format_{label}", formats, IntPtr.Zero, _graph)) < 0
                    || (error = avfilter_link(Marshal.ReadIntPtr(open, InOutFilter), (uint)Marshal.ReadInt32(open, InOutPad), format, 0)) < 0
                    || (error = avfilter_link(format, 0, sink, 0)) < 0)
                {
                    return Fail($"Error initializing complex filters: {ErrorText(error)}");
                }
                if (isModel) _modelSink = sink;
                else _thumbnailSink = sink;
            }
            if (_modelSink == IntPtr.Zero || _thumbnailSink == IntPtr.Zero) return Fail("The filter graph lacks the [m] or [t] output");
            if ((error = avfilter_graph_config(_graph, IntPtr.Zero)) < 0) return Fail($"Error initializing complex filters: {ErrorText(error)}");
            _graphInput = input;
            return 0;
        }
        finally
        {
            avfilter_inout_free(ref inputs);
            avfilter_inout_free(ref outputs);
        }
    }

    /// <summary>Takes every frame the graph's outputs have ready: thumbnails first, so that a clip's is written by the time its last frame arrives.</summary>
    private int Reap()
    {
        while (av_buffersink_get_frame_flags(_thumbnailSink, _filtered, NoRequest) >= 0)
        {
            var written = WriteThumbnail(_filtered);
            av_frame_unref(_filtered);
            if (written != 0) return written;
        }
        while (av_buffersink_get_frame_flags(_modelSink, _filtered, NoRequest) >= 0)
        {
            var (width, height) = (Marshal.ReadInt32(_filtered, FrameWidth), Marshal.ReadInt32(_filtered, FrameHeight));
            var row = width * 3;
            if (_rgb.Length != row * height) _rgb = new byte[row * height];
            var data = Marshal.ReadIntPtr(_filtered, FrameData);
            var stride = Marshal.ReadInt32(_filtered, FrameLineSize);
            for (var y = 0; y < height; y++) Marshal.Copy(data + y * stride, _rgb, y * row, row);
            av_frame_unref(_filtered);
            _output.Frame(_rgb, _rgb.Length);
        }
        return 0;
    }

    /// <summary>Encodes and writes a thumbnail frame; a null frame drains the encoder.</summary>
    private int WriteThumbnail(IntPtr frame)
    {
        if (_encoder == IntPtr.Zero)
        {
            var codec = avcodec_find_encoder(MjpegCodec);
            if (codec == IntPtr.Zero) return Fail("Encoder (codec mjpeg) not found for the thumbnails");
            _encoder = avcodec_alloc_context3(codec);
            Marshal.WriteInt32(_encoder, CodecWidth, Marshal.ReadInt32(frame, FrameWidth));
            Marshal.WriteInt32(_encoder, CodecHeight, Marshal.ReadInt32(frame, FrameHeight));
            Marshal.WriteInt32(_encoder, CodecPixelFormat, Marshal.ReadInt32(frame, FrameFormat));
            Marshal.WriteInt64(_encoder, CodecAspectRatio, Marshal.ReadInt64(frame, FrameAspectRatio));
            Marshal.WriteInt32(_encoder, CodecColorRange, Marshal.ReadInt32(frame, FrameColorRange));
            Marshal.WriteInt32(_encoder, CodecTimeBase, 1);
            Marshal.WriteInt32(_encoder, CodecTimeBase + 4, 25);
            // -q:v 3: a fixed quantiser.
            Marshal.WriteInt32(_encoder, CodecFlags, Marshal.ReadInt32(_encoder, CodecFlags) | QScaleFlag);
            Marshal.WriteInt32(_encoder, CodecGlobalQuality, ThumbnailQuantiser * LambdaPerQuantiser);
            var options = IntPtr.Zero;
            // One thread: the command lets the encoder choose, and the MJPEG encoder's frame threads give the same bytes.
            _ = av_dict_set(ref options, "threads", "1", 0);
            var opened = avcodec_open2(_encoder, codec, ref options);
            av_dict_free(ref options);
            if (opened < 0) return Fail($"Error while opening encoder for the thumbnails: {ErrorText(opened)}");
        }
        if (frame != IntPtr.Zero)
        {
            Marshal.WriteInt32(frame, FrameQuality, ThumbnailQuantiser * LambdaPerQuantiser);
            Marshal.WriteInt32(frame, FramePictureType, 0);
            Marshal.WriteInt64(frame, FramePts, _sentThumbnails++);
        }
        var error = avcodec_send_frame(_encoder, frame);
        if (error < 0) return Fail($"Error while encoding a thumbnail: {ErrorText(error)}");
        while ((error = avcodec_receive_packet(_encoder, _encoded)) >= 0)
        {
            var size = Marshal.ReadInt32(_encoded, PacketSize);
            var bytes = new byte[size];
            Marshal.Copy(Marshal.ReadIntPtr(_encoded, PacketData), bytes, 0, size);
            av_packet_unref(_encoded);
            // As image2's -atomic_writing: the file appears whole or not at all.
            var path = Path.Combine(_request.Thumbnails, _thumbnails.ToString(CultureInfo.InvariantCulture) + ".jpg");
            File.WriteAllBytes(path + ".tmp", bytes);
            File.Move(path + ".tmp", path, overwrite: true);
            _thumbnails++;
        }
        return error == Again || error == EndOfFile ? 0 : Fail($"Error while encoding a thumbnail: {ErrorText(error)}");
    }

    private static IntPtr FrameSideData(IntPtr frame, int type)
    {
        var sideData = av_frame_get_side_data(frame, type);
        // AVFrameSideData: type, then the data pointer.
        return sideData == IntPtr.Zero ? IntPtr.Zero : Marshal.ReadIntPtr(sideData, 8);
    }

    /// <summary>Whether a display matrix (nine 32-bit values; none at all counts) leaves the picture as it is.</summary>
    private static bool IsIdentity(IntPtr matrix)
    {
        if (matrix == IntPtr.Zero) return true;
        int[] identity = [1 << 16, 0, 0, 0, 1 << 16, 0, 0, 0, 1 << 30];
        for (var i = 0; i < identity.Length; i++)
        {
            if (Marshal.ReadInt32(matrix, i * 4) != identity[i]) return false;
        }
        return true;
    }

    private static int Fail(string message)
    {
        LibavLog.Error(message);
        return 1;
    }

    private void Forward()
    {
        foreach (var line in LibavLog.Take()) _output.Message(line);
    }

    public void Dispose()
    {
        if (_graph != IntPtr.Zero) avfilter_graph_free(ref _graph);
        if (_encoder != IntPtr.Zero) avcodec_free_context(ref _encoder);
        if (_decoder != IntPtr.Zero) avcodec_free_context(ref _decoder);
        if (_input != IntPtr.Zero) avformat_close_input(ref _input);
        if (_packet != IntPtr.Zero) av_packet_free(ref _packet);
        if (_encoded != IntPtr.Zero) av_packet_free(ref _encoded);
        if (_decoded != IntPtr.Zero) av_frame_free(ref _decoded);
        if (_filtered != IntPtr.Zero) av_frame_free(ref _filtered);
    }
}
