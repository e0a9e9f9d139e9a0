using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace VideoCoca.Ingest.Libav;

/// <summary>
/// Long-lived split helpers (<c>vcp-split-helper</c>, beside this assembly) that split videos through FFmpeg's
/// libraries: the host's CPU for a video's split loses the start of an ffmpeg process (loading its couple of hundred
/// shared libraries, about a tenth of a second). A helper, not the host, runs libav on untrusted files. Up to the given
/// number at once, started when first needed; a video waits up to the given time for one. <see cref="StartAsync"/>
/// returns null whenever the helpers cannot take the video (none configured, all busy that long, the helper or FFmpeg
/// 5.1's libraries missing): the caller then runs the command.
/// </summary>
public sealed class SplitHelpers(int limit, TimeSpan wait, ILogger logger) : IDisposable
{
    /// <summary>The helper's file name, beside this assembly.</summary>
    public const string HelperFile = "vcp-split-helper.dll";

    private readonly SemaphoreSlim _slots = new(Math.Max(1, limit));
    private readonly ConcurrentBag<Helper> _idle = [];
    private volatile string? _unavailable = limit <= 0 ? "no split helpers are configured" : null;
    private int _started;
    private int _completed;
    private bool _disposed;

    /// <summary>Why the helpers take no video, once that is known; null while they do.</summary>
    public string? Unavailable => _unavailable;

    /// <summary>Helper processes started since this pool was made.</summary>
    public int Started => Volatile.Read(ref _started);

    /// <summary>Splits the helpers have taken to their end (an exit code, as the command's) since this pool was made.</summary>
    public int Completed => Volatile.Read(ref _completed);

    /// <summary>The helpers waiting for work (their process ids).</summary>
    public IReadOnlyList<int> IdleProcessIds => _idle.Select(helper => helper.ProcessId).ToList();

    /// <summary>A split of <paramref name="request"/> under way in a helper; null when no helper can take it.</summary>
    public async Task<SplitHelperRun?> StartAsync(LibavSplitRequest request, CancellationToken cancellationToken)
    {
        // All helpers busy for that long: this video gets a command of its own, so that a split whose reader is held up
        // (a grain waiting on the database) does not hold up another video's for longer.
        if (_unavailable is not null || !await _slots.WaitAsync(wait, cancellationToken)) return null;
        Helper? helper = null;
        var handedOver = false;
        try
        {
            if (!_idle.TryTake(out helper))
            {
                if (!File.Exists(Helper.FilePath))
                {
                    _unavailable = $"{Helper.FilePath} is missing";
                    logger.LogWarning("Videos are split by an ffmpeg process each: {Reason}", _unavailable);
                    return null;
                }
                helper = Helper.Start();
                Interlocked.Increment(ref _started);
                logger.LogInformation("Split helper {ProcessId} started", helper.ProcessId);
                var (kind, payload) = await helper.ReadAsync(cancellationToken);
                var hello = kind == SplitHelperProtocol.Hello ? JsonSerializer.Deserialize<SplitHelperHello>(payload.Span) : null;
                if (hello is not { Available: true })
                {
                    _unavailable = hello?.Reason ?? "the helper did not say hello";
                    logger.LogWarning("Videos are split by an ffmpeg process each: the split helper cannot split in-process ({Reason})", _unavailable);
                    return null;
                }
            }
            await helper.SendAsync(request, cancellationToken);
            var run = new SplitHelperRun(helper, this);
            handedOver = true;
            return run;
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            logger.LogWarning(e, "The split helper could not take {Source}; an ffmpeg process will split it", request.Source);
            return null;
        }
        finally
        {
            // Not handed to a run: the helper (if any) goes, and so does the claim on a slot.
            if (!handedOver)
            {
                helper?.Dispose();
                _slots.Release();
            }
        }
    }

    private void Return(Helper helper, bool reusable)
    {
        if (reusable && !_disposed) _idle.Add(helper);
        else helper.Dispose();
        _slots.Release();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        while (_idle.TryTake(out var helper)) helper.Dispose();
    }

    /// <summary>One video's split in a helper: its frames and log lines as they come, then the exit code.</summary>
    public sealed class SplitHelperRun : IDisposable
    {
        private readonly Helper _helper;
        private readonly SplitHelpers _pool;
        private bool _ended;

        internal SplitHelperRun(Helper helper, SplitHelpers pool) => (_helper, _pool) = (helper, pool);

        /// <summary>The command's exit code, once the split has ended.</summary>
        public int? ExitCode { get; private set; }

        /// <summary>
        /// The next frame into <paramref name="frame"/> (false once the split has ended, <see cref="ExitCode"/> then set),
        /// passing the log lines before it to <paramref name="message"/>. Throws <see cref="LibavSplitUnsupportedException"/>
        /// when the command must split this video, <see cref="IOException"/> when the helper died or broke.
        /// </summary>
        public async Task<bool> ReadFrameAsync(byte[] frame, Action<string> message, CancellationToken cancellationToken)
        {
            if (ExitCode is not null) return false;
            // A decoder stuck on a file is not woken by a cancelled read: the helper goes, and the read ends with it.
            await using var stop = cancellationToken.Register(_helper.Dispose);
            while (true)
            {
                var (kind, payload) = await _helper.ReadAsync(cancellationToken, frame);
                switch (kind)
                {
                    case SplitHelperProtocol.Log:
                        message(Encoding.UTF8.GetString(payload.Span));
                        break;
                    case SplitHelperProtocol.Frame:
                        if (payload.Length != frame.Length) throw new IOException($"the split helper sent a frame of {payload.Length} bytes, not {frame.Length}");
                        return true;
                    case SplitHelperProtocol.Exit:
                        ExitCode = BinaryPrimitives.ReadInt32LittleEndian(payload.Span);
                        Interlocked.Increment(ref _pool._completed);
                        End(reusable: true);
                        return false;
                    case SplitHelperProtocol.Unsupported:
                        End(reusable: true);
                        throw new LibavSplitUnsupportedException(Encoding.UTF8.GetString(payload.Span));
                    case SplitHelperProtocol.Failed:
                        End(reusable: true);
                        throw new IOException($"the split helper failed: {Encoding.UTF8.GetString(payload.Span)}");
                    default:
                        throw new IOException($"the split helper sent a record of kind {kind}");
                }
            }
        }

        private void End(bool reusable)
        {
            if (_ended) return;
            _ended = true;
            _pool.Return(_helper, reusable);
        }

        /// <summary>A run left before its end (cancelled, failed, or its reader gone) takes its helper with it: it may still be writing.</summary>
        public void Dispose() => End(reusable: false);
    }

    internal sealed class Helper(Process process) : IDisposable
    {
        private readonly byte[] _header = new byte[5];
        private byte[] _buffer = new byte[4096];

        public static string FilePath => Path.Combine(AppContext.BaseDirectory, HelperFile);

        public static Helper Start()
        {
            var helper = FilePath;
            // The helper runs on the same .NET as this process: its muxer when this process was started by one.
            var host = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet"
                ? path
                : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } muxer ? muxer : "dotnet";
            var start = new ProcessStartInfo(host)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(helper);
            // One video at a time: the server GC's heap a core would be memory for nothing.
            start.Environment["DOTNET_gcServer"] = "0";
            var process = Process.Start(start) ?? throw new InvalidOperationException("the split helper could not be started");
            return new Helper(process);
        }

        public int ProcessId => process.Id;

        public async Task SendAsync(LibavSplitRequest request, CancellationToken cancellationToken)
        {
            await process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(request).AsMemory(), cancellationToken);
            await process.StandardInput.FlushAsync(cancellationToken);
        }

        /// <summary>The next record; a frame's bytes land in <paramref name="frame"/> when they fit it.</summary>
        public async Task<(byte Kind, ReadOnlyMemory<byte> Payload)> ReadAsync(CancellationToken cancellationToken, byte[]? frame = null)
        {
            var stream = process.StandardOutput.BaseStream;
            await stream.ReadExactlyAsync(_header, cancellationToken);
            var length = BinaryPrimitives.ReadInt32LittleEndian(_header.AsSpan(1));
            if (length < 0 || length > 1 << 28) throw new IOException($"the split helper sent a record of {length} bytes");
            var target = _header[0] == SplitHelperProtocol.Frame && frame is not null && frame.Length == length ? frame : Buffer(length);
            await stream.ReadExactlyAsync(target.AsMemory(0, length), cancellationToken);
            return (_header[0], target.AsMemory(0, length));
        }

        private byte[] Buffer(int length)
        {
            if (_buffer.Length < length) _buffer = new byte[length];
            return _buffer;
        }

        public void Dispose()
        {
            try
            {
                if (!process.HasExited) process.Kill();
            }
            catch (InvalidOperationException)
            {
                // It ended already.
            }
            process.Dispose();
        }
    }
}
